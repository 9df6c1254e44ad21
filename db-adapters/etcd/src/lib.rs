//! etcd: the `Db` that runs it on every node and the clients of each workload.
//!
//! [`Etcd`] installs, bootstraps, kills, pauses and finds the leader of an etcd
//! cluster through `Remote`; its connections ([`Conn`]) implement core's workload
//! traits ([`served`] lists them) and
//! talk gRPC through the `etcd-client` crate. etcd-client 0.14 speaks the v3 API,
//! which etcd 3.4 (Debian's `etcd-server`) serves unchanged for everything used here:
//! KV range/put/txn and Maintenance status.

mod bank;
mod client;
mod commands;
mod conn;
mod counter;
mod db;
mod options;
mod register;
mod set;
mod txn;

pub use client::{served, EtcdConnector};
pub use commands::{DATA_DIR, LOG_FILE, PIDFILE, UPLOADED_BINARY};
pub use conn::{before_write, during_write, endpoint, Conn};
pub use db::Etcd;
pub use options::EtcdOptions;
