//! The set workload: concurrent unique adds to one set, reads of the whole set
//! during the run and after healing, checked by Jepsen's set-full.
//!
//! Op vocabulary a client must serve:
//! - `add`  `e` (an integer, unique in the test) → ok once `e` is in the set;
//!   `fail` only if it definitely is not; `info` when unknown
//! - `read` `null` → ok with the whole set as a sorted list of integers
//!
//! Elements are `0, 1, 2, ...` in the order the generator hands them out, so a
//! lost element is easy to place in time. About one op in [`READ_EVERY`] is a
//! read: frequent enough to see elements go missing (and come back: stale
//! reads) while the nemesis runs, rare enough that most of the load is adds.
//! The final generator has every worker thread read once after healing; those
//! reads decide whether an element acknowledged during a fault was kept.

use crate::{Workload, WorkloadOptions};
use rand::Rng;
use rjepsen_checkers::set::SetFull;
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, EachThread, GenOp, Generator, Once};
use rjepsen_core::op::Op;
use rjepsen_core::Checker;
use serde_json::{json, Value};

/// One op in this many is a read, on average.
pub const READ_EVERY: u32 = 10;

/// Builds the set workload.
pub fn set(_opts: &WorkloadOptions) -> Workload {
    let checker = Compose(vec![
        (
            "set".to_string(),
            Box::new(SetFull::new()) as Box<dyn Checker>,
        ),
        ("stats".to_string(), Box::new(Stats)),
    ]);
    Workload {
        name: "set".into(),
        generator: Box::new(AddsAndReads { next: 0 }),
        final_generator: Some(Box::new(final_reads())),
        checker: Box::new(checker),
    }
}

/// One `read` per worker thread.
pub(crate) fn final_reads() -> EachThread {
    EachThread::new(|| Box::new(Once::new("read", Value::Null)) as Box<dyn Generator>)
}

/// Adds of `0, 1, 2, ...`, with a read about one op in [`READ_EVERY`].
struct AddsAndReads {
    next: u64,
}

impl Generator for AddsAndReads {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(p) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let mut op = if ctx.rng.gen_ratio(1, READ_EVERY) {
            Op::invoke(p, "read", Value::Null)
        } else {
            self.next += 1;
            Op::invoke(p, "add", json!(self.next - 1))
        };
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{clients, drain, take};

    #[test]
    fn ops_have_the_set_vocabulary() {
        let ops = take(
            &mut *set(&Default::default()).generator,
            &clients(4),
            500,
            1,
        );
        let adds: Vec<u64> = ops
            .iter()
            .filter(|o| o.f == "add")
            .map(|o| o.value.as_u64().expect("add takes an integer"))
            .collect();
        // Unique and increasing, from 0 without gaps.
        assert_eq!(adds, (0..adds.len() as u64).collect::<Vec<_>>());
        let reads = ops.iter().filter(|o| o.f == "read").count();
        assert!((20..=80).contains(&reads), "{reads} reads in 500 ops");
        for op in ops.iter().filter(|o| o.f == "read") {
            assert_eq!(op.value, Value::Null);
        }
        assert!(ops.iter().all(|o| o.f == "add" || o.f == "read"));
    }

    #[test]
    fn same_seed_same_ops() {
        let gen = || set(&Default::default()).generator;
        let a = take(&mut *gen(), &clients(3), 200, 5);
        assert_eq!(a, take(&mut *gen(), &clients(3), 200, 5));
        assert_ne!(a, take(&mut *gen(), &clients(3), 200, 6));
    }

    #[test]
    fn final_phase_reads_once_per_thread() {
        let mut fin = set(&Default::default()).final_generator.unwrap();
        let ops = drain(&mut *fin, &clients(5), 50);
        assert_eq!(ops.len(), 5);
        let procs: std::collections::BTreeSet<_> = ops.iter().map(|o| o.process.clone()).collect();
        assert_eq!(procs.len(), 5);
        assert!(ops.iter().all(|o| o.f == "read" && o.value.is_null()));
    }
}
