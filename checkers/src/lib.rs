//! rjepsen-checkers: pure functions from a history to a verdict with evidence.
//!
//! No I/O but the files a checker is handed (evidence SVGs in the check context's
//! output directory), no SSH, no database clients.
pub mod bank;
pub mod counter;
pub mod coverage;
pub mod elle;
pub mod set;
pub mod stats;

pub mod linear;
