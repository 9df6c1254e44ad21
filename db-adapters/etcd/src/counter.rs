//! The counter workload on etcd: one key, `/rjepsen/counter`, its value as
//! decimal text.
//!
//! etcd has no increment, so an add reads the value and its `mod_revision`,
//! then puts value + d in a transaction that compares the revision (0 for a
//! key never written). A failed compare proves the put did not happen, so the
//! add simply tries again, up to [`ATTEMPTS`] times; the one rule then sees
//! only the last try's error. Reads are linearizable unless the test sets
//! `serializable-reads`, as for the register.

use super::conn::{before_write, during_write, parse_int, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp};
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::counter::CounterConn;
use rjepsen_core::test::Test;

const KEY: &str = "/rjepsen/counter";
/// Compare-and-put rounds before an add gives up (as a definite `fail`).
pub const ATTEMPTS: usize = 32;

impl Conn {
    /// The counter's value and revision (0, 0 when never written).
    async fn counter_now(&mut self) -> Result<(i64, i64), OpError> {
        let opts = self.read_options();
        let resp = self
            .client
            .get(KEY, Some(opts))
            .await
            .map_err(before_write)?;
        match resp.kvs().first() {
            Some(kv) => Ok((parse_int(kv.value(), KEY)?, kv.mod_revision())),
            None => Ok((0, 0)),
        }
    }
}

#[async_trait]
impl CounterConn for Conn {
    async fn add(&mut self, _test: &Test, delta: i64) -> Result<(), OpError> {
        for _ in 0..ATTEMPTS {
            // A linearizable read, whatever reads use: the compare needs the
            // latest revision to have a chance.
            let resp = self.client.get(KEY, None).await.map_err(before_write)?;
            let (value, rev) = match resp.kvs().first() {
                Some(kv) => (parse_int(kv.value(), KEY)?, kv.mod_revision()),
                None => (0, 0),
            };
            let txn = Txn::new()
                .when([Compare::mod_revision(KEY, CompareOp::Equal, rev)])
                .and_then([TxnOp::put(KEY, (value + delta).to_string(), None)]);
            if self
                .client
                .txn(txn)
                .await
                .map_err(during_write)?
                .succeeded()
            {
                return Ok(());
            }
        }
        Err(OpError::NotApplied(format!(
            "lost the compare on {KEY} {ATTEMPTS} times"
        )))
    }

    async fn read_counter(&mut self, _test: &Test) -> Result<i64, OpError> {
        Ok(self.counter_now().await?.0)
    }
}
