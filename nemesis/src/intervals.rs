//! Fault intervals: when each fault was in effect, read back from a history.
//!
//! An interval opens at the invocation of a start op (`start-partition`, `kill`,
//! `pause`, `start-packet`) and closes at the completion of the next stop op of
//! the same kind: the widest window in which the fault may have acted, which is
//! what a reader shading a latency plot or labelling data wants. A stop closes
//! every open interval of its kind; one never stopped has `stop: null`. A start
//! that failed on every node it targeted opens no interval: nothing was faulted.

use crate::schedule::FaultKind;
use rjepsen_core::op::{Op, Process};
use serde::Serialize;
use serde_json::Value;

/// One fault window, as exported in `results.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultInterval {
    /// `partition`, `kill`, `pause` or `packet`.
    pub kind: String,
    /// Nanoseconds since the test started: the start op's invocation.
    pub start: u64,
    /// The stop op's completion, or None if the fault was never stopped.
    pub stop: Option<u64>,
    /// What the start op did: its completion's value (the grudge, the nodes
    /// killed, ...), or its invocation's value if it never completed.
    pub value: Value,
}

/// Whether a start op's completion did anything: no error, or an error on
/// only some of the nodes its value names (`{"n1":..}` or `{"nodes":{..}}`).
fn took_effect(completion: &Op) -> bool {
    let Some(error) = &completion.error else {
        return true;
    };
    let Some(failed) = error.as_object() else {
        return false;
    };
    let named = completion.value.get("nodes").unwrap_or(&completion.value);
    match named.as_object() {
        Some(nodes) => nodes.keys().any(|n| !failed.contains_key(n)),
        None => false,
    }
}

/// The fault windows of a history, in order of their start.
pub fn fault_intervals(history: &[Op]) -> Vec<FaultInterval> {
    let mut out: Vec<FaultInterval> = Vec::new();
    // Index in `out` of the start op whose completion is awaited.
    let mut awaiting_start: Option<usize> = None;
    let mut awaiting_stop: Option<FaultKind> = None;
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        let Some((kind, is_start)) = FaultKind::of_f(&op.f) else {
            continue;
        };
        if op.is_invoke() {
            if is_start {
                out.push(FaultInterval {
                    kind: kind.as_str().into(),
                    start: op.time,
                    stop: None,
                    value: op.value.clone(),
                });
                awaiting_start = Some(out.len() - 1);
            } else {
                awaiting_stop = Some(kind);
            }
            continue;
        }
        if is_start {
            if let Some(i) = awaiting_start.take() {
                if took_effect(op) {
                    out[i].value = op.value.clone();
                } else {
                    out.remove(i);
                }
            }
        } else if awaiting_stop.take() == Some(kind) {
            for iv in out
                .iter_mut()
                .filter(|iv| iv.kind == kind.as_str() && iv.stop.is_none())
            {
                iv.stop = Some(op.time);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
