//! The counter workload: concurrent increments of one counter and reads of
//! it, checked by Jepsen's counter checker (each read within the sum of the
//! adds that must be in and the sum of those that may be).
//!
//! Op vocabulary a client must serve:
//! - `add` `d` (an integer 1..=5) → ok once `d` was added; `fail` only if it
//!   definitely was not; `info` when unknown
//! - `read` `null` → ok with the counter's value (0 before any add)
//!
//! About one op in [`READ_EVERY`] is a read. Deltas vary so that a read's
//! value says more than how many adds it saw. The final generator has every
//! worker thread read once after healing.

use crate::{Workload, WorkloadOptions};
use rand::Rng;
use rjepsen_checkers::counter::Counter;
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::op::Op;
use rjepsen_core::Checker;
use serde_json::{json, Value};

/// One op in this many is a read, on average.
pub const READ_EVERY: u32 = 4;

/// Builds the counter workload.
pub fn counter(_opts: &WorkloadOptions) -> Workload {
    let checker = Compose(vec![
        ("counter".to_string(), Box::new(Counter) as Box<dyn Checker>),
        ("stats".to_string(), Box::new(Stats)),
    ]);
    Workload {
        name: "counter".into(),
        generator: Box::new(AddsAndReads),
        final_generator: Some(Box::new(crate::set::final_reads())),
        checker: Box::new(checker),
    }
}

/// Adds of 1..=5, with a read about one op in [`READ_EVERY`].
struct AddsAndReads;

impl Generator for AddsAndReads {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(p) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let mut op = if ctx.rng.gen_ratio(1, READ_EVERY) {
            Op::invoke(p, "read", Value::Null)
        } else {
            Op::invoke(p, "add", json!(ctx.rng.gen_range(1..=5)))
        };
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{clients, take};

    #[test]
    fn ops_have_the_counter_vocabulary() {
        let ops = take(
            &mut *counter(&Default::default()).generator,
            &clients(4),
            400,
            1,
        );
        let reads = ops.iter().filter(|o| o.f == "read").count();
        assert!((60..=140).contains(&reads), "{reads} reads in 400 ops");
        for o in &ops {
            match o.f.as_str() {
                "read" => assert!(o.value.is_null()),
                "add" => assert!((1..=5).contains(&o.value.as_i64().unwrap()), "{o:?}"),
                other => panic!("unexpected f {other}"),
            }
        }
        let again = take(
            &mut *counter(&Default::default()).generator,
            &clients(4),
            400,
            1,
        );
        assert_eq!(ops, again);
    }
}
