//! The PostgreSQL `Db`: one primary (the test's first node) and every other
//! node a streaming replica made with `pg_basebackup -R`.
//!
//! Setup runs on all nodes at once: the primary initialises and starts; each
//! replica waits for it, copies it and starts in standby mode. Everything on a
//! node goes through `test.remote` with the scripts of [`super::commands`];
//! every address comes from the test's address book. Kill, pause and log
//! files are core's `Scripted` implementations with this crate's scripts.

use super::commands as cmd;
use super::options::PgOptions;
use async_trait::async_trait;
use rjepsen_core::addr::Ports;
use rjepsen_core::db::{Db, DbError, DbOptions, Kill, LogFiles, Pause, Primary, Scripted};
use rjepsen_core::test::Test;

/// PostgreSQL on every node of the test.
#[derive(Clone, Debug, Default)]
pub struct Postgres;

fn other(node: &str, action: &str, message: impl Into<String>) -> DbError {
    DbError::Other {
        node: node.to_string(),
        action: action.to_string(),
        message: message.into(),
    }
}

/// The primary's name: the test's first node.
pub fn primary(test: &Test) -> Result<&str, DbError> {
    test.nodes
        .first()
        .map(String::as_str)
        .ok_or_else(|| other("", "find the primary", "the test has no nodes"))
}

#[async_trait]
impl Db for Postgres {
    async fn setup(&self, test: &Test, node: &str) -> Result<(), DbError> {
        let sync = PgOptions::of(test).sync_replication;
        let book = |n: &str| {
            test.addrs
                .get(n)
                .map_err(|e| other(n, "set up postgres", e.to_string()))
        };
        let me = book(node)?;
        let first = primary(test)?;
        test.remote.exec(node, &cmd::install()).await?;
        let init = if node == first {
            cmd::init_primary(me, sync)
        } else {
            cmd::init_replica(me, book(first)?, sync)
        };
        test.remote.exec(node, &init).await?;
        test.remote.exec(node, &cmd::start()).await?;
        Ok(())
    }

    async fn teardown(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &cmd::wipe()).await?;
        Ok(())
    }

    fn ports(&self) -> Option<Ports> {
        Some(Ports {
            client: super::conn::PORT,
            peer: super::conn::PORT,
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
}

/// Kill, pause and log files: core's implementations, with PostgreSQL's
/// scripts.
#[async_trait]
impl Scripted for Postgres {
    fn kill_script(&self) -> String {
        cmd::kill()
    }

    async fn start_script(&self, _test: &Test, _node: &str) -> Result<String, DbError> {
        Ok(cmd::start())
    }

    fn signal_script(&self, signal: &str) -> String {
        cmd::signal(signal)
    }

    fn log_paths(&self) -> Vec<String> {
        vec![cmd::LOG_FILE.to_string()]
    }
}

#[async_trait]
impl Primary for Postgres {
    /// The first node: there is no failover, so it is the primary all along.
    async fn primaries(&self, test: &Test) -> Result<Vec<String>, DbError> {
        Ok(vec![primary(test)?.to_string()])
    }
}
