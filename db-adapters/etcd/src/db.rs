//! The etcd `Db`: install, bootstrap, kill, pause and locate the leader of an etcd
//! cluster spanning all of a test's nodes (kill, pause and log files through
//! core's `Scripted`, with etcd's scripts).
//!
//! Everything on a node goes through `test.remote` with the scripts of
//! [`super::commands`], so the same code runs on local namespace nodes, containers
//! or real machines. Every address comes from the test's address book (what the
//! node listens on, what it advertises, what the control node dials), so a proxy
//! can stand in front of each node; health and leadership are asked over gRPC
//! from the control node, which must reach every node's client address anyway.

use super::commands as cmd;
use super::conn::{endpoint, CONNECT_TIMEOUT};
use super::options::EtcdOptions;
use async_trait::async_trait;
use etcd_client::{Client as GrpcClient, ConnectOptions};
use rjepsen_core::addr::Ports;
use rjepsen_core::db::{Db, DbError, DbOptions, Kill, LogFiles, Pause, PidFile, Primary, Scripted};
use rjepsen_core::test::Test;
use std::path::Path;
use std::time::{Duration, Instant};

/// etcd on every node of the test, as one cluster.
#[derive(Clone, Debug)]
pub struct Etcd {
    /// How long setup waits for the whole cluster to serve linearizable reads.
    pub setup_timeout: Duration,
}

impl Default for Etcd {
    fn default() -> Self {
        Etcd {
            setup_timeout: Duration::from_secs(60),
        }
    }
}

fn other(node: &str, action: &str, message: impl Into<String>) -> DbError {
    DbError::Other {
        node: node.to_string(),
        action: action.to_string(),
        message: message.into(),
    }
}

/// Asks `node` one linearizable read, bounded by `timeout`.
async fn serves(test: &Test, node: &str, timeout: Duration) -> Result<(), String> {
    let url = endpoint(test, node).map_err(|e| e.to_string())?;
    let opts = ConnectOptions::new()
        .with_connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .with_timeout(timeout);
    let fut = async {
        let mut c = GrpcClient::connect([url.as_str()], Some(opts))
            .await
            .map_err(|e| e.to_string())?;
        c.get("health", None).await.map_err(|e| e.to_string())?;
        Ok(())
    };
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {timeout:?}")))
}

/// True when the node at client URL `url` believes it is the raft leader.
async fn leads(url: String) -> Result<bool, String> {
    let opts = ConnectOptions::new()
        .with_connect_timeout(CONNECT_TIMEOUT)
        .with_timeout(Duration::from_secs(2));
    let fut = async {
        let mut c = GrpcClient::connect([url.as_str()], Some(opts))
            .await
            .map_err(|e| e.to_string())?;
        let status = c.status().await.map_err(|e| e.to_string())?;
        let me = status.header().map(|h| h.member_id());
        Ok(me.is_some() && me == Some(status.leader()))
    };
    tokio::time::timeout(Duration::from_secs(3), fut)
        .await
        .unwrap_or_else(|_| Err("no answer within 3s".into()))
}

impl Etcd {
    /// Installs etcd if needed and returns the path of the binary to run.
    async fn install(&self, test: &Test, node: &str) -> Result<String, DbError> {
        let remote = &test.remote;
        if let Some(local) = EtcdOptions::of(test).db_binary.as_deref() {
            remote.exec(node, "mkdir -p /opt/rjepsen").await?;
            remote
                .upload(node, Path::new(local), cmd::UPLOADED_BINARY)
                .await?;
            remote
                .exec(node, &format!("chmod 755 {}", cmd::UPLOADED_BINARY))
                .await?;
            return Ok(cmd::UPLOADED_BINARY.to_string());
        }
        let out = remote.exec(node, &cmd::install_package()).await?;
        let path = out.stdout.trim().to_string();
        if path.is_empty() {
            return Err(other(node, "install etcd", "no etcd on PATH after install"));
        }
        Ok(path)
    }

    /// The binary that setup installed.
    async fn binary(&self, test: &Test, node: &str) -> Result<String, DbError> {
        if EtcdOptions::of(test).db_binary.is_some() {
            return Ok(cmd::UPLOADED_BINARY.to_string());
        }
        let out = test.remote.exec(node, "command -v etcd").await?;
        Ok(out.stdout.trim().to_string())
    }

    /// The command line of etcd on `node`, with the whole cluster's
    /// addresses as the test's address book gives them.
    fn start_args(&self, test: &Test, node: &str, binary: &str) -> Result<String, DbError> {
        let me = test
            .addrs
            .get(node)
            .map_err(|e| other(node, "start etcd", e.to_string()))?;
        Ok(cmd::etcd_args(binary, me, &test.addrs))
    }

    /// Waits until every node serves a linearizable read; on timeout, names the
    /// first node that does not and quotes its log.
    async fn await_healthy(&self, test: &Test, node: &str) -> Result<(), DbError> {
        let deadline = Instant::now() + self.setup_timeout;
        loop {
            let mut sick = None;
            for n in &test.nodes {
                if let Err(e) = serves(test, n, Duration::from_secs(2)).await {
                    sick = Some((n.clone(), e));
                    break;
                }
            }
            let Some((sick, why)) = sick else {
                return Ok(());
            };
            if Instant::now() >= deadline {
                let tail = test
                    .remote
                    .exec_unchecked(&sick, &cmd::log_tail())
                    .await
                    .map(|o| o.stdout)
                    .unwrap_or_else(|e| format!("(cannot read it: {e})"));
                return Err(other(
                    node,
                    "wait for a healthy etcd cluster",
                    format!(
                        "{sick} did not serve within {:?}: {why}; tail of {sick}:{}:\n{tail}",
                        self.setup_timeout,
                        cmd::LOG_FILE
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

#[async_trait]
impl Db for Etcd {
    async fn setup(&self, test: &Test, node: &str) -> Result<(), DbError> {
        let binary = self.install(test, node).await?;
        let args = self.start_args(test, node, &binary)?;
        test.remote.exec(node, &cmd::start(&args)).await?;
        self.await_healthy(test, node).await
    }

    async fn teardown(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &cmd::wipe()).await?;
        Ok(())
    }

    fn ports(&self) -> Option<Ports> {
        Some(Ports {
            client: super::conn::CLIENT_PORT,
            peer: cmd::PEER_PORT,
        })
    }

    fn as_kill(&self) -> Option<&dyn Kill> {
        Some(self)
    }
    fn as_pause(&self) -> Option<&dyn Pause> {
        Some(self)
    }
    fn as_primary(&self) -> Option<&dyn Primary> {
        Some(self)
    }
    fn as_log_files(&self) -> Option<&dyn LogFiles> {
        Some(self)
    }
    fn as_pid_file(&self) -> Option<&dyn PidFile> {
        Some(self)
    }
}

/// Kill, pause and log files: core's implementations, with etcd's scripts.
#[async_trait]
impl Scripted for Etcd {
    fn kill_script(&self) -> String {
        cmd::kill()
    }

    async fn start_script(&self, test: &Test, node: &str) -> Result<String, DbError> {
        let binary = self.binary(test, node).await?;
        self.start_args(test, node, &binary)
            .map(|args| cmd::start(&args))
    }

    fn signal_script(&self, signal: &str) -> String {
        cmd::signal(signal)
    }

    fn resume_script(&self) -> String {
        cmd::resume()
    }

    fn paused_script(&self) -> Option<String> {
        Some(cmd::paused())
    }

    fn log_paths(&self) -> Vec<String> {
        vec![cmd::LOG_FILE.to_string()]
    }
}

#[async_trait]
impl Primary for Etcd {
    /// Nodes that believe they lead (more than one during a partition, none while
    /// an election runs). Nodes that do not answer are left out.
    async fn primaries(&self, test: &Test) -> Result<Vec<String>, DbError> {
        let tasks: Vec<_> = test
            .nodes
            .iter()
            .map(|n| {
                let n = n.clone();
                let url = endpoint(test, &n).map_err(|e| e.to_string());
                tokio::spawn(async move {
                    match url {
                        Ok(url) => (leads(url).await, n),
                        Err(e) => (Err(e), n),
                    }
                })
            })
            .collect();
        let mut leaders = Vec::new();
        for t in tasks {
            if let Ok((Ok(true), n)) = t.await {
                leaders.push(n);
            }
        }
        Ok(leaders)
    }
}

impl PidFile for Etcd {
    fn pid_file(&self, _test: &Test, _node: &str) -> String {
        cmd::PIDFILE.to_string()
    }
}
