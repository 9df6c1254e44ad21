//! The one `Client` implementation every etcd workload uses: a connection plus a
//! workload's [`Ops`], with the timeout and the error-to-completion rules applied
//! around each invocation.
//!
//! Built this way (a small trait per workload, one wrapper) so that the timeout and
//! the `fail`/`info` decision cannot differ between workloads: a workload only says
//! how to perform an op and whether an op is a pure read.

use super::conn::{op_timeout, Conn, OpError};
use async_trait::async_trait;
use rjepsen_core::client::{Client, ClientError};
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use serde_json::Value;

/// What a workload does against etcd.
#[async_trait]
pub trait Ops: Send + Sync + Clone + 'static {
    /// Performs `op` and returns the completed value (the completion is `ok`).
    async fn apply(&self, conn: &mut Conn, test: &Test, op: &Op) -> Result<Value, OpError>;

    /// True when `op` cannot change anything, so that an error or a timeout is a
    /// `fail` rather than an `info`.
    fn is_read(&self, op: &Op) -> bool {
        op.f == "read"
    }

    /// Once-per-test preparation (initial balances, ...).
    async fn setup(&self, _conn: &mut Conn, _test: &Test) -> Result<(), OpError> {
        Ok(())
    }
}

/// A template (no connection) or an open client of workload `W`.
#[derive(Clone)]
pub struct EtcdClient<W: Ops> {
    ops: W,
    conn: Option<Conn>,
}

impl<W: Ops> EtcdClient<W> {
    /// A template client; the runner calls [`Client::open`] per worker.
    pub fn new(ops: W) -> Self {
        EtcdClient { ops, conn: None }
    }
}

#[async_trait]
impl<W: Ops> Client for EtcdClient<W> {
    async fn open(&self, test: &Test, node: &str) -> Result<Box<dyn Client>, ClientError> {
        let conn = Conn::open(test, node).await?;
        Ok(Box::new(EtcdClient {
            ops: self.ops.clone(),
            conn: Some(conn),
        }))
    }

    async fn setup(&mut self, test: &Test) -> Result<(), ClientError> {
        let conn = self.conn.as_mut().ok_or_else(|| not_open("set up"))?;
        let node = conn.node.clone();
        let timeout = op_timeout(test) * 4;
        let done = tokio::time::timeout(timeout, self.ops.setup(conn, test)).await;
        let message = match done {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(OpError::NotApplied(m) | OpError::Unknown(m))) => m,
            Err(_) => format!("timed out after {timeout:?}"),
        };
        Err(ClientError {
            node,
            action: "set up the workload's keys".into(),
            message,
        })
    }

    async fn invoke(&mut self, test: &Test, op: &Op) -> Op {
        let Some(conn) = self.conn.as_mut() else {
            return op.fail("failed to invoke: client is not open");
        };
        let node = conn.node.clone();
        let timeout = op_timeout(test);
        let result = tokio::time::timeout(timeout, self.ops.apply(conn, test, op)).await;
        let read = self.ops.is_read(op);
        let mut done = match result {
            Ok(Ok(value)) => op.complete(OpType::Ok, value),
            Ok(Err(OpError::NotApplied(e))) => op.fail(e),
            Ok(Err(OpError::Unknown(e))) if read => op.fail(e),
            Ok(Err(OpError::Unknown(e))) => op.info(e),
            Err(_) if read => op.fail(format!("timed out after {timeout:?}")),
            Err(_) => op.info(format!("timed out after {timeout:?}")),
        };
        done.node = Some(node);
        done
    }

    async fn close(&mut self) {
        self.conn = None;
    }
}

fn not_open(action: &str) -> ClientError {
    ClientError {
        node: String::new(),
        action: action.to_string(),
        message: "the client is a template; open it on a node first".into(),
    }
}
