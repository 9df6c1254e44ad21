//! Nemesis schedules as generators, like Jepsen's combined nemesis package.
//!
//! Each fault kind runs its own cycle: healthy for a while, start a fault, keep
//! it for a while, stop it, and again. Both waits are drawn uniformly from
//! `[interval/2, 3*interval/2)`, so faults come about every `interval` seconds
//! without a fixed beat, and the cycles of different kinds overlap freely. Every
//! wait and every choice (mode, targets, behaviour) comes from the context's RNG
//! and each op is due at the previous op's due time plus a wait, never at a time
//! read from the clock: the same seed replays the same schedule.
//!
//! A [`FixedPace`] (`--nemesis-duration`, `--nemesis-delay`) plans faults of an
//! exact length instead, for labelled data sets: healthy for `delay`, then the
//! start op, and the stop op is due `duration` after the start op *completed*
//! (the moment the rules are in place), so the fault is held for exactly
//! `duration` however long the start op took over SSH; the next start is due
//! `delay` after the stop op completed. The start op carries its plan in
//! `planned-start` and `planned-duration` (ns), the stop op in `planned-end`.

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

/// A planned schedule: every fault held exactly `duration_secs`, with
/// `delay_secs` healthy before each start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedPace {
    pub delay_secs: f64,
    pub duration_secs: f64,
}

impl FixedPace {
    fn delay_ns(&self) -> u64 {
        (self.delay_secs * 1e9) as u64
    }
    fn duration_ns(&self) -> u64 {
        (self.duration_secs * 1e9) as u64
    }
}

/// Not due until an update sets the time (a fixed pace waits for completions).
const AWAITING: u64 = u64::MAX;

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
    fixed: Option<FixedPace>,
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
            fixed: None,
        }
    }

    /// Plans every fault with `fixed` instead of random waits (None keeps them).
    pub fn paced(mut self, fixed: Option<FixedPace>) -> FaultCycle {
        self.fixed = fixed;
        self
    }

    fn first_wait(&self, rng: &mut impl Rng) -> u64 {
        match &self.fixed {
            Some(p) => p.delay_ns(),
            None => self.wait(rng),
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
            None => *self.next_at.insert(ctx.time + self.first_wait(ctx.rng)),
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
        if let Some(p) = &self.fixed {
            let plan = if self.faulted {
                vec![("planned-end", due)]
            } else {
                vec![
                    ("planned-start", due),
                    ("planned-duration", p.duration_ns()),
                ]
            };
            for (k, v) in plan {
                op.extra.insert(k.into(), v.into());
            }
            self.next_at = Some(AWAITING);
        } else {
            // From the scheduled time, not the clock: the schedule stays the seed's.
            self.next_at = Some(due + self.wait(ctx.rng));
        }
        self.faulted = !self.faulted;
        GenOp::Op(op)
    }

    /// A fixed pace times the next op from this cycle's last completion: the
    /// stop `duration` after the start completed, the next start `delay`
    /// after the stop completed.
    fn update(&mut self, _ctx: &Context, event: &Op) {
        let Some(p) = &self.fixed else { return };
        let ours = event.f == self.start_f || event.f == self.stop_f;
        if event.process != Process::Nemesis || event.is_invoke() || !ours {
            return;
        }
        if self.next_at == Some(AWAITING) {
            let wait = if self.faulted {
                p.duration_ns()
            } else {
                p.delay_ns()
            };
            self.next_at = Some(event.time + wait);
        }
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
