//! Control of nodes: run commands, upload and download files.
//!
//! [`Remote`] is the one way the framework touches a node; DB adapters and nemeses
//! are written against it, so they run unchanged on real machines, LXC containers
//! or local namespace nodes. Every error names the node, the command, its exit code
//! and what it printed on stderr — the three things a person needs to act.

use async_trait::async_trait;
use std::path::{Path, PathBuf};

pub mod local;
pub mod on_nodes;
pub mod ssh;
pub mod stream;

pub use local::LocalRemote;
pub use on_nodes::{all_ok, on_nodes};
pub use ssh::SshRemote;
pub use stream::LineStream;

/// How a command on a node went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Why control of a node failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("failed to connect to {node}: {message}")]
    Connect { node: String, message: String },
    #[error("failed to run `{cmd}` on {node}: exit code {code}; stderr: {stderr}")]
    Command {
        node: String,
        cmd: String,
        code: i32,
        stderr: String,
    },
    #[error("failed to run `{cmd}` on {node}: {message}")]
    Session {
        node: String,
        cmd: String,
        message: String,
    },
    #[error("failed to copy {from} to {to} on {node}: {message}")]
    Transfer {
        node: String,
        from: String,
        to: String,
        message: String,
    },
}

impl ControlError {
    /// A maker of `Transfer` errors for one copy from `from` to `to` on `node`, so
    /// that each step of the copy only says what went wrong.
    pub(crate) fn transfer(
        node: &str,
        from: String,
        to: String,
    ) -> impl Fn(String) -> ControlError {
        let node = node.to_string();
        move |message| ControlError::Transfer {
            node: node.clone(),
            from: from.clone(),
            to: to.clone(),
            message,
        }
    }
}

/// Creates the directory that will hold the local file `path` (downloads and
/// local copies make it, as `cp` into a fresh `nodes/<node>/` must work).
pub(crate) async fn create_parent_dir(path: &Path) -> Result<(), String> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("cannot create {}: {e}", dir.display())),
        None => Ok(()),
    }
}

/// Runs commands on nodes and moves files to and from them.
///
/// Commands are shell command lines run by `sh -c` as the configured user (root by
/// default). Implementations keep one connection per node and must be usable from
/// many tasks at once.
#[async_trait]
pub trait Remote: Send + Sync {
    /// Runs `cmd` on `node` and returns its output whatever its exit code.
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError>;

    /// Runs `cmd` on `node`; a non-zero exit is a [`ControlError::Command`] that
    /// carries the stderr.
    async fn exec(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        let out = self.exec_unchecked(node, cmd).await?;
        if out.code != 0 {
            return Err(ControlError::Command {
                node: node.to_string(),
                cmd: cmd.to_string(),
                code: out.code,
                stderr: out.stderr.trim().to_string(),
            });
        }
        Ok(out)
    }

    /// Starts `cmd` on `node` and hands its stdout over line by line as it is
    /// printed, for long-running readers (metrics). The command ends when the
    /// stream is dropped. A remote that cannot stream says so.
    async fn stream_lines(&self, node: &str, cmd: &str) -> Result<LineStream, ControlError> {
        Err(ControlError::Session {
            node: node.to_string(),
            cmd: cmd.to_string(),
            message: "this remote cannot stream a command's output".into(),
        })
    }

    /// Copies a local file to `remote_path` on `node`.
    async fn upload(&self, node: &str, local: &Path, remote_path: &str)
        -> Result<(), ControlError>;

    /// Copies `remote_path` on `node` to a local file.
    async fn download(
        &self,
        node: &str,
        remote_path: &str,
        local: &Path,
    ) -> Result<(), ControlError>;

    /// Freezing whole nodes from the host, when the nodes' provider offers it
    /// (see [`crate::provider::NodeRemote`]); plain SSH cannot.
    fn as_freeze(&self) -> Option<&dyn crate::provider::Freeze> {
        None
    }
}

/// How to reach nodes over SSH (Jepsen's `:ssh` map).
#[derive(Clone, Debug)]
pub struct SshOptions {
    pub username: String,
    pub private_key: Option<PathBuf>,
    pub strict_host_key_checking: bool,
    pub port: u16,
    /// Seconds to wait for a connection.
    pub connect_timeout: u64,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            username: "root".into(),
            private_key: None,
            strict_host_key_checking: false,
            port: 22,
            connect_timeout: 10,
        }
    }
}

/// Quotes a string for `sh`: wraps it in single quotes.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_for_sh() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
