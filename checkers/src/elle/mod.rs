//! An Elle-style transactional consistency checker, for list-append and
//! rw-register histories.
//!
//! Like Jepsen's Elle, it infers write-write, write-read and read-write
//! dependencies between transactions from what they read, adds process and
//! realtime order when the chosen consistency models need them, finds cycles in
//! the resulting graph, names each as Elle does (G0, G1c, G-single-item, G-nonadjacent-item, G2-item and
//! their -process/-realtime variants), reports the anomalies that need no cycle
//! (G1a, G1b, internal, dirty-update, lost-update, duplicate-elements,
//! incompatible-order, future-read, cyclic-versions), and says which consistency
//! models the history rules out. Every anomaly comes with a sentence a person can
//! check against the history, and each cycle with an SVG drawing.
//!
//! The pipeline is built for million-transaction histories: a compact flattening
//! ([`txn`], fed from a `History` or streamed from a file by [`raw`] through the
//! [`tree`] view), linear-time analyses ([`append`], [`register`]), a packed graph that
//! is trimmed to its cyclic core before petgraph's Tarjan runs ([`graph`]), and
//! bounded breadth-first cycle searches inside each component ([`cycles`]), with
//! Elle's cycle-exists proofs ([`exists`]) for when a search is cut short.

mod append;
mod checker;
mod cycles;
mod exists;
mod explain;
mod graph;
mod models;
mod raw;
mod register;
mod svg;
pub mod synth;
mod tree;
mod txn;
mod versions;

pub use checker::{ElleChecker, ElleOptions};
pub use txn::TxnError;
