//! rjepsen-traces: from distributed traces to conflicting request pairs.
//!
//! This is the analysis half of MicroRacer's request-interleaving method: read the
//! traces of a microservice system, rebuild its request flows, understand the SQL each
//! request step ran, and find pairs of steps from unrelated flows that touch the same
//! data. The crate is pure (no SSH, no tokio): it reads files and returns values, so
//! the CLI, tests and benchmarks all drive the same code.
//!
//! Readers turn each trace format into one neutral [`model::Span`] list; everything
//! after that knows no format.

pub mod analyze;
pub mod convert;
pub mod dbapi;
pub mod error;
pub mod flows;
mod hash;
pub mod html;
pub mod model;
pub mod otlp;
pub mod output;
pub mod pairs;
pub mod skywalking;
pub mod sql;
#[cfg(test)]
mod testkit;

pub use analyze::{analyze, load_dirs, Analysis, Options};
pub use error::TraceError;
