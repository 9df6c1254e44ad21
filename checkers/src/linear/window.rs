//! The smallest failing window: a stretch of the history that cannot be linearized
//! on its own, whatever state the object was in when it began.
//!
//! For the op `x` that could not be placed (returning at `e`), a window starting at
//! `s` keeps the ops that overlap `[s, e]`; ops still running at `s` or at `e`, and
//! crashed ops, become optional (they may have taken effect outside the window),
//! and the search starts from every state the object may be in (the sound
//! over-approximation of [`super::reach`]). Any linearization of the whole history
//! restricts to one of the window, so a window that fails on its own proves the
//! history invalid, and is what a person should read. Starts are tried from `x`'s
//! invocation backwards, within a small budget.

use super::model::Model;
use super::prepare::Call;
use super::reach;
use super::wgl::{Budget, Outcome, Search};
use std::time::{Duration, Instant};

/// Starts tried before giving up.
const MAX_STARTS: usize = 64;

/// The latest start position whose window fails on its own, if one is found.
pub(crate) fn smallest<M: Model>(
    model: &M,
    calls: &[Call<M::Op>],
    x: u32,
    budget: &Budget,
) -> Option<usize> {
    let e = calls[x as usize].ret?;
    let states = reach::sweep(model, calls).ok()??;
    let deadline = (Instant::now() + Duration::from_millis(300)).min(
        budget
            .deadline
            .unwrap_or(Instant::now() + Duration::from_secs(3600)),
    );
    let mut starts: Vec<usize> = calls
        .iter()
        .map(|c| c.invoke)
        .filter(|&i| i <= calls[x as usize].invoke)
        .collect();
    starts.sort_unstable_by(|a, b| b.cmp(a));
    starts.dedup();
    for &s in starts.iter().take(MAX_STARTS) {
        let sub = window(calls, x, s, e);
        let small = Budget {
            deadline: Some(deadline),
            max_configs: usize::MAX,
            ..*budget
        };
        let mut all_fail = true;
        for init in &states {
            match Search::new(model, &sub)
                .starting_from(init.clone())
                .run(&small)
            {
                Outcome::Invalid(_) => {}
                Outcome::Valid(_) => {
                    all_fail = false;
                    break;
                }
                Outcome::Unknown(..) | Outcome::Capped => return None,
            }
        }
        if all_fail {
            return Some(s);
        }
    }
    None
}

fn window<O: Clone>(calls: &[Call<O>], x: u32, s: usize, e: usize) -> Vec<Call<O>> {
    let mut out = Vec::new();
    for (id, c) in calls.iter().enumerate() {
        if c.invoke > e || c.ret.is_some_and(|r| r < s) {
            continue;
        }
        let whole = c.invoke >= s && c.ret.is_some_and(|r| r <= e);
        let ret = if id as u32 == x || whole { c.ret } else { None };
        out.push(Call {
            op: c.op.clone(),
            invoke: c.invoke.max(s),
            ret,
        });
    }
    out.sort_by_key(|c| c.invoke);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::models::{CasRegister, RegOp};
    use std::sync::atomic::AtomicU64;

    #[test]
    fn finds_the_write_that_makes_a_read_stale() {
        // write 1 [0,1]; write 2 [2,3]; write 3 [4,7] crashed-free; read 1 [5,6].
        let c = |op, invoke, ret| Call {
            op,
            invoke,
            ret: Some(ret),
        };
        let calls = vec![
            c(RegOp::Write(1), 0, 1),
            c(RegOp::Write(2), 2, 3),
            c(RegOp::Write(3), 4, 7),
            c(RegOp::Read(1), 5, 6),
        ];
        let used = AtomicU64::new(0);
        let budget = Budget {
            deadline: None,
            memory_limit: 1 << 30,
            memory_used: &used,
            max_configs: usize::MAX,
        };
        assert_eq!(
            smallest(&CasRegister::default(), &calls, 3, &budget),
            Some(2)
        );
    }
}
