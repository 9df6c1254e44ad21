//! A playground daemon in this process on a fresh directory, and polling helpers.

use rjepsen_playground::{Daemon, DaemonConfig, DbChoice, NodeStatus, Playground};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Running {
    pub daemon: Option<Daemon>,
    pub pg: Playground,
    pub dir: PathBuf,
}

/// Starts a 3-node playground (Debian's etcd) and waits until it is healthy.
pub async fn start(test: &str) -> Running {
    let dir = std::env::temp_dir().join(format!("rjepsen-pg-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = DaemonConfig {
        dir: dir.clone(),
        count: 3,
        seed: 42,
        db: DbChoice::Etcd {
            binary: "/usr/bin/etcd".into(),
        },
    };
    let daemon = Daemon::start(cfg).await.expect("start the playground");
    let mut pg = Playground::open(&dir).await.expect("open the playground");
    pg.wait_healthy(Duration::from_secs(20))
        .await
        .expect("healthy");
    Running {
        daemon: Some(daemon),
        pg,
        dir,
    }
}

impl Running {
    pub async fn close(mut self) {
        if let Some(d) = self.daemon.take() {
            d.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// The leader all nodes agree on.
    pub async fn leader(&mut self) -> String {
        let s = self.pg.status().await.unwrap();
        s[0].leader.clone().expect("a leader")
    }

    /// Polls `status` until `ok` holds; panics with the last status after `within`.
    pub async fn until(
        &mut self,
        within: Duration,
        what: &str,
        ok: impl Fn(&[NodeStatus]) -> bool,
    ) {
        let t = Instant::now();
        loop {
            let s = self.pg.status().await.unwrap();
            if ok(&s) {
                return;
            }
            if t.elapsed() > within {
                panic!("{what}: not within {within:?}; status: {s:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn node<'a>(s: &'a [NodeStatus], name: &str) -> &'a NodeStatus {
    s.iter().find(|n| n.name == name).expect("node in status")
}
