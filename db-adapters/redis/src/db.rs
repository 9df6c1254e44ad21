//! The Redis `Db`: the first node starts as primary, every other node as its
//! replica (`replicaof`), and with `--failover sentinel` a Sentinel on every
//! node, a majority of which promotes a replica when the primary is down.
//!
//! Setup runs on all nodes at once: each writes its configs, starts its
//! server (replicas connect to the primary when it is up) and its Sentinel.
//! Kill and pause act on the server only: Sentinels are the cluster's
//! referees and stay, as they would on a real node whose database crashed.
//! Who is primary is what the Sentinels say now, not who started as one.
//! Kill, pause and log files are core's `Scripted` implementations.

use super::commands as cmd;
use super::conn::{current_primary, PORT};
use super::options::{Failover, RedisOptions};
use async_trait::async_trait;
use rjepsen_core::addr::Ports;
use rjepsen_core::db::{Db, DbError, DbOptions, Kill, LogFiles, Pause, PidFile, Primary, Scripted};
use rjepsen_core::test::Test;

/// Redis (and Sentinel) on every node of the test.
#[derive(Clone, Debug, Default)]
pub struct Redis;

fn other(node: &str, action: &str, message: impl Into<String>) -> DbError {
    DbError::Other {
        node: node.to_string(),
        action: action.to_string(),
        message: message.into(),
    }
}

#[async_trait]
impl Db for Redis {
    async fn setup(&self, test: &Test, node: &str) -> Result<(), DbError> {
        let o = RedisOptions::of(test);
        let book = |n: &str| {
            test.addrs
                .get(n)
                .map_err(|e| other(n, "set up redis", e.to_string()))
        };
        let me = book(node)?;
        let first = test
            .nodes
            .first()
            .ok_or_else(|| other(node, "set up redis", "the test has no nodes"))?;
        let primary = book(first)?;
        let sentinel = (o.failover == Failover::Sentinel)
            .then(|| cmd::sentinel_conf(me, primary, test.nodes.len() / 2 + 1));
        test.remote.exec(node, &cmd::install()).await?;
        let conf = cmd::configure(&cmd::redis_conf(me, primary, &o), sentinel.as_deref());
        test.remote.exec(node, &conf).await?;
        test.remote.exec(node, &cmd::start(me)).await?;
        if sentinel.is_some() {
            test.remote.exec(node, &cmd::start_sentinel(me)).await?;
            let peers = test.nodes.len().saturating_sub(1);
            test.remote
                .exec(node, &cmd::await_sentinel(me, peers))
                .await?;
        }
        Ok(())
    }

    async fn teardown(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &cmd::wipe()).await?;
        Ok(())
    }

    fn ports(&self) -> Option<Ports> {
        Some(Ports {
            client: PORT,
            peer: PORT,
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

/// Kill, pause and log files: core's implementations, with Redis's scripts
/// (acting on the server only).
#[async_trait]
impl Scripted for Redis {
    fn kill_script(&self) -> String {
        cmd::kill()
    }

    async fn start_script(&self, test: &Test, node: &str) -> Result<String, DbError> {
        let me = test
            .addrs
            .get(node)
            .map_err(|e| other(node, "start redis", e.to_string()))?;
        Ok(cmd::start(me))
    }

    fn signal_script(&self, signal: &str) -> String {
        cmd::signal(signal)
    }

    fn paused_script(&self) -> Option<String> {
        Some(cmd::paused())
    }

    /// Both logs (`configure` creates Sentinel's also without Sentinel).
    fn log_paths(&self) -> Vec<String> {
        vec![
            cmd::LOG_FILE.to_string(),
            cmd::SENTINEL_LOG_FILE.to_string(),
        ]
    }
}

#[async_trait]
impl Primary for Redis {
    /// What the Sentinels say (the first that answers); the first node
    /// without Sentinel.
    async fn primaries(&self, test: &Test) -> Result<Vec<String>, DbError> {
        let first = test.nodes.first().map(String::as_str).unwrap_or_default();
        let p = current_primary(test, first)
            .await
            .map_err(|e| other(first, "ask the sentinels for the primary", e))?;
        Ok(vec![p])
    }
}

impl PidFile for Redis {
    fn pid_file(&self, _test: &Test, _node: &str) -> String {
        format!("{}/redis.pid", cmd::DIR)
    }
}
