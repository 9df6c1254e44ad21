//! The driver: split by key, check keys in parallel, gather the verdicts.
//!
//! Keys are sorted largest first and handed to one worker per core through an
//! atomic counter, so that one slow key does not leave a core idle behind it. All
//! workers share one memory counter for the budget.

use super::evidence::{self, KeyReport};
use super::model::{Atoms, Model};
use super::prepare::{self, Call, KeyOps};
use super::reach;
use super::wgl::{Budget, Outcome, Search};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, Entry, Valid};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Memory for the search caches when the context sets no budget.
pub const DEFAULT_MEMORY_LIMIT: u64 = 768 << 20;

/// How many invalid keys are reported in full.
const MAX_REPORTED: usize = 8;

/// How many invalid keys get the costlier evidence (a linearization of the prefix,
/// the smallest window, an SVG); the others keep the basic evidence, so that a
/// history with thousands of bad keys is still checked quickly.
const MAX_DETAILED: usize = 16;

/// Checks `ops` against `model`; with `independent`, values `[k, v]` are split per key.
/// `ops` are a history's [`rjepsen_core::Op`]s, or the [`rjepsen_core::CompactOp`]s
/// of a file read with [`rjepsen_core::history::read_compact`].
pub fn check_model<M: Model, E: Entry>(
    model: &M,
    independent: bool,
    ops: &[E],
    ctx: &CheckContext,
) -> CheckResult {
    let groups = match prepare::split(ops, independent) {
        Ok(g) => g,
        Err(e) => return CheckResult::unknown(e),
    };
    let used = AtomicU64::new(0);
    let budget = Budget {
        deadline: ctx.time_limit.map(|t| Instant::now() + t),
        memory_limit: ctx.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT),
        memory_used: &used,
        max_configs: usize::MAX,
    };
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(groups[g].pairs.len()));
    let reports: Mutex<Vec<(usize, KeyReport)>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let detailed = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(order.len())
        .max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&g) = order.get(i) else { break };
                let r = check_key(model, ops, &groups[g], independent, ctx, &budget, &detailed);
                if r.valid != Valid::Valid {
                    reports
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((g, r));
                }
            });
        }
    });
    let mut reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    reports.sort_by_key(|(_, r)| (std::cmp::Reverse(r.valid), r.first_index));
    // The keys shown in full get the full evidence, whichever worker found them.
    for (g, r) in reports.iter_mut().take(MAX_REPORTED) {
        if r.valid == Valid::Invalid && !r.detailed {
            let fresh = AtomicUsize::new(0);
            *r = check_key(model, ops, &groups[*g], independent, ctx, &budget, &fresh);
        }
    }
    let mut reports: Vec<KeyReport> = reports.into_iter().map(|(_, r)| r).collect();
    reports.sort_by_key(|r| r.first_index);
    summarise(groups.len(), ops.len(), independent, reports)
}

fn check_key<M: Model, E: Entry>(
    model: &M,
    ops: &[E],
    group: &KeyOps,
    independent: bool,
    ctx: &CheckContext,
    budget: &Budget,
    detailed: &AtomicUsize,
) -> KeyReport {
    let detail = || detailed.fetch_add(1, Ordering::Relaxed) < MAX_DETAILED;
    let mut atoms = Atoms::default();
    let mut calls = match prepare::calls(model, ops, group, independent, &mut atoms) {
        Ok(c) => c,
        Err(e) => {
            return KeyReport::error(group.key.clone(), format!("failed to read history: {e}"))
        }
    };
    reach::drop_unobserved(model, &mut calls);
    let ev = evidence::Ctx {
        model,
        ops,
        calls: &calls,
        atoms: &atoms,
        key: group.key.clone(),
        out: ctx,
        svg: std::cell::Cell::new(false),
    };
    let proof = |imp: reach::Impossible<M::State>| {
        ev.svg.set(detail());
        let order = if ev.svg.get() {
            prefix_before(model, &calls, imp.call, budget)
        } else {
            Vec::new()
        };
        ev.impossible(imp, order)
    };
    if let Some((call, states)) = reach::never_produced(model, &calls) {
        let imp = reach::Impossible {
            call,
            states,
            after: None,
            between: Vec::new(),
        };
        return proof(imp);
    }
    if let Some(imp) = reach::impossible(model, &calls) {
        return proof(imp);
    }
    // A short search settles most keys; when it does not, or to explain a failure,
    // look for a small window that proves one op impossible before searching on.
    let quick = Budget {
        max_configs: QUICK_CONFIGS,
        ..*budget
    };
    let outcome = match Search::new(model, &calls).run(&quick) {
        Outcome::Valid(_) => return KeyReport::valid(group.key.clone()),
        Outcome::Capped => None,
        other => Some(other),
    };
    if let Some(imp) = reach::impossible_after(model, &calls) {
        return proof(imp);
    }
    match outcome.unwrap_or_else(|| Search::new(model, &calls).run(budget)) {
        Outcome::Valid(_) => KeyReport::valid(group.key.clone()),
        Outcome::Invalid(f) => {
            ev.svg.set(detail());
            let window = f
                .blocking
                .filter(|_| ev.svg.get())
                .and_then(|x| super::window::smallest(model, &calls, x, budget));
            ev.invalid(f, window)
        }
        Outcome::Unknown(reason, f) => ev.unknown(reason, f),
        Outcome::Capped => {
            KeyReport::error(group.key.clone(), "failed to finish the search".into())
        }
    }
}

/// Configurations of the first, short search of a key.
const QUICK_CONFIGS: usize = 100_000;

/// One linearization of what precedes the impossible op (ops still running when it
/// returned become optional), as the "longest linearizable prefix"; bounded in time.
fn prefix_before<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
    bad: u32,
    budget: &Budget,
) -> Vec<u32> {
    let Some(end) = calls[bad as usize].ret else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    let mut sub = Vec::new();
    for (id, c) in calls.iter().enumerate() {
        if id as u32 != bad && c.invoke < end {
            ids.push(id as u32);
            sub.push(Call {
                op: c.op.clone(),
                invoke: c.invoke,
                ret: c.ret.filter(|&r| r < end),
            });
        }
    }
    let small = Budget {
        deadline: Some(
            (Instant::now() + Duration::from_millis(500)).min(
                budget
                    .deadline
                    .unwrap_or(Instant::now() + Duration::from_secs(3600)),
            ),
        ),
        memory_limit: budget.memory_limit,
        memory_used: budget.memory_used,
        max_configs: usize::MAX,
    };
    match Search::new(model, &sub).run(&small) {
        Outcome::Valid(order) => order.into_iter().map(|i| ids[i as usize]).collect(),
        Outcome::Invalid(f) | Outcome::Unknown(_, f) => {
            f.order.into_iter().map(|i| ids[i as usize]).collect()
        }
        Outcome::Capped => Vec::new(),
    }
}

fn summarise(keys: usize, ops: usize, independent: bool, reports: Vec<KeyReport>) -> CheckResult {
    let valid = reports
        .iter()
        .map(|r| r.valid)
        .max()
        .unwrap_or(Valid::Valid);
    let mut result = CheckResult::new(valid)
        .with("op-count", ops)
        .with("key-count", keys);
    let of = |v: Valid| -> Vec<Value> {
        reports
            .iter()
            .filter(|r| r.valid == v)
            .map(|r| r.key.clone().unwrap_or(Value::Null))
            .collect()
    };
    if independent {
        result = result
            .with("invalid-keys", of(Valid::Invalid))
            .with("unknown-keys", of(Valid::Unknown));
    }
    let mut shown: Vec<&KeyReport> = reports
        .iter()
        .filter(|r| r.valid == Valid::Invalid)
        .collect();
    shown.extend(reports.iter().filter(|r| r.valid == Valid::Unknown));
    if let Some(first) = shown.first() {
        result = result.with("explanation", first.explanation.clone());
        if first.valid == Valid::Unknown {
            result = result.with("error", first.explanation.clone());
        }
    }
    let failures: Vec<Value> = shown
        .iter()
        .take(MAX_REPORTED)
        .map(|r| r.details.clone())
        .collect();
    if !independent {
        if let Some(Value::Object(m)) = failures.into_iter().next() {
            for (k, v) in m {
                result.details.entry(k).or_insert(v);
            }
        }
        return result;
    }
    result.with("failures", Value::Array(failures))
}
