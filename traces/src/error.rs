//! Typed errors of the traces crate; messages read as "failed to ...", and the
//! I/O error is the source (printed by the caller's error chain, not repeated).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("failed to read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to parse trace file {path}: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("failed to write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}
