//! Read-write registers: version orders inferred as far as the history allows.
//!
//! Writes are unique per key, so a read names the write it saw (wr). The order of
//! versions is not observed directly; it is inferred from two facts: every key
//! starts as nil, which precedes every write, and a transaction that read `u` from
//! a key and then wrote `w` to it installed `w` right after `u`. From those pairs
//! come ww edges (writer of `u` -> writer of `w`) and rw edges (every reader of `u`
//! -> writer of `w`). Pairs of one key that form a cycle are `cyclic-versions`
//! and that key's order is not used.

use super::explain::{Analysis, Anomaly, Explain};
use super::graph::{sccs, EdgeList, Graph, RW, WR, WW};
use super::txn::{FastMap, MopKind, Outcome, TxnId, Txns, UNKNOWN};
use serde_json::json;

/// The initial version of every key.
const NIL: i64 = i64::MIN;
/// A version pair justified by nil preceding every write, not by a transaction.
const BY_NIL: TxnId = u32::MAX;

struct Index {
    /// (key, value) -> the transaction that wrote it (its final write of the key).
    writers: FastMap<(u32, i64), TxnId>,
    /// (key, value) -> a transaction that wrote it (consulted when no final write
    /// has that value: then the read saw an intermediate one).
    intermediate: FastMap<(u32, i64), TxnId>,
    /// (key, earlier, later) -> the transaction that read `earlier` and wrote `later`.
    pairs: FastMap<(u32, i64, i64), TxnId>,
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

pub(crate) fn analyze(txns: &Txns) -> Analysis {
    let mut ix = Index {
        writers: FastMap::default(),
        intermediate: FastMap::default(),
        pairs: FastMap::default(),
    };
    let mut anomalies = Vec::new();
    let mut readers: FastMap<(u32, i64), Vec<TxnId>> = FastMap::default();
    let mut lost: FastMap<(u32, i64), TxnId> = FastMap::default();
    for t in 0..txns.txns.len() as TxnId {
        let ok = txns.txns[t as usize].outcome == Outcome::Ok;
        for m in txns.mops(t).iter().filter(|m| m.kind == MopKind::Write) {
            ix.intermediate.insert((m.key, m.val), t);
        }
        for (k, read, write) in externals(txns, t) {
            if let Some(w) = write {
                ix.writers.insert((k, w), t);
            }
            if let (true, Some(u)) = (ok, read) {
                readers.entry((k, u)).or_default().push(t);
                if let Some(w) = write {
                    ix.pairs.insert((k, u, w), t);
                    if let Some(other) = lost.insert((k, u), t).filter(|&o| o != t) {
                        anomalies.push(lost_update(txns, other, t, k, u));
                    }
                }
            }
        }
        if ok {
            internal(txns, t, &mut anomalies);
        }
    }
    nil_first(&mut ix);
    drop_cyclic(txns, &mut ix, &mut anomalies);
    let mut edges = EdgeList::new();
    let alive = |t: TxnId| txns.txns[t as usize].outcome != Outcome::Fail;
    for (&(k, u, w), _) in ix.pairs.iter() {
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

/// nil precedes every write that nothing else is known to precede.
fn nil_first(ix: &mut Index) {
    let mut has_pred: FastMap<(u32, i64), ()> = FastMap::default();
    for &(k, _, w) in ix.pairs.keys() {
        has_pred.insert((k, w), ());
    }
    let roots: Vec<(u32, i64)> = ix
        .writers
        .keys()
        .filter(|kv| !has_pred.contains_key(kv))
        .copied()
        .collect();
    for (k, w) in roots {
        ix.pairs.entry((k, NIL, w)).or_insert(BY_NIL);
    }
}

/// Finds keys whose inferred version order has a cycle; drops their pairs.
fn drop_cyclic(txns: &Txns, ix: &mut Index, anomalies: &mut Vec<Anomaly>) {
    let mut ids: FastMap<(u32, i64), u32> = FastMap::default();
    let mut names: Vec<(u32, i64)> = Vec::new();
    let mut id = |kv: (u32, i64)| {
        *ids.entry(kv).or_insert_with(|| {
            names.push(kv);
            names.len() as u32 - 1
        })
    };
    let edges: EdgeList = ix
        .pairs
        .keys()
        .map(|&(k, u, w)| (id((k, u)), id((k, w)), WW))
        .collect();
    let g = Graph::new(names.len(), edges);
    let core = g.cyclic_core();
    let nodes: Vec<u32> = (0..names.len() as u32)
        .filter(|&v| core[v as usize])
        .collect();
    for comp in sccs(&g, &nodes, WW) {
        let k = names[comp[0] as usize].0;
        let mut vals: Vec<String> = comp
            .iter()
            .map(|&v| show(txns, names[v as usize].1))
            .collect();
        vals.sort();
        let kn = txns.key_name(k);
        anomalies.push(Anomaly::new(
            "cyclic-versions",
            format!("the versions {} of key {kn} each follow another: reads-then-writes order them in a cycle", vals.join(", ")),
            json!({"key": kn, "versions": vals}),
        ));
        ix.pairs.retain(|p, _| p.0 != k);
    }
}

fn show(txns: &Txns, v: i64) -> String {
    if v == NIL {
        "nil".into()
    } else {
        txns.val_name(v)
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
        let why = |k: u32, u: i64, w: i64| match self.pairs.get(&(k, u, w)) {
            Some(&BY_NIL) | None => format!(
                "every write follows the initial nil of key {}",
                txns.key_name(k)
            ),
            Some(&t) => format!(
                "{} read {} and then wrote {}",
                txns.name(t),
                show(txns, u),
                show(txns, w)
            ),
        };
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
                            return format!("{an} wrote {} to key {kn} and {bn} wrote {} right after it ({}), so {an} precedes {bn} (ww)", show(txns, u), show(txns, w), why(k, u, w));
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
                            return format!("{an} read key {kn} = {} without seeing {}; {bn} wrote {}, the next version ({}), so {an} precedes {bn} (rw)", show(txns, u), show(txns, w), show(txns, w), why(k, u, w));
                        }
                    }
                }
                _ => {}
            }
        }
        format!("{an} precedes {bn} ({})", super::explain::kind_name(kind))
    }
}
