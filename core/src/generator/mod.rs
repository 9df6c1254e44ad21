//! Generators: what operations to perform, when, and by which process.
//!
//! A generator is pure and deterministic: given a [`Context`] (time since the
//! test started, which processes are free, the test's seeded RNG) it yields the
//! next op, says it has nothing yet ([`GenOp::Pending`]), or that it is done. The
//! runner tells it of every invocation and completion through
//! [`Generator::update`]. Since every random choice comes from the context's RNG
//! in the order ops are asked for, the same seed gives the same op sequence.
//!
//! An op's `time` as yielded is the earliest time (ns since start) at which it may
//! be invoked: that is how stagger, rate limits and nemesis intervals delay ops
//! without the generator ever sleeping.

mod combinators;

pub use combinators::*;

use crate::op::{Op, Process};
use rand_chacha::ChaCha8Rng;

/// What a generator yields when asked.
#[derive(Clone, Debug, PartialEq)]
pub enum GenOp {
    /// Invoke this op (its `process` is one of the free ones, its `time` the
    /// earliest time to invoke it).
    Op(Op),
    /// Nothing now; ask again after the next update or a short while.
    Pending,
    /// Nothing ever again.
    Done,
}

/// What a generator may look at.
pub struct Context<'a> {
    /// Nanoseconds since the test started.
    pub time: u64,
    /// Processes with no op in flight: client processes in thread order, then
    /// `Nemesis` if the nemesis is free.
    pub free: &'a [Process],
    /// Every worker thread's current process (index = thread), whether busy or not.
    pub workers: &'a [Process],
    /// The test's RNG, seeded from `--seed`.
    pub rng: &'a mut ChaCha8Rng,
}

impl Context<'_> {
    /// The first free client process, if any.
    pub fn free_client(&self) -> Option<Process> {
        self.free
            .iter()
            .find(|p| matches!(p, Process::Client(_)))
            .cloned()
    }

    /// Whether the nemesis is free.
    pub fn nemesis_free(&self) -> bool {
        self.free.contains(&Process::Nemesis)
    }

    /// Whether every process is free (nothing in flight).
    pub fn all_free(&self) -> bool {
        self.free.len() == self.workers.len() + 1
    }
}

/// Yields ops; see the module documentation.
pub trait Generator: Send {
    /// The next op, `Pending` or `Done`.
    fn op(&mut self, ctx: &mut Context) -> GenOp;

    /// Told of every invocation and completion, in history order.
    fn update(&mut self, _ctx: &Context, _event: &Op) {}
}

impl Generator for Box<dyn Generator> {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        (**self).op(ctx)
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        (**self).update(ctx, event)
    }
}
