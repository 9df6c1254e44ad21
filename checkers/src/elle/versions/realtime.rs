//! `--linearizable-keys` as Elle computes it (`rw-register`'s
//! `transaction-graph->version-graphs` over `realtime-graph`): from the realtime
//! order of the *whole* history, transitively reduced, each transaction's last
//! value of a key precedes the first value of every transaction that touches the
//! key and is reachable from it through transactions that do not (Elle's graph
//! compressed to the key). That is more than the realtime order of the key's own
//! transactions: `a` reaching `b` through a transaction of other keys gives
//! `a < b` even when a third transaction `c` of the key lies between them in time
//! by another path, which matters when `c` read one value and wrote another.

use super::{last_first, Externals, Pairs, Why};
use crate::elle::graph::{realtime_edges, EdgeList};
use crate::elle::txn::{FastMap, Outcome, TxnId, Txns};

/// The version pairs of every key from the whole history's realtime order.
pub(super) fn linearizable(txns: &Txns, ext: &[Externals]) -> Pairs {
    let n = txns.txns.len();
    let mut edges: EdgeList = Vec::new();
    realtime_edges(txns, &mut edges);
    let succ = adjacency(n, &edges);
    drop(edges);
    // A path only moves forward in invocation order, so past the last
    // invocation of a key's transactions none of them can be reached.
    let mut last_invoke: FastMap<u32, u32> = FastMap::default();
    for (t, e) in ext.iter().enumerate() {
        let pos = txns.txns[t].invoke_pos;
        for &(k, _, _) in e {
            let l = last_invoke.entry(k).or_insert(pos);
            *l = (*l).max(pos);
        }
    }
    let mut out = Pairs::default();
    let mut seen = vec![u32::MAX; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut stamp = 0u32;
    for (a, e) in ext.iter().enumerate() {
        if txns.txns[a].outcome == Outcome::Fail {
            continue;
        }
        for &(k, _, _) in e {
            let Some((prev, _)) = last_first(e, k) else {
                continue;
            };
            let limit = last_invoke[&k];
            stamp += 1;
            stack.extend(&succ[a]);
            while let Some(b) = stack.pop() {
                if seen[b as usize] == stamp || txns.txns[b as usize].invoke_pos > limit {
                    continue;
                }
                seen[b as usize] = stamp;
                match last_first(&ext[b as usize], k) {
                    Some((_, first)) if prev != first => {
                        out.entry((k, prev, first))
                            .or_insert(Why::Realtime(a as TxnId, b));
                    }
                    Some(_) => {}
                    // Not touching the key (an unknown read counts as none, as
                    // Elle's `ext-keys` has it): look past it.
                    None => stack.extend(&succ[b as usize]),
                }
            }
        }
    }
    out
}

/// Out-neighbours of each transaction.
fn adjacency(n: usize, edges: &EdgeList) -> Vec<Vec<u32>> {
    let mut succ: Vec<Vec<u32>> = vec![Vec::new(); n];
    for &(a, b, _) in edges {
        succ[a as usize].push(b);
    }
    succ
}
