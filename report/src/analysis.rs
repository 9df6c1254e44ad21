//! Numbers derived from a history: fault intervals, latencies, quantiles,
//! throughput and op counts.
//!
//! Fault intervals come from results.json's `nemesis-intervals` when the runner
//! wrote them (it knows exactly when each fault was in force); otherwise they are
//! rebuilt from the nemesis ops of the history, pairing `start-X` with `stop-X`,
//! `kill` with `start` and `pause` with `resume`, as Jepsen's plots do. Quantiles
//! use an HDR histogram so that a million ops cost a fixed amount of memory.

use hdrhistogram::Histogram;
use rjepsen_core::history::History;
use rjepsen_core::{Op, OpType, Process};
use serde_json::Value;
use std::collections::BTreeMap;

/// One fault, in nanoseconds since the start; `stop` None = never healed in the
/// history.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Interval {
    pub kind: String,
    pub start: u64,
    pub stop: Option<u64>,
    pub value: Value,
}

/// A completed (or never completed) client op: when it was invoked, how long it
/// took, and how it ended.
#[derive(Clone, Debug)]
pub(crate) struct Latency {
    pub f: String,
    pub outcome: OpType,
    pub invoked: u64,
    pub nanos: u64,
}

/// Fault intervals: from results.json when present, else from the history.
pub(crate) fn intervals(results: Option<&Value>, ops: &[Op]) -> Vec<Interval> {
    let given = results.and_then(|r| r.get("nemesis-intervals"));
    match given.and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(interval_from_json).collect(),
        None => intervals_from_history(ops),
    }
}

fn interval_from_json(v: &Value) -> Option<Interval> {
    Some(Interval {
        kind: v.get("kind")?.as_str()?.to_string(),
        start: v.get("start")?.as_u64()?,
        stop: v.get("stop").and_then(Value::as_u64),
        value: v.get("value").cloned().unwrap_or(Value::Null),
    })
}

/// The kind of fault a nemesis `f` opens, or closes.
fn fault_edge(f: &str) -> Option<(bool, String)> {
    let f = f.trim_start_matches(':');
    match f {
        "kill" => Some((true, "kill".into())),
        "start" => Some((false, "kill".into())),
        "pause" => Some((true, "pause".into())),
        "resume" => Some((false, "pause".into())),
        _ => None,
    }
    .or_else(|| f.strip_prefix("start-").map(|k| (true, k.to_string())))
    .or_else(|| f.strip_prefix("stop-").map(|k| (false, k.to_string())))
}

/// Rebuilds intervals from nemesis ops. A fault counts from the invocation of the
/// op that started it to the completion of the op that stopped it (the widest
/// window in which it may have been in force, as rjepsen-nemesis records it); an
/// op that never completed counts at its invocation.
pub(crate) fn intervals_from_history(ops: &[Op]) -> Vec<Interval> {
    let mut open: BTreeMap<String, Interval> = BTreeMap::new();
    let mut done = Vec::new();
    let mut pending: Option<&Op> = None;
    for op in ops.iter().filter(|o| o.process == Process::Nemesis) {
        if op.kind == OpType::Invoke {
            if let Some(unfinished) = pending.replace(op) {
                record_edge(unfinished, unfinished.time, &mut open, &mut done);
            }
            continue;
        }
        let invoked = pending
            .take()
            .filter(|i| i.f == op.f)
            .map_or(op.time, |i| i.time);
        record_edge(op, invoked, &mut open, &mut done);
    }
    if let Some(op) = pending {
        record_edge(op, op.time, &mut open, &mut done);
    }
    done.extend(open.into_values());
    done.sort_by_key(|i| i.start);
    done
}

/// Opens or closes the fault of `op`; a fault opens at `invoked`, the time its
/// op was invoked, and closes at `op.time`.
fn record_edge(
    op: &Op,
    invoked: u64,
    open: &mut BTreeMap<String, Interval>,
    done: &mut Vec<Interval>,
) {
    let Some((starts, kind)) = fault_edge(&op.f) else {
        return;
    };
    if starts {
        open.entry(kind.clone()).or_insert(Interval {
            kind,
            start: invoked,
            stop: None,
            value: op.value.clone(),
        });
    } else if let Some(mut i) = open.remove(&kind) {
        i.stop = Some(op.time);
        done.push(i);
    }
}

/// Latencies of client ops in invocation order; an op that never completed is
/// an `info` lasting until the end of the history.
pub(crate) fn latencies(history: &History, end: u64) -> Vec<Latency> {
    history
        .client_pairs()
        .map(|(inv, comp)| Latency {
            f: inv.f.clone(),
            outcome: comp.map_or(OpType::Info, |c| c.kind),
            invoked: inv.time,
            nanos: comp.map_or(end, |c| c.time).saturating_sub(inv.time),
        })
        .collect()
}

/// One row of the quantile table, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Quantiles {
    pub f: String,
    pub count: u64,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// p50/p95/p99/max of every `f`, over all of its completions, with microsecond
/// resolution and three significant digits.
pub(crate) fn quantiles(lats: &[Latency]) -> Vec<Quantiles> {
    let mut by_f: BTreeMap<&str, (Histogram<u64>, [u64; 3])> = BTreeMap::new();
    for l in lats {
        let (h, counts) = by_f.entry(&l.f).or_insert_with(|| {
            // 1 µs to one hour, three significant digits: a fixed 200 KB or so.
            let h = Histogram::new_with_bounds(1, 3_600_000_000, 3)
                .expect("constant bounds and precision are valid");
            (h, [0; 3])
        });
        h.saturating_record((l.nanos / 1000).max(1));
        match l.outcome {
            OpType::Ok => counts[0] += 1,
            OpType::Fail => counts[1] += 1,
            _ => counts[2] += 1,
        }
    }
    let ms = |us: u64| us as f64 / 1000.0;
    by_f.into_iter()
        .map(|(f, (h, c))| Quantiles {
            f: f.to_string(),
            count: h.len(),
            ok: c[0],
            fail: c[1],
            info: c[2],
            p50: ms(h.value_at_quantile(0.50)),
            p95: ms(h.value_at_quantile(0.95)),
            p99: ms(h.value_at_quantile(0.99)),
            max: ms(h.max()),
        })
        .collect()
}

/// Client completions per whole second, by outcome: `[ok, fail, info]` per second.
pub(crate) fn throughput(ops: &[Op], end: u64) -> Vec<[u32; 3]> {
    let secs = (end / 1_000_000_000) as usize + 1;
    let mut buckets = vec![[0u32; 3]; secs];
    for op in ops.iter().filter(|o| o.is_client()) {
        let slot = match op.kind {
            OpType::Ok => 0,
            OpType::Fail => 1,
            OpType::Info => 2,
            OpType::Invoke => continue,
        };
        let s = ((op.time / 1_000_000_000) as usize).min(secs - 1);
        buckets[s][slot] += 1;
    }
    buckets
}

/// The time of the last op, in nanoseconds (0 for an empty history).
pub(crate) fn history_end(ops: &[Op]) -> u64 {
    ops.iter().map(|o| o.time).max().unwrap_or(0)
}

#[cfg(test)]
mod tests;
