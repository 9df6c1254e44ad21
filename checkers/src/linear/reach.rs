//! A cheap sound pre-pass: ops that no reachable state allows.
//!
//! Sweeping the history in time order, it keeps an over-approximation of the states
//! the object may be in: the closure of the initial state under every op invoked so
//! far, in any order, any number of times. An `ok` op that is illegal in every one of
//! those states at its return cannot be linearized in any order, so the key is
//! invalid without a search (a read of a value never written is the classic case,
//! and the one that makes an exhaustive search hopeless when crashed ops abound).
//! Models whose closure grows large (sets, queues) make the pass give up early.

use super::model::Model;
use super::prepare::Call;
use std::collections::HashSet;

/// Gives up when the over-approximation holds more states than this.
const MAX_STATES: usize = 256;

/// An op no reachable state allows, with the states that were reachable.
pub(crate) struct Impossible<S> {
    pub call: u32,
    pub states: Vec<S>,
}

/// Finds the first `ok` op (by return) that no over-approximated state allows.
pub(crate) fn impossible<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
) -> Option<Impossible<M::State>> {
    let mut events: Vec<(usize, bool, u32)> = Vec::with_capacity(calls.len() * 2);
    for (id, c) in calls.iter().enumerate() {
        events.push((c.invoke, false, id as u32));
        if let Some(r) = c.ret {
            events.push((r, true, id as u32));
        }
    }
    events.sort_unstable();
    let mut states: Vec<M::State> = vec![model.init()];
    let mut known: HashSet<M::State> = states.iter().cloned().collect();
    let mut ops: Vec<&M::Op> = Vec::new();
    let mut distinct: HashSet<&M::Op> = HashSet::new();
    let mut buf = Vec::new();
    for (_, ret, id) in events {
        let op = &calls[id as usize].op;
        if ret {
            let allowed = states.iter().any(|s| {
                buf.clear();
                model.step(s, op, &mut buf);
                !buf.is_empty()
            });
            if !allowed {
                return Some(Impossible { call: id, states });
            }
            continue;
        }
        if !distinct.insert(op) {
            continue;
        }
        ops.push(op);
        let mut work: Vec<M::State> = Vec::new();
        for s in &states {
            buf.clear();
            model.step(s, op, &mut buf);
            work.append(&mut buf);
        }
        while let Some(s) = work.pop() {
            if !known.insert(s.clone()) {
                continue;
            }
            if known.len() > MAX_STATES {
                return None;
            }
            for o in &ops {
                model.step(&s, o, &mut buf);
                work.append(&mut buf);
            }
            states.push(s);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::model::NIL;
    use crate::linear::models::{CasRegister, RegOp};

    fn call(op: RegOp, invoke: usize, ret: Option<usize>) -> Call<RegOp> {
        Call { op, invoke, ret }
    }

    #[test]
    fn finds_reads_of_values_never_written_yet() {
        // write 1 [0,1]; read 2 [2,3]; write 2 [4,5]: the read comes before 2 exists.
        let calls = vec![
            call(RegOp::Write(1), 0, Some(1)),
            call(RegOp::Read(2), 2, Some(3)),
            call(RegOp::Write(2), 4, Some(5)),
        ];
        let found = impossible(&CasRegister, &calls).expect("impossible read");
        assert_eq!(found.call, 1);
        let mut states = found.states;
        states.sort();
        assert_eq!(states, vec![NIL, 1]);
        // Overlapping the write makes it possible.
        let calls = vec![
            call(RegOp::Read(2), 2, Some(5)),
            call(RegOp::Write(2), 3, None),
        ];
        assert!(impossible(&CasRegister, &calls).is_none());
    }
}
