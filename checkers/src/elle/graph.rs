//! The transaction dependency graph: edges, their kinds, and strongly connected
//! components.
//!
//! Edges are collected as `(from, to, kind-bits)` triples and packed into a
//! compressed adjacency (one array of targets, one of kind bits), with parallel edges
//! merged into one whose bits are the union. Realtime edges are a transitive
//! reduction (see [`realtime_edges`]), so there are O(concurrency) per transaction,
//! not O(n^2). Before Tarjan runs, nodes that cannot lie on a cycle (no incoming or
//! no outgoing edge, repeatedly) are trimmed away: on a valid history that removes
//! everything, and on an invalid one it leaves little more than the cycles, which is
//! what keeps a million-transaction check fast. Tarjan itself is petgraph's.

use super::txn::{Outcome, TxnId, Txns};
use petgraph::algo::TarjanScc;
use petgraph::csr::Csr;

/// Edge kinds, as bits so that a merged edge can carry several.
pub(crate) const WW: u8 = 1;
pub(crate) const WR: u8 = 2;
pub(crate) const RW: u8 = 4;
pub(crate) const PROCESS: u8 = 8;
pub(crate) const REALTIME: u8 = 16;
pub(crate) const DATA: u8 = WW | WR | RW;

/// Raw edges as analyses produce them.
pub(crate) type EdgeList = Vec<(u32, u32, u8)>;

/// A directed graph in compressed adjacency form, with its reverse.
pub(crate) struct Graph {
    pub n: usize,
    offsets: Vec<u32>,
    targets: Vec<u32>,
    kinds: Vec<u8>,
}

impl Graph {
    /// Packs edges (consumed) into adjacency lists, merging parallel edges.
    pub fn new(n: usize, mut edges: EdgeList) -> Graph {
        edges.retain(|e| e.0 != e.1);
        let (offsets, order) = bucket(n, edges.iter().map(|e| e.0));
        let mut targets = Vec::with_capacity(edges.len());
        let mut kinds = Vec::with_capacity(edges.len());
        let mut new_offsets = Vec::with_capacity(n + 1);
        new_offsets.push(0u32);
        let mut row: Vec<(u32, u8)> = Vec::new();
        for v in 0..n {
            row.clear();
            let (lo, hi) = (offsets[v] as usize, offsets[v + 1] as usize);
            row.extend(order[lo..hi].iter().map(|&i| {
                let e = edges[i as usize];
                (e.1, e.2)
            }));
            row.sort_unstable_by_key(|e| e.0);
            for &(t, k) in &row {
                if targets.len() > *new_offsets.last().unwrap() as usize
                    && *targets.last().unwrap() == t
                {
                    *kinds.last_mut().unwrap() |= k;
                } else {
                    targets.push(t);
                    kinds.push(k);
                }
            }
            new_offsets.push(targets.len() as u32);
        }
        Graph {
            n,
            offsets: new_offsets,
            targets,
            kinds,
        }
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Outgoing `(target, kinds)` of `v`.
    pub fn out(&self, v: u32) -> impl Iterator<Item = (u32, u8)> + '_ {
        let (lo, hi) = (self.offsets[v as usize], self.offsets[v as usize + 1]);
        (lo as usize..hi as usize).map(move |i| (self.targets[i], self.kinds[i]))
    }

    /// The kinds of the edge `a -> b`, 0 when there is none.
    pub fn kinds(&self, a: u32, b: u32) -> u8 {
        let (lo, hi) = (self.offsets[a as usize], self.offsets[a as usize + 1]);
        let row = &self.targets[lo as usize..hi as usize];
        row.binary_search(&b)
            .map(|i| self.kinds[lo as usize + i])
            .unwrap_or(0)
    }

    /// Nodes that may lie on a cycle: what is left after repeatedly removing nodes
    /// with no incoming or no outgoing edge among the remaining ones.
    pub fn cyclic_core(&self) -> Vec<bool> {
        let n = self.n;
        let mut alive = vec![true; n];
        let mut indeg = vec![0u32; n];
        for &t in &self.targets {
            indeg[t as usize] += 1;
        }
        let mut stack: Vec<u32> = (0..n as u32).filter(|&v| indeg[v as usize] == 0).collect();
        while let Some(v) = stack.pop() {
            alive[v as usize] = false;
            for (t, _) in self.out(v) {
                indeg[t as usize] -= 1;
                if indeg[t as usize] == 0 {
                    stack.push(t);
                }
            }
        }
        drop(indeg);
        // Backward pass over the survivors, on the reverse adjacency.
        let (roffsets, rorder) = bucket(n, self.targets.iter().copied());
        let sources = self.sources();
        let mut outdeg = vec![0u32; n];
        for v in 0..n {
            if alive[v] {
                outdeg[v] = self.out(v as u32).filter(|e| alive[e.0 as usize]).count() as u32;
            }
        }
        let mut stack: Vec<u32> = (0..n as u32)
            .filter(|&v| alive[v as usize] && outdeg[v as usize] == 0)
            .collect();
        while let Some(v) = stack.pop() {
            alive[v as usize] = false;
            let (lo, hi) = (
                roffsets[v as usize] as usize,
                roffsets[v as usize + 1] as usize,
            );
            for &ei in &rorder[lo..hi] {
                let s = sources[ei as usize] as usize;
                if alive[s] {
                    outdeg[s] -= 1;
                    if outdeg[s] == 0 {
                        stack.push(s as u32);
                    }
                }
            }
        }
        alive
    }

    /// The source node of each edge, by edge position.
    fn sources(&self) -> Vec<u32> {
        let mut s = vec![0u32; self.targets.len()];
        for v in 0..self.n {
            let (lo, hi) = (self.offsets[v] as usize, self.offsets[v + 1] as usize);
            s[lo..hi].fill(v as u32);
        }
        s
    }
}

/// Counting sort: for each item's bucket, offsets into a permutation of item positions.
fn bucket(n: usize, keys: impl Iterator<Item = u32> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; n + 1];
    for k in keys.clone() {
        offsets[k as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut order = vec![0u32; offsets[n] as usize];
    for (i, k) in keys.enumerate() {
        order[fill[k as usize] as usize] = i as u32;
        fill[k as usize] += 1;
    }
    (offsets, order)
}

/// Strongly connected components (of two or more nodes) of the subgraph induced by
/// `nodes`, keeping edges whose kinds meet `mask`.
pub(crate) fn sccs(g: &Graph, nodes: &[u32], mask: u8) -> Vec<Vec<u32>> {
    let mut comps = components(g, nodes, mask);
    comps.retain(|c| c.len() > 1);
    comps
}

/// Every strongly connected component of the subgraph induced by `nodes` (edges
/// whose kinds meet `mask`), sinks first: if a path leads from component X to a
/// different component Y, Y comes before X. Runs petgraph's Tarjan, which
/// recurses, on a thread whose stack grows with the subgraph.
pub(crate) fn components(g: &Graph, nodes: &[u32], mask: u8) -> Vec<Vec<u32>> {
    if nodes.is_empty() {
        return Vec::new();
    }
    let mut local = std::collections::HashMap::with_capacity(nodes.len());
    for (i, &v) in nodes.iter().enumerate() {
        local.insert(v, i as u32);
    }
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for (i, &v) in nodes.iter().enumerate() {
        let start = edges.len();
        edges.extend(
            g.out(v)
                .filter(|e| e.1 & mask != 0)
                .filter_map(|e| local.get(&e.0).map(|&j| (i as u32, j))),
        );
        edges[start..].sort_unstable();
    }
    let mut csr: Csr<(), (), petgraph::Directed, u32> =
        Csr::from_sorted_edges(&edges).expect("edges are sorted by construction");
    while csr.node_count() < nodes.len() {
        csr.add_node(());
    }
    drop(edges);
    let stack = (64 << 20) + nodes.len() * 512;
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(s, || {
                let mut out = Vec::new();
                TarjanScc::new().run(&csr, |c: &[u32]| {
                    out.push(c.iter().map(|&i| nodes[i as usize]).collect::<Vec<u32>>());
                });
                out
            })
            .expect("failed to spawn the SCC thread")
            .join()
            .expect("the SCC thread panicked")
    })
}

/// Process order: each committed transaction to the next one of the same
/// process. Failed transactions did not happen and are skipped; an indeterminate
/// one may take effect at any later time, so no order leaves it (Jepsen retires
/// its process anyway).
pub(crate) fn process_edges(txns: &Txns, edges: &mut EdgeList) {
    let mut last: std::collections::HashMap<u64, TxnId> = std::collections::HashMap::new();
    for (i, t) in txns.txns.iter().enumerate() {
        if t.outcome == Outcome::Fail {
            continue;
        }
        // An indeterminate txn may take effect any time later: nothing follows it.
        if let Some(prev) = last.insert(t.process, i as TxnId) {
            if txns.txns[prev as usize].outcome == Outcome::Ok {
                edges.push((prev, i as TxnId, PROCESS));
            }
        }
    }
}

/// Realtime order, transitively reduced: `a -> b` when `a` completed (ok) before
/// `b` was invoked. Only edges from the *frontier* are added: the completed
/// transactions not already known to precede another completed one. When `b`
/// completes, everything it was linked from leaves the frontier, since order
/// through `b` implies order from them.
pub(crate) fn realtime_edges(txns: &Txns, edges: &mut EdgeList) {
    // Events by history position: (pos, txn, is_completion).
    let mut events: Vec<(u32, TxnId, bool)> = Vec::with_capacity(txns.txns.len() * 2);
    for (i, t) in txns.txns.iter().enumerate() {
        if t.outcome == Outcome::Fail {
            continue;
        }
        events.push((t.invoke_pos, i as TxnId, false));
        if let (Outcome::Ok, Some(c)) = (t.outcome, t.complete_pos) {
            events.push((c, i as TxnId, true));
        }
    }
    // At one position (a completion without invocation), invoke first.
    events.sort_unstable_by_key(|e| (e.0, e.2));
    let mut frontier: Vec<TxnId> = Vec::new();
    // preds[t] = the frontier members linked to t, as a range of `edges`.
    let mut first_edge = vec![0u32; txns.txns.len()];
    let mut last_edge = vec![0u32; txns.txns.len()];
    let base = edges.len();
    for (_, t, done) in events {
        if !done {
            first_edge[t as usize] = (edges.len() - base) as u32;
            edges.extend(frontier.iter().map(|&f| (f, t, REALTIME)));
            last_edge[t as usize] = (edges.len() - base) as u32;
        } else {
            let (lo, hi) = (
                first_edge[t as usize] as usize,
                last_edge[t as usize] as usize,
            );
            let preds = &edges[base + lo..base + hi];
            frontier.retain(|f| !preds.iter().any(|e| e.0 == *f));
            frontier.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_parallel_edges_and_finds_kinds() {
        let g = Graph::new(3, vec![(0, 1, WW), (0, 1, RW), (1, 2, WR), (2, 2, WW)]);
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.kinds(0, 1), WW | RW);
        assert_eq!(g.kinds(1, 0), 0);
        assert_eq!(g.kinds(1, 2), WR);
    }

    #[test]
    fn core_keeps_only_cycles_and_sccs_find_them() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3, 4 -> 0.
        let g = Graph::new(
            5,
            vec![(0, 1, WW), (1, 2, WW), (2, 1, WR), (2, 3, WW), (4, 0, RW)],
        );
        let core = g.cyclic_core();
        assert_eq!(core, vec![false, true, true, false, false]);
        let nodes: Vec<u32> = (0..5).filter(|&v| core[v as usize]).collect();
        let mut c = sccs(&g, &nodes, DATA);
        c[0].sort();
        assert_eq!(c, vec![vec![1, 2]]);
        assert!(sccs(&g, &nodes, WW).is_empty());
    }

    #[test]
    fn realtime_edges_are_a_transitive_reduction() {
        use rjepsen_core::{History, Op, Process};
        use serde_json::json;
        // Three txns one after another, then two concurrent ones.
        let mut ops = Vec::new();
        for p in 0..3 {
            let op = Op::invoke(Process::Client(p), "txn", json!([["append", "x", p]]));
            ops.push(op.clone());
            ops.push(op.ok());
        }
        let a = Op::invoke(Process::Client(3), "txn", json!([["append", "y", 1]]));
        let b = Op::invoke(Process::Client(4), "txn", json!([["append", "y", 2]]));
        ops.extend([a.clone(), b.clone(), a.ok(), b.ok()]);
        let txns = super::super::txn::from_history(&History::new(ops), true).unwrap();
        let mut edges = EdgeList::new();
        realtime_edges(&txns, &mut edges);
        edges.sort();
        let want: Vec<(u32, u32, u8)> = vec![
            (0, 1, REALTIME),
            (1, 2, REALTIME),
            (2, 3, REALTIME),
            (2, 4, REALTIME),
        ];
        assert_eq!(edges, want);
        let mut pe = EdgeList::new();
        process_edges(&txns, &mut pe);
        assert!(pe.is_empty(), "every process ran one txn");
    }
}
