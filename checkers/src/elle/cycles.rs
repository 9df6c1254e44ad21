//! Finding and naming cycles inside strongly connected components.
//!
//! Each component is searched the way Elle's `elle.txn` does it: for each cycle
//! anomaly in Elle's order (G0, G1c, G-single-item, G-nonadjacent-item, G2-item,
//! then their -process and -realtime variants), unless an anomaly already found in
//! this component implies it (a G0 implies G1c, a G-single-item implies
//! G-nonadjacent-item and G2-item, and so on, by the table in `models`). A search
//! starts from one edge `a -> b` of the kind the anomaly needs and runs a
//! breadth-first search from `b` back to `a` over the allowed edges, so the cycle
//! found is the shortest through that edge. The search state carries how many rw
//! edges were taken and whether the last one was rw, which is all that the
//! single, nonadjacent and multiple-rw constraints need. A found cycle is named by
//! what it contains ([`classify`]); as in Elle, a search for a G-single-item,
//! G-nonadjacent-item or G2-item only counts a cycle that is named so, while G0
//! and G1c searches report whatever their cycle turns out to be.

use super::graph::{components, Graph, DATA, PROCESS, REALTIME, RW, WR, WW};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// A cycle: `nodes[i] -> nodes[i+1]` (and last -> first) by an edge of kind
/// `kinds[i]` (one bit: the kind the cycle uses, when an edge has several).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cycle {
    pub nodes: Vec<u32>,
    pub kinds: Vec<u8>,
}

/// Constraint on the rw edges of a cycle.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Any,
    ExactlyOneRw,
    NonadjacentRw,
    MultipleRw,
}

/// One cycle anomaly to look for: its name, the edges it may use, the kind of its
/// first edge (one it must contain), its rw constraint, and whether the cycle
/// found must be named like it (Elle's `:type`).
struct Spec {
    name: String,
    allowed: u8,
    start: u8,
    mode: Mode,
    typed: bool,
}

/// Elle's cycle specs in search order; `extra` is the process or realtime edge
/// kind the graph carries (0 for none), for the variants.
fn specs(extra: u8) -> Vec<Spec> {
    let base = [
        ("G0", WW, WW, Mode::Any, false),
        ("G1c", WW | WR, WR, Mode::Any, false),
        ("G-single-item", DATA, RW, Mode::ExactlyOneRw, true),
        ("G-nonadjacent-item", DATA, RW, Mode::NonadjacentRw, true),
        ("G2-item", DATA, RW, Mode::MultipleRw, true),
    ];
    let mut out: Vec<Spec> = base
        .iter()
        .map(|&(n, allowed, start, mode, typed)| Spec {
            name: n.to_string(),
            allowed,
            start,
            mode,
            typed,
        })
        .collect();
    let suffix = match extra {
        PROCESS => "-process",
        REALTIME => "-realtime",
        _ => return out,
    };
    out.extend(base.iter().map(|&(n, allowed, _, mode, typed)| Spec {
        name: format!("{n}{suffix}"),
        allowed: allowed | extra,
        start: extra,
        mode,
        typed,
    }));
    out
}

/// When to give up: the whole check's deadline, and (Elle's
/// `:cycle-search-timeout`) one per component, after which that component's
/// search is cut and the next one starts afresh.
#[derive(Default)]
pub(crate) struct Budget {
    pub deadline: Option<Instant>,
    pub exhausted: bool,
    /// How long each component may be searched.
    pub per_component: Option<Duration>,
    component_deadline: Option<Instant>,
    component_out: bool,
}

impl Budget {
    /// The check's deadline and the time per component (either may be none).
    pub(crate) fn new(deadline: Option<Instant>, per_component: Option<Duration>) -> Budget {
        Budget {
            deadline,
            per_component,
            ..Budget::default()
        }
    }

    /// Starts the clock of the next component.
    pub(crate) fn start_component(&mut self) {
        self.component_deadline = self.per_component.map(|t| Instant::now() + t);
        self.component_out = false;
    }

    fn out(&mut self) -> bool {
        if !self.stopped() {
            let now = Instant::now();
            self.exhausted = self.deadline.is_some_and(|d| now > d);
            self.component_out = self.component_deadline.is_some_and(|d| now >= d);
        }
        self.stopped()
    }

    /// Whether this component's search must stop (the check's time, or its own).
    fn stopped(&self) -> bool {
        self.exhausted || self.component_out
    }
}

/// Searches attempted per component and anomaly before moving on.
const ATTEMPTS: usize = 256;

/// The name of the anomaly a cycle exhibits.
pub(crate) fn classify(c: &Cycle) -> String {
    let n = c.kinds.len();
    let rw = c.kinds.iter().filter(|&&k| k == RW).count();
    let wr = c.kinds.contains(&WR);
    let adjacent = (0..n).any(|i| c.kinds[i] == RW && c.kinds[(i + 1) % n] == RW);
    let base = match rw {
        0 if !wr => "G0",
        0 => "G1c",
        1 => "G-single-item",
        _ if !adjacent => "G-nonadjacent-item",
        _ => "G2-item",
    };
    if c.kinds.contains(&REALTIME) {
        format!("{base}-realtime")
    } else if c.kinds.contains(&PROCESS) {
        format!("{base}-process")
    } else {
        base.to_string()
    }
}

/// What the search of one component found, and where the budget cut it short.
pub(crate) struct Searched {
    pub cycles: Vec<Cycle>,
    pub cut: Option<Cut>,
}

/// A component whose search did not finish (Elle's `cycle-search-timeout`).
pub(crate) struct Cut {
    /// The anomaly being searched for when time ran out.
    pub spec: String,
    /// The anomalies searched for in full before it and not found.
    pub not_found: Vec<String>,
}

/// Finds the cycles of one strongly connected component, at most one per anomaly
/// type, skipping types implied by one already found here. `extra` is the
/// process or realtime edge kind the graph carries, or 0.
pub(crate) fn search_component(g: &Graph, scc: &[u32], extra: u8, budget: &mut Budget) -> Searched {
    let members: HashSet<u32> = scc.iter().copied().collect();
    let mut found: Vec<Cycle> = Vec::new();
    let mut redundant: HashSet<&'static str> = HashSet::new();
    let mut not_found: Vec<String> = Vec::new();
    for spec in specs(extra) {
        if redundant.contains(spec.name.as_str()) {
            continue;
        }
        if budget.out() {
            return cut(found, spec.name, not_found);
        }
        let s = Searcher {
            g,
            members: &members,
            allowed: spec.allowed,
            mode: spec.mode,
            want: spec.typed.then_some(spec.name.as_str()),
        };
        let Some(c) = s.find(scc, spec.start, budget) else {
            if budget.stopped() {
                return cut(found, spec.name, not_found);
            }
            not_found.push(spec.name);
            continue;
        };
        let name = classify(&c);
        if let Ok(n) = super::models::anomaly(&name) {
            if redundant.contains(n) {
                continue;
            }
            redundant.extend(super::models::implied(n));
        }
        found.push(c);
    }
    Searched {
        cycles: found,
        cut: None,
    }
}

fn cut(cycles: Vec<Cycle>, spec: String, not_found: Vec<String>) -> Searched {
    Searched {
        cycles,
        cut: Some(Cut { spec, not_found }),
    }
}

/// Some cycle of a strongly connected component, whatever its kind: the
/// fallback Elle reports for a component whose search was cut short, so that
/// there is a cycle to show from it.
pub(crate) fn fallback(g: &Graph, scc: &[u32]) -> Option<Cycle> {
    let members: HashSet<u32> = scc.iter().copied().collect();
    let s = Searcher {
        g,
        members: &members,
        allowed: 0xff,
        mode: Mode::Any,
        want: None,
    };
    let &a = scc.first()?;
    let (b, kinds) = g.out(a).find(|e| members.contains(&e.0))?;
    s.bfs(a, b, pick(kinds)).map(|c| explained(g, c))
}

/// The cycle with each step read as Elle's explainer reads the pair, whatever
/// kind the search took it as: by its least anomalous relation ([`pick`]: a
/// data dependency before process or realtime order). A search for a
/// G-single-item-realtime that crossed a pair joined by rw *and* realtime
/// thus finds a G2-item, not the type it wanted, as in Elle.
fn explained(g: &Graph, mut c: Cycle) -> Cycle {
    let n = c.nodes.len();
    for i in 0..n {
        c.kinds[i] = pick(g.kinds(c.nodes[i], c.nodes[(i + 1) % n]));
    }
    c
}

struct Searcher<'a> {
    g: &'a Graph,
    members: &'a HashSet<u32>,
    allowed: u8,
    mode: Mode,
    /// The name a cycle must classify as to count, for typed searches.
    want: Option<&'a str>,
}

impl Searcher<'_> {
    /// One cycle through some start edge of kind `start`, if any exists.
    fn find(&self, scc: &[u32], start: u8, budget: &mut Budget) -> Option<Cycle> {
        // An edge of the allowed subgraph lies on a cycle of it iff both ends are in
        // one of its components; for "exactly one rw", the way back must avoid rw,
        // and components come sinks first, so b can reach a only if a's is earlier.
        let back_mask = match self.mode {
            Mode::ExactlyOneRw if start == RW => self.allowed & !RW,
            _ => self.allowed,
        };
        let comps = components(self.g, scc, back_mask);
        let mut comp_of: HashMap<u32, usize> = HashMap::with_capacity(scc.len());
        for (i, c) in comps.iter().enumerate() {
            for &v in c {
                comp_of.insert(v, i);
            }
        }
        let mut attempts = 0;
        for &a in scc {
            for (b, kinds) in self.g.out(a) {
                if kinds & start == 0 || !self.members.contains(&b) {
                    continue;
                }
                let (ca, cb) = (comp_of[&a], comp_of[&b]);
                let reachable = if back_mask == self.allowed {
                    ca == cb
                } else {
                    ca <= cb
                };
                if !reachable {
                    continue;
                }
                attempts += 1;
                if attempts > ATTEMPTS || budget.out() {
                    return None;
                }
                let k0 = pick(kinds & start);
                if let Some(c) = self.bfs(a, b, k0).map(|c| explained(self.g, c)) {
                    if self.want.is_none_or(|w| classify(&c) == w) {
                        return Some(c);
                    }
                }
            }
        }
        None
    }

    /// Shortest path from `b` back to `a`, having taken `a -> b` as kind `k0`,
    /// obeying the mode. States: rw count (capped at 2) * 2 + whether last was rw.
    fn bfs(&self, a: u32, b: u32, k0: u8) -> Option<Cycle> {
        let start_rw = k0 == RW;
        let s0 = state(start_rw as u8, start_rw);
        let mut parent: HashMap<(u32, u8), (u32, u8, u8)> = HashMap::new();
        let mut queue = VecDeque::new();
        parent.insert((b, s0), (a, 255, k0));
        queue.push_back((b, s0));
        while let Some((u, s)) = queue.pop_front() {
            let (count, last_rw) = (s >> 1, s & 1 == 1);
            for (v, kinds) in self.g.out(u) {
                let kinds = kinds & self.allowed;
                if kinds == 0 || !self.members.contains(&v) {
                    continue;
                }
                for k in self.options(kinds, count, last_rw) {
                    let ns = state((count + (k == RW) as u8).min(2), k == RW);
                    if v == a {
                        if self.accepts(ns, start_rw) {
                            return Some(rebuild(&parent, a, (u, s), k));
                        }
                        continue;
                    }
                    if let std::collections::hash_map::Entry::Vacant(e) = parent.entry((v, ns)) {
                        e.insert((u, s, k));
                        queue.push_back((v, ns));
                    }
                }
            }
        }
        None
    }

    /// Which kinds an edge may be taken as: its best non-rw kind, and rw when the
    /// mode allows another.
    fn options(&self, kinds: u8, count: u8, last_rw: bool) -> impl Iterator<Item = u8> {
        let non_rw = kinds & !RW;
        let first = (non_rw != 0).then(|| pick(non_rw));
        let rw_ok = kinds & RW != 0
            && match self.mode {
                Mode::Any => non_rw == 0,
                Mode::ExactlyOneRw => count == 0,
                Mode::NonadjacentRw => !last_rw,
                Mode::MultipleRw => true,
            };
        first.into_iter().chain(rw_ok.then_some(RW))
    }

    fn accepts(&self, s: u8, start_rw: bool) -> bool {
        let (count, last_rw) = (s >> 1, s & 1 == 1);
        match self.mode {
            Mode::Any => true,
            Mode::ExactlyOneRw => count == 1,
            Mode::NonadjacentRw => count >= 2 && !(start_rw && last_rw),
            Mode::MultipleRw => count >= 2,
        }
    }
}

fn state(count: u8, last_rw: bool) -> u8 {
    (count << 1) | last_rw as u8
}

/// The single kind a multi-kind edge is read as: data before process before
/// realtime, and ww before wr before rw (the least anomalous reading).
fn pick(kinds: u8) -> u8 {
    [WW, WR, RW, PROCESS, REALTIME]
        .into_iter()
        .find(|k| kinds & k != 0)
        .unwrap_or(0)
}

fn rebuild(
    parent: &HashMap<(u32, u8), (u32, u8, u8)>,
    a: u32,
    last: (u32, u8),
    k_last: u8,
) -> Cycle {
    // Walk back from the last node to `b`, whose parent entry points at `a`.
    let mut nodes = vec![];
    let mut kinds = vec![k_last];
    let mut cur = last;
    loop {
        nodes.push(cur.0);
        let (p, ps, k) = parent[&cur];
        kinds.push(k);
        if ps == 255 {
            break;
        }
        cur = (p, ps);
    }
    nodes.push(a);
    nodes.reverse();
    kinds.reverse();
    // kinds now: [k0 (a->b), ..., k_last (last->a)]; nodes: [a, b, ..., last].
    Cycle { nodes, kinds }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find_all(n: usize, edges: Vec<(u32, u32, u8)>) -> Vec<String> {
        let g = Graph::new(n, edges);
        let nodes: Vec<u32> = (0..n as u32).collect();
        let mut names = vec![];
        let mut budget = Budget::default();
        for scc in super::super::graph::sccs(&g, &nodes, 0xff) {
            let kinds: Vec<u8> = edges_kinds(&g, n);
            let extra = if kinds.iter().any(|k| k & REALTIME != 0) {
                REALTIME
            } else if kinds.iter().any(|k| k & PROCESS != 0) {
                PROCESS
            } else {
                0
            };
            for c in search_component(&g, &scc, extra, &mut budget).cycles {
                assert_eq!(c.nodes.len(), c.kinds.len());
                for i in 0..c.nodes.len() {
                    let (x, y) = (c.nodes[i], c.nodes[(i + 1) % c.nodes.len()]);
                    assert!(g.kinds(x, y) & c.kinds[i] != 0, "{c:?} uses a missing edge");
                }
                names.push(classify(&c));
            }
        }
        names.sort();
        names
    }

    fn edges_kinds(g: &Graph, n: usize) -> Vec<u8> {
        (0..n as u32).flat_map(|v| g.out(v).map(|e| e.1)).collect()
    }

    #[test]
    fn names_cycles_by_their_edges() {
        type Case = (Vec<(u32, u32, u8)>, Vec<&'static str>);
        let table: Vec<Case> = vec![
            (vec![(0, 1, WW), (1, 0, WW)], vec!["G0"]),
            (vec![(0, 1, WW), (1, 0, WR)], vec!["G1c"]),
            (vec![(0, 1, RW), (1, 0, WR)], vec!["G-single-item"]),
            (vec![(0, 1, RW), (1, 0, RW)], vec!["G2-item"]),
            (
                vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, WW)],
                vec!["G-nonadjacent-item"],
            ),
            (
                vec![(0, 1, RW), (1, 0, REALTIME)],
                vec!["G-single-item-realtime"],
            ),
            (vec![(0, 1, WW), (1, 0, PROCESS)], vec!["G0-process"]),
            (vec![(0, 1, WW), (1, 2, WW), (2, 3, WW)], vec![]),
        ];
        for (edges, want) in table {
            assert_eq!(find_all(4, edges.clone()), want, "{edges:?}");
        }
    }

    #[test]
    fn prefers_the_specific_cycle_in_a_mixed_component() {
        // A G-single-item 0->1->0 and a G2-item 1->2->1 share node 1: as in Elle,
        // the G-single-item implies G2-item, so that search is skipped here.
        let names = find_all(3, vec![(0, 1, RW), (1, 0, WR), (1, 2, RW), (2, 1, RW)]);
        assert_eq!(names, vec!["G-single-item"]);
        // In separate components both are found.
        let names = find_all(4, vec![(0, 1, RW), (1, 0, WR), (2, 3, RW), (3, 2, RW)]);
        assert_eq!(names, vec!["G-single-item", "G2-item"]);
        // A G0 component also shows a G-single-item (G0 does not imply it), but
        // not a separate G1c.
        let names = find_all(3, vec![(0, 1, WW), (1, 0, WW), (1, 2, RW), (2, 0, WR)]);
        assert_eq!(names, vec!["G-single-item", "G0"]);
    }
}
