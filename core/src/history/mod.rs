//! Histories: an ordered list of [`Op`]s, with the invocation/completion pairing
//! that every checker needs, and readers and writers for the formats we speak.
//!
//! The on-disk format is JSON Lines (one op per line, see docs/architecture.md); the
//! [`jsonl`] module reads it with errors that name the line, and writes it as the
//! test runs so that an interrupted run still leaves an analysable history.

mod jsonl;
mod pairs;
mod torn;

pub use jsonl::{read_jsonl, read_jsonl_as, HistoryWriter, ReadError};
pub use pairs::History;
pub use torn::{torn_final_line, warn as warn_torn, Torn};
mod edn;

pub use edn::read_edn;

use crate::entry::CompactOp;
use crate::op::Op;
use std::path::Path;

/// Reads a history file in the format its name says: Jepsen's `history.edn` when
/// the name ends in `.edn`, JSON Lines otherwise.
pub fn read_history(path: &Path) -> Result<Vec<Op>, ReadError> {
    if path.extension().is_some_and(|e| e == "edn") {
        return read_edn(path);
    }
    read_jsonl(path)
}

/// Reads a history file into [`CompactOp`]s, for checkers that need only the
/// index, type, process, function and value: JSON Lines are parsed straight into
/// them (every other field skipped), so a large history takes about half the
/// memory of [`read_history`]. EDN is read as ops first, then converted.
pub fn read_compact(path: &Path) -> Result<Vec<CompactOp>, ReadError> {
    if path.extension().is_some_and(|e| e == "edn") {
        return Ok(read_edn(path)?.into_iter().map(CompactOp::from).collect());
    }
    read_jsonl_as(path)
}
