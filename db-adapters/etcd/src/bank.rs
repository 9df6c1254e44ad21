//! The bank workload on etcd: transfers between accounts must keep the total.
//!
//! Account `a` is the key `/rjepsen/bank/<a>` holding its balance as decimal text.
//! Setup creates the accounts core's bank workload asks for in one transaction
//! that only applies when none of them exists, so a second setup cannot reset
//! balances. A transfer reads both balances at one revision, refuses (`fail`) to
//! overdraw, and commits both new balances in a transaction guarded by the two
//! keys' mod revisions (`fail` on a conflict). A read is one range get: every
//! balance at one revision.

use super::conn::{before_write, during_write, parse_int, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp, TxnOpResponse};
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::bank::BankConn;
use rjepsen_core::test::Test;

const PREFIX: &str = "/rjepsen/bank/";

fn account_key(a: i64) -> String {
    format!("{PREFIX}{a}")
}

#[async_trait]
impl BankConn for Conn {
    async fn balances(&mut self, _test: &Test) -> Result<Vec<(i64, i64)>, OpError> {
        let conn = self;
        let resp = conn.read_prefix(PREFIX).await?;
        let mut balances = Vec::new();
        for kv in resp.kvs() {
            let key = String::from_utf8_lossy(kv.key()).into_owned();
            let account = key.trim_start_matches(PREFIX).parse::<i64>().map_err(|_| {
                OpError::NotApplied(format!("failed to read {key}: not an account id"))
            })?;
            balances.push((account, parse_int(kv.value(), &key)?));
        }
        Ok(balances)
    }

    async fn transfer(
        &mut self,
        _test: &Test,
        from: i64,
        to: i64,
        amount: i64,
    ) -> Result<(), OpError> {
        let conn = self;
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
            Ok(())
        } else {
            Err(OpError::NotApplied(
                "transfer conflict: a balance changed since it was read".into(),
            ))
        }
    }
    async fn create_accounts(
        &mut self,
        _test: &Test,
        balances: &[(i64, i64)],
    ) -> Result<(), OpError> {
        let conn = self;
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
