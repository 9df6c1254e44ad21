//! etcd: the `Db` that runs it on every node and the clients of each workload.
//!
//! [`Etcd`] installs, bootstraps, kills, pauses and finds the leader of an etcd
//! cluster through `Remote`; the clients ([`EtcdClient`] with a workload's [`Ops`])
//! talk gRPC through the `etcd-client` crate. etcd-client 0.14 speaks the v3 API,
//! which etcd 3.4 (Debian's `etcd-server`) serves unchanged for everything used here:
//! KV range/put/txn and Maintenance status.

mod bank;
mod client;
mod commands;
mod conn;
mod db;
mod register;
mod set;
mod txn;

pub use bank::Bank;
pub use client::{EtcdClient, EtcdDriver, Ops};
pub use commands::{DATA_DIR, LOG_FILE, PIDFILE, UPLOADED_BINARY};
pub use conn::{before_write, during_write, endpoint, Conn};
pub use db::Etcd;
pub use register::Register;
pub use set::Set;
pub use txn::{TxnKind, Txns};

use rjepsen_core::client::Client;

/// The workloads etcd serves.
pub const WORKLOADS: [&str; 5] = ["register", "set", "list-append", "rw-register", "bank"];

/// A template client for `workload`.
pub fn client(workload: &str) -> Option<Box<dyn Client>> {
    Some(match workload {
        "register" => Box::new(EtcdClient::new(EtcdDriver(Register))),
        "set" => Box::new(EtcdClient::new(EtcdDriver(Set))),
        "list-append" => Box::new(EtcdClient::new(EtcdDriver(Txns {
            kind: TxnKind::ListAppend,
        }))),
        "rw-register" => Box::new(EtcdClient::new(EtcdDriver(Txns {
            kind: TxnKind::RwRegister,
        }))),
        "bank" => Box::new(EtcdClient::new(EtcdDriver(Bank))),
        _ => return None,
    })
}
