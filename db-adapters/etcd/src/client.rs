//! The etcd side of core's generic op client: a connection plus a workload's
//! [`Ops`], handed to [`rjepsen_core::op_client::OpClient`], which applies the
//! op timeout and the one rule for `fail` / `info` (docs/architecture.md, "One
//! rule for what an error means"). A workload only says how to perform an op
//! on a connection and whether an op is a pure read.

use super::conn::Conn;
use async_trait::async_trait;
use rjepsen_core::client::ClientError;
use rjepsen_core::op::Op;
use rjepsen_core::op_client::{Driver, OpClient, OpError};
use rjepsen_core::test::Test;
use serde_json::Value;

/// What a workload does against etcd.
#[async_trait]
pub trait Ops: Send + Sync + Clone + 'static {
    /// Performs `op` and returns the completed value (the completion is `ok`).
    async fn apply(&self, conn: &mut Conn, test: &Test, op: &Op) -> Result<Value, OpError>;

    /// True when `op` cannot change anything.
    fn is_read(&self, op: &Op) -> bool {
        op.f == "read"
    }

    /// Once-per-test preparation (initial balances, ...).
    async fn setup(&self, _conn: &mut Conn, _test: &Test) -> Result<(), OpError> {
        Ok(())
    }
}

/// A workload's [`Ops`] as a [`Driver`] of etcd connections.
#[derive(Clone, Debug)]
pub struct EtcdDriver<W>(pub W);

/// The client of workload `W` on etcd.
pub type EtcdClient<W> = OpClient<EtcdDriver<W>>;

#[async_trait]
impl<W: Ops> Driver for EtcdDriver<W> {
    type Conn = Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<Conn, ClientError> {
        Conn::open(test, node).await
    }

    async fn apply(&self, conn: &mut Conn, test: &Test, op: &Op) -> Result<Value, OpError> {
        self.0.apply(conn, test, op).await
    }

    fn is_read(&self, op: &Op) -> bool {
        self.0.is_read(op)
    }

    async fn setup(&self, conn: &mut Conn, test: &Test) -> Result<(), OpError> {
        self.0.setup(conn, test).await
    }
}
