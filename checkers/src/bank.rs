//! Jepsen's `bank` checker: money moves between accounts but is never made or
//! destroyed.
//!
//! Clients `transfer` amounts between accounts and `read` every balance at once
//! (`{"0": 20, "1": 31, ...}`). Under snapshot isolation or better, every
//! successful read must show the same total, no negative balance (transfers that
//! would overdraw fail), and exactly the accounts the test created. Each bad
//! read is reported with its op and what is wrong with it, grouped by kind, so
//! a person can go straight to the offending ops; transfers themselves are not
//! judged (their effect only shows through reads).
//!
//! Valid iff no read is bad; unknown when no read succeeded.

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::{History, Op, OpType};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Bad reads listed per kind of error, at most.
const MAX_LISTED: usize = 20;

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct Bank {
    /// The accounts a read must show, by name.
    pub accounts: Vec<String>,
    /// The sum every read must show.
    pub total: i64,
    /// Whether a negative balance is allowed (some stores let transfers overdraw).
    pub negative_balances: bool,
}

impl Bank {
    /// Accounts `0..accounts` holding `total` between them.
    pub fn new(accounts: usize, total: i64) -> Bank {
        Bank {
            accounts: (0..accounts).map(|a| a.to_string()).collect(),
            total,
            negative_balances: false,
        }
    }

    /// Allow negative balances.
    pub fn negative_balances(mut self, allowed: bool) -> Bank {
        self.negative_balances = allowed;
        self
    }

    /// What is wrong with one read's balances, as `(kind, detail)` pairs.
    fn errors(&self, value: &Value) -> Vec<(&'static str, Value)> {
        let Some(balances) = value.as_object() else {
            return vec![("malformed", json!("the read's value is not an object"))];
        };
        let mut errs = Vec::new();
        let mut total = 0i64;
        let mut complete = true;
        for account in &self.accounts {
            match balances.get(account).map(Value::as_i64) {
                Some(Some(b)) => {
                    total += b;
                    if b < 0 && !self.negative_balances {
                        errs.push(("negative-value", json!({"account": account, "balance": b})));
                    }
                }
                Some(None) => {
                    complete = false;
                    errs.push(("nil-balance", json!({"account": account})));
                }
                None => {
                    complete = false;
                    errs.push(("missing-account", json!({"account": account})));
                }
            }
        }
        let unexpected: Vec<&String> = balances
            .keys()
            .filter(|k| !self.accounts.contains(k))
            .collect();
        if !unexpected.is_empty() {
            errs.push(("unexpected-key", json!({"accounts": unexpected})));
        }
        if complete && total != self.total {
            errs.push((
                "wrong-total",
                json!({"total": total, "expected": self.total}),
            ));
        }
        errs
    }
}

/// Bad reads of one kind.
#[derive(Default)]
struct Bad {
    count: usize,
    examples: Vec<Value>,
}

fn example(op: &Op, detail: Value) -> Value {
    json!({
        "index": op.index,
        "time": op.time,
        "process": op.process,
        "value": op.value,
        "error": detail,
    })
}

impl Checker for Bank {
    fn check(&self, _ctx: &CheckContext, history: &History) -> CheckResult {
        let mut reads = 0usize;
        let mut bad_reads = 0usize;
        let mut first: Option<Value> = None;
        let mut by_kind: BTreeMap<&str, Bad> = BTreeMap::new();
        let reads_ok = history
            .ops
            .iter()
            .filter(|o| o.is_client() && o.kind == OpType::Ok && o.f == "read");
        for op in reads_ok {
            reads += 1;
            let errs = self.errors(&op.value);
            bad_reads += usize::from(!errs.is_empty());
            for (kind, detail) in errs {
                let ex = example(op, detail);
                first.get_or_insert_with(|| ex.clone());
                let bad = by_kind.entry(kind).or_default();
                bad.count += 1;
                if bad.examples.len() < MAX_LISTED {
                    bad.examples.push(ex);
                }
            }
        }
        let valid = match (reads, bad_reads) {
            (_, b) if b > 0 => Valid::Invalid,
            (0, _) => Valid::Unknown,
            _ => Valid::Valid,
        };
        let errors: Map<String, Value> = by_kind
            .into_iter()
            .map(|(k, b)| {
                (
                    k.to_string(),
                    json!({"count": b.count, "examples": b.examples}),
                )
            })
            .collect();
        let mut r = CheckResult::new(valid)
            .with("read-count", reads)
            .with("bad-read-count", bad_reads)
            .with("expected-total", self.total)
            .with("errors", Value::Object(errors));
        if let Some(f) = first {
            r = r.with("first-error", f);
        }
        if reads == 0 {
            r = r.with(
                "error",
                "no read succeeded: nothing can be said of the balances",
            );
        }
        r
    }
}

#[cfg(test)]
mod tests;
