//! A throwaway cluster of network namespaces for nemesis tests.
//!
//! Each node is a netns with one veth (`eth0`, 10.79.0.i/24) plugged into a
//! bridge that lives in a hub netns of its own (10.79.0.254, standing in for the
//! control node), so nothing in the host's namespace is touched. Commands reach
//! a node through `ip netns exec`; TCP probes run on a thread that has entered
//! the node's namespace. Dropping the cluster deletes every namespace.

use async_trait::async_trait;
use rjepsen_core::control::{ControlError, Output, Remote};
use rjepsen_core::test::Test;
use serde_json::Map;
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PORT: u16 = 7777;
pub const HUB_IP: &str = "10.79.0.254";

/// Runs `ip ARGS` and returns whether it succeeded, with stderr.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("failed to run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "failed to run `ip {}`: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `f` on a thread that has entered network namespace `ns`.
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file =
            std::fs::File::open(&path).unwrap_or_else(|e| panic!("failed to open {path}: {e}"));
        // SAFETY: setns on a valid namespace fd only changes this thread's netns.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "failed to enter {path}");
        f()
    })
    .join()
    .expect("netns thread panicked")
}

/// Local nodes n1..nN in namespaces; see the module documentation.
pub struct Cluster {
    pub prefix: String,
    pub nodes: Vec<String>,
    listeners: Vec<TcpListener>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl Cluster {
    /// Makes `n` nodes, or returns why it cannot (not root, no `ip netns`).
    pub fn up(n: usize) -> Result<Cluster, String> {
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root".into());
        }
        let prefix = format!(
            "rjnem{}x{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = Cluster {
            prefix,
            nodes: (1..=n).map(|i| format!("n{i}")).collect(),
            listeners: vec![],
        };
        c.build().inspect_err(|_| c.down())?;
        Ok(c)
    }

    pub fn ns(&self, node: &str) -> String {
        format!("{}{}", self.prefix, node)
    }

    pub fn hub(&self) -> String {
        format!("{}hub", self.prefix)
    }

    pub fn addr(&self, node: &str) -> String {
        let i: usize = node
            .trim_start_matches('n')
            .parse()
            .expect("node names are n<i>");
        format!("10.79.0.{i}")
    }

    fn build(&mut self) -> Result<(), String> {
        let hub = self.hub();
        ip(&["netns", "add", &hub])?;
        ip(&["-n", &hub, "link", "add", "br0", "type", "bridge"])?;
        ip(&[
            "-n",
            &hub,
            "addr",
            "add",
            &format!("{HUB_IP}/24"),
            "dev",
            "br0",
        ])?;
        ip(&["-n", &hub, "link", "set", "br0", "up"])?;
        for node in self.nodes.clone() {
            let (ns, port) = (self.ns(&node), format!("p{node}"));
            ip(&["netns", "add", &ns])?;
            ip(&[
                "-n", &hub, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns",
                &ns,
            ])?;
            ip(&["-n", &hub, "link", "set", &port, "master", "br0", "up"])?;
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}/24", self.addr(&node)),
                "dev",
                "eth0",
            ])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            let l = in_netns(&ns, || TcpListener::bind(("0.0.0.0", PORT)));
            self.listeners
                .push(l.map_err(|e| format!("failed to listen in {ns}: {e}"))?);
        }
        let l = in_netns(&hub, || TcpListener::bind((HUB_IP, PORT)));
        self.listeners
            .push(l.map_err(|e| format!("failed to listen in {hub}: {e}"))?);
        Ok(())
    }

    fn down(&mut self) {
        self.listeners.clear();
        for node in self.nodes.clone() {
            let _ = ip(&["netns", "del", &self.ns(&node)]);
        }
        let _ = ip(&["netns", "del", &self.hub()]);
    }

    /// How long a TCP connect from `from` to `to_ip` took, or None if it did not
    /// succeed within `timeout`.
    pub fn connect(&self, from: &str, to_ip: &str, timeout: Duration) -> Option<Duration> {
        let addr: SocketAddr = format!("{to_ip}:{PORT}").parse().unwrap();
        in_netns(&self.ns(from), move || {
            let t = Instant::now();
            TcpStream::connect_timeout(&addr, timeout)
                .ok()
                .map(|_| t.elapsed())
        })
    }

    /// Whether `from` can open a TCP connection to node `to` (300 ms bound: the
    /// nodes share one bridge, where a connect takes well under 1 ms).
    pub fn reaches(&self, from: &str, to: &str) -> bool {
        self.connect(from, &self.addr(to), Duration::from_millis(300))
            .is_some()
    }

    /// Runs `cmd` in `node`'s namespace and returns stdout (for assertions).
    pub fn sh(&self, node: &str, cmd: &str) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns(node), "sh", "-c", cmd])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A `Test` over `nodes` whose remote runs commands in these namespaces;
    /// names resolve through its address book, not `/etc/hosts`.
    pub fn test(&self, nodes: &[&str]) -> Test {
        let ns_of: BTreeMap<String, String> =
            self.nodes.iter().map(|n| (n.clone(), self.ns(n))).collect();
        let resolved: Vec<(String, std::net::IpAddr)> = self
            .nodes
            .iter()
            .map(|n| (n.clone(), self.addr(n).parse().unwrap()))
            .collect();
        let ports = rjepsen_core::addr::Ports::NONE;
        Test {
            addrs: rjepsen_core::addr::AddrBook::direct(&resolved, ports),
            name: "nemesis-integration".into(),
            nodes: nodes.iter().map(|s| s.to_string()).collect(),
            concurrency: 1,
            seed: 42,
            remote: Arc::new(NetnsRemote { ns_of }),
            store_dir: std::env::temp_dir(),
            options: Map::new(),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.down();
    }
}

/// Builds a cluster or prints why the test is skipped.
pub fn cluster_or_skip(n: usize) -> Option<Cluster> {
    match Cluster::up(n) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("SKIPPED: network namespaces unavailable ({e}); run as root");
            None
        }
    }
}

/// A `Remote` that runs commands with `ip netns exec`; a node it does not know
/// fails to connect, like an unreachable machine.
pub struct NetnsRemote {
    ns_of: BTreeMap<String, String>,
}

#[async_trait]
impl Remote for NetnsRemote {
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        let Some(ns) = self.ns_of.get(node) else {
            return Err(ControlError::Connect {
                node: node.into(),
                message: "no such namespace".into(),
            });
        };
        let out = tokio::process::Command::new("ip")
            .args(["netns", "exec", ns, "sh", "-c", cmd])
            .output()
            .await
            .map_err(|e| ControlError::Session {
                node: node.into(),
                cmd: cmd.into(),
                message: e.to_string(),
            })?;
        Ok(Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    async fn upload(
        &self,
        node: &str,
        local: &Path,
        remote_path: &str,
    ) -> Result<(), ControlError> {
        Err(ControlError::Transfer {
            node: node.into(),
            from: local.display().to_string(),
            to: remote_path.into(),
            message: "not supported".into(),
        })
    }

    async fn download(
        &self,
        node: &str,
        remote_path: &str,
        local: &Path,
    ) -> Result<(), ControlError> {
        Err(ControlError::Transfer {
            node: node.into(),
            from: remote_path.into(),
            to: local.display().to_string(),
            message: "not supported".into(),
        })
    }
}
