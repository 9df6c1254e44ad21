//! How etcd serves the workloads: an [`EtcdConnector`] whose connections
//! ([`Conn`]) implement core's per-workload traits (`rjepsen_core::serve`), and
//! the list of what it serves. Core's generic op client wraps each, applying the
//! op timeout and the one rule for `fail` / `info`; only etcd's knowledge of its
//! own errors stays here (`conn.rs`).

use super::conn::Conn;
use async_trait::async_trait;
use rjepsen_core::client::ClientError;
use rjepsen_core::serve::{self, Connector, Served};
use rjepsen_core::test::Test;

/// Opens gRPC connections to etcd nodes.
#[derive(Clone, Debug, Default)]
pub struct EtcdConnector;

#[async_trait]
impl Connector for EtcdConnector {
    type Conn = Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<Conn, ClientError> {
        Conn::open(test, node).await
    }
}

/// Every workload etcd serves; a workload whose trait `Conn` does not
/// implement cannot be listed (it would not compile).
pub fn served() -> Vec<Served> {
    vec![
        serve::register::register(EtcdConnector),
        serve::set::set(EtcdConnector),
        serve::txn::list_append(EtcdConnector),
        serve::txn::rw_register(EtcdConnector),
        serve::bank::bank(EtcdConnector),
        serve::counter::counter(EtcdConnector),
    ]
}
