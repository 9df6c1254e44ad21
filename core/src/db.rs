//! The `Db` extension point: install, run and remove the system under test.
//!
//! The required part is only [`Db::setup`] and [`Db::teardown`]. What a nemesis
//! may do to a DB is offered through small optional traits — [`Kill`], [`Pause`],
//! [`Primary`], [`LogFiles`] — that a DB hands out from the `as_*` methods; a DB that
//! cannot be paused simply returns `None` and the pause nemesis says so.
//!
//! Two helpers every adapter shares live beside it: [`DbOptions`], the typed
//! options of a database (`options.rs`), and [`Scripted`], which gives a DB
//! run by shell scripts its `Kill`, `Pause` and `LogFiles` (`scripted.rs`).

mod options;
mod scripted;

pub use options::{DbOptions, OptionsError};
pub use scripted::Scripted;

use crate::control::ControlError;
use crate::test::Test;
use async_trait::async_trait;

/// Why a DB operation on a node failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Control(#[from] ControlError),
    #[error("failed to {action} on {node}: {message}")]
    Other {
        node: String,
        action: String,
        message: String,
    },
}

#[async_trait]
pub trait Db: Send + Sync {
    /// Installs (if needed) and starts the DB on `node`, joined to the cluster of
    /// all `test.nodes`. Called on all nodes at once; returns once `node` serves.
    async fn setup(&self, test: &Test, node: &str) -> Result<(), DbError>;

    /// Stops the DB on `node` and wipes its data.
    async fn teardown(&self, test: &Test, node: &str) -> Result<(), DbError>;

    /// The ports this DB serves clients and peers on, from which the test's
    /// address book is built (`crate::addr`). `None` for a DB that serves
    /// nothing over the network (test doubles): its book has port 0.
    fn ports(&self) -> Option<crate::addr::Ports> {
        None
    }

    fn as_kill(&self) -> Option<&dyn Kill> {
        None
    }
    fn as_pause(&self) -> Option<&dyn Pause> {
        None
    }
    fn as_primary(&self) -> Option<&dyn Primary> {
        None
    }
    fn as_log_files(&self) -> Option<&dyn LogFiles> {
        None
    }
    fn as_pid_file(&self) -> Option<&dyn PidFile> {
        None
    }
}

/// The DB's process can be killed and started again with its data.
#[async_trait]
pub trait Kill: Send + Sync {
    /// SIGKILLs the DB process on `node`.
    async fn kill(&self, test: &Test, node: &str) -> Result<(), DbError>;
    /// Starts the DB on `node` again with the data it had; a no-op if running.
    async fn start(&self, test: &Test, node: &str) -> Result<(), DbError>;
}

/// The DB's process can be paused (SIGSTOP) and resumed (SIGCONT).
#[async_trait]
pub trait Pause: Send + Sync {
    async fn pause(&self, test: &Test, node: &str) -> Result<(), DbError>;
    async fn resume(&self, test: &Test, node: &str) -> Result<(), DbError>;

    /// Whether the DB's process on `node` is paused right now (`None`: this DB
    /// cannot tell). Lets a new run find and report what a run killed mid-pause
    /// left stopped.
    async fn paused(&self, _test: &Test, _node: &str) -> Result<Option<bool>, DbError> {
        Ok(None)
    }
}

/// The DB can say which nodes currently lead.
#[async_trait]
pub trait Primary: Send + Sync {
    async fn primaries(&self, test: &Test) -> Result<Vec<String>, DbError>;
}

/// The DB writes log files worth keeping with the test.
pub trait LogFiles: Send + Sync {
    /// Paths on `node` to download into `store/.../nodes/<node>/`.
    fn log_files(&self, test: &Test, node: &str) -> Vec<String>;
}

/// The DB keeps its main process's pid in a file, so that metrics can follow
/// that process's CPU and memory (`--metrics-interval`).
pub trait PidFile: Send + Sync {
    /// The pidfile's path on `node`.
    fn pid_file(&self, test: &Test, node: &str) -> String;
}
