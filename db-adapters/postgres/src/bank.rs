//! The bank workload on PostgreSQL: `rj_bank (a bigint, b bigint)`, one row
//! per account.
//!
//! Setup inserts every account in one statement that skips existing rows
//! (`ON CONFLICT DO NOTHING`: workers set up at once, and a second setup must
//! not reset balances). A transfer is one SQL transaction at the test's
//! `--isolation`: read the source's balance, refuse (`fail`) to overdraw,
//! then two relative updates. A read is one `SELECT` of all accounts, one
//! snapshot, served where `--read-from` says.

use super::conn::Conn;
use super::errors::{classify, Phase};
use async_trait::async_trait;
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::bank::BankConn;
use rjepsen_core::test::Test;
use tokio_postgres::Client as PgClient;

/// The transfer's statements inside an open transaction.
async fn moves(client: &PgClient, from: i64, to: i64, amount: i64) -> Result<(), OpError> {
    let early = |e: tokio_postgres::Error| classify(&e, Phase::BeforeCommit);
    let row = client
        .query_opt("SELECT b FROM rj_bank WHERE a = $1", &[&from])
        .await
        .map_err(early)?;
    let Some(row) = row else {
        return Err(OpError::NotApplied(format!("no account {from}")));
    };
    let balance: i64 = row.get(0);
    if balance < amount {
        return Err(OpError::NotApplied(format!(
            "account {from} holds {balance} < {amount}"
        )));
    }
    let update = "UPDATE rj_bank SET b = b + $2 WHERE a = $1";
    client
        .execute(update, &[&from, &-amount])
        .await
        .map_err(early)?;
    client
        .execute(update, &[&to, &amount])
        .await
        .map_err(early)?;
    Ok(())
}

#[async_trait]
impl BankConn for Conn {
    async fn create_accounts(
        &mut self,
        _test: &Test,
        balances: &[(i64, i64)],
    ) -> Result<(), OpError> {
        let (accounts, amounts): (Vec<i64>, Vec<i64>) = balances.iter().copied().unzip();
        self.primary
            .execute(
                "INSERT INTO rj_bank (a, b) SELECT * FROM unnest($1::bigint[], $2::bigint[]) \
                 ON CONFLICT (a) DO NOTHING",
                &[&accounts, &amounts],
            )
            .await
            .map_err(|e| classify(&e, Phase::Commit))?;
        Ok(())
    }

    async fn transfer(
        &mut self,
        _test: &Test,
        from: i64,
        to: i64,
        amount: i64,
    ) -> Result<(), OpError> {
        let client = &self.primary;
        let begin = format!("BEGIN ISOLATION LEVEL {}", self.options.isolation.sql());
        client
            .batch_execute(&begin)
            .await
            .map_err(|e| classify(&e, Phase::BeforeCommit))?;
        if let Err(e) = moves(client, from, to, amount).await {
            // Best effort: a dead connection rolls back by itself.
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(e);
        }
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| classify(&e, Phase::Commit))?;
        Ok(())
    }

    async fn balances(&mut self, _test: &Test) -> Result<Vec<(i64, i64)>, OpError> {
        let rows = self
            .for_reads()
            .query("SELECT a, b FROM rj_bank ORDER BY a", &[])
            .await
            .map_err(|e| classify(&e, Phase::BeforeCommit))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
