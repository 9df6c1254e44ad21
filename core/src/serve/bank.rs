//! The bank workload: `transfer {"from","to","amount"}` between accounts that
//! must keep their total, and `read` (→ every balance at once, account ids as
//! JSON object keys).
//!
//! Accounts `0..accounts` (test option `accounts`, default 8) share
//! `total-amount` (default 100) evenly, the remainder on account 0; the first
//! client's setup creates them, and a database must make a second setup change
//! nothing.

use super::{bad, Connector, Served};
use crate::client::ClientError;
use crate::op::Op;
use crate::op_client::{Driver, OpClient, OpError};
use crate::test::Test;
use async_trait::async_trait;
use serde_json::{json, Map, Value};

/// The workload's name, as `--workload` gives it.
pub const NAME: &str = "bank";

/// What a connection must do to serve the bank workload.
#[async_trait]
pub trait BankConn: Send + Sync {
    /// Creates the accounts with these balances, unless any of them exists.
    async fn create_accounts(
        &mut self,
        test: &Test,
        balances: &[(i64, i64)],
    ) -> Result<(), OpError>;
    /// Moves `amount` atomically; `NotApplied` when `from` holds less.
    async fn transfer(
        &mut self,
        test: &Test,
        from: i64,
        to: i64,
        amount: i64,
    ) -> Result<(), OpError>;
    /// Every account's balance, read as one snapshot.
    async fn balances(&mut self, test: &Test) -> Result<Vec<(i64, i64)>, OpError>;
}

/// The bank client of a database whose connections serve it.
pub fn bank<C: Connector>(connector: C) -> Served
where
    C::Conn: BankConn,
{
    Served {
        workload: NAME,
        client: Box::new(OpClient::new(BankDriver(connector))),
    }
}

#[derive(Clone)]
struct BankDriver<C>(C);

fn int_option(test: &Test, name: &str, default: i64) -> i64 {
    match test.options.get(name) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => s.parse().unwrap_or(default),
        _ => default,
    }
}

/// Initial balances: `total` split evenly, the remainder on account 0.
pub fn initial_balances(accounts: i64, total: i64) -> Vec<(i64, i64)> {
    let n = accounts.max(1);
    (0..n)
        .map(|a| (a, total / n + if a == 0 { total % n } else { 0 }))
        .collect()
}

fn transfer_args(op: &Op) -> Result<(i64, i64, i64), OpError> {
    let field = |name: &str| op.value.get(name).and_then(Value::as_i64);
    match (field("from"), field("to"), field("amount")) {
        (Some(f), Some(t), Some(a)) if f != t && a >= 0 => Ok((f, t, a)),
        _ => Err(bad(op, "expected distinct from/to and amount >= 0")),
    }
}

#[async_trait]
impl<C: Connector> Driver for BankDriver<C>
where
    C::Conn: BankConn,
{
    type Conn = C::Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<C::Conn, ClientError> {
        self.0.connect(test, node).await
    }

    async fn apply(&self, conn: &mut C::Conn, test: &Test, op: &Op) -> Result<Value, OpError> {
        match op.f.as_str() {
            "read" => {
                let all = conn.balances(test).await?;
                let map: Map<String, Value> = all
                    .into_iter()
                    .map(|(a, b)| (a.to_string(), json!(b)))
                    .collect();
                Ok(Value::Object(map))
            }
            "transfer" => {
                let (from, to, amount) = transfer_args(op)?;
                conn.transfer(test, from, to, amount).await?;
                Ok(op.value.clone())
            }
            _ => Err(bad(op, "unknown function for the bank workload")),
        }
    }

    async fn setup(&self, conn: &mut C::Conn, test: &Test) -> Result<(), OpError> {
        let accounts = int_option(test, "accounts", 8);
        let total = int_option(test, "total-amount", 100);
        conn.create_accounts(test, &initial_balances(accounts, total))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Process;

    #[test]
    fn initial_balances_keep_the_total() {
        let b = initial_balances(8, 100);
        assert_eq!(b.len(), 8);
        assert_eq!(b.iter().map(|(_, x)| x).sum::<i64>(), 100);
        assert_eq!(b[0], (0, 16));
        assert_eq!(b[1], (1, 12));
    }

    #[test]
    fn transfers_need_distinct_accounts() {
        let op = |v| Op::invoke(Process::Client(0), "transfer", v);
        assert!(transfer_args(&op(json!({"from": 1, "to": 2, "amount": 3}))).is_ok());
        assert!(transfer_args(&op(json!({"from": 1, "to": 1, "amount": 3}))).is_err());
        assert!(transfer_args(&op(json!({"from": 1, "amount": 3}))).is_err());
    }
}
