//! The register and set workloads on PostgreSQL: one autocommit statement
//! per op. `cas` is an `UPDATE ... WHERE v = old`: no row changed, no effect.

use super::conn::Conn;
use super::errors::{classify, Phase};
use async_trait::async_trait;
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::register::RegisterConn;
use rjepsen_core::serve::set::SetConn;
use rjepsen_core::test::Test;
use serde_json::Value;

/// A key as text: strings as they are, anything else as JSON.
pub fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[async_trait]
impl RegisterConn for Conn {
    async fn read(&mut self, _test: &Test, k: &Value) -> Result<Option<i64>, OpError> {
        let row = self
            .for_reads()
            .query_opt("SELECT v FROM rj_register WHERE k = $1", &[&key_text(k)])
            .await
            .map_err(|e| classify(&e, Phase::BeforeCommit))?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn write(&mut self, _test: &Test, k: &Value, v: i64) -> Result<(), OpError> {
        self.primary
            .execute(
                "INSERT INTO rj_register (k, v) VALUES ($1, $2) \
                 ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                &[&key_text(k), &v],
            )
            .await
            .map_err(|e| classify(&e, Phase::Commit))?;
        Ok(())
    }

    async fn cas(&mut self, _test: &Test, k: &Value, old: i64, new: i64) -> Result<bool, OpError> {
        let n = self
            .primary
            .execute(
                "UPDATE rj_register SET v = $3 WHERE k = $1 AND v = $2",
                &[&key_text(k), &old, &new],
            )
            .await
            .map_err(|e| classify(&e, Phase::Commit))?;
        Ok(n == 1)
    }
}

#[async_trait]
impl SetConn for Conn {
    async fn add(&mut self, _test: &Test, e: i64) -> Result<(), OpError> {
        self.primary
            .execute("INSERT INTO rj_set (e) VALUES ($1)", &[&e])
            .await
            .map_err(|err| classify(&err, Phase::Commit))?;
        Ok(())
    }

    async fn read_all(&mut self, _test: &Test) -> Result<Vec<i64>, OpError> {
        let rows = self
            .for_reads()
            .query("SELECT e FROM rj_set", &[])
            .await
            .map_err(|e| classify(&e, Phase::BeforeCommit))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}
