//! The register workload on etcd: independent keys, each an integer register.
//!
//! Key `k` lives at `/rjepsen/register/<k>` with its value as decimal text. `cas` is
//! one etcd transaction comparing the value, so a failed compare is a definite
//! `fail`. Reads are linearizable (etcd's default, a quorum read) unless the test
//! sets `serializable-reads`, which serves them from the node's local state and may
//! return stale values — the checker is expected to catch that.

use super::conn::{before_write, during_write, key_text, parse_int, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp};
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::register::RegisterConn;
use rjepsen_core::test::Test;
use serde_json::Value;

const PREFIX: &str = "/rjepsen/register/";

/// The etcd key of register `k`.
pub(crate) fn register_key(k: &Value) -> String {
    format!("{PREFIX}{}", key_text(k))
}

#[async_trait]
impl RegisterConn for Conn {
    async fn read(&mut self, _test: &Test, k: &Value) -> Result<Option<i64>, OpError> {
        let key = register_key(k);
        let opts = self.read_options();
        let resp = self
            .client
            .get(key.as_bytes(), Some(opts))
            .await
            .map_err(before_write)?;
        resp.kvs()
            .first()
            .map(|kv| parse_int(kv.value(), &key))
            .transpose()
    }

    async fn write(&mut self, _test: &Test, k: &Value, value: i64) -> Result<(), OpError> {
        self.client
            .put(register_key(k), value.to_string(), None)
            .await
            .map_err(during_write)?;
        Ok(())
    }

    async fn cas(&mut self, _test: &Test, k: &Value, old: i64, new: i64) -> Result<bool, OpError> {
        let key = register_key(k);
        let txn = Txn::new()
            .when([Compare::value(
                key.clone(),
                CompareOp::Equal,
                old.to_string(),
            )])
            .and_then([TxnOp::put(key, new.to_string(), None)]);
        let resp = self.client.txn(txn).await.map_err(during_write)?;
        Ok(resp.succeeded())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_prefixed() {
        assert_eq!(register_key(&json!(7)), "/rjepsen/register/7");
    }
}
