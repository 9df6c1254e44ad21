//! The set workload: `add e` (a unique integer) and `read` (→ the whole set,
//! sorted).

use super::{bad, Connector, Served};
use crate::client::ClientError;
use crate::op::Op;
use crate::op_client::{Driver, OpClient, OpError};
use crate::test::Test;
use async_trait::async_trait;
use serde_json::{json, Value};

/// The workload's name, as `--workload` gives it.
pub const NAME: &str = "set";

/// What a connection must do to serve the set workload.
#[async_trait]
pub trait SetConn: Send + Sync {
    async fn add(&mut self, test: &Test, element: i64) -> Result<(), OpError>;
    /// Every element, in any order, read as one snapshot.
    async fn read_all(&mut self, test: &Test) -> Result<Vec<i64>, OpError>;
}

/// The set client of a database whose connections serve it.
pub fn set<C: Connector>(connector: C) -> Served
where
    C::Conn: SetConn,
{
    Served {
        workload: NAME,
        client: Box::new(OpClient::new(SetDriver(connector))),
    }
}

#[derive(Clone)]
struct SetDriver<C>(C);

#[async_trait]
impl<C: Connector> Driver for SetDriver<C>
where
    C::Conn: SetConn,
{
    type Conn = C::Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<C::Conn, ClientError> {
        self.0.connect(test, node).await
    }

    async fn apply(&self, conn: &mut C::Conn, test: &Test, op: &Op) -> Result<Value, OpError> {
        match op.f.as_str() {
            "add" => {
                let e = op
                    .value
                    .as_i64()
                    .ok_or_else(|| bad(op, "expected an integer"))?;
                conn.add(test, e).await?;
                Ok(op.value.clone())
            }
            "read" => {
                let mut all = conn.read_all(test).await?;
                all.sort_unstable();
                Ok(json!(all))
            }
            _ => Err(bad(op, "unknown function for the set workload")),
        }
    }
}
