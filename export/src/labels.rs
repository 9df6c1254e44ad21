//! The labels: every fault window of a run, and which of them each op was
//! invoked under.
//!
//! Windows are core's `fault_intervals` narrowed to when the fault was surely
//! in force: from the start op's *completion* (the rules are in place) to the
//! stop op's *invocation* (nothing healed yet), numbered in order of their
//! start. The widest window (start invoked to stop completed) would add both
//! ops' own time over SSH (80-130 ms each) to every label; a planned fault
//! (`--nemesis-duration`) is held exactly between these two instants. A start
//! op that never completed keeps its invocation as the start. A fault whose value is a
//! grudge (node → the nodes it no longer hears from) acts on links, so it gets
//! one row per link (`src` → `dst`, `dst` dropping what `src` sends), all with
//! the same `fault_id`; any other fault gets one row naming its nodes.

use rjepsen_core::fault::{fault_intervals, FaultInterval};
use rjepsen_core::{FaultBook, Op, Process};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// One row of labels.csv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub fault_id: usize,
    pub kind: String,
    pub start_ns: u64,
    /// The stop's invocation; for a fault never stopped, the history's end.
    pub end_ns: u64,
    pub nodes: Vec<String>,
    pub src: Option<String>,
    pub dst: Option<String>,
}

/// A fault window, as ops are matched against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub fault_id: usize,
    pub start_ns: u64,
    pub end_ns: u64,
}

/// The fault windows of `history` under `book`.
pub(crate) fn windows(history: &[Op], book: &FaultBook) -> Vec<(Window, FaultInterval)> {
    let end = history.last().map_or(0, |op| op.time);
    // The nemesis is one process: an invocation's completion is its next op.
    let nemesis: Vec<&Op> = history
        .iter()
        .filter(|op| op.process == Process::Nemesis)
        .collect();
    let completed_at = |invoked: u64| {
        let i = nemesis
            .iter()
            .position(|o| o.is_invoke() && o.time == invoked)?;
        nemesis
            .get(i + 1)
            .filter(|o| !o.is_invoke())
            .map(|o| o.time)
    };
    let invoked_at = |completed: u64| {
        let i = nemesis
            .iter()
            .position(|o| !o.is_invoke() && o.time == completed)?;
        nemesis[..i]
            .last()
            .filter(|o| o.is_invoke())
            .map(|o| o.time)
    };
    fault_intervals(history, book)
        .into_iter()
        .enumerate()
        .map(|(fault_id, iv)| {
            let start_ns = completed_at(iv.start).unwrap_or(iv.start);
            let end_ns = match iv.stop {
                Some(stop) => invoked_at(stop).unwrap_or(stop),
                None => end,
            };
            let w = Window {
                fault_id,
                start_ns,
                end_ns: end_ns.max(start_ns),
            };
            (w, iv)
        })
        .collect()
}

/// The rows of labels.csv.
pub fn labels(history: &[Op], book: &FaultBook) -> Vec<Label> {
    let mut out = Vec::new();
    for (w, iv) in windows(history, book) {
        let row = |src: Option<String>, dst: Option<String>| Label {
            fault_id: w.fault_id,
            kind: iv.kind.clone(),
            start_ns: w.start_ns,
            end_ns: w.end_ns,
            nodes: nodes_of(&iv.value),
            src,
            dst,
        };
        let links = links_of(&iv.value);
        if links.is_empty() {
            out.push(row(None, None));
        }
        for (src, dst) in links {
            out.push(row(Some(src), Some(dst)));
        }
    }
    out
}

/// The nodes a fault's value names: the keys of an object (or of its `nodes`
/// object), the node names in its lists, or the strings of a list.
fn nodes_of(value: &Value) -> Vec<String> {
    let v = value.get("nodes").unwrap_or(value);
    let mut set = BTreeSet::new();
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                set.insert(k.clone());
                if let Value::Array(a) = x {
                    set.extend(a.iter().filter_map(|n| n.as_str().map(String::from)));
                }
            }
        }
        Value::Array(a) => set.extend(a.iter().filter_map(|n| n.as_str().map(String::from))),
        _ => {}
    }
    set.into_iter().collect()
}

/// The links of a grudge `{dst: [src, ...]}`, sorted; none for other values.
fn links_of(value: &Value) -> Vec<(String, String)> {
    let Some(m) = value.as_object() else {
        return Vec::new();
    };
    if m.is_empty() || !m.values().all(Value::is_array) {
        return Vec::new();
    }
    let mut links: Vec<(String, String)> = m
        .iter()
        .flat_map(|(dst, srcs)| {
            let srcs = srcs.as_array().into_iter().flatten();
            srcs.filter_map(|s| s.as_str())
                .map(move |s| (s.to_string(), dst.clone()))
        })
        .collect();
    links.sort();
    links
}

/// For every op of `history` (by position), the ids of the faults in force
/// when it — or, for a completion, its invocation — was invoked. A window
/// holds the times `start_ns ..= end_ns`.
pub(crate) fn fault_ids_per_op(history: &[Op], windows: &[Window]) -> Vec<Vec<usize>> {
    let under = |t: u64| -> Vec<usize> {
        windows
            .iter()
            .filter(|w| w.start_ns <= t && t <= w.end_ns)
            .map(|w| w.fault_id)
            .collect()
    };
    let mut invoked_at: HashMap<&Process, u64> = HashMap::new();
    history
        .iter()
        .map(|op| {
            let t = if op.is_invoke() {
                invoked_at.insert(&op.process, op.time);
                op.time
            } else {
                invoked_at.remove(&op.process).unwrap_or(op.time)
            };
            under(t)
        })
        .collect()
}

#[cfg(test)]
mod tests;
