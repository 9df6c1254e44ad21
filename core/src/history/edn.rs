//! Jepsen's `history.edn`. (Being written: see issue 5.)

use super::ReadError;
use crate::op::Op;
use std::path::Path;

/// Reads a Jepsen `history.edn` file into ops.
pub fn read_edn(path: &Path) -> Result<Vec<Op>, ReadError> {
    Err(ReadError::Parse {
        path: path.to_path_buf(),
        line: 1,
        message: "EDN histories are not supported yet".into(),
    })
}
