//! list-append and rw-register on PostgreSQL: one SQL transaction per Elle
//! transaction, at the test's `--isolation`, its micro-ops run in order (so a
//! read sees the transaction's own writes). An append is an upsert
//! concatenating to the key's array; a write an upsert of the value.
//! Read-only transactions go where `--read-from` says; on a replica they run
//! at repeatable read when serializable was asked for (a hot standby refuses
//! serializable).

use super::conn::Conn;
use super::errors::{classify, Phase};
use super::options::Isolation;
use super::register::key_text;
use async_trait::async_trait;
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::txn::{Micro, TxnConn, TxnKind};
use rjepsen_core::test::Test;
use serde_json::{json, Value};
use tokio_postgres::Client as PgClient;

fn statements(kind: TxnKind) -> (&'static str, &'static str) {
    match kind {
        TxnKind::ListAppend => (
            "SELECT v FROM rj_append WHERE k = $1",
            "INSERT INTO rj_append (k, v) VALUES ($1, ARRAY[$2::bigint]) \
             ON CONFLICT (k) DO UPDATE SET v = rj_append.v || $2::bigint",
        ),
        TxnKind::RwRegister => (
            "SELECT v FROM rj_rw WHERE k = $1",
            "INSERT INTO rj_rw (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        ),
    }
}

/// Runs the micro-ops inside an open transaction.
async fn run(client: &PgClient, kind: TxnKind, micros: &[Micro]) -> Result<Vec<Value>, OpError> {
    let (read, write) = statements(kind);
    let early = |e: tokio_postgres::Error| classify(&e, Phase::BeforeCommit);
    let mut seen = Vec::with_capacity(micros.len());
    for m in micros {
        match m {
            Micro::Read(k) => {
                let row = client
                    .query_opt(read, &[&key_text(k)])
                    .await
                    .map_err(early)?;
                seen.push(match (kind, row) {
                    (TxnKind::ListAppend, Some(r)) => json!(r.get::<_, Vec<i64>>(0)),
                    (TxnKind::RwRegister, Some(r)) => json!(r.get::<_, i64>(0)),
                    (_, None) => kind.empty(),
                });
            }
            Micro::Write(k, v) => {
                client
                    .execute(write, &[&key_text(k), v])
                    .await
                    .map_err(early)?;
                seen.push(Value::Null);
            }
        }
    }
    Ok(seen)
}

#[async_trait]
impl TxnConn for Conn {
    async fn txn(
        &mut self,
        _test: &Test,
        kind: TxnKind,
        micros: &[Micro],
    ) -> Result<Vec<Value>, OpError> {
        let read_only = micros.iter().all(|m| matches!(m, Micro::Read(_)));
        let on_replica = read_only && self.reader.is_some();
        let client = if on_replica {
            self.for_reads()
        } else {
            &self.primary
        };
        // A hot standby refuses SERIALIZABLE (0A000); REPEATABLE READ, one
        // snapshot, is the most it offers.
        let isolation = match self.options.isolation {
            Isolation::Serializable if on_replica => Isolation::RepeatableRead,
            other => other,
        };
        let begin = format!("BEGIN ISOLATION LEVEL {}", isolation.sql());
        client
            .batch_execute(&begin)
            .await
            .map_err(|e| classify(&e, Phase::BeforeCommit))?;
        let seen = match run(client, kind, micros).await {
            Ok(seen) => seen,
            Err(e) => {
                // Best effort: a dead connection rolls back by itself.
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(e);
            }
        };
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| classify(&e, Phase::Commit))?;
        Ok(seen)
    }
}
