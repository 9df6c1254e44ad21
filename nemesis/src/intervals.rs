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
mod tests {
    use super::*;
    use rjepsen_core::op::OpType;
    use serde_json::json;

    fn op(time: u64, kind: OpType, process: Process, f: &str, value: Value) -> Op {
        let mut o = Op::invoke(process, f, value);
        o.time = time;
        o.kind = kind;
        o
    }

    #[test]
    fn pairs_starts_and_stops_per_kind() {
        use OpType::{Info, Invoke, Ok};
        let n = || Process::Nemesis;
        let h = vec![
            op(10, Invoke, n(), "start-partition", json!("one")),
            op(12, Invoke, Process::Client(0), "kill", json!(null)),
            op(
                15,
                Info,
                n(),
                "start-partition",
                json!({"n1": ["n2"], "n2": ["n1"]}),
            ),
            op(20, Invoke, n(), "kill", json!("one")),
            op(25, Info, n(), "kill", json!({"n3": "killed"})),
            op(30, Ok, Process::Client(0), "kill", json!(null)),
            op(40, Invoke, n(), "stop-partition", json!(null)),
            op(45, Info, n(), "stop-partition", json!({"n1": "healed"})),
            op(50, Invoke, n(), "start-packet", json!({"targets": "all"})),
        ];
        let got = fault_intervals(&h);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(
            got[0],
            FaultInterval {
                kind: "partition".into(),
                start: 10,
                stop: Some(45),
                value: json!({"n1": ["n2"], "n2": ["n1"]})
            }
        );
        assert_eq!(
            got[1],
            FaultInterval {
                kind: "kill".into(),
                start: 20,
                stop: None,
                value: json!({"n3": "killed"})
            }
        );
        assert_eq!(got[2].kind, "packet");
        assert_eq!(
            got[2].value,
            json!({"targets": "all"}),
            "no completion: invoke value"
        );
        let text = serde_json::to_string(&got[1]).unwrap();
        let mut failed = op(
            61,
            Info,
            n(),
            "start-packet",
            json!({"nodes": {"n1": "failed to x"}}),
        );
        failed.error = Some(json!({"n1": "failed to x"}));
        let mut partly = op(
            71,
            Info,
            n(),
            "kill",
            json!({"n1": "killed", "n2": "failed to y"}),
        );
        partly.error = Some(json!({"n2": "failed to y"}));
        let mut refused = op(81, Info, n(), "start-partition", json!("ring"));
        refused.error = Some(json!("failed to build a ring partition"));
        let more = [
            op(60, Invoke, n(), "start-packet", json!({})),
            failed,
            op(70, Invoke, n(), "kill", json!("majority")),
            partly,
            op(80, Invoke, n(), "start-partition", json!("ring")),
            refused,
        ];
        let h2: Vec<Op> = h.iter().cloned().chain(more).collect();
        let kinds: Vec<(String, u64)> = fault_intervals(&h2)
            .into_iter()
            .map(|iv| (iv.kind, iv.start))
            .collect();
        let want = [
            ("partition", 10),
            ("kill", 20),
            ("packet", 50),
            ("kill", 70),
        ];
        assert_eq!(
            kinds,
            want.map(|(k, t)| (k.to_string(), t)),
            "failed starts open nothing"
        );
        assert_eq!(
            text,
            r#"{"kind":"kill","start":20,"stop":null,"value":{"n3":"killed"}}"#
        );
    }
}
