//! The counter workload: `add d` (a positive integer, added to the one
//! counter) and `read` (→ the counter's value, 0 before any add).
//!
//! An add is not idempotent, so whether a failed one happened matters as much
//! as for a set's add: core's one rule makes a maybe-applied add `info`, and
//! the counter checker counts it as possibly in every later read.

use super::{bad, Connector, Served};
use crate::client::ClientError;
use crate::op::Op;
use crate::op_client::{Driver, OpClient, OpError};
use crate::test::Test;
use async_trait::async_trait;
use serde_json::{json, Value};

/// The workload's name, as `--workload` gives it.
pub const NAME: &str = "counter";

/// What a connection must do to serve the counter workload.
#[async_trait]
pub trait CounterConn: Send + Sync {
    async fn add(&mut self, test: &Test, delta: i64) -> Result<(), OpError>;
    /// The counter's value (0 when never added to).
    async fn read_counter(&mut self, test: &Test) -> Result<i64, OpError>;
}

/// The counter client of a database whose connections serve it.
pub fn counter<C: Connector>(connector: C) -> Served
where
    C::Conn: CounterConn,
{
    Served {
        workload: NAME,
        client: Box::new(OpClient::new(CounterDriver(connector))),
    }
}

#[derive(Clone)]
struct CounterDriver<C>(C);

#[async_trait]
impl<C: Connector> Driver for CounterDriver<C>
where
    C::Conn: CounterConn,
{
    type Conn = C::Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<C::Conn, ClientError> {
        self.0.connect(test, node).await
    }

    async fn apply(&self, conn: &mut C::Conn, test: &Test, op: &Op) -> Result<Value, OpError> {
        match op.f.as_str() {
            "add" => {
                let d = op
                    .value
                    .as_i64()
                    .filter(|d| *d > 0)
                    .ok_or_else(|| bad(op, "expected a positive integer"))?;
                conn.add(test, d).await?;
                Ok(op.value.clone())
            }
            "read" => Ok(json!(conn.read_counter(test).await?)),
            _ => Err(bad(op, "unknown function for the counter workload")),
        }
    }
}
