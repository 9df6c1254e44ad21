//! Kill, pause and log files of a DB whose process on a node is handled by
//! shell scripts: one implementation of [`Kill`], [`Pause`] and [`LogFiles`]
//! for every such DB.
//!
//! A DB that runs a server process on each node does the same thing for each
//! of these abilities — run a script through `test.remote`, turn a failure
//! into a `DbError` naming the node — and differs only in the script. So an
//! adapter implements [`Scripted`] (its scripts, and its log paths) and gets
//! the three abilities from the blanket implementations here; how a database
//! finds its own processes (a pidfile, `postmaster.pid` and its children)
//! stays in its scripts. A DB that is not driven by scripts (the playground's
//! daemon) implements the abilities itself instead.

use super::{DbError, Kill, LogFiles, Pause};
use crate::test::Test;
use async_trait::async_trait;

/// The scripts (POSIX `sh`, run as root through `test.remote`) that kill,
/// start, pause and resume a DB's process on one node.
#[async_trait]
pub trait Scripted: Send + Sync {
    /// SIGKILLs the DB's processes on the node and waits until they are gone.
    fn kill_script(&self) -> String;

    /// Starts the DB with the data it has; prints and does nothing when it
    /// runs. Asynchronous and given the test because what to start may depend
    /// on them (etcd: the binary setup installed and the cluster's addresses).
    async fn start_script(&self, test: &Test, node: &str) -> Result<String, DbError>;

    /// Sends `signal` (`STOP`, `CONT`) to the DB's processes; fails, saying
    /// so, when the DB is not running.
    fn signal_script(&self, signal: &str) -> String;

    /// Resumes the DB's processes; must succeed when the DB is not running (a
    /// node both paused and killed has nothing to resume, and healing must not
    /// fail on it). By default `signal_script("CONT")`.
    fn resume_script(&self) -> String {
        self.signal_script("CONT")
    }

    /// Prints `paused` when the DB runs and is stopped, anything else
    /// otherwise; `None` when this DB cannot tell.
    fn paused_script(&self) -> Option<String> {
        None
    }

    /// The DB's log files on the node, to keep with the test.
    fn log_paths(&self) -> Vec<String>;
}

#[async_trait]
impl<T: Scripted> Kill for T {
    async fn kill(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &self.kill_script()).await?;
        Ok(())
    }

    async fn start(&self, test: &Test, node: &str) -> Result<(), DbError> {
        let script = self.start_script(test, node).await?;
        test.remote.exec(node, &script).await?;
        Ok(())
    }
}

#[async_trait]
impl<T: Scripted> Pause for T {
    async fn pause(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &self.signal_script("STOP")).await?;
        Ok(())
    }

    async fn resume(&self, test: &Test, node: &str) -> Result<(), DbError> {
        test.remote.exec(node, &self.resume_script()).await?;
        Ok(())
    }

    async fn paused(&self, test: &Test, node: &str) -> Result<Option<bool>, DbError> {
        let Some(script) = self.paused_script() else {
            return Ok(None);
        };
        let out = test.remote.exec(node, &script).await?;
        Ok(Some(out.stdout.trim() == "paused"))
    }
}

impl<T: Scripted> LogFiles for T {
    fn log_files(&self, _test: &Test, _node: &str) -> Vec<String> {
        self.log_paths()
    }
}
