//! rjepsen-report: what a person reads after a run.
//!
//! [`write_report`] turns one store directory (test.json, history.jsonl,
//! results.json, nodes/) into a single self-contained `report.html`: inline SVG
//! plots drawn with plotters, inline CSS and a little inline JavaScript, nothing
//! fetched from the network, so the page can be mailed, archived or opened from a
//! file. [`serve`] publishes a whole store over HTTP with an index of runs.
//!
//! The crate depends on core without its `control` feature: a report is pure
//! reading of files, and must work on a machine that never ran the test.

mod analysis;
mod assets;
mod checkers;
mod error;
mod html;
mod interleave;
mod node_plots;
mod page;
mod plots;
mod run;
mod serve;
mod timeline;

pub use error::ReportError;
pub use page::write_report;
pub use serve::{serve, Server};
