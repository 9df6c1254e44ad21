//! The bank workload on etcd: transfers between accounts must keep the total.
//!
//! Account `a` is the key `/rjepsen/bank/<a>` holding its balance as decimal text.
//! Setup creates accounts `0..accounts` (test option `accounts`, default 8) sharing
//! `total-amount` (default 100) in one transaction that only applies when none of
//! them exists, so a second setup cannot reset balances. A transfer reads both
//! balances at one revision, refuses (`fail`) to overdraw, and commits both new
//! balances in a transaction guarded by the two keys' mod revisions (`fail` on a
//! conflict). A read is one range get: every balance at one revision.

use super::client::Ops;
use super::conn::{before_write, during_write, parse_int, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp, TxnOpResponse};
use rjepsen_core::op::Op;
use rjepsen_core::op_client::OpError;
use rjepsen_core::test::Test;
use serde_json::{json, Map, Value};

const PREFIX: &str = "/rjepsen/bank/";

/// Serves `transfer` (`{"from":a,"to":b,"amount":n}`) and `read` (→ account → balance).
#[derive(Clone, Debug, Default)]
pub struct Bank;

fn account_key(a: i64) -> String {
    format!("{PREFIX}{a}")
}

fn int_option(test: &Test, name: &str, default: i64) -> i64 {
    match test.options.get(name) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => s.parse().unwrap_or(default),
        _ => default,
    }
}

/// Initial balances: `total` split evenly, the remainder on account 0.
pub(crate) fn initial_balances(accounts: i64, total: i64) -> Vec<(i64, i64)> {
    let n = accounts.max(1);
    (0..n)
        .map(|a| (a, total / n + if a == 0 { total % n } else { 0 }))
        .collect()
}

fn transfer_args(op: &Op) -> Result<(i64, i64, i64), OpError> {
    let field = |name: &str| op.value.get(name).and_then(Value::as_i64);
    match (field("from"), field("to"), field("amount")) {
        (Some(f), Some(t), Some(a)) if f != t && a >= 0 => Ok((f, t, a)),
        _ => Err(OpError::NotApplied(format!(
            "failed to understand transfer {}: expected distinct from/to and amount >= 0",
            op.value
        ))),
    }
}

impl Bank {
    async fn read(&self, conn: &mut Conn) -> Result<Value, OpError> {
        let resp = conn.read_prefix(PREFIX).await?;
        let mut balances = Map::new();
        for kv in resp.kvs() {
            let key = String::from_utf8_lossy(kv.key()).into_owned();
            let account = key.trim_start_matches(PREFIX).to_string();
            balances.insert(account, json!(parse_int(kv.value(), &key)?));
        }
        Ok(Value::Object(balances))
    }

    async fn transfer(&self, conn: &mut Conn, op: &Op) -> Result<Value, OpError> {
        let (from, to, amount) = transfer_args(op)?;
        let keys = [account_key(from), account_key(to)];
        let gets: Vec<TxnOp> = keys.iter().map(|k| TxnOp::get(k.as_str(), None)).collect();
        let resp = conn
            .client
            .txn(Txn::new().and_then(gets))
            .await
            .map_err(before_write)?;
        let mut seen = Vec::new();
        for (key, r) in keys.iter().zip(resp.op_responses()) {
            let kv = match r {
                TxnOpResponse::Get(g) => g.kvs().first().cloned(),
                _ => None,
            };
            let kv = kv.ok_or_else(|| OpError::NotApplied(format!("no account {key}")))?;
            seen.push((parse_int(kv.value(), key)?, kv.mod_revision()));
        }
        let ((from_balance, from_rev), (to_balance, to_rev)) = (seen[0], seen[1]);
        if from_balance < amount {
            return Err(OpError::NotApplied(format!(
                "insufficient funds: account {from} has {from_balance}"
            )));
        }
        let txn = Txn::new()
            .when([
                Compare::mod_revision(keys[0].as_str(), CompareOp::Equal, from_rev),
                Compare::mod_revision(keys[1].as_str(), CompareOp::Equal, to_rev),
            ])
            .and_then([
                TxnOp::put(keys[0].as_str(), (from_balance - amount).to_string(), None),
                TxnOp::put(keys[1].as_str(), (to_balance + amount).to_string(), None),
            ]);
        let resp = conn.client.txn(txn).await.map_err(during_write)?;
        if resp.succeeded() {
            Ok(op.value.clone())
        } else {
            Err(OpError::NotApplied(
                "transfer conflict: a balance changed since it was read".into(),
            ))
        }
    }
}

#[async_trait]
impl Ops for Bank {
    async fn apply(&self, conn: &mut Conn, _test: &Test, op: &Op) -> Result<Value, OpError> {
        match op.f.as_str() {
            "read" => self.read(conn).await,
            "transfer" => self.transfer(conn, op).await,
            other => Err(OpError::NotApplied(format!(
                "failed to invoke {other}: unknown function for the bank workload"
            ))),
        }
    }

    async fn setup(&self, conn: &mut Conn, test: &Test) -> Result<(), OpError> {
        let accounts = int_option(test, "accounts", 8);
        let total = int_option(test, "total-amount", 100);
        let balances = initial_balances(accounts, total);
        let absent: Vec<Compare> = balances
            .iter()
            .map(|(a, _)| Compare::create_revision(account_key(*a), CompareOp::Equal, 0))
            .collect();
        let puts: Vec<TxnOp> = balances
            .iter()
            .map(|(a, b)| TxnOp::put(account_key(*a), b.to_string(), None))
            .collect();
        conn.client
            .txn(Txn::new().when(absent).and_then(puts))
            .await
            .map_err(during_write)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_balances_keep_the_total() {
        let b = initial_balances(8, 100);
        assert_eq!(b.len(), 8);
        assert_eq!(b.iter().map(|(_, x)| x).sum::<i64>(), 100);
        assert_eq!(b[0], (0, 16));
        assert_eq!(b[1], (1, 12));
    }
}
