//! Why an export failed: each message names the file (and line) at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    History(#[from] rjepsen_core::history::ReadError),
    #[error("failed to read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to parse {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("failed to parse {path} line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("failed to export {dir}: {message}")]
    Run { dir: PathBuf, message: String },
}

impl ExportError {
    pub(crate) fn read(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
        move |source| ExportError::Read {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn write(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
        move |source| ExportError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}
