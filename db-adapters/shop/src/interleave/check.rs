//! Checking the interleave phase: each attempt's own rows (what the phase
//! read after it, `observed`) against the shop's invariants
//! (`rjepsen_workloads::shop::check_state`), and the serial schedules'
//! response difference.
//!
//! The checker reads the phase's files in the run directory
//! (`interleave/attempts.jsonl`, `interleave/coverage.json`) rather than the
//! history, so `rjepsen check` of a stored run gives the same answer as the
//! run did. Every broken invariant is a violation naming the pair (its index
//! in `analysis/candidates.json` or `analysis/early.json`, which `file`
//! names, and its two steps), the forced schedule,
//! the trace ids and the responses. Order dependence (a side whose serial
//! responses differ by order, ids of the attempt aside) is reported, not
//! judged: it is how pairs that conflict look, bug or not.

use rjepsen_core::checker::{CheckContext, CheckResult, Checker, Valid};
use rjepsen_core::history::History;
use rjepsen_workloads::shop::{check_state, State, INVARIANTS};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the phase's files live, under the run directory.
pub const DIR: &str = "interleave";
pub const ATTEMPTS: &str = "attempts.jsonl";
pub const COVERAGE: &str = "coverage.json";

/// Reads `attempts.jsonl`; a malformed line is an error naming it.
pub fn read_attempts(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// The violations of one attempt (none if it observed nothing readable).
fn violations_of(a: &Value) -> Vec<Value> {
    let Some(state) = a["observed"]
        .as_str()
        .and_then(|s| serde_json::from_str::<State>(s).ok())
    else {
        return Vec::new();
    };
    check_state(&state)
        .into_iter()
        .map(|v| {
            json!({
                "invariant": v.invariant,
                "key": v.key,
                "detail": v.detail,
                "pair": {
                    "index": a["set_index"], "file": a["set"], "class": a["class"],
                    "a": a["steps"]["a"], "b": a["steps"]["b"],
                },
                "schedule": a["schedule"],
                "achieved": a["achieved"],
                "attempt": a["attempt"],
                "trace_ids": a["trace_ids"],
                "requests": a["requests"],
                "responses": a["responses"],
            })
        })
        .collect()
}

/// A response as (status, body) with the attempt's fresh ids made generic.
fn seen(a: &Value, side: &str) -> (Value, String) {
    let n = a["attempt"].as_u64().unwrap_or(0);
    let mut body = a["responses"][side]["body"]
        .as_str()
        .unwrap_or("")
        .to_string();
    for k in ["xi", "xo", "xc"] {
        body = body.replace(&format!("{k}{n}"), &format!("{k}#"));
    }
    (a["responses"][side]["status"].clone(), body)
}

/// Per pair with both serial attempts: whether a side's response depends on the order.
pub fn order_dependence(attempts: &[Value]) -> Vec<Value> {
    let mut by_pair: BTreeMap<u64, [Option<&Value>; 2]> = BTreeMap::new();
    for a in attempts {
        let slot = match a["schedule"].as_str() {
            Some("serial_a_b") => 0,
            Some("serial_b_a") => 1,
            _ => continue,
        };
        by_pair.entry(a["pair"].as_u64().unwrap_or(0)).or_default()[slot] = Some(a);
    }
    let mut out = Vec::new();
    for (pair, [ab, ba]) in by_pair {
        let (Some(ab), Some(ba)) = (ab, ba) else {
            continue;
        };
        let mut differences = Map::new();
        for side in ["a", "b"] {
            let (x, y) = (seen(ab, side), seen(ba, side));
            if x != y {
                differences.insert(
                    side.into(),
                    json!({"a_first": {"status": x.0, "body": x.1}, "b_first": {"status": y.0, "body": y.1}}),
                );
            }
        }
        out.push(json!({"pair": pair, "order_dependent": !differences.is_empty(), "differences": differences}));
    }
    out
}

/// The whole interleave result of a run directory.
pub fn check_dir(run: &Path) -> CheckResult {
    let dir = run.join(DIR);
    let attempts = match read_attempts(&dir.join(ATTEMPTS)) {
        Ok(a) => a,
        Err(e) => return CheckResult::unknown(e),
    };
    let coverage: Value = std::fs::read_to_string(dir.join(COVERAGE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let violations: Vec<Value> = attempts.iter().flat_map(violations_of).collect();
    let mut broken: BTreeMap<&str, usize> = INVARIANTS.iter().map(|i| (*i, 0)).collect();
    let mut found_by: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for v in &violations {
        let inv = v["invariant"].as_str().unwrap_or("");
        if let Some(c) = broken.get_mut(inv) {
            *c += 1;
        }
        let sched = v["schedule"].as_str().unwrap_or("").to_string();
        *found_by
            .entry(inv.to_string())
            .or_default()
            .entry(sched)
            .or_default() += 1;
    }
    let order = order_dependence(&attempts);
    let achieved = attempts.iter().filter(|a| a["achieved"] == true).count();
    let valid = if !violations.is_empty() {
        Valid::Invalid
    } else if attempts.is_empty() {
        Valid::Unknown
    } else {
        Valid::Valid
    };
    let mut r = CheckResult::new(valid);
    if attempts.is_empty() {
        r = r.with(
            "error",
            "no interleave attempt was made (no candidate pairs, or no time)",
        );
    }
    r.with("violations", violations)
        .with("broken", json!(broken))
        .with("found_by", json!(found_by))
        .with("attempts", attempts.len())
        .with("achieved", achieved)
        .with(
            "order_dependent",
            order
                .iter()
                .filter(|o| o["order_dependent"] == true)
                .count(),
        )
        .with("order", order)
        .with("coverage", coverage)
        .with(
            "files",
            json!({"attempts": format!("{DIR}/{ATTEMPTS}"), "pairs": "analysis/"}),
        )
}

/// A checker with the interleave phase's result added as `interleave`, its
/// verdict folded into the whole (the worst wins). The phase's files are
/// read from `run`, else from the check's output directory (`rjepsen test`
/// checks into the run directory).
pub struct WithInterleave {
    pub inner: Box<dyn Checker>,
    pub run: Option<std::path::PathBuf>,
}

impl Checker for WithInterleave {
    fn check(&self, ctx: &CheckContext, history: &History) -> CheckResult {
        let mut r = self.inner.check(ctx, history);
        let i = match self.run.as_ref().or(ctx.out_dir.as_ref()) {
            Some(dir) => check_dir(dir),
            None => CheckResult::unknown("no run directory to read the interleave phase from"),
        };
        r.valid = r.valid.max(i.valid);
        r.details.insert(
            "interleave".into(),
            serde_json::to_value(&i).unwrap_or_default(),
        );
        r
    }
}

#[cfg(test)]
mod tests;
