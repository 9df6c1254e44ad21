//! Local-cluster helpers for integration tests (root only: they bring up
//! network namespaces with sshd, `rjepsen_core::cluster`).
//!
//! Every database's tests did the same dance: a `ClusterSpec` named after the
//! test's prefix on a subnet of its own, a stale cluster of that name brought
//! down first, `cluster::up`, a `Test` whose remote is SSH to those nodes and
//! whose address book comes from the `Db`'s ports, the body under a time limit,
//! and the cluster brought down whatever happened, the body's panic resumed
//! after. This crate is that dance, once. Tests that bring nodes up belong in
//! the nextest `cluster` group (.config/nextest.toml).

mod clients;
mod local;

pub use clients::{call, loopback_test, open};
pub use local::{is_root, local_test, setup_all, setup_each, spec, with_cluster};
