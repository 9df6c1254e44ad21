//! The register workload: independent integer registers `[k, v]`.
//!
//! `read [k, null]` → `[k, v]` (`null` when never written), `write [k, v]`,
//! `cas [k, [old, new]]` (`fail` when the value was not `old`, also when the
//! key was never written).

use super::{bad, Connector, Served};
use crate::client::ClientError;
use crate::op::Op;
use crate::op_client::{Driver, OpClient, OpError};
use crate::test::Test;
use async_trait::async_trait;
use serde_json::{json, Value};

/// The workload's name, as `--workload` gives it.
pub const NAME: &str = "register";

/// What a connection must do to serve the register workload.
#[async_trait]
pub trait RegisterConn: Send + Sync {
    /// The register's value, `None` when never written.
    async fn read(&mut self, test: &Test, key: &Value) -> Result<Option<i64>, OpError>;
    async fn write(&mut self, test: &Test, key: &Value, value: i64) -> Result<(), OpError>;
    /// Sets `new` if the value is `old`; false (nothing written) if not.
    async fn cas(&mut self, test: &Test, key: &Value, old: i64, new: i64) -> Result<bool, OpError>;
}

/// The register client of a database whose connections serve it.
pub fn register<C: Connector>(connector: C) -> Served
where
    C::Conn: RegisterConn,
{
    Served {
        workload: NAME,
        client: Box::new(OpClient::new(RegisterDriver(connector))),
    }
}

#[derive(Clone)]
struct RegisterDriver<C>(C);

/// Splits `[k, v]`.
pub(crate) fn tuple(op: &Op) -> Result<(&Value, &Value), OpError> {
    match op.value.as_array().map(Vec::as_slice) {
        Some([k, v]) => Ok((k, v)),
        _ => Err(bad(op, "expected [key, value]")),
    }
}

fn int(op: &Op, v: &Value) -> Result<i64, OpError> {
    v.as_i64().ok_or_else(|| bad(op, "expected an integer"))
}

#[async_trait]
impl<C: Connector> Driver for RegisterDriver<C>
where
    C::Conn: RegisterConn,
{
    type Conn = C::Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<C::Conn, ClientError> {
        self.0.connect(test, node).await
    }

    async fn apply(&self, conn: &mut C::Conn, test: &Test, op: &Op) -> Result<Value, OpError> {
        let (k, v) = tuple(op)?;
        match op.f.as_str() {
            "read" => Ok(json!([k, conn.read(test, k).await?])),
            "write" => {
                conn.write(test, k, int(op, v)?).await?;
                Ok(op.value.clone())
            }
            "cas" => {
                let (old, new) = match v.as_array().map(Vec::as_slice) {
                    Some([old, new]) => (int(op, old)?, int(op, new)?),
                    _ => return Err(bad(op, "expected [key, [old, new]]")),
                };
                if conn.cas(test, k, old, new).await? {
                    Ok(op.value.clone())
                } else {
                    Err(OpError::NotApplied(format!("cas: value was not {old}")))
                }
            }
            _ => Err(bad(op, "unknown function for the register workload")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Process;

    #[test]
    fn malformed_values_fail() {
        let op = Op::invoke(Process::Client(0), "cas", json!([1, 2]));
        assert!(tuple(&op).is_ok());
        let op = Op::invoke(Process::Client(0), "read", json!(3));
        assert!(matches!(tuple(&op), Err(OpError::NotApplied(_))));
    }
}
