use std::net::SocketAddr;
use std::path::PathBuf;

/// Failures of the receiver.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    #[error("failed to bind the OTLP {what} receiver on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("failed to write spans under {}: {source}", path.display())]
    Store {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to start the OTLP receiver: neither a gRPC nor an HTTP address given")]
    NoListener,
}
