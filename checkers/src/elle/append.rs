//! List-append: version orders from reads, dependency edges, and the anomalies
//! that need no cycle.
//!
//! Appends are unique per key, so a read of `[1 2 3]` names the exact version it
//! saw and, by the order of its elements, the order in which 1, 2 and 3 were
//! installed. The longest read of each key is taken as that key's version order;
//! every other read must be a prefix of it (else `incompatible-order`). Edges then
//! follow: ww between the writers of consecutive elements, wr from the writer of a
//! read's last element to the reader, and rw from a reader to the writer of the
//! element right after what it saw. Comparing a read with the longest one is a
//! slice comparison, so the work is linear in the total size of the reads.
//!
//! An append that no read observed (the last appends of a key, or the only one)
//! is placed, as Elle places it, after the highest element any read of that key
//! shows, or after the initial empty state when no read shows any: a ww edge
//! from the writer of that element, and rw edges from every transaction that
//! read that version. Without them, cycles through such appends go unseen.

mod why;

use super::explain::{show_list, Analysis, Anomaly};
use super::graph::{EdgeList, RW, WR, WW};
use super::txn::{FastMap, MopKind, Outcome, TxnId, Txns, UNKNOWN};
use serde_json::json;

const NONE: u32 = u32::MAX;

/// Who appended a value, and where it sits in its key's version order.
#[derive(Clone, Copy)]
struct Writer {
    txn: TxnId,
    pos: u32,
}

/// Indexes kept to explain edges after the analysis.
struct Index {
    writers: FastMap<(u32, i64), Writer>,
    /// Global mop index of the longest read of each key.
    longest: Vec<u32>,
    /// Per key: the non-failed transactions whose appends no read observed.
    unobserved: Vec<Vec<TxnId>>,
}

impl Index {
    fn writer(&self, k: u32, v: i64) -> Option<Writer> {
        self.writers.get(&(k, v)).copied().filter(|w| w.txn != NONE)
    }

    fn order<'a>(&self, txns: &'a Txns, k: u32) -> &'a [i64] {
        match self.longest[k as usize] {
            NONE => &[],
            m => txns.list(&txns.mops[m as usize]),
        }
    }
}

/// Runs the whole list-append analysis.
pub(crate) fn analyze(txns: &Txns) -> Analysis {
    let mut ix = Index {
        writers: FastMap::with_capacity_and_hasher(txns.mops.len() / 2, Default::default()),
        longest: vec![NONE; txns.key_count()],
        unobserved: vec![Vec::new(); txns.key_count()],
    };
    for (t, tx) in txns.txns.iter().enumerate() {
        for (i, m) in txns.mops(t as TxnId).iter().enumerate() {
            if m.kind == MopKind::Append {
                ix.writers.entry((m.key, m.val)).or_insert(Writer {
                    txn: t as TxnId,
                    pos: NONE,
                });
            } else if m.kind == MopKind::Read && tx.outcome == Outcome::Ok && m.len != UNKNOWN {
                let cur = ix.longest[m.key as usize];
                if cur == NONE || txns.mops[cur as usize].len < m.len {
                    ix.longest[m.key as usize] = tx.mop_start + i as u32;
                }
            }
        }
    }
    let mut edges = EdgeList::new();
    let mut anomalies = Vec::new();
    let keys = order_keys(txns, &mut ix, &mut edges, &mut anomalies);
    unobserved(txns, &mut ix, &mut edges);
    let mut lost: FastMap<(u32, u32), TxnId> = FastMap::default();
    for t in 0..txns.txns.len() as TxnId {
        if txns.txns[t as usize].outcome == Outcome::Ok {
            reads_of(txns, &ix, &keys, t, &mut edges, &mut anomalies, &mut lost);
            internal(txns, t, &mut anomalies);
        }
    }
    Analysis {
        edges,
        anomalies,
        explainer: Box::new(ix),
    }
}

/// Per key: the first position of the version order holding a duplicate, and the
/// first holding a failed transaction's element.
struct KeyFacts {
    first_dup: Vec<u32>,
    first_failed: Vec<u32>,
}

/// Positions every element of each key's longest read, adds ww edges, and finds
/// dirty updates (a committed append after a failed one).
fn order_keys(
    txns: &Txns,
    ix: &mut Index,
    edges: &mut EdgeList,
    anomalies: &mut Vec<Anomaly>,
) -> KeyFacts {
    let n = txns.key_count();
    let mut facts = KeyFacts {
        first_dup: vec![NONE; n],
        first_failed: vec![NONE; n],
    };
    for k in 0..n as u32 {
        let order = ix.order(txns, k);
        let mut prev: Option<(i64, Writer)> = None;
        for (p, &e) in order.iter().enumerate() {
            let w = ix.writers.entry((k, e)).or_insert(Writer {
                txn: NONE,
                pos: NONE,
            });
            if w.pos != NONE {
                facts.first_dup[k as usize] = facts.first_dup[k as usize].min(p as u32);
                continue;
            }
            w.pos = p as u32;
            let w = *w;
            let failed = w.txn != NONE && txns.txns[w.txn as usize].outcome == Outcome::Fail;
            if failed {
                facts.first_failed[k as usize] = facts.first_failed[k as usize].min(p as u32);
            }
            if let Some((pv, pw)) = prev.filter(|(_, pw)| pw.txn != NONE && w.txn != NONE) {
                let pfailed = txns.txns[pw.txn as usize].outcome == Outcome::Fail;
                if pfailed && !failed {
                    anomalies.push(Anomaly::new(
                        "dirty-update",
                        format!(
                            "{} appended {} to key {} after {}, which failed {} appended: a committed write built on an aborted one",
                            txns.name(w.txn), txns.val_name(e), txns.key_name(k),
                            txns.val_name(pv), txns.name(pw.txn)
                        ),
                        json!({"key": txns.key_name(k), "failed": txns.name(pw.txn), "txn": txns.name(w.txn)}),
                    ));
                }
                if !pfailed && !failed && pw.txn != w.txn {
                    edges.push((pw.txn, w.txn, WW));
                }
            }
            prev = Some((e, w));
        }
    }
    facts
}

/// Finds the appends no read observed and links each after the highest observed
/// element of its key (ww); the rw edges come with the reads, in `read_edges`.
fn unobserved(txns: &Txns, ix: &mut Index, edges: &mut EdgeList) {
    // Unplaced elements are few: collect them from the index, then order them
    // (by key, then txn) so that edges come out deterministically.
    let mut found: Vec<(u32, TxnId)> = ix
        .writers
        .iter()
        .filter(|(_, w)| w.pos == NONE && w.txn != NONE)
        .filter(|(_, w)| txns.txns[w.txn as usize].outcome != Outcome::Fail)
        .map(|(&(k, _), w)| (k, w.txn))
        .collect();
    found.sort_unstable();
    found.dedup();
    for (k, t) in found {
        ix.unobserved[k as usize].push(t);
    }
    for k in 0..txns.key_count() as u32 {
        let Some(&last) = ix.order(txns, k).last() else {
            continue;
        };
        let Some(w) = ix.writer(k, last) else {
            continue;
        };
        if txns.txns[w.txn as usize].outcome != Outcome::Fail {
            let after = ix.unobserved[k as usize].iter().filter(|&&u| u != w.txn);
            edges.extend(after.map(|&u| (w.txn, u, WW)));
        }
    }
}

/// Edges and anomalies from the reads of one committed transaction.
fn reads_of(
    txns: &Txns,
    ix: &Index,
    facts: &KeyFacts,
    t: TxnId,
    edges: &mut EdgeList,
    anomalies: &mut Vec<Anomaly>,
    lost: &mut FastMap<(u32, u32), TxnId>,
) {
    let mops = txns.mops(t);
    for (i, m) in mops.iter().enumerate() {
        if m.kind != MopKind::Read || m.len == UNKNOWN {
            continue;
        }
        // Only external reads (the txn's first access to the key) say what others
        // did; later ones are checked against the txn itself by `internal`.
        if mops[..i].iter().any(|p| p.key == m.key) {
            continue;
        }
        let (k, r) = (m.key, txns.list(m));
        let order = ix.order(txns, k);
        let later_own = mops[i + 1..]
            .iter()
            .filter(|p| p.key == k && p.kind == MopKind::Append);
        if r.len() > order.len() || r != &order[..r.len()] {
            anomalies.push(incompatible(txns, t, k, r, order));
            check_elements(txns, ix, t, k, r, i, anomalies);
            continue;
        }
        if facts.first_dup[k as usize] < r.len() as u32 {
            anomalies.push(duplicates(txns, t, k, r));
        }
        if facts.first_failed[k as usize] < r.len() as u32 {
            let e = order[facts.first_failed[k as usize] as usize];
            anomalies.push(aborted_read(txns, ix, t, k, e, r));
        }
        for own in later_own.clone() {
            if ix
                .writer(k, own.val)
                .is_some_and(|w| w.pos != NONE && (w.pos as usize) < r.len())
            {
                anomalies.push(future_read(txns, t, k, own.val, r));
            }
        }
        read_edges(txns, ix, t, k, r, edges, anomalies);
        if later_own.clone().next().is_some() {
            if let Some(other) = lost.insert((k, r.len() as u32), t).filter(|&o| o != t) {
                anomalies.push(lost_update(txns, other, t, k, r));
            }
        }
    }
}

/// The wr edge into a read, the rw edge out of it, and whether it saw an
/// intermediate append (G1b).
fn read_edges(
    txns: &Txns,
    ix: &Index,
    t: TxnId,
    k: u32,
    r: &[i64],
    edges: &mut EdgeList,
    anomalies: &mut Vec<Anomaly>,
) {
    let order = ix.order(txns, k);
    if let Some(&last) = r.last() {
        if let Some(w) = ix.writer(k, last).filter(|w| w.txn != t) {
            if txns.txns[w.txn as usize].outcome != Outcome::Fail {
                edges.push((w.txn, t, WR));
                let final_append = txns
                    .mops(w.txn)
                    .iter()
                    .rev()
                    .find(|p| p.key == k && p.kind == MopKind::Append);
                if final_append.is_some_and(|f| f.val != last) {
                    anomalies.push(intermediate(txns, w.txn, t, k, last, r));
                }
            }
        }
    }
    if let Some(&next) = order.get(r.len()) {
        if let Some(w) = ix.writer(k, next).filter(|w| w.txn != t) {
            if txns.txns[w.txn as usize].outcome != Outcome::Fail {
                edges.push((t, w.txn, RW));
            }
        }
    } else {
        // The latest version any read shows: every unobserved append came later.
        let later = ix.unobserved[k as usize].iter().filter(|&&u| u != t);
        edges.extend(later.map(|&u| (t, u, RW)));
    }
}

/// Element checks for a read that is not a prefix of the version order.
fn check_elements(
    txns: &Txns,
    ix: &Index,
    t: TxnId,
    k: u32,
    r: &[i64],
    i: usize,
    anomalies: &mut Vec<Anomaly>,
) {
    let mut seen = std::collections::HashSet::new();
    if !r.iter().all(|e| seen.insert(*e)) {
        anomalies.push(duplicates(txns, t, k, r));
    }
    let own_later: Vec<i64> = txns.mops(t)[i + 1..]
        .iter()
        .filter(|p| p.key == k && p.kind == MopKind::Append)
        .map(|p| p.val)
        .collect();
    for &e in r {
        if let Some(w) = ix.writer(k, e) {
            if txns.txns[w.txn as usize].outcome == Outcome::Fail {
                anomalies.push(aborted_read(txns, ix, t, k, e, r));
            }
        }
        if own_later.contains(&e) {
            anomalies.push(future_read(txns, t, k, e, r));
        }
    }
}

fn incompatible(txns: &Txns, t: TxnId, k: u32, r: &[i64], order: &[i64]) -> Anomaly {
    let (kn, tn) = (txns.key_name(k), txns.name(t));
    Anomaly::new(
        "incompatible-order",
        format!(
            "{tn} read key {kn} = {}, which is not a prefix of the longest read {}: the two cannot come from one order of appends",
            show_list(txns, r), show_list(txns, order)
        ),
        json!({"key": kn, "txn": tn, "read": show_list(txns, r), "longest": show_list(txns, order)}),
    )
}

fn duplicates(txns: &Txns, t: TxnId, k: u32, r: &[i64]) -> Anomaly {
    let (kn, tn) = (txns.key_name(k), txns.name(t));
    Anomaly::new(
        "duplicate-elements",
        format!(
            "{tn} read key {kn} = {}, which holds an element twice, though each was appended once",
            show_list(txns, r)
        ),
        json!({"key": kn, "txn": tn, "read": show_list(txns, r)}),
    )
}

fn aborted_read(txns: &Txns, ix: &Index, t: TxnId, k: u32, e: i64, r: &[i64]) -> Anomaly {
    let w = ix
        .writer(k, e)
        .map(|w| txns.name(w.txn))
        .unwrap_or_default();
    let (kn, tn, en) = (txns.key_name(k), txns.name(t), txns.val_name(e));
    Anomaly::new(
        "G1a",
        format!("{tn} read key {kn} = {}, which holds {en}, appended by {w}, which failed: an aborted read", show_list(txns, r)),
        json!({"key": kn, "txn": tn, "element": en, "writer": w}),
    )
}

fn intermediate(txns: &Txns, w: TxnId, t: TxnId, k: u32, v: i64, r: &[i64]) -> Anomaly {
    let (kn, tn, wn, vn) = (
        txns.key_name(k),
        txns.name(t),
        txns.name(w),
        txns.val_name(v),
    );
    Anomaly::new(
        "G1b",
        format!("{tn} read key {kn} = {}, ending in {vn}, but {wn} appended more to key {kn} after {vn}: an intermediate read", show_list(txns, r)),
        json!({"key": kn, "txn": tn, "writer": wn, "element": vn}),
    )
}

fn future_read(txns: &Txns, t: TxnId, k: u32, v: i64, r: &[i64]) -> Anomaly {
    let (kn, tn, vn) = (txns.key_name(k), txns.name(t), txns.val_name(v));
    Anomaly::new(
        "future-read",
        format!(
            "{tn} read key {kn} = {}, which holds {vn}, which {tn} itself appended only later",
            show_list(txns, r)
        ),
        json!({"key": kn, "txn": tn, "element": vn}),
    )
}

fn lost_update(txns: &Txns, a: TxnId, b: TxnId, k: u32, r: &[i64]) -> Anomaly {
    let (kn, an, bn) = (txns.key_name(k), txns.name(a), txns.name(b));
    Anomaly::new(
        "lost-update",
        format!("{an} and {bn} both read key {kn} = {} and both appended to it: one of the updates was lost", show_list(txns, r)),
        json!({"key": kn, "txns": [an, bn]}),
    )
}

/// A transaction inconsistent with itself: a read of a key must show what its
/// earlier reads of that key showed plus its own appends since.
fn internal(txns: &Txns, t: TxnId, anomalies: &mut Vec<Anomaly>) {
    let mops = txns.mops(t);
    let repeated = (1..mops.len()).any(|i| mops[..i].iter().any(|p| p.key == mops[i].key));
    if !repeated {
        return;
    }
    // Per key: the last read (if any) and the appends since.
    let mut state: Vec<(u32, Option<Vec<i64>>, Vec<i64>)> = Vec::new();
    for m in mops {
        let idx = match state.iter().position(|s| s.0 == m.key) {
            Some(i) => i,
            None => {
                state.push((m.key, None, Vec::new()));
                state.len() - 1
            }
        };
        let s = &mut state[idx];
        match m.kind {
            MopKind::Append => s.2.push(m.val),
            _ if m.len == UNKNOWN => {}
            _ => {
                let r = txns.list(m);
                let ok = match &s.1 {
                    Some(prev) => {
                        r.len() == prev.len() + s.2.len()
                            && r.starts_with(prev)
                            && r.ends_with(&s.2)
                    }
                    None => r.ends_with(&s.2),
                };
                if !ok {
                    let expected = match &s.1 {
                        Some(prev) => format!(
                            "{} followed by {}",
                            show_list(txns, prev),
                            show_list(txns, &s.2)
                        ),
                        None => format!("a list ending in {}", show_list(txns, &s.2)),
                    };
                    let (kn, tn) = (txns.key_name(m.key), txns.name(t));
                    anomalies.push(Anomaly::new(
                        "internal",
                        format!("{tn} read key {kn} = {}, but its own earlier reads and appends imply {expected}", show_list(txns, r)),
                        json!({"key": kn, "txn": tn, "value": txns.render(t)}),
                    ));
                }
                s.1 = Some(r.to_vec());
                s.2.clear();
            }
        }
    }
}
