//! rjepsen-core: the vocabulary every other crate speaks.
//!
//! Operations and histories ([`op`], [`history`], and the compact [`entry`] form
//! that checkers of large files read), the test's address book ([`addr`]), the
//! extension-point traits
//! ([`client`], [`db`], [`nemesis`], [`checker`], [`generator`]), the one rule
//! for what a client's error means ([`op_client`]), each workload's op vocabulary
//! as a trait a database's connection implements ([`serve`]), the fault
//! vocabulary ([`fault`]), the run record of test.json ([`record`]) and a campaign's summary
//! ([`campaign`]), and — behind the
//! `control` feature — the machinery that touches the world: control of nodes over
//! SSH ([`control`]), node providers ([`provider`]: local nodes made of Linux
//! namespaces ([`cluster`]), LXC containers ([`lxc`]), real machines), the
//! runner and the store. Checkers depend on this crate with `default-features =
//! false`, so they see only the pure half.

pub mod addr;
pub mod campaign;
pub mod checker;
pub mod clock;
pub mod entry;
mod exact;
pub mod fault;
pub mod history;
pub mod metrics;
pub mod op;
pub mod record;

pub use checker::{CheckResult, Checker, Valid};
pub use entry::{CompactOp, Entry};
pub use fault::{FaultBook, FaultInterval, FaultSpec};
pub use history::History;
pub use op::{Op, OpCounts, OpType, Process};
pub mod generator;

#[cfg(feature = "control")]
pub mod client;
#[cfg(feature = "control")]
pub mod cluster;
#[cfg(feature = "control")]
pub mod control;
#[cfg(feature = "control")]
pub mod db;
#[cfg(feature = "control")]
pub mod lxc;
#[cfg(feature = "control")]
pub mod nemesis;
#[cfg(feature = "control")]
pub mod op_client;
#[cfg(feature = "control")]
pub mod provider;
#[cfg(feature = "control")]
pub mod runner;
#[cfg(feature = "control")]
pub mod serve;
#[cfg(feature = "control")]
pub mod store;
#[cfg(feature = "control")]
pub mod test;
