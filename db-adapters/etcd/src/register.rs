//! The register workload on etcd: independent keys, each an integer register.
//!
//! Key `k` lives at `/rjepsen/register/<k>` with its value as decimal text. `cas` is
//! one etcd transaction comparing the value, so a failed compare is a definite
//! `fail`. Reads are linearizable (etcd's default, a quorum read) unless the test
//! sets `serializable-reads`, which serves them from the node's local state and may
//! return stale values — the checker is expected to catch that.

use super::client::Ops;
use super::conn::{before_write, during_write, key_text, parse_int, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp};
use rjepsen_core::op::Op;
use rjepsen_core::op_client::OpError;
use rjepsen_core::test::Test;
use serde_json::{json, Value};

const PREFIX: &str = "/rjepsen/register/";

/// Serves `read`, `write` and `cas` on `[key, v]` values.
#[derive(Clone, Debug, Default)]
pub struct Register;

/// The etcd key of register `k`.
pub(crate) fn register_key(k: &Value) -> String {
    format!("{PREFIX}{}", key_text(k))
}

fn bad(op: &Op, why: &str) -> OpError {
    OpError::NotApplied(format!(
        "failed to understand {} value {}: {why}",
        op.f, op.value
    ))
}

/// Splits `[k, v]`.
fn tuple(op: &Op) -> Result<(&Value, &Value), OpError> {
    match op.value.as_array().map(Vec::as_slice) {
        Some([k, v]) => Ok((k, v)),
        _ => Err(bad(op, "expected [key, value]")),
    }
}

fn int(op: &Op, v: &Value) -> Result<i64, OpError> {
    v.as_i64().ok_or_else(|| bad(op, "expected an integer"))
}

#[async_trait]
impl Ops for Register {
    async fn apply(&self, conn: &mut Conn, _test: &Test, op: &Op) -> Result<Value, OpError> {
        let (k, v) = tuple(op)?;
        let key = register_key(k);
        match op.f.as_str() {
            "read" => {
                let resp = conn
                    .client
                    .get(key.as_bytes(), Some(conn.read_options()))
                    .await
                    .map_err(before_write)?;
                let value = match resp.kvs().first() {
                    Some(kv) => json!(parse_int(kv.value(), &key)?),
                    None => Value::Null,
                };
                Ok(json!([k, value]))
            }
            "write" => {
                let value = int(op, v)?;
                conn.client
                    .put(key, value.to_string(), None)
                    .await
                    .map_err(during_write)?;
                Ok(op.value.clone())
            }
            "cas" => {
                let (old, new) = match v.as_array().map(Vec::as_slice) {
                    Some([old, new]) => (int(op, old)?, int(op, new)?),
                    _ => return Err(bad(op, "expected [key, [old, new]]")),
                };
                let txn = Txn::new()
                    .when([Compare::value(
                        key.clone(),
                        CompareOp::Equal,
                        old.to_string(),
                    )])
                    .and_then([TxnOp::put(key, new.to_string(), None)]);
                let resp = conn.client.txn(txn).await.map_err(during_write)?;
                if resp.succeeded() {
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
    use rjepsen_core::op::Process;

    #[test]
    fn keys_are_prefixed() {
        assert_eq!(register_key(&json!(7)), "/rjepsen/register/7");
    }

    #[test]
    fn malformed_values_fail() {
        let op = Op::invoke(Process::Client(0), "cas", json!([1, 2]));
        assert!(tuple(&op).is_ok());
        let op = Op::invoke(Process::Client(0), "read", json!(3));
        assert!(matches!(tuple(&op), Err(OpError::NotApplied(_))));
    }
}
