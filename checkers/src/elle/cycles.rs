//! Finding and naming cycles inside strongly connected components.
//!
//! Each component is searched for the most specific anomalies first, Elle's way:
//! a cycle of ww edges only (G0), then ww/wr (G1c), then exactly one rw edge
//! (G-single), rw edges never adjacent (G-nonadjacent), any rw edge (G2-item), and
//! the same again allowing process/realtime edges (the -process and -realtime
//! variants). A search starts from one edge `a -> b` of the kind the anomaly needs
//! and runs a breadth-first search from `b` back to `a` over the allowed edges, so
//! the cycle found is the shortest through that edge. The search state carries how
//! many rw edges were taken and whether the last one was rw, which is all that the
//! G-single and G-nonadjacent constraints need. Once found, a cycle is named by
//! what it contains, never by which search found it.

use super::graph::{components, Graph, DATA, PROCESS, REALTIME, RW, WR, WW};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

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
}

/// When to give up: a wall-clock deadline, and a cap on searches per component.
pub(crate) struct Budget {
    pub deadline: Option<Instant>,
    pub exhausted: bool,
}

impl Budget {
    fn out(&mut self) -> bool {
        if !self.exhausted && self.deadline.is_some_and(|d| Instant::now() > d) {
            self.exhausted = true;
        }
        self.exhausted
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
        1 => "G-single",
        _ if !adjacent => "G-nonadjacent",
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

/// Finds the cycles of one strongly connected component, at most one per anomaly.
pub(crate) fn search_component(g: &Graph, scc: &[u32], budget: &mut Budget) -> Vec<Cycle> {
    let extra = PROCESS | REALTIME;
    let plan = [
        (WW, WW, Mode::Any),
        (WW | WR, WR, Mode::Any),
        (DATA, RW, Mode::ExactlyOneRw),
        (DATA, RW, Mode::NonadjacentRw),
        (DATA, RW, Mode::Any),
        (WW | extra, extra, Mode::Any),
        (WW | WR | extra, extra, Mode::Any),
        (DATA | extra, extra, Mode::ExactlyOneRw),
        (DATA | extra, extra, Mode::NonadjacentRw),
        (DATA | extra, extra, Mode::Any),
    ];
    let members: HashSet<u32> = scc.iter().copied().collect();
    let mut found: Vec<Cycle> = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for (allowed, start, mode) in plan {
        if budget.out() {
            break;
        }
        let s = Searcher {
            g,
            members: &members,
            allowed,
            mode,
        };
        if let Some(c) = s.find(scc, start, budget) {
            if names.insert(classify(&c)) {
                found.push(c);
            }
        }
    }
    found
}

struct Searcher<'a> {
    g: &'a Graph,
    members: &'a HashSet<u32>,
    allowed: u8,
    mode: Mode,
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
                if let Some(c) = self.bfs(a, b, k0) {
                    return Some(c);
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
            };
        first.into_iter().chain(rw_ok.then_some(RW))
    }

    fn accepts(&self, s: u8, start_rw: bool) -> bool {
        let (count, last_rw) = (s >> 1, s & 1 == 1);
        match self.mode {
            Mode::Any => true,
            Mode::ExactlyOneRw => count == 1,
            Mode::NonadjacentRw => count >= 2 && !(start_rw && last_rw),
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
        let mut budget = Budget {
            deadline: None,
            exhausted: false,
        };
        for scc in super::super::graph::sccs(&g, &nodes, 0xff) {
            for c in search_component(&g, &scc, &mut budget) {
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

    #[test]
    fn names_cycles_by_their_edges() {
        type Case = (Vec<(u32, u32, u8)>, Vec<&'static str>);
        let table: Vec<Case> = vec![
            (vec![(0, 1, WW), (1, 0, WW)], vec!["G0"]),
            (vec![(0, 1, WW), (1, 0, WR)], vec!["G1c"]),
            (vec![(0, 1, RW), (1, 0, WR)], vec!["G-single"]),
            (vec![(0, 1, RW), (1, 0, RW)], vec!["G2-item"]),
            (
                vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, WW)],
                vec!["G-nonadjacent"],
            ),
            (
                vec![(0, 1, RW), (1, 0, REALTIME)],
                vec!["G-single-realtime"],
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
        // G-single 0->1->0 and a G2-item 1->2->1 share node 1.
        let names = find_all(3, vec![(0, 1, RW), (1, 0, WR), (1, 2, RW), (2, 1, RW)]);
        assert_eq!(names, vec!["G-single", "G2-item"]);
    }
}
