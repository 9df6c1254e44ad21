//! Jepsen's counter checker: every read lies between what must and what may
//! have been added.
//!
//! Clients `add` positive deltas to one counter and `read` it. A read's value
//! must be at least the sum of the adds acknowledged (`ok`) before the read
//! was invoked — those are in, whatever order the database chose — and at
//! most the sum of the adds invoked before the read completed that did not
//! `fail` (`ok`, `info` or never completed: any of them may be in). Failed
//! adds are taken at their word and count nowhere. Jepsen checks the same
//! bounds (`jepsen.checker/counter`); like it, this checks each read alone,
//! not that successive reads agree on which uncertain adds happened.
//!
//! Valid iff every ok read is within its bounds; unknown when no read
//! succeeded. Each bad read is returned with its bounds and index.

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::{History, OpType};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Bad reads listed in the result, at most (their count stays exact).
const MAX_LISTED: usize = 100;

/// See the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counter;

/// One read outside its bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct BadRead {
    pub index: u64,
    pub value: i64,
    pub lower: i64,
    pub upper: i64,
}

/// What the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub reads: usize,
    pub errors: Vec<BadRead>,
    /// Indices of ops whose value is not what the vocabulary says.
    pub malformed: Vec<u64>,
    pub acknowledged: i64,
    pub attempted: i64,
}

/// The bounds of every read, in one pass over the history.
pub fn scan(history: &History) -> Scan {
    let mut s = Scan::default();
    // The lower bound at each open read's invocation, by position.
    let mut open_reads: HashMap<usize, i64> = HashMap::new();
    for (pos, op) in history.ops.iter().enumerate() {
        if !op.is_client() {
            continue;
        }
        match (op.f.as_str(), op.kind) {
            ("add", OpType::Invoke) => {
                let failed = history
                    .completion_of(pos)
                    .is_some_and(|c| history.ops[c].kind == OpType::Fail);
                match op.value.as_i64() {
                    Some(d) if !failed => s.attempted += d,
                    Some(_) => {}
                    None => s.malformed.push(op.index),
                }
            }
            ("add", OpType::Ok) => match op.value.as_i64() {
                Some(d) => s.acknowledged += d,
                None => s.malformed.push(op.index),
            },
            ("read", OpType::Invoke) => {
                open_reads.insert(pos, s.acknowledged);
            }
            ("read", OpType::Ok) => {
                let lower = history
                    .invocation_of(pos)
                    .and_then(|i| open_reads.remove(&i))
                    .unwrap_or(0);
                s.reads += 1;
                match op.value.as_i64() {
                    Some(v) if v < lower || v > s.attempted => s.errors.push(BadRead {
                        index: op.index,
                        value: v,
                        lower,
                        upper: s.attempted,
                    }),
                    Some(_) => {}
                    None => s.malformed.push(op.index),
                }
            }
            _ => {}
        }
    }
    s
}

impl Checker for Counter {
    fn check(&self, _ctx: &CheckContext, history: &History) -> CheckResult {
        let s = scan(history);
        let valid = if !s.errors.is_empty() {
            Valid::Invalid
        } else if s.reads == 0 || !s.malformed.is_empty() {
            Valid::Unknown
        } else {
            Valid::Valid
        };
        let errors: Vec<Value> = s
            .errors
            .iter()
            .take(MAX_LISTED)
            .map(
                |e| json!({"index": e.index, "value": e.value, "lower": e.lower, "upper": e.upper}),
            )
            .collect();
        CheckResult::new(valid)
            .with("read-count", json!(s.reads))
            .with("error-count", json!(s.errors.len()))
            .with("errors", json!(errors))
            .with("acknowledged-sum", json!(s.acknowledged))
            .with("attempted-sum", json!(s.attempted))
            .with(
                "malformed",
                json!(s.malformed.iter().take(MAX_LISTED).collect::<Vec<_>>()),
            )
    }
}

#[cfg(test)]
mod tests;
