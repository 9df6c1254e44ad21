//! Two pruning rules of the search, each an exchange argument: a linearization
//! that does otherwise can be rewritten into one that follows the rule, so the
//! search loses no answer by following it. Checked against brute force in
//! `tests/integration/linear_brute.rs` (which fails when either rule is made
//! slightly wrong).

use super::super::model::Model;
use super::super::prepare::Call;
use super::Search;
use std::collections::HashMap;

impl<M: Model> Search<'_, M> {
    /// An ok candidate that is read-only ([`Model::read_only`]) and legal in
    /// `state`: taking it now is never wrong. Any linearization that takes it later
    /// can take it here instead (nothing it must follow is still pending, it changes
    /// no state here nor where it stood), so if taking it now fails, the
    /// configuration fails, and the other candidates need not be tried. (An op that
    /// merely leaves this state unchanged, a write of the current value, is not
    /// enough: where it stood it may have changed the state.)
    pub(super) fn forced(&mut self, state: &M::State) -> Option<u32> {
        let head = self.head();
        let mut e = self.next[head as usize];
        let mut buf = Vec::new();
        while e != head && !self.ret_call[e as usize].1 {
            let id = self.ret_call[e as usize].0;
            let op = &self.calls[id as usize].op;
            if self.model.read_only(op) {
                buf.clear();
                self.model.step(state, op, &mut buf);
                if buf.len() == 1 && buf[0] == *state {
                    return Some(id);
                }
            }
            e = self.next[e as usize];
        }
        None
    }

    /// Whether an ok op equal to `id`'s, returning earlier, is also a candidate:
    /// then only that one is tried. Exchanging the two in any linearization keeps it
    /// legal (equal ops, equal effects) and within real time (the earlier-returning
    /// one moves earlier; the later-returning one moves later, but no later than
    /// where the earlier-returning one stood). Ops returning before the frontier
    /// are all linearized, so the walk stops there.
    pub(super) fn has_earlier_twin(&self, id: u32, frontier: usize) -> bool {
        let mut p = self.twin_before[id as usize];
        while p != u32::MAX {
            let c = &self.calls[p as usize];
            if c.ret.is_some_and(|r| r < frontier) {
                return false;
            }
            if !self.lin[p as usize] && c.invoke < frontier {
                return true;
            }
            p = self.twin_before[p as usize];
        }
        false
    }
}

/// For each ok call, the previous ok call with an equal op, ordered by (return, id);
/// `u32::MAX` for the first of its kind and for crashed calls.
pub(super) fn twins<O: Eq + std::hash::Hash>(calls: &[Call<O>]) -> Vec<u32> {
    let mut by_ret: Vec<(usize, u32)> = calls
        .iter()
        .enumerate()
        .filter_map(|(id, c)| c.ret.map(|r| (r, id as u32)))
        .collect();
    by_ret.sort_unstable();
    let mut last: HashMap<&O, u32> = HashMap::new();
    let mut out = vec![u32::MAX; calls.len()];
    for (_, id) in by_ret {
        if let Some(p) = last.insert(&calls[id as usize].op, id) {
            out[id as usize] = p;
        }
    }
    out
}
