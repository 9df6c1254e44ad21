//! A cheap sound pre-pass: ops that no reachable state allows.
//!
//! Sweeping the history in time order, it keeps an over-approximation of the states
//! the object may be in: the closure of the initial state under every op invoked so
//! far, in any order, any number of times. An `ok` op that is illegal in every one of
//! those states at its return cannot be linearized in any order, so the key is
//! invalid without a search (a read of a value never written is the classic case,
//! and the one that makes an exhaustive search hopeless when crashed ops abound).
//! Models whose closure grows large (sets, queues) make the pass give up early.
//!
//! [`impossible_after`] sharpens this with real time: if an `ok` op `w` returned
//! before `x` was invoked, the state when `x` takes effect is reached from a state
//! `w` may leave by ops that can fall between them (those still running when `w`
//! was invoked, and crashed ops). That small window is the evidence a person wants.

use super::cache::FxBuild;
use super::model::Model;
use super::prepare::Call;
use std::collections::HashSet;

type Set<T> = HashSet<T, FxBuild>;

/// Gives up when the over-approximation holds more states than this.
const MAX_STATES: usize = 256;

/// An op no reachable state allows, with the states that were reachable.
pub(crate) struct Impossible<S> {
    pub call: u32,
    pub states: Vec<S>,
    /// The op after which the states were computed (`None`: from the start).
    pub after: Option<u32>,
    /// The ops that could take effect between `after` and `call`.
    pub between: Vec<u32>,
}

/// Leaves out crashed ops whose produced values no op ever observes (see
/// [`Model::produces`]): they could only have constrained what followed. Returns
/// how many were left out.
pub(crate) fn drop_unobserved<M: Model>(model: &M, calls: &mut Vec<Call<M::Op>>) -> usize {
    // Observed by any op, crashed ones included: a crashed cas may need the value
    // another crashed op left.
    let observed: Set<super::model::Atom> =
        calls.iter().flat_map(|c| model.observes(&c.op)).collect();
    let before = calls.len();
    calls.retain(|c| {
        let p = model.produces(&c.op);
        c.ret.is_some()
            || p.is_empty()
            || p.iter()
                .any(|a| *a == super::model::NIL || observed.contains(a))
    });
    before - calls.len()
}

/// Finds the first `ok` op (by return) that observes a value no op invoked before
/// its return produces (see [`Model::observes`]): linear time, any model.
pub(crate) fn never_produced<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
) -> Option<(u32, Vec<M::State>)> {
    let mut events: Vec<(usize, bool, u32)> = Vec::with_capacity(calls.len() * 2);
    for (id, c) in calls.iter().enumerate() {
        events.push((c.invoke, false, id as u32));
        if let Some(r) = c.ret {
            events.push((r, true, id as u32));
        }
    }
    events.sort_unstable();
    let mut produced: Set<super::model::Atom> = Set::default();
    for (_, ret, id) in events {
        let op = &calls[id as usize].op;
        if !ret {
            produced.extend(model.produces(op));
        } else if model.observes(op).iter().any(|a| !produced.contains(a)) {
            return Some((id, Vec::new()));
        }
    }
    None
}

/// Finds the first `ok` op (by return) that no over-approximated state allows.
pub(crate) fn impossible<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
) -> Option<Impossible<M::State>> {
    sweep(model, calls).err()
}

/// The sweep: `Ok(all states reachable at the end)` or the first impossible op;
/// `Ok(None)` when the closure grew too large.
pub(crate) fn sweep<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
) -> Result<Option<Vec<M::State>>, Impossible<M::State>> {
    let mut events: Vec<(usize, bool, u32)> = Vec::with_capacity(calls.len() * 2);
    for (id, c) in calls.iter().enumerate() {
        events.push((c.invoke, false, id as u32));
        if let Some(r) = c.ret {
            events.push((r, true, id as u32));
        }
    }
    events.sort_unstable();
    let mut states: Vec<M::State> = vec![model.init()];
    let mut known: Set<M::State> = states.iter().cloned().collect();
    let mut ops: Vec<&M::Op> = Vec::new();
    let mut distinct: Set<&M::Op> = Set::default();
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
                return Err(Impossible {
                    call: id,
                    states,
                    after: None,
                    between: Vec::new(),
                });
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
                return Ok(None);
            }
            for o in &ops {
                model.step(&s, o, &mut buf);
                work.append(&mut buf);
            }
            states.push(s);
        }
    }
    Ok(Some(states))
}

fn closure<M: Model>(model: &M, start: Vec<M::State>, ops: &[&M::Op]) -> Option<Vec<M::State>> {
    let mut known: Set<M::State> = Set::default();
    let (mut work, mut out, mut buf) = (start, Vec::new(), Vec::new());
    while let Some(s) = work.pop() {
        if !known.insert(s.clone()) {
            continue;
        }
        if known.len() > MAX_STATES {
            return None;
        }
        for o in ops {
            model.step(&s, o, &mut buf);
            work.append(&mut buf);
        }
        out.push(s);
    }
    Some(out)
}

/// Finds an `ok` op `x` and an `ok` op `w` that returned before `x` was invoked such
/// that no state `w` may leave, advanced by the ops that can fall between them,
/// allows `x`. For each `x`, `w` is the one invoked last (the tightest window).
pub(crate) fn impossible_after<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
) -> Option<Impossible<M::State>> {
    let everything = sweep(model, calls).ok()??;
    let mut by_ret: Vec<u32> = (0..calls.len() as u32)
        .filter(|&i| calls[i as usize].ret.is_some())
        .collect();
    by_ret.sort_unstable_by_key(|&i| calls[i as usize].ret);
    let ret = |i: u32| calls[i as usize].ret.unwrap_or(usize::MAX);
    // Latest-invoked op among the first j by return, and the earliest invocation
    // among the last ones (to find ops still running at a point).
    let mut latest: Vec<u32> = Vec::with_capacity(by_ret.len());
    for (j, &i) in by_ret.iter().enumerate() {
        let best = if j > 0 && calls[latest[j - 1] as usize].invoke > calls[i as usize].invoke {
            latest[j - 1]
        } else {
            i
        };
        latest.push(best);
    }
    let mut earliest = vec![usize::MAX; by_ret.len() + 1];
    for j in (0..by_ret.len()).rev() {
        earliest[j] = earliest[j + 1].min(calls[by_ret[j] as usize].invoke);
    }
    let crashed: Vec<u32> = (0..calls.len() as u32)
        .filter(|&i| calls[i as usize].ret.is_none())
        .collect();
    let (mut buf, mut cp) = (Vec::new(), 0);
    let mut crashed_ops: Vec<&M::Op> = Vec::new();
    let mut crashed_seen: Set<&M::Op> = Set::default();
    for &x in &by_ret {
        let (xi, xr) = (calls[x as usize].invoke, ret(x));
        // Crashed ops invoked before x returns, one of each kind (x goes by return).
        while cp < crashed.len() && calls[crashed[cp] as usize].invoke < xr {
            let op = &calls[crashed[cp] as usize].op;
            if crashed_seen.insert(op) {
                crashed_ops.push(op);
            }
            cp += 1;
        }
        let before = by_ret.partition_point(|&i| ret(i) < xi);
        if before == 0 {
            continue;
        }
        let w = latest[before - 1];
        let wi = calls[w as usize].invoke;
        let lo = earliest[by_ret.partition_point(|&i| ret(i) <= wi)];
        let from = calls.partition_point(|c| c.invoke < lo);
        let window: Vec<u32> = (from..calls.len())
            .take_while(|&i| calls[i].invoke < xr)
            .map(|i| i as u32)
            .filter(|&i| i != w && i != x && calls[i as usize].ret.is_some_and(|r| r > wi))
            .collect();
        let mut ops = crashed_ops.clone();
        for &i in &window {
            if !ops.contains(&&calls[i as usize].op) {
                ops.push(&calls[i as usize].op);
            }
        }
        let mut start = Vec::new();
        for s in &everything {
            model.step(s, &calls[w as usize].op, &mut buf);
            start.append(&mut buf);
        }
        let Some(states) = closure(model, start, &ops) else {
            continue;
        };
        let allowed = states.iter().any(|s| {
            model.step(s, &calls[x as usize].op, &mut buf);
            let ok = !buf.is_empty();
            buf.clear();
            ok
        });
        if !allowed {
            let mut between = window;
            between.extend(&crashed[..cp]);
            return Some(Impossible {
                call: x,
                states,
                after: Some(w),
                between,
            });
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
        let found = impossible(&CasRegister::default(), &calls).expect("impossible read");
        assert_eq!(found.call, 1);
        let mut states = found.states;
        states.sort();
        assert_eq!(states, vec![NIL, 1]);
        // Overlapping the write makes it possible.
        let calls = vec![
            call(RegOp::Read(2), 2, Some(5)),
            call(RegOp::Write(2), 3, None),
        ];
        assert!(impossible(&CasRegister::default(), &calls).is_none());
    }

    #[test]
    fn finds_stale_reads_after_a_completed_write() {
        // write 1 [0,1]; write 2 [2,3]; read 1 [4,5]: 1 exists, but not after write 2.
        let mut calls = vec![
            call(RegOp::Write(1), 0, Some(1)),
            call(RegOp::Write(2), 2, Some(3)),
            call(RegOp::Read(1), 4, Some(5)),
        ];
        assert!(impossible(&CasRegister::default(), &calls).is_none());
        let found = impossible_after(&CasRegister::default(), &calls).expect("stale read");
        assert_eq!((found.call, found.after), (2, Some(1)));
        assert_eq!(found.states, vec![2]);
        // A crashed write of 1, invoked before the read returns, may explain it.
        calls.push(call(RegOp::Write(1), 4, None));
        assert!(impossible_after(&CasRegister::default(), &calls).is_none());
    }

    #[test]
    fn keeps_crashed_ops_whose_values_a_crashed_op_observes() {
        // crashed cas 0->1 [0,-]; crashed cas 1->2 [1,-]; ok read 2 [5,6]; crashed write 7.
        let mut calls = vec![
            call(RegOp::Write(0), 0, Some(1)),
            call(RegOp::Cas(0, 1), 2, None),
            call(RegOp::Cas(1, 2), 3, None),
            call(RegOp::Write(7), 4, None),
            call(RegOp::Read(2), 5, Some(6)),
        ];
        assert_eq!(drop_unobserved(&CasRegister::default(), &mut calls), 1);
        assert_eq!(calls.len(), 4);
        assert!(calls.iter().all(|c| c.op != RegOp::Write(7)));
    }
}
