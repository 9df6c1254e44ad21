use std::path::PathBuf;

/// Failures of an interleaving run (an attempt whose schedule was not achieved is
/// not an error: it is recorded as such).
#[derive(Debug, thiserror::Error)]
pub enum InterleaveError {
    #[error("failed to read candidate pairs from {}: {reason}", path.display())]
    Pairs { path: PathBuf, reason: String },
    #[error("failed to use base URL {url}: {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("failed to run the {hook} hook `{command}`: {reason}")]
    Hook {
        hook: &'static str,
        command: String,
        reason: String,
    },
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to start a proxy: {0}")]
    Proxy(#[from] rjepsen_proxy::ProxyError),
}
