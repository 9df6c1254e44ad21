//! rjepsen-interleave: forces the conflicting request pairs that `rjepsen traces
//! analyze` derives from a system's traces to interleave, at HTTP-mode proxies
//! (`rjepsen_proxy::http1`) sitting on the system's hops (docs/interleave.md).
//!
//! MicroRacer replays each pair in the two serial orders only, so it can never
//! produce a lost update; this engine also holds one request's conflicting step
//! at its hop until the other's has passed or completed. Each request carries a
//! `traceparent` with a trace id the engine chose, which is how a proxy ties a hop
//! request to its attempt. The engine records what happened (requests, responses,
//! events, whether the schedule was really achieved); judging the outcome is for
//! checkers — the serial [`diff`] here, a target's invariants elsewhere.

pub mod client;
pub mod diff;
mod engine;
mod error;
pub mod hooks;
pub mod pairs;
pub mod requests;
mod run;
pub mod schedule;

pub use engine::{Engine, Timeouts};
pub use error::InterleaveError;
pub use run::{run_cli, ProxyArg, RunConfig, Summary};
