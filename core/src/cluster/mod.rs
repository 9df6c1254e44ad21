//! Local cluster nodes: each node a set of Linux namespaces running its own sshd.
//!
//! Jepsen tests real machines over SSH. To run the same tests on one machine, each
//! node here is a network namespace on a bridge (own address, own iptables and
//! qdiscs, so partitions are per node), with its own UTS (hostname), PID (so
//! `pkill etcd` on one node cannot touch another, and killing the node's init ends
//! everything in it) and mount namespace (private `/tmp`, `/var/lib/rjepsen`,
//! `/opt/rjepsen`, `/var/log/rjepsen`), and an `sshd` that accepts a key made for the
//! control node. Nothing else about the node is special: DB adapters and nemeses
//! reach it through [`crate::control::SshRemote`] exactly as they would a real host.
//!
//! Everything [`up`] makes is written to a state file first, so [`down`] and
//! [`status`] work from another process, and `down` removes exactly that (and is a
//! no-op when nothing is up). See `docs/local-nodes.md`.

pub(crate) mod lifecycle;
pub(crate) mod net;
pub(crate) mod node;
pub(crate) mod preflight;
mod spec;
pub(crate) mod state;
pub(crate) mod sys;

pub use lifecycle::{down, info, start_node, status, stop_node, up};
pub use spec::ClusterSpec;
pub use state::{ClusterInfo, NodeInfo, NodeStatus, ProcId};

use std::path::PathBuf;

/// Why bringing local nodes up or down failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("failed to {what}: local nodes need root (run as root or with sudo)")]
    NotRoot { what: String },
    #[error("failed to {what}: `{cmd}` exited with {code}: {stderr}")]
    Command {
        what: String,
        cmd: String,
        code: i32,
        stderr: String,
    },
    #[error("failed to {what}: {}: {source}", path.display())]
    Io {
        what: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to {what}: {message}")]
    Other { what: String, message: String },
}

impl ClusterError {
    pub(crate) fn other(what: impl Into<String>, message: impl Into<String>) -> ClusterError {
        ClusterError::Other {
            what: what.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(
        what: impl Into<String>,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> ClusterError {
        ClusterError::Io {
            what: what.into(),
            path: path.into(),
            source,
        }
    }
}
