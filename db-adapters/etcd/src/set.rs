//! The set workload on etcd: unique integer adds and whole-set reads.
//!
//! One key per element under `/rjepsen/set/` (not one key rewritten by every add):
//! an add is a blind put that never conflicts with another add, so no retries hide
//! or multiply effects, and its cost does not grow with the set; a read is a single
//! range get, which etcd serves at one revision, so it is as atomic a snapshot as a
//! single-key read would be. See docs/etcd.md for the trade-off.

use super::client::Ops;
use super::conn::{during_write, parse_int, Conn};
use async_trait::async_trait;
use rjepsen_core::op::Op;
use rjepsen_core::op_client::OpError;
use rjepsen_core::test::Test;
use serde_json::{json, Value};

const PREFIX: &str = "/rjepsen/set/";

/// Serves `add` (value: an integer) and `read` (value: null → sorted integers).
#[derive(Clone, Debug, Default)]
pub struct Set;

#[async_trait]
impl Ops for Set {
    async fn apply(&self, conn: &mut Conn, _test: &Test, op: &Op) -> Result<Value, OpError> {
        match op.f.as_str() {
            "add" => {
                let element = op.value.as_i64().ok_or_else(|| {
                    OpError::NotApplied(format!(
                        "failed to understand add value {}: expected an integer",
                        op.value
                    ))
                })?;
                conn.client
                    .put(format!("{PREFIX}{element}"), element.to_string(), None)
                    .await
                    .map_err(during_write)?;
                Ok(op.value.clone())
            }
            "read" => {
                let resp = conn.read_prefix(PREFIX).await?;
                let mut elements = resp
                    .kvs()
                    .iter()
                    .map(|kv| parse_int(kv.value(), &String::from_utf8_lossy(kv.key())))
                    .collect::<Result<Vec<i64>, OpError>>()?;
                elements.sort_unstable();
                Ok(json!(elements))
            }
            other => Err(OpError::NotApplied(format!(
                "failed to invoke {other}: unknown function for the set workload"
            ))),
        }
    }
}
