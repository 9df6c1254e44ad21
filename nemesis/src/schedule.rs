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
use rjepsen_core::generator::{Context, GenOp, Generator, Once, Seq};
use rjepsen_core::op::{Op, Process};
use serde_json::{json, Value};

/// A kind of fault and the ops that start and stop it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    Partition,
    Kill,
    Pause,
    Packet,
}

impl FaultKind {
    pub const ALL: [FaultKind; 4] = [
        FaultKind::Partition,
        FaultKind::Kill,
        FaultKind::Pause,
        FaultKind::Packet,
    ];

    pub fn parse(s: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Partition => "partition",
            FaultKind::Kill => "kill",
            FaultKind::Pause => "pause",
            FaultKind::Packet => "packet",
        }
    }

    /// The `f` that starts this fault and the one that stops it.
    pub fn fs(self) -> (&'static str, &'static str) {
        match self {
            FaultKind::Partition => ("start-partition", "stop-partition"),
            FaultKind::Kill => ("kill", "start"),
            FaultKind::Pause => ("pause", "resume"),
            FaultKind::Packet => ("start-packet", "stop-packet"),
        }
    }

    /// The kind an op's `f` belongs to, and whether it starts (true) or stops it.
    pub fn of_f(f: &str) -> Option<(FaultKind, bool)> {
        FaultKind::ALL.into_iter().find_map(|k| {
            let (start, stop) = k.fs();
            (f == start)
                .then_some((k, true))
                .or((f == stop).then_some((k, false)))
        })
    }

    /// The value of the op that stops this fault: everything, on every node.
    pub fn stop_value(self) -> Value {
        match self {
            FaultKind::Kill | FaultKind::Pause => Value::from("all"),
            FaultKind::Partition | FaultKind::Packet => Value::Null,
        }
    }
}

/// The values a start op of `kind` may carry; `primary` adds the modes and
/// targets that need the DB's `Primary` ability.
pub fn start_values(kind: FaultKind, primary: bool) -> Vec<Value> {
    let mut targets = vec!["one", "minority", "majority", "all"];
    if primary {
        targets.push("primaries");
    }
    match kind {
        FaultKind::Partition => {
            let mut modes = vec!["majority", "one", "ring", "bridge"];
            if primary {
                modes.push("primary");
            }
            modes.into_iter().map(Value::from).collect()
        }
        FaultKind::Kill | FaultKind::Pause => targets.into_iter().map(Value::from).collect(),
        FaultKind::Packet => {
            let mut v = Vec::new();
            for t in targets.iter().filter(|t| **t != "primaries") {
                for b in crate::packet::BEHAVIOURS {
                    v.push(json!({"targets": t, "behaviour": b}));
                }
            }
            v
        }
    }
}

/// A filter over start values, asked each time one is chosen.
type Offers = Box<dyn Fn(&Value) -> bool + Send>;

/// One kind's start/stop cycle on the nemesis process; never done.
pub struct FaultCycle {
    kind: FaultKind,
    values: Vec<Value>,
    /// Which values may be chosen now (all when None or when it keeps none).
    offers: Option<Offers>,
    interval_ns: u64,
    next_at: Option<u64>,
    faulted: bool,
}

impl FaultCycle {
    pub fn new(kind: FaultKind, values: Vec<Value>, interval_secs: f64) -> FaultCycle {
        FaultCycle {
            kind,
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
        let (start, stop) = self.kind.fs();
        let mut op = if self.faulted {
            Op::invoke(Process::Nemesis, stop, self.kind.stop_value())
        } else {
            Op::invoke(Process::Nemesis, start, self.choose(ctx.rng))
        };
        op.time = ctx.time;
        self.faulted = !self.faulted;
        // From the scheduled time, not the clock: the schedule stays the seed's.
        self.next_at = Some(due + self.wait(ctx.rng));
        GenOp::Op(op)
    }
}

/// Heals every kind in `kinds`, in the order that lets a DB recover: network
/// first, then paused processes, then killed ones, then packet shaping.
pub fn final_generator(kinds: &[FaultKind]) -> Seq {
    let order = [
        FaultKind::Partition,
        FaultKind::Pause,
        FaultKind::Kill,
        FaultKind::Packet,
    ];
    let gens: Vec<Box<dyn Generator>> = order
        .into_iter()
        .filter(|k| kinds.contains(k))
        .map(|k| Box::new(Once::nemesis(k.fs().1, k.stop_value())) as Box<dyn Generator>)
        .collect();
    Seq::new(gens)
}

#[cfg(test)]
mod tests;
