//! rw-register version orders, inferred from the sources Elle's `rw-register`
//! uses, one at a time.
//!
//! A register's versions are not observed in order, so each key gets a partial
//! order of values from whatever the options allow: always that the initial nil
//! precedes every written value; with `wfr` (Elle's `:wfr-keys?`) that a
//! transaction which read `u` and then wrote `w` installed `w` after `u`; with
//! `sequential` (`:sequential-keys?`) that of two transactions of one process
//! touching a key, the first one's last value of it precedes the second one's
//! first; with `linearizable` (`:linearizable-keys?`) the same along the whole
//! history's realtime order ([`realtime`]). As in Elle, each source is added only if
//! the combined order stays acyclic; a source that would make a cycle is left
//! out for every key, and the cycle is reported as `cyclic-versions`.

mod realtime;

use super::explain::Anomaly;
use super::graph::{sccs, EdgeList, Graph, WW};
use super::txn::{FastMap, Outcome, TxnId, Txns};
use serde_json::json;

/// The initial version of every key.
pub(crate) const NIL: i64 = i64::MIN;

/// Which optional sources of version order to use (all off is Elle's default).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Inference {
    pub wfr: bool,
    pub linearizable: bool,
    pub sequential: bool,
}

/// Why one version of a key precedes another.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Why {
    Nil,
    Wfr(TxnId),
    Process(TxnId, TxnId),
    Realtime(TxnId, TxnId),
}

/// (key, earlier value, later value) -> why.
pub(crate) type Pairs = FastMap<(u32, i64, i64), Why>;

/// What one transaction externally read and finally wrote, per key: (key, first
/// read if the txn is ok and read before writing, final write).
pub(crate) type Externals = Vec<(u32, Option<i64>, Option<i64>)>;

/// One optional source of version order.
type Source = fn(&Txns, &[Externals]) -> Pairs;

/// Infers the version orders of every key; pushes `cyclic-versions` for each
/// source left out.
pub(crate) fn infer(
    txns: &Txns,
    ext: &[Externals],
    inf: Inference,
    anomalies: &mut Vec<Anomaly>,
) -> Pairs {
    let mut pairs = Pairs::default();
    for (t, e) in ext.iter().enumerate() {
        if txns.txns[t].outcome != Outcome::Fail {
            for &(k, _, w) in e {
                if let Some(w) = w {
                    pairs.insert((k, NIL, w), Why::Nil);
                }
            }
        }
    }
    let stages: [(bool, &str, Source); 3] = [
        (inf.wfr, "wfr-keys", wfr),
        (inf.sequential, "sequential-keys", sequential),
        (
            inf.linearizable,
            "linearizable-keys",
            realtime::linearizable,
        ),
    ];
    for (on, name, stage) in stages {
        if !on {
            continue;
        }
        let mut next = pairs.clone();
        for (p, why) in stage(txns, ext) {
            if p.1 != p.2 {
                next.entry(p).or_insert(why);
            }
        }
        let cycles = cyclic(&next);
        if cycles.is_empty() {
            pairs = next;
        }
        for (k, vals) in cycles {
            let vals: Vec<String> = vals.iter().map(|&v| show(txns, v)).collect();
            let kn = txns.key_name(k);
            anomalies.push(Anomaly::new(
                "cyclic-versions",
                format!("with the {name} order, the versions {} of key {kn} each follow another, so that order was not used", vals.join(", ")),
                json!({"key": kn, "versions": vals, "source": name}),
            ));
        }
    }
    pairs
}

/// A txn's last value of `k` (its final write, else what it read) and its first
/// (what it read, else its write).
fn last_first(e: &Externals, k: u32) -> Option<(i64, i64)> {
    let &(_, r, w) = e.iter().find(|x| x.0 == k)?;
    Some((w.or(r)?, r.or(w)?))
}

fn wfr(txns: &Txns, ext: &[Externals]) -> Pairs {
    let mut out = Pairs::default();
    for (t, e) in ext.iter().enumerate() {
        if txns.txns[t].outcome == Outcome::Ok {
            for &(k, r, w) in e {
                if let (Some(u), Some(w)) = (r, w) {
                    out.insert((k, u, w), Why::Wfr(t as TxnId));
                }
            }
        }
    }
    out
}

fn sequential(txns: &Txns, ext: &[Externals]) -> Pairs {
    let mut out = Pairs::default();
    let mut last: FastMap<(u64, u32), TxnId> = FastMap::default();
    for (t, e) in ext.iter().enumerate() {
        let tx = &txns.txns[t];
        if tx.outcome == Outcome::Fail {
            continue;
        }
        for &(k, _, _) in e {
            let Some((_, first)) = last_first(e, k) else {
                continue;
            };
            if let Some(p) = last.insert((tx.process, k), t as TxnId) {
                if let Some((prev, _)) = last_first(&ext[p as usize], k) {
                    out.insert((k, prev, first), Why::Process(p, t as TxnId));
                }
            }
        }
    }
    out
}

/// The keys whose order has a cycle, with the values on it (sorted).
fn cyclic(pairs: &Pairs) -> Vec<(u32, Vec<i64>)> {
    let mut ids: FastMap<(u32, i64), u32> = FastMap::default();
    let mut names: Vec<(u32, i64)> = Vec::new();
    let mut id = |kv: (u32, i64)| {
        *ids.entry(kv).or_insert_with(|| {
            names.push(kv);
            names.len() as u32 - 1
        })
    };
    let edges: EdgeList = pairs
        .keys()
        .map(|&(k, u, w)| (id((k, u)), id((k, w)), WW))
        .collect();
    let g = Graph::new(names.len(), edges);
    let core = g.cyclic_core();
    let nodes: Vec<u32> = (0..names.len() as u32)
        .filter(|&v| core[v as usize])
        .collect();
    let mut out: Vec<(u32, Vec<i64>)> = sccs(&g, &nodes, WW)
        .into_iter()
        .map(|comp| {
            let mut vals: Vec<i64> = comp.iter().map(|&v| names[v as usize].1).collect();
            vals.sort();
            (names[comp[0] as usize].0, vals)
        })
        .collect();
    out.sort();
    out
}

pub(crate) fn show(txns: &Txns, v: i64) -> String {
    if v == NIL {
        "nil".into()
    } else {
        txns.val_name(v)
    }
}

/// Why `u` precedes `w` in key `k`'s order, in words.
pub(crate) fn reason(txns: &Txns, pairs: &Pairs, k: u32, u: i64, w: i64) -> String {
    let (us, ws) = (show(txns, u), show(txns, w));
    match pairs.get(&(k, u, w)) {
        Some(Why::Nil) | None => format!(
            "every write follows the initial nil of key {}",
            txns.key_name(k)
        ),
        Some(Why::Wfr(t)) => format!("{} read {us} and then wrote {ws}", txns.name(*t)),
        Some(Why::Process(a, b)) => format!(
            "{} left it {us} before {}, of the same process, found {ws}",
            txns.name(*a),
            txns.name(*b)
        ),
        Some(Why::Realtime(a, b)) => format!(
            "{} left it {us} and completed before {} began and found {ws}",
            txns.name(*a),
            txns.name(*b)
        ),
    }
}
