//! Jepsen's `set-full` checker: what became of every element added to a set.
//!
//! Clients `add` unique elements and `read` the whole set. For each element we
//! follow, in history order, when it became *known* (its add was acknowledged, or
//! a read first showed it), the last read that showed it and the last read that
//! did not although it *began* after the element was known. Comparing those two
//! reads (by invocation position) gives the element's outcome:
//!
//! - **stable**: the last read that missed it is older than the last that saw it;
//!   if some read missed it after it was known, it was also **stale** for a while;
//! - **lost**: a read that began after it was known missed it, and no later read
//!   saw it again;
//! - **never read**: no read began after it was known (or it never was).
//!
//! Reads are judged by invocation rather than completion so that a read that was
//! merely concurrent with an add never counts against it. Besides outcomes we
//! report **unexpected** elements (read but never added — or read before their
//! add was even invoked), **duplicated** ones (twice in one read), **recovered**
//! ones (`info` adds later seen) and `fail`ed adds that appeared anyway, which
//! contradict the client's promise that a `fail` did not happen.
//!
//! Valid iff nothing is lost, unexpected, duplicated or failed-but-present (and,
//! with [`SetFull::linearizable`], nothing stale); unknown when no read succeeded.
//! Work is O(reads × known elements), as in Jepsen; the scan keeps what a
//! read touches per element small and contiguous, so that 50 million read
//! entries take under half a second (release build).

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::{History, OpType};
use scan::{At, Element, Scan};
use serde_json::{json, Map, Value};

mod scan;

/// Lists in the result are cut to this many entries (their counts stay exact).
const MAX_LISTED: usize = 100;
/// Lost elements explained op by op, at most.
const MAX_EXPLAINED: usize = 20;

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct SetFull {
    /// Treat stale reads as errors (a linearizable set never shows them).
    pub linearizable: bool,
}

impl SetFull {
    pub fn new() -> SetFull {
        SetFull::default()
    }

    /// Also require that no element was ever missing once known.
    pub fn linearizable(mut self, yes: bool) -> SetFull {
        self.linearizable = yes;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Stable,
    Lost,
    NeverRead,
}

fn outcome(el: &Element) -> Outcome {
    let pos = |a: Option<At>| a.map(|a| a.pos as i64).unwrap_or(-1);
    match (el.known, el.last_absent) {
        (Some(_), Some(absent)) if pos(el.last_present) < absent.pos as i64 => Outcome::Lost,
        _ if el.last_present.is_some() => Outcome::Stable,
        _ => Outcome::NeverRead,
    }
}

/// Milliseconds from the element being known to it being stable (or lost).
fn latency_ms(el: &Element, out: Outcome) -> Option<f64> {
    let known = el.known?.time;
    let since = match out {
        Outcome::Stable => el.last_absent.map(|a| a.time + 1).unwrap_or(0),
        Outcome::Lost => el.last_present.map(|p| p.time + 1).unwrap_or(0),
        Outcome::NeverRead => return None,
    };
    Some(since.saturating_sub(known) as f64 / 1e6)
}

/// Jepsen's latency summary: the 0, 0.5, 0.95, 0.99 and 1 quantiles.
fn quantiles(mut xs: Vec<f64>) -> Value {
    if xs.is_empty() {
        return Value::Null;
    }
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| xs[((xs.len() - 1) as f64 * p).round() as usize];
    json!({"0": q(0.0), "0.5": q(0.5), "0.95": q(0.95), "0.99": q(0.99), "1": q(1.0)})
}

fn listed(xs: &[i64]) -> Value {
    json!(xs.iter().take(MAX_LISTED).collect::<Vec<_>>())
}

/// The ops behind a lost element, so that a person can find them.
fn explain_lost(history: &History, e: i64, el: &Element) -> Value {
    let index = |a: Option<At>| a.map(|a| history.ops[a.pos].index);
    json!({
        "element": e,
        "add-invoke-index": history.ops[el.invoked.pos].index,
        "add-completion-index": el.completed.map(|p| history.ops[p].index),
        "add-outcome": el.outcome.map(|k| k.as_str()),
        "known-index": index(el.known),
        "last-present-read-index": index(el.last_present),
        "last-absent-read-index": index(el.last_absent),
    })
}

/// Elements sorted by what became of them.
#[derive(Default)]
struct Summary {
    acknowledged: usize,
    stable: usize,
    lost: Vec<i64>,
    stale: Vec<i64>,
    never_read: Vec<i64>,
    recovered: Vec<i64>,
    failed_present: Vec<i64>,
    stable_latencies: Vec<f64>,
    lost_latencies: Vec<f64>,
}

impl Summary {
    fn of(scan: &Scan) -> Summary {
        let mut s = Summary::default();
        for &(e, ref el) in &scan.elements {
            s.acknowledged += usize::from(el.outcome == Some(OpType::Ok));
            let seen = el.first_seen.is_some();
            match el.outcome {
                Some(OpType::Fail) if seen => s.failed_present.push(e),
                // A failed add never seen is just that: it did not happen.
                Some(OpType::Fail) => continue,
                Some(OpType::Info) | None if seen => s.recovered.push(e),
                _ => {}
            }
            let out = outcome(el);
            match out {
                Outcome::Stable => {
                    s.stable += 1;
                    if el.last_absent.is_some() {
                        s.stale.push(e);
                    }
                }
                Outcome::Lost => s.lost.push(e),
                Outcome::NeverRead => s.never_read.push(e),
            }
            match (out, latency_ms(el, out)) {
                (Outcome::Stable, Some(l)) => s.stable_latencies.push(l),
                (Outcome::Lost, Some(l)) => s.lost_latencies.push(l),
                _ => {}
            }
        }
        s
    }
}

impl SetFull {
    fn verdict(&self, scan: &Scan, s: &Summary) -> Valid {
        let bad = !s.lost.is_empty()
            || !scan.unexpected.is_empty()
            || !scan.duplicated.is_empty()
            || !s.failed_present.is_empty()
            || (self.linearizable && !s.stale.is_empty());
        if bad {
            Valid::Invalid
        } else if scan.reads() == 0 || !scan.malformed.is_empty() {
            Valid::Unknown
        } else {
            Valid::Valid
        }
    }
}

fn element_reads(xs: &[(i64, u64)]) -> Value {
    xs.iter()
        .take(MAX_LISTED)
        .map(|(e, i)| json!({"element": e, "read-index": i}))
        .collect()
}

fn details(history: &History, scan: &Scan, s: Summary) -> Map<String, Value> {
    let explained: Vec<Value> = s
        .lost
        .iter()
        .take(MAX_EXPLAINED)
        .filter_map(|&e| Some(explain_lost(history, e, scan.element(e)?)))
        .collect();
    let malformed: Vec<u64> = scan.malformed.iter().take(MAX_LISTED).copied().collect();
    let mut d = Map::new();
    let mut put = |k: &str, v: Value| {
        d.insert(k.to_string(), v);
    };
    put("attempt-count", json!(scan.elements.len()));
    put("acknowledged-count", json!(s.acknowledged));
    put("read-count", json!(scan.reads()));
    put("stable-count", json!(s.stable));
    put("lost-count", json!(s.lost.len()));
    put("lost", listed(&s.lost));
    put("lost-explained", Value::Array(explained));
    put("stale-count", json!(s.stale.len()));
    put("stale", listed(&s.stale));
    put("never-read-count", json!(s.never_read.len()));
    put("never-read", listed(&s.never_read));
    put("recovered-count", json!(s.recovered.len()));
    put("recovered", listed(&s.recovered));
    put("failed-present-count", json!(s.failed_present.len()));
    put("failed-present", listed(&s.failed_present));
    put("unexpected-count", json!(scan.unexpected.len()));
    put("unexpected", element_reads(&scan.unexpected));
    put("duplicated-count", json!(scan.duplicated.len()));
    put("duplicated", element_reads(&scan.duplicated));
    put("malformed-op-indices", json!(malformed));
    put("stable-latencies", quantiles(s.stable_latencies));
    put("lost-latencies", quantiles(s.lost_latencies));
    if scan.reads() == 0 {
        put(
            "error",
            json!("no read succeeded: nothing can be said of the set"),
        );
    }
    d
}

impl Checker for SetFull {
    fn check(&self, _ctx: &CheckContext, history: &History) -> CheckResult {
        let scan = Scan::run(history);
        let summary = Summary::of(&scan);
        let valid = self.verdict(&scan, &summary);
        CheckResult {
            valid,
            details: details(history, &scan, summary),
        }
    }
}

#[cfg(test)]
mod tests;
