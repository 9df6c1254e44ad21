//! What an analysis hands the checker, and cycles written out as a person would
//! explain them.
//!
//! Workload analyses (list-append, rw-register) produce dependency edges and the
//! anomalies that need no cycle. They keep their indexes (who wrote which value,
//! the version order of each key) behind [`Explain`], so that the few edges of a
//! reported cycle can be justified afterwards instead of storing a reason for each
//! of millions of edges.

use super::cycles::{classify, Cycle};
use super::graph::{EdgeList, PROCESS, REALTIME, RW, WR, WW};
use super::txn::{TxnId, Txns};
use serde_json::{json, Value};

/// An anomaly found without a cycle (or with one): its type and evidence, which
/// always includes a human `explanation`.
pub(crate) struct Anomaly {
    pub kind: String,
    pub evidence: Value,
}

impl Anomaly {
    pub fn new(kind: &str, explanation: String, mut evidence: Value) -> Anomaly {
        if let Value::Object(m) = &mut evidence {
            m.insert("explanation".into(), Value::String(explanation));
        }
        Anomaly {
            kind: kind.to_string(),
            evidence,
        }
    }
}

/// Says why a data dependency edge exists.
pub(crate) trait Explain {
    /// Why `a` precedes `b` by an edge of data kind `kind` (ww, wr or rw), in one
    /// sentence ending with "so Ta precedes Tb (kind)".
    fn data_edge(&self, txns: &Txns, a: TxnId, b: TxnId, kind: u8) -> String;
}

/// What a workload analysis found.
pub(crate) struct Analysis {
    pub edges: EdgeList,
    pub anomalies: Vec<Anomaly>,
    pub explainer: Box<dyn Explain>,
}

pub(crate) fn kind_name(kind: u8) -> &'static str {
    match kind {
        WW => "ww",
        WR => "wr",
        RW => "rw",
        PROCESS => "process",
        REALTIME => "realtime",
        _ => "?",
    }
}

/// One step of a cycle, explained.
fn step(txns: &Txns, ex: &dyn Explain, a: TxnId, b: TxnId, kind: u8) -> String {
    let (ta, tb) = (&txns.txns[a as usize], &txns.txns[b as usize]);
    let (na, nb) = (txns.name(a), txns.name(b));
    match kind {
        PROCESS => format!(
            "{na} and {nb} ran on process {}, {na} first, so {na} precedes {nb} (process)",
            ta.process
        ),
        REALTIME => format!(
            "{na} completed (index {}) before {nb} was invoked (index {}), so {na} precedes {nb} (realtime)",
            ta.index, tb.invoke_index
        ),
        _ => ex.data_edge(txns, a, b, kind),
    }
}

/// A cycle as evidence: its anomaly name and a JSON object with the steps, the
/// transactions and the whole explanation.
pub(crate) fn explain_cycle(txns: &Txns, ex: &dyn Explain, c: &Cycle) -> Anomaly {
    let n = c.nodes.len();
    let mut steps = Vec::with_capacity(n);
    let mut sentences = Vec::with_capacity(n + 1);
    for i in 0..n {
        let (a, b) = (c.nodes[i], c.nodes[(i + 1) % n]);
        let text = step(txns, ex, a, b, c.kinds[i]);
        steps.push(json!({
            "from": txns.name(a),
            "to": txns.name(b),
            "type": kind_name(c.kinds[i]),
            "explanation": text,
        }));
        sentences.push(text);
    }
    let first = txns.name(c.nodes[0]);
    sentences.push(format!("so {first} precedes itself: a cycle"));
    let txn_list: Vec<Value> = c
        .nodes
        .iter()
        .map(|&t| {
            let tx = &txns.txns[t as usize];
            json!({
                "name": txns.name(t),
                "index": tx.index,
                "process": tx.process,
                "type": format!("{:?}", tx.outcome).to_lowercase(),
                "value": txns.render(t),
            })
        })
        .collect();
    Anomaly::new(
        &classify(c),
        sentences.join("; "),
        json!({ "cycle": txn_list, "steps": steps }),
    )
}

/// A list for a sentence, eliding the middle of long ones.
pub(crate) fn show_list(txns: &Txns, items: &[i64]) -> String {
    let show = |s: &[i64]| -> Vec<String> { s.iter().map(|&v| txns.val_name(v)).collect() };
    if items.len() <= 8 {
        format!("[{}]", show(items).join(" "))
    } else {
        let (head, tail) = (&items[..2], &items[items.len() - 4..]);
        format!("[{} ... {}]", show(head).join(" "), show(tail).join(" "))
    }
}
