//! rjepsen-export: every stored run as a labelled data set.
//!
//! Research on failure detection needs data whose faults are known exactly.
//! rjepsen knows each fault it injected to the nanosecond, and on which nodes
//! and links; this crate writes that knowledge next to what the run recorded
//! (ops, node logs, node metrics) as plain CSV, and in MicroServo's layout so
//! that tools written for that data set read ours.
//!
//! The fault windows come from core's one interval computation
//! (`fault_intervals` with the run's own fault specs), never from a second one,
//! so the labels, `results.json` and the report's shading always agree. Like
//! the checkers, this crate is pure: it reads files it is given and writes files.

mod csv;
mod error;
mod export;
mod history_csv;
mod labels;
mod logs;
mod metrics;
mod microservo;
mod run;
mod time;

pub use error::ExportError;
pub use export::{export, Format, Summary};
pub use labels::{labels, Label};
pub use logs::{parse_log_time, LogLine};
pub use metrics::{MetricSample, METRICS_FILE};
pub use run::RunData;
