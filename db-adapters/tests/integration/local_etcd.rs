//! A single-member etcd on loopback for client tests: random high ports, its own
//! data directory under the temp dir, killed by PID and wiped when dropped.

use rjepsen_core::addr::{AddrBook, NodeAddrs};
use rjepsen_core::control::local::LocalRemote;
use rjepsen_core::test::Test;
use serde_json::{Map, Value};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const ETCD: &str = "/usr/bin/etcd";

pub struct LocalEtcd {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:PORT`, usable as a node name by the clients.
    pub node: String,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("failed to bind a free port on loopback");
    l.local_addr().unwrap().port()
}

impl LocalEtcd {
    /// Starts etcd and waits (at most 20 s) until it serves; `None` (with a message)
    /// when etcd is not installed.
    pub fn start(label: &str) -> Option<LocalEtcd> {
        if !std::path::Path::new(ETCD).exists() {
            eprintln!("skipping: {ETCD} is not installed (apt-get install etcd-server)");
            return None;
        }
        let (client, peer) = (free_port(), free_port());
        let dir = std::env::temp_dir().join(format!(
            "rjepsen-etcd-{label}-{}-{client}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join("etcd.log")).unwrap();
        let child = Command::new(ETCD)
            .args(["--name", "solo", "--data-dir"])
            .arg(dir.join("data"))
            .arg(format!("--listen-client-urls=http://127.0.0.1:{client}"))
            .arg(format!("--advertise-client-urls=http://127.0.0.1:{client}"))
            .arg(format!("--listen-peer-urls=http://127.0.0.1:{peer}"))
            .arg(format!(
                "--initial-advertise-peer-urls=http://127.0.0.1:{peer}"
            ))
            .arg(format!("--initial-cluster=solo=http://127.0.0.1:{peer}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("failed to start etcd");
        let etcd = LocalEtcd {
            child,
            dir,
            node: format!("127.0.0.1:{client}"),
        };
        etcd.wait_ready();
        Some(etcd)
    }

    /// Waits until etcd's `/health` says true: it has elected itself leader and
    /// serves a quorum read, so the first op of a test is not an election's victim.
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.healthy() {
            assert!(
                Instant::now() < deadline,
                "failed to start etcd on {}: log:\n{}",
                self.node,
                std::fs::read_to_string(self.dir.join("etcd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn healthy(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(&self.node) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let req = format!("GET /health HTTP/1.0\r\nHost: {}\r\n\r\n", self.node);
        let mut body = String::new();
        s.write_all(req.as_bytes()).is_ok()
            && s.read_to_string(&mut body).is_ok()
            && body.contains("\"health\":\"true\"")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`STOP`, `CONT`) to the etcd process and, for `STOP`, waits
    /// until every thread of it is stopped (signal delivery is asynchronous).
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "failed to send SIG{sig} to etcd pid {}", self.pid());
        let deadline = Instant::now() + Duration::from_secs(5);
        while sig == "STOP" && !self.all_threads_stopped() {
            assert!(
                Instant::now() < deadline,
                "etcd pid {} did not stop",
                self.pid()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn all_threads_stopped(&self) -> bool {
        let tasks = format!("/proc/{}/task", self.pid());
        std::fs::read_dir(tasks).unwrap().flatten().all(|t| {
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            stat.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('T'))
        })
    }

    /// A test whose only node is this etcd, with `options`.
    pub fn test(&self, options: Value) -> Test {
        test_for(vec![self.node.clone()], options)
    }
}

impl Drop for LocalEtcd {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.pid().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `Test` over `nodes` with a local remote and `options` (a JSON object).
pub fn test_for(nodes: Vec<String>, options: Value) -> Test {
    let options: Map<String, Value> = match options {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // Loopback etcds are named by their client address; cluster nodes get
    // their book from the cluster (the caller replaces this empty one).
    let addrs = nodes
        .iter()
        .filter_map(|n| n.parse().ok().map(|client| NodeAddrs::at(n, client, 0)))
        .collect();
    Test {
        addrs: AddrBook::new(addrs),
        name: "db-adapters-integration".into(),
        nodes,
        concurrency: 4,
        seed: 1,
        remote: Arc::new(LocalRemote::new()),
        store_dir: std::env::temp_dir(),
        options,
    }
}

/// `127.0.0.1:PORT` where nothing listens.
pub fn free_port_node() -> String {
    format!("127.0.0.1:{}", free_port())
}
