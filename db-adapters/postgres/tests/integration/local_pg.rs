//! A throwaway PostgreSQL on 127.0.0.1 for the client tests.

use rjepsen_core::test::Test;
use rjepsen_testkit::{is_root, loopback_test};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct LocalPg {
    pub dir: PathBuf,
    pub port: u16,
}

fn as_postgres(cmd: &str) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--", "sh", "-c", cmd])
        .output()
        .expect("runuser")
}

/// Root and PostgreSQL 15's binaries, or say why not.
pub fn can_run() -> bool {
    let ok = is_root() && std::path::Path::new(BIN).join("initdb").exists();
    if !ok {
        eprintln!("skipped: needs root and {BIN}");
    }
    ok
}

impl LocalPg {
    /// Starts a server, or `None` (with the reason on stderr) when this
    /// machine cannot: not root, or no PostgreSQL 15.
    pub fn start(name: &str) -> Option<LocalPg> {
        if !can_run() {
            return None;
        }
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("rjepsen-pg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Command::new("chown")
            .args(["postgres", dir.to_str().unwrap()])
            .status()
            .unwrap();
        let d = dir.display();
        let init = as_postgres(&format!(
            "{BIN}/initdb -D {d}/data -A trust -U postgres >{d}/initdb.log 2>&1"
        ));
        assert!(init.status.success(), "initdb failed: see {d}/initdb.log");
        let start = as_postgres(&format!(
            "{BIN}/pg_ctl -D {d}/data -l {d}/pg.log -w -o '-p {port} -k {d} -c listen_addresses=127.0.0.1' start"
        ));
        assert!(
            start.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&start.stderr)
        );
        Some(LocalPg { dir, port })
    }

    /// A test of one node at this server's address, with `options`.
    pub fn test(&self, options: Value) -> Test {
        let options: Map<String, Value> = options.as_object().cloned().unwrap_or_default();
        loopback_test("pg", self.port, 8, options)
    }
}

impl Drop for LocalPg {
    fn drop(&mut self) {
        let d = self.dir.display();
        as_postgres(&format!(
            "{BIN}/pg_ctl -D {d}/data -m immediate stop >/dev/null 2>&1"
        ));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
