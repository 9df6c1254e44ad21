//! The one error type of the crate. Every message reads "failed to {what}" and
//! names the file or address involved, so that a person can act on it without a
//! backtrace.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("failed to {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to parse {path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("failed to read {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    History(#[from] rjepsen_core::history::ReadError),
    #[error("failed to draw the {what} plot: {message}")]
    Plot { what: &'static str, message: String },
    #[error("failed to bind {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
}

impl ReportError {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        ReportError::Io {
            what,
            path: path.into(),
            source,
        }
    }
}
