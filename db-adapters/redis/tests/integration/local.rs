//! A throwaway Redis on 127.0.0.1 for the client tests: a child process,
//! killed by its pid when dropped.

use rjepsen_core::test::Test;
use rjepsen_testkit::loopback_test;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct LocalRedis {
    pub dir: PathBuf,
    pub port: u16,
    child: Child,
}

/// Whether Debian's redis-server is here, or say why not.
pub fn can_run() -> bool {
    let ok = Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok();
    if !ok {
        eprintln!("skipped: needs redis-server (scripts/setup.sh installs it)");
    }
    ok
}

impl LocalRedis {
    /// Starts a server on `port` (24000–24999, one per test), or `None`
    /// (with the reason on stderr) when redis-server is missing.
    pub fn start(port: u16) -> Option<LocalRedis> {
        if !can_run() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("rjepsen-redis-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .args(["--enable-debug-command", "local"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let me = LocalRedis { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server on {port} never listened"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(me)
    }

    /// A test of one node at this server's address, without Sentinel, with
    /// `options` besides.
    pub fn test(&self, options: Value) -> Test {
        let mut all: Map<String, Value> = options.as_object().cloned().unwrap_or_default();
        all.insert("failover".into(), "none".into());
        loopback_test("redis", self.port, 4, all)
    }

    /// Runs `redis-cli` against this server.
    pub fn cli(&self, args: &[&str]) -> String {
        let o = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}

impl LocalRedis {
    /// Starts `redis-cli` against this server without waiting for it.
    pub fn cli_spawn(&self, args: &[&str]) -> Child {
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("redis-cli")
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
