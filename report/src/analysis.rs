//! Numbers derived from a history: fault intervals, latencies, quantiles,
//! throughput and op counts.
//!
//! Fault intervals come from results.json's `nemesis-intervals` when the runner
//! wrote them; otherwise they are computed from the history's nemesis ops by
//! `rjepsen_core::fault::fault_intervals`, with the specs results.json recorded
//! (`nemesis-faults`) or, for older runs, the built-in ones: nothing is guessed
//! from an `f`'s name, as Jepsen's plots read their packages' `:perf` specs. Quantiles
//! use an HDR histogram so that a million ops cost a fixed amount of memory.

use hdrhistogram::Histogram;
use rjepsen_core::fault::{fault_intervals, FaultBook};
use rjepsen_core::history::History;
use rjepsen_core::{Op, OpType};
use serde_json::Value;
use std::collections::BTreeMap;

/// One fault, in nanoseconds since the start; `stop` None = never healed in the
/// history. `colour` is its spec's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Interval {
    pub kind: String,
    pub start: u64,
    pub stop: Option<u64>,
    pub value: Value,
    pub colour: String,
}

/// For a kind no spec names (a run that recorded intervals of faults it had no
/// spec for): a colour of its own, stable by name.
const SPARE_COLOURS: [&str; 6] = [
    "#f28e2b", "#e15759", "#b07aa1", "#76b7b2", "#59a14f", "#edc948",
];

/// A completed (or never completed) client op: when it was invoked, how long it
/// took, and how it ended.
#[derive(Clone, Debug)]
pub(crate) struct Latency {
    pub f: String,
    pub outcome: OpType,
    pub invoked: u64,
    pub nanos: u64,
}

/// The run's fault specs: results.json's `nemesis-faults`, or the built-in
/// ones for a run that recorded none. A malformed list is an error.
pub(crate) fn fault_book(results: Option<&Value>) -> Result<FaultBook, String> {
    FaultBook::from_results(results)
}

/// Fault intervals: from results.json when present (the runner wrote them),
/// else computed from the history's nemesis ops with the run's specs — the same
/// computation the runner uses.
pub(crate) fn intervals(results: Option<&Value>, ops: &[Op], book: &FaultBook) -> Vec<Interval> {
    let given = results.and_then(|r| r.get("nemesis-intervals"));
    let raw: Vec<(String, u64, Option<u64>, Value)> = match given.and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(interval_from_json).collect(),
        None => fault_intervals(ops, book)
            .into_iter()
            .map(|i| (i.kind, i.start, i.stop, i.value))
            .collect(),
    };
    raw.into_iter()
        .map(|(kind, start, stop, value)| Interval {
            colour: colour_of(book, &kind),
            kind,
            start,
            stop,
            value,
        })
        .collect()
}

fn colour_of(book: &FaultBook, kind: &str) -> String {
    match book.colour(kind) {
        Some(c) => c.to_string(),
        None => {
            let h = kind
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
            SPARE_COLOURS[h % SPARE_COLOURS.len()].to_string()
        }
    }
}

fn interval_from_json(v: &Value) -> Option<(String, u64, Option<u64>, Value)> {
    Some((
        v.get("kind")?.as_str()?.to_string(),
        v.get("start")?.as_u64()?,
        v.get("stop").and_then(Value::as_u64),
        v.get("value").cloned().unwrap_or(Value::Null),
    ))
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
