//! The bank workload: transfers between accounts and reads of every balance,
//! checked for a constant total and no overdraft (Jepsen's bank test).
//!
//! Op vocabulary a client must serve:
//! - `transfer` `{"from": a, "to": b, "amount": x}` (accounts are integers
//!   `0..BANK_ACCOUNTS`) → ok if `x` moved from `a` to `b` atomically; `fail` if
//!   `a` holds less than `x` (nothing moved) or the transaction definitely did
//!   not commit; `info` when unknown
//! - `read` `null` → ok with every balance read at once, keyed by account:
//!   `{"0": 20, "1": 17, ...}`
//!
//! The client creates the accounts on setup, [`BANK_TOTAL`] spread over
//! [`BANK_ACCOUNTS`] accounts. Half the ops are reads, as in Jepsen, so that a
//! read catches the store between any two transfers; amounts are small
//! (`1..=MAX_TRANSFER`) so that overdrafts are tried but transfers mostly
//! succeed. Every worker thread reads once more after healing.

use crate::set::final_reads;
use crate::{Workload, WorkloadOptions};
use rand::Rng;
use rjepsen_checkers::bank::Bank;
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::op::Op;
use rjepsen_core::Checker;
use serde_json::{json, Value};

/// Accounts `0..BANK_ACCOUNTS`: Jepsen's default, and the etcd client's (its
/// `accounts` test option) — the two must agree, or every read is flagged.
pub const BANK_ACCOUNTS: usize = 8;
/// Money in the bank, spread over the accounts at setup (the etcd client's
/// `total-amount`).
pub const BANK_TOTAL: i64 = 100;
/// Transfers move `1..=MAX_TRANSFER`.
pub const MAX_TRANSFER: i64 = 5;

/// Builds the bank workload.
pub fn bank(_opts: &WorkloadOptions) -> Workload {
    let checker = Compose(vec![
        (
            "bank".to_string(),
            Box::new(Bank::new(BANK_ACCOUNTS, BANK_TOTAL)) as Box<dyn Checker>,
        ),
        ("stats".to_string(), Box::new(Stats)),
    ]);
    Workload {
        name: "bank".into(),
        generator: Box::new(Transfers),
        final_generator: Some(Box::new(final_reads())),
        checker: Box::new(checker),
    }
}

/// Reads and transfers between two different random accounts, half and half.
struct Transfers;

impl Generator for Transfers {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(p) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let mut op = if ctx.rng.gen_bool(0.5) {
            Op::invoke(p, "read", Value::Null)
        } else {
            let from = ctx.rng.gen_range(0..BANK_ACCOUNTS);
            let to = (from + ctx.rng.gen_range(1..BANK_ACCOUNTS)) % BANK_ACCOUNTS;
            let amount = ctx.rng.gen_range(1..=MAX_TRANSFER);
            Op::invoke(
                p,
                "transfer",
                json!({"from": from, "to": to, "amount": amount}),
            )
        };
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{clients, drain, take};

    #[test]
    fn ops_have_the_bank_vocabulary() {
        let ops = take(
            &mut *bank(&Default::default()).generator,
            &clients(4),
            1_000,
            2,
        );
        let mut pairs = std::collections::BTreeSet::new();
        for op in &ops {
            match op.f.as_str() {
                "read" => assert!(op.value.is_null()),
                "transfer" => {
                    let v = op.value.as_object().expect("a transfer is an object");
                    assert_eq!(v.len(), 3, "{v:?}");
                    let from = v["from"].as_u64().unwrap() as usize;
                    let to = v["to"].as_u64().unwrap() as usize;
                    let amount = v["amount"].as_i64().unwrap();
                    assert!(
                        from < BANK_ACCOUNTS && to < BANK_ACCOUNTS && from != to,
                        "{v:?}"
                    );
                    assert!((1..=MAX_TRANSFER).contains(&amount), "{v:?}");
                    pairs.insert((from, to));
                }
                other => panic!("unexpected f {other}"),
            }
        }
        // Every ordered pair of distinct accounts shows up.
        assert_eq!(pairs.len(), BANK_ACCOUNTS * (BANK_ACCOUNTS - 1));
        let reads = ops.iter().filter(|o| o.f == "read").count();
        assert!((400..600).contains(&reads), "{reads} reads of 1000");
    }

    #[test]
    fn same_seed_same_ops() {
        let gen = || bank(&Default::default()).generator;
        let a = take(&mut *gen(), &clients(3), 200, 4);
        assert_eq!(a, take(&mut *gen(), &clients(3), 200, 4));
        assert_ne!(a, take(&mut *gen(), &clients(3), 200, 5));
    }

    #[test]
    fn final_phase_reads_once_per_thread() {
        let mut fin = bank(&Default::default()).final_generator.unwrap();
        let ops = drain(&mut *fin, &clients(3), 10);
        assert_eq!(ops.len(), 3);
        assert!(ops.iter().all(|o| o.f == "read"));
    }
}
