//! The playground's errors: each names the node, file or address it is about.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PlaygroundError {
    #[error("failed to find node {node:?}: this playground has {known}")]
    UnknownNode { node: String, known: String },
    #[error("failed to accept fault: {0}")]
    BadFault(String),
    #[error("failed to accept playground option: {0}")]
    BadConfig(String),
    #[error("no playground is running in {0}")]
    NotRunning(PathBuf),
    #[error("failed to start: a playground is already running in {dir} (daemon pid {pid}); stop it first")]
    AlreadyRunning { dir: PathBuf, pid: u32 },
    #[error("failed to {what} {path}: {source}")]
    File {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to read playground state {path}: {message}")]
    BadState { path: PathBuf, message: String },
    #[error("failed to reach the playground daemon at {addr}: {message}")]
    Control { addr: SocketAddr, message: String },
    #[error("failed to {op} node {node}: {message}")]
    Node {
        op: &'static str,
        node: String,
        message: String,
    },
    #[error("failed to {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("failed to get a healthy cluster within {secs:.1}s: {detail}")]
    Unhealthy { secs: f64, detail: String },
    #[error(transparent)]
    Proxy(#[from] rjepsen_proxy::ProxyError),
}

impl PlaygroundError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> PlaygroundError {
        let what = what.into();
        move |source| PlaygroundError::Io { what, source }
    }
}
