//! The set workload on etcd: unique integer adds and whole-set reads.
//!
//! One key per element under `/rjepsen/set/` (not one key rewritten by every add):
//! an add is a blind put that never conflicts with another add, so no retries hide
//! or multiply effects, and its cost does not grow with the set; a read is a single
//! range get, which etcd serves at one revision, so it is as atomic a snapshot as a
//! single-key read would be. See docs/etcd.md for the trade-off.

use super::conn::{during_write, parse_int, Conn};
use async_trait::async_trait;
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::set::SetConn;
use rjepsen_core::test::Test;

const PREFIX: &str = "/rjepsen/set/";

#[async_trait]
impl SetConn for Conn {
    async fn add(&mut self, _test: &Test, element: i64) -> Result<(), OpError> {
        self.client
            .put(format!("{PREFIX}{element}"), element.to_string(), None)
            .await
            .map_err(during_write)?;
        Ok(())
    }

    async fn read_all(&mut self, _test: &Test) -> Result<Vec<i64>, OpError> {
        let resp = self.read_prefix(PREFIX).await?;
        resp.kvs()
            .iter()
            .map(|kv| parse_int(kv.value(), &String::from_utf8_lossy(kv.key())))
            .collect()
    }
}
