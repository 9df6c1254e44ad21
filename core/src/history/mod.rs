//! Histories: an ordered list of [`Op`]s, with the invocation/completion pairing
//! that every checker needs, and readers and writers for the formats we speak.
//!
//! The on-disk format is JSON Lines (one op per line, see DESIGN.md); the
//! [`jsonl`] module reads it with errors that name the line, and writes it as the
//! test runs so that an interrupted run still leaves an analysable history.

mod jsonl;
mod pairs;
mod torn;

pub use jsonl::{read_history, read_jsonl, HistoryWriter, ReadError};
pub use pairs::History;
pub use torn::{torn_final_line, warn as warn_torn, Torn};
mod edn;

pub use edn::read_edn;

fn edn_reader(path: &std::path::Path) -> Result<Vec<crate::op::Op>, ReadError> {
    read_edn(path)
}
