//! Elle's `*-cycle-exists` anomalies: proof that some cycle exists, without one.
//!
//! Finding a cycle of a given shape can be slow; proving that *some* cycle exists
//! in a projection of the graph is one strongly-connected-components pass. Elle
//! (`elle.txn/cycle-exists-cases`) does that for every component before searching
//! it, for one subgraph per consistency model (ww for read-uncommitted, ww ∪ wr for
//! read-committed, ww ∪ wr extended by single rw hops for snapshot isolation,
//! ww ∪ wr ∪ rw for serializable, and the same with process or realtime edges for
//! the strong-session and strong variants), skipping a model once a weaker one has
//! a cycle. The cases are kept whatever the search finds and dropped at the end
//! when a specific anomaly already rules their model out
//! ([`super::models::redundant_exists`]), so they show only when the search did not
//! produce the cycle: it was cut short by the budget, or gave up.

use super::explain::Anomaly;
use super::graph::{sccs, Graph, PROCESS, REALTIME, RW, WR, WW};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// One model's subgraph: edges of `kinds`, and with `extended` also a single rw
/// hop after any such edge (Elle's `[:extension A rw]`).
struct Spec {
    model: &'static str,
    kinds: u8,
    extended: bool,
}

/// Elle's `cycle-exists-specs`, in its order, by canonical model name.
const SPECS: [Spec; 12] = [
    spec("PL-1", WW, false),
    spec("PL-2", WW | WR, false),
    spec("PL-SI", WW | WR, true),
    spec("PL-3", WW | WR | RW, false),
    spec("strong-session-PL-1", WW | PROCESS, false),
    spec("strong-session-PL-2", WW | WR | PROCESS, false),
    spec("strong-session-snapshot-isolation", WW | WR | PROCESS, true),
    spec("strong-session-serializable", WW | WR | RW | PROCESS, false),
    spec("strong-PL-1", WW | REALTIME, false),
    spec("strong-PL-2", WW | WR | REALTIME, false),
    spec("strong-snapshot-isolation", WW | WR | REALTIME, true),
    spec("PL-SS", WW | WR | RW | REALTIME, false),
];

const fn spec(model: &'static str, kinds: u8, extended: bool) -> Spec {
    Spec {
        model,
        kinds,
        extended,
    }
}

/// The cycle-exists anomalies of one strongly connected component `scc`;
/// `index` gives a transaction's history index, to name the cycle's members.
pub(crate) fn cases(g: &Graph, scc: &[u32], index: impl Fn(u32) -> u64) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let mut redundant: BTreeSet<&'static str> = BTreeSet::new();
    for s in &SPECS {
        let friendly = super::models::canonical(s.model).unwrap_or(s.model);
        if redundant.contains(friendly) {
            continue;
        }
        let found = if s.extended {
            extended_sccs(g, scc, s.kinds)
        } else {
            sccs(g, scc, s.kinds)
        };
        let Some(smallest) = found.iter().min_by_key(|c| c.len()) else {
            continue;
        };
        let mut members: Vec<u64> = smallest.iter().map(|&t| index(t)).collect();
        members.sort_unstable();
        let kind = format!("{}-cycle-exists", s.model);
        let text = format!(
            "a cycle exists among {} transactions in the {} graph, which {friendly} forbids",
            members.len(),
            subgraph_text(s)
        );
        out.push(Anomaly::new(
            &kind,
            text,
            json!({
                "type": kind,
                "not": friendly,
                "subgraph": subgraph(s),
                "scc-size": members.len(),
                "scc": members,
            }),
        ));
        redundant.extend(super::models::implying_models(friendly));
    }
    out
}

fn kind_names(kinds: u8) -> Vec<&'static str> {
    [
        (WW, "ww"),
        (WR, "wr"),
        (RW, "rw"),
        (PROCESS, "process"),
        (REALTIME, "realtime"),
    ]
    .into_iter()
    .filter(|(k, _)| kinds & k != 0)
    .map(|(_, n)| n)
    .collect()
}

/// Elle's subgraph spec as data: `"ww"`, `["union", "ww", "wr"]`, or
/// `["extension", ["union", "ww", "wr"], "rw"]`.
fn subgraph(s: &Spec) -> Value {
    let names = kind_names(s.kinds);
    let base = if names.len() == 1 {
        json!(names[0])
    } else {
        let mut v = vec![json!("union")];
        v.extend(names.iter().map(|n| json!(n)));
        Value::Array(v)
    };
    if s.extended {
        json!(["extension", base, "rw"])
    } else {
        base
    }
}

fn subgraph_text(s: &Spec) -> String {
    let base = kind_names(s.kinds).join(" ∪ ");
    if s.extended {
        format!("{base} (plus single rw hops)")
    } else {
        base
    }
}

/// Components of the graph where every edge of `kinds` is kept and an rw edge
/// may follow one of them but not another rw edge: a cycle there is a cycle of
/// `kinds` and rw edges with no two rw edges in a row (and at least one other).
/// Built as a product graph whose node `2i + 1` means "arrived by rw".
fn extended_sccs(g: &Graph, scc: &[u32], kinds: u8) -> Vec<Vec<u32>> {
    let local: HashMap<u32, u32> = scc
        .iter()
        .enumerate()
        .map(|(i, &v)| (v, i as u32))
        .collect();
    let mut edges = Vec::new();
    for (i, &u) in scc.iter().enumerate() {
        let (plain, after_rw) = (2 * i as u32, 2 * i as u32 + 1);
        for (v, k) in g.out(u) {
            let Some(&j) = local.get(&v) else { continue };
            if k & kinds != 0 {
                edges.push((plain, 2 * j, WW));
                edges.push((after_rw, 2 * j, WW));
            }
            if k & RW != 0 {
                edges.push((plain, 2 * j + 1, WW));
            }
        }
    }
    let product = Graph::new(2 * scc.len(), edges);
    let nodes: Vec<u32> = (0..2 * scc.len() as u32).collect();
    sccs(&product, &nodes, WW)
        .into_iter()
        .map(|c| {
            let txns: BTreeSet<u32> = c.iter().map(|&p| scc[(p / 2) as usize]).collect();
            txns.into_iter().collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cycle-exists types of a graph that is one component.
    fn types(n: u32, edges: Vec<(u32, u32, u8)>) -> Vec<String> {
        let g = Graph::new(n as usize, edges);
        let scc: Vec<u32> = (0..n).collect();
        cases(&g, &scc, u64::from)
            .into_iter()
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn the_weakest_model_with_a_cycle_and_nothing_it_implies() {
        // ww and wr: read-committed fails, so nothing stronger is listed.
        assert_eq!(
            types(2, vec![(0, 1, WW), (1, 0, WR)]),
            ["PL-2-cycle-exists"]
        );
        assert_eq!(
            types(2, vec![(0, 1, WW), (1, 0, WW)]),
            ["PL-1-cycle-exists"]
        );
        // One rw after a ww: a cycle of the SI extension.
        assert_eq!(
            types(2, vec![(0, 1, WW), (1, 0, RW)]),
            ["PL-SI-cycle-exists"]
        );
        // Two rw edges in a row: only the serializable graph has the cycle.
        assert_eq!(
            types(3, vec![(0, 1, RW), (1, 2, RW), (2, 0, WW)]),
            ["PL-3-cycle-exists"]
        );
        assert_eq!(
            types(2, vec![(0, 1, RW), (1, 0, RW)]),
            ["PL-3-cycle-exists"]
        );
        // Realtime closes a ww path: strong read-uncommitted, and strict
        // serializable (which implies it) is not listed again.
        assert_eq!(
            types(2, vec![(0, 1, WW), (1, 0, REALTIME)]),
            ["strong-PL-1-cycle-exists"]
        );
        assert_eq!(
            types(3, vec![(0, 1, RW), (1, 2, RW), (2, 0, PROCESS)]),
            ["strong-session-serializable-cycle-exists"]
        );
    }

    #[test]
    fn evidence_names_the_model_subgraph_and_members() {
        let g = Graph::new(3, vec![(0, 1, WW), (1, 0, RW), (1, 2, WW)]);
        let a = &cases(&g, &[0, 1, 2], |t| 10 + u64::from(t))[0];
        assert_eq!(a.evidence["not"], "snapshot-isolation");
        assert_eq!(
            a.evidence["subgraph"],
            json!(["extension", ["union", "ww", "wr"], "rw"])
        );
        assert_eq!(a.evidence["scc"], json!([10, 11]));
        assert_eq!(a.evidence["scc-size"], 2);
    }
}
