//! Read-write registers: dependency edges from an inferred version order.
//!
//! Writes are unique per key, so a read names the write it saw (wr). The order of
//! versions is not observed directly; [`versions`](super::versions) infers it as
//! far as the options allow (nil first always; writes-follow-reads, process and
//! realtime order when asked for, as Elle's `:wfr-keys?`, `:sequential-keys?` and
//! `:linearizable-keys?`). Each version pair `u < w` of a key then gives ww edges
//! (writer of `u` -> writer of `w`) and rw edges (every reader of `u` -> writer of
//! `w`), as in Elle's `version-graphs->transaction-graph`.

use super::explain::{Analysis, Anomaly, Explain};
use super::graph::{EdgeList, RW, WR, WW};
use super::txn::{FastMap, MopKind, Outcome, TxnId, Txns, UNKNOWN};
use super::versions::{self, show, Externals, Inference, Pairs, NIL};
use serde_json::json;

struct Index {
    /// (key, value) -> the transaction that wrote it (its final write of the key).
    writers: FastMap<(u32, i64), TxnId>,
    /// (key, value) -> a transaction that wrote it (consulted when no final write
    /// has that value: then the read saw an intermediate one).
    intermediate: FastMap<(u32, i64), TxnId>,
    /// The inferred version pairs, with their reasons.
    pairs: Pairs,
}

/// What one committed transaction read from outside and finally wrote, per key.
fn externals(txns: &Txns, t: TxnId) -> Vec<(u32, Option<i64>, Option<i64>)> {
    let mut out: Vec<(u32, Option<i64>, Option<i64>)> = Vec::new();
    for m in txns.mops(t) {
        let i = match out.iter().position(|e| e.0 == m.key) {
            Some(i) => i,
            None => {
                let value = if m.len == 0 { NIL } else { m.val };
                let read = (m.kind == MopKind::Read && m.len != UNKNOWN).then_some(value);
                out.push((m.key, read, None));
                out.len() - 1
            }
        };
        if m.kind == MopKind::Write {
            out[i].2 = Some(m.val);
        }
    }
    out
}

pub(crate) fn analyze(txns: &Txns, inference: Inference) -> Analysis {
    let mut ix = Index {
        writers: FastMap::default(),
        intermediate: FastMap::default(),
        pairs: Pairs::default(),
    };
    let mut anomalies = Vec::new();
    let mut readers: FastMap<(u32, i64), Vec<TxnId>> = FastMap::default();
    let mut lost: FastMap<(u32, i64), TxnId> = FastMap::default();
    let mut ext: Vec<Externals> = Vec::with_capacity(txns.txns.len());
    for t in 0..txns.txns.len() as TxnId {
        let ok = txns.txns[t as usize].outcome == Outcome::Ok;
        for m in txns.mops(t).iter().filter(|m| m.kind == MopKind::Write) {
            ix.intermediate.insert((m.key, m.val), t);
        }
        let mut e = externals(txns, t);
        for x in e.iter_mut().filter(|_| !ok) {
            x.1 = None; // an indeterminate txn's reads are unknown
        }
        for &(k, read, write) in &e {
            if let Some(w) = write {
                ix.writers.insert((k, w), t);
            }
            if let Some(u) = read {
                readers.entry((k, u)).or_default().push(t);
                if write.is_some() {
                    if let Some(other) = lost.insert((k, u), t).filter(|&o| o != t) {
                        anomalies.push(lost_update(txns, other, t, k, u));
                    }
                }
            }
        }
        if ok {
            internal(txns, t, &mut anomalies);
        }
        ext.push(e);
    }
    ix.pairs = versions::infer(txns, &ext, inference, &mut anomalies);
    drop(ext);
    let mut edges = EdgeList::new();
    let alive = |t: TxnId| txns.txns[t as usize].outcome != Outcome::Fail;
    for &(k, u, w) in ix.pairs.keys() {
        let Some(&ww) = ix.writers.get(&(k, w)).filter(|&&x| alive(x)) else {
            continue;
        };
        if let Some(&wu) = ix.writers.get(&(k, u)).filter(|&&x| alive(x) && x != ww) {
            edges.push((wu, ww, WW));
        }
        for &r in readers.get(&(k, u)).into_iter().flatten() {
            if r != ww {
                edges.push((r, ww, RW));
            }
        }
    }
    for (&(k, v), rs) in readers.iter() {
        read_edges(txns, &ix, k, v, rs, &mut edges, &mut anomalies);
    }
    Analysis {
        edges,
        anomalies,
        explainer: Box::new(ix),
    }
}

/// wr edges for the readers of (k, v), and the aborted and intermediate reads.
fn read_edges(
    txns: &Txns,
    ix: &Index,
    k: u32,
    v: i64,
    rs: &[TxnId],
    edges: &mut EdgeList,
    anomalies: &mut Vec<Anomaly>,
) {
    let Some(&w) = ix.writers.get(&(k, v)) else {
        // Not a final write: maybe an intermediate one.
        for &r in rs {
            if let Some(&by) = ix.intermediate.get(&(k, v)).filter(|&&by| by != r) {
                let (kn, rn, bn, vn) =
                    (txns.key_name(k), txns.name(r), txns.name(by), show(txns, v));
                anomalies.push(Anomaly::new(
                    "G1b",
                    format!("{rn} read key {kn} = {vn}, which {bn} wrote but then overwrote within the same transaction: an intermediate read"),
                    json!({"key": kn, "txn": rn, "writer": bn, "value": vn}),
                ));
            }
        }
        return;
    };
    for &r in rs {
        if r == w {
            continue;
        }
        if txns.txns[w as usize].outcome == Outcome::Fail {
            let (kn, rn, wn, vn) = (txns.key_name(k), txns.name(r), txns.name(w), show(txns, v));
            anomalies.push(Anomaly::new(
                "G1a",
                format!(
                    "{rn} read key {kn} = {vn}, which {wn} wrote, but {wn} failed: an aborted read"
                ),
                json!({"key": kn, "txn": rn, "writer": wn, "value": vn}),
            ));
        } else {
            edges.push((w, r, WR));
        }
    }
}

fn lost_update(txns: &Txns, a: TxnId, b: TxnId, k: u32, u: i64) -> Anomaly {
    let (kn, an, bn, un) = (txns.key_name(k), txns.name(a), txns.name(b), show(txns, u));
    Anomaly::new(
        "lost-update",
        format!("{an} and {bn} both read key {kn} = {un} and both wrote it: one of the updates was lost"),
        json!({"key": kn, "txns": [an, bn], "value": un}),
    )
}

/// A read must return the transaction's own last write of the key, or its own
/// previous read when it has not written since; a read of a key the transaction
/// writes later must not return that later value (future-read).
fn internal(txns: &Txns, t: TxnId, anomalies: &mut Vec<Anomaly>) {
    let mops = txns.mops(t);
    let mut known: Vec<(u32, i64)> = Vec::new();
    for (i, m) in mops.iter().enumerate() {
        let cur = known.iter().position(|e| e.0 == m.key);
        match m.kind {
            MopKind::Read if m.len != UNKNOWN => {
                let got = if m.len == 0 { NIL } else { m.val };
                let (kn, tn) = (txns.key_name(m.key), txns.name(t));
                if let Some(c) = cur.filter(|&c| known[c].1 != got) {
                    anomalies.push(Anomaly::new(
                        "internal",
                        format!(
                            "{tn} read key {kn} = {}, but its own earlier read or write left it {}",
                            show(txns, got),
                            show(txns, known[c].1)
                        ),
                        json!({"key": kn, "txn": tn, "value": txns.render(t)}),
                    ));
                } else if cur.is_none()
                    && got != NIL
                    && mops[i + 1..]
                        .iter()
                        .any(|p| p.kind == MopKind::Write && p.key == m.key && p.val == got)
                {
                    anomalies.push(Anomaly::new(
                        "future-read",
                        format!(
                            "{tn} read key {kn} = {}, which {tn} itself wrote only later",
                            show(txns, got)
                        ),
                        json!({"key": kn, "txn": tn, "value": show(txns, got)}),
                    ));
                }
                match cur {
                    Some(c) => known[c].1 = got,
                    None => known.push((m.key, got)),
                }
            }
            MopKind::Write => match cur {
                Some(c) => known[c].1 = m.val,
                None => known.push((m.key, m.val)),
            },
            _ => {}
        }
    }
}

impl Explain for Index {
    fn data_edge(&self, txns: &Txns, a: TxnId, b: TxnId, kind: u8) -> String {
        let (an, bn) = (txns.name(a), txns.name(b));
        let why = |k: u32, u: i64, w: i64| versions::reason(txns, &self.pairs, k, u, w);
        let ea = externals(txns, a);
        let eb = externals(txns, b);
        for &(k, ra, wa) in &ea {
            let kn = txns.key_name(k);
            let Some(&(_, rb, wb)) = eb.iter().find(|e| e.0 == k) else {
                continue;
            };
            match kind {
                WW => {
                    if let (Some(u), Some(w)) = (wa, wb) {
                        if self.pairs.contains_key(&(k, u, w)) {
                            return format!("{an} wrote {} to key {kn} and {bn} wrote {} later ({}), so {an} precedes {bn} (ww)", show(txns, u), show(txns, w), why(k, u, w));
                        }
                    }
                }
                WR => {
                    if let (Some(w), Some(r)) = (wa, rb) {
                        if w == r {
                            return format!("{an} wrote {} to key {kn}; {bn} read key {kn} = {}, so {an} precedes {bn} (wr)", show(txns, w), show(txns, r));
                        }
                    }
                }
                RW => {
                    if let (Some(u), Some(w)) = (ra, wb) {
                        if self.pairs.contains_key(&(k, u, w)) {
                            return format!("{an} read key {kn} = {} without seeing {}; {bn} wrote {}, a later version ({}), so {an} precedes {bn} (rw)", show(txns, u), show(txns, w), show(txns, w), why(k, u, w));
                        }
                    }
                }
                _ => {}
            }
        }
        format!("{an} precedes {bn} ({})", super::explain::kind_name(kind))
    }
}
