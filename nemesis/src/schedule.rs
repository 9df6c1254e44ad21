//! Nemesis schedules as generators, like Jepsen's combined nemesis package.
//!
//! Each fault kind runs its own cycle: healthy for a while, start a fault, keep
//! it for a while, stop it, and again. Both waits are drawn uniformly from
//! `[interval/2, 3*interval/2)`, so faults come about every `interval` seconds
//! without a fixed beat, and the cycles of different kinds overlap freely. Every
//! wait and every choice (mode, targets, behaviour) comes from the context's RNG
//! and each op is due at the previous op's due time plus a wait, never at a time
//! read from the clock: the same seed replays the same schedule.

use rand::seq::SliceRandom;
use rand::Rng;
use rjepsen_core::fault::FaultSpec;
use rjepsen_core::generator::{Context, GenOp, Generator, Once, Seq};
use rjepsen_core::op::{Op, Process};
use serde_json::Value;

/// The targets a process or packet fault may name; `primary` adds `primaries`,
/// which needs the DB's `Primary` ability.
pub fn targets(primary: bool) -> Vec<&'static str> {
    let mut targets = vec!["one", "minority", "majority", "all"];
    if primary {
        targets.push("primaries");
    }
    targets
}

/// A filter over start values, asked each time one is chosen.
type Offers = Box<dyn Fn(&Value) -> bool + Send>;

/// One kind's start/stop cycle on the nemesis process; never done.
pub struct FaultCycle {
    start_f: String,
    stop_f: String,
    stop_value: Value,
    values: Vec<Value>,
    /// Which values may be chosen now (all when None or when it keeps none).
    offers: Option<Offers>,
    interval_ns: u64,
    next_at: Option<u64>,
    faulted: bool,
}

impl FaultCycle {
    /// Cycles `spec`'s first start `f` (with one of `values`) and its heal `f`
    /// (with `stop_value`).
    pub fn new(
        spec: &FaultSpec,
        stop_value: Value,
        values: Vec<Value>,
        interval_secs: f64,
    ) -> FaultCycle {
        FaultCycle {
            start_f: spec.start.first().cloned().unwrap_or_default(),
            stop_f: spec.heal_f().to_string(),
            stop_value,
            values,
            offers: None,
            interval_ns: (interval_secs * 1e9) as u64,
            next_at: None,
            faulted: false,
        }
    }

    /// Restricts the start values to those `offers` accepts at the time of
    /// choosing (for example, packet behaviours the nodes' kernels can apply).
    pub fn offering(mut self, offers: impl Fn(&Value) -> bool + Send + 'static) -> FaultCycle {
        self.offers = Some(Box::new(offers));
        self
    }

    fn choose(&self, rng: &mut impl Rng) -> Value {
        let offered: Vec<&Value> = match &self.offers {
            Some(f) => self.values.iter().filter(|v| f(v)).collect(),
            None => Vec::new(),
        };
        let pick = if offered.is_empty() {
            self.values.choose(rng)
        } else {
            offered.choose(rng).copied()
        };
        pick.cloned().unwrap_or(Value::Null)
    }

    fn wait(&self, rng: &mut impl Rng) -> u64 {
        let lo = self.interval_ns / 2;
        rng.gen_range(lo..lo + self.interval_ns.max(1))
    }
}

impl Generator for FaultCycle {
    /// Pending until the next op is due, then that op, timed now. Yielding ops
    /// dated in the future would let a runner that holds one op at a time wait
    /// on the nemesis while clients starve, and make a `TimeLimit` end early.
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let due = match self.next_at {
            Some(t) => t,
            None => *self.next_at.insert(ctx.time + self.wait(ctx.rng)),
        };
        if ctx.time < due || !ctx.nemesis_free() {
            return GenOp::Pending;
        }
        let mut op = if self.faulted {
            Op::invoke(Process::Nemesis, &self.stop_f, self.stop_value.clone())
        } else {
            let value = self.choose(ctx.rng);
            Op::invoke(Process::Nemesis, &self.start_f, value)
        };
        op.time = ctx.time;
        self.faulted = !self.faulted;
        // From the scheduled time, not the clock: the schedule stays the seed's.
        self.next_at = Some(due + self.wait(ctx.rng));
        GenOp::Op(op)
    }
}

/// One heal op per fault, in the order given (the packages' heal ranks: the
/// network first, then paused processes, then killed ones, then shaping).
pub fn final_generator(heals: Vec<(String, Value)>) -> Seq {
    let gens: Vec<Box<dyn Generator>> = heals
        .into_iter()
        .map(|(f, v)| Box::new(Once::nemesis(&f, v)) as Box<dyn Generator>)
        .collect();
    Seq::new(gens)
}

#[cfg(test)]
pub(crate) mod tests;
