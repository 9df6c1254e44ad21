//! Generator combinators, named as Jepsen's `jepsen.generator`: mix, stagger,
//! time limit, phases, any, each-thread, on-clients / on-nemesis, limit, once,
//! sleep, seq.
//!
//! Generators here are mutable state machines rather than Jepsen's persistent
//! values, so a combinator that asks several children (`Any`) keeps the op a child
//! yielded until it can be used instead of asking again.

use super::{Context, GenOp, Generator};
use crate::op::{Op, Process};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// Ops from a function of the RNG: each call yields `(f, value)`, invoked by the
/// first free process (wrap in [`OnClients`] or [`OnNemesis`] to choose whose).
/// Never done (bound it with `TimeLimit` or `Limit`).
pub struct FnGen<F>(pub F);

impl<F> Generator for FnGen<F>
where
    F: FnMut(&mut ChaCha8Rng) -> (String, Value) + Send,
{
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(p) = ctx.free.first().cloned() else {
            return GenOp::Pending;
        };
        let (f, value) = (self.0)(ctx.rng);
        let mut op = Op::invoke(p, f, value);
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

/// One op, once, by the first free process that fits it (a client, or the
/// nemesis when the op's process is `Nemesis`).
pub struct Once(pub Option<Op>);

impl Once {
    pub fn new(f: impl Into<String>, value: Value) -> Once {
        Once(Some(Op::invoke(Process::Client(0), f, value)))
    }
    pub fn nemesis(f: impl Into<String>, value: Value) -> Once {
        Once(Some(Op::invoke(Process::Nemesis, f, value)))
    }
}

impl Generator for Once {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(template) = &self.0 else {
            return GenOp::Done;
        };
        let process = match template.process {
            Process::Nemesis if ctx.nemesis_free() => Process::Nemesis,
            Process::Nemesis => return GenOp::Pending,
            _ => match ctx.free_client() {
                Some(p) => p,
                None => return GenOp::Pending,
            },
        };
        let mut op = self.0.take().expect("checked above");
        op.process = process;
        op.time = op.time.max(ctx.time);
        GenOp::Op(op)
    }
}

/// Yields nothing for `ns` nanoseconds after it is first asked, then is done.
pub struct Sleep {
    ns: u64,
    until: Option<u64>,
}

impl Sleep {
    pub fn secs(s: f64) -> Sleep {
        Sleep {
            ns: (s * 1e9) as u64,
            until: None,
        }
    }
}

impl Generator for Sleep {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let until = *self.until.get_or_insert(ctx.time + self.ns);
        if ctx.time >= until {
            GenOp::Done
        } else {
            GenOp::Pending
        }
    }
}

/// A random child for every op, among those not done.
pub struct Mix(pub Vec<Box<dyn Generator>>);

impl Generator for Mix {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        while !self.0.is_empty() {
            let i = ctx.rng.gen_range(0..self.0.len());
            match self.0[i].op(ctx) {
                GenOp::Done => {
                    self.0.swap_remove(i);
                }
                other => return other,
            }
        }
        GenOp::Done
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        self.0.iter_mut().for_each(|g| g.update(ctx, event));
    }
}

/// Spaces ops by a random delay, uniform in `[0, 2 * mean)`, so that on average
/// they come every `mean` (Jepsen's `stagger`). With `jitter = false` the spacing
/// is exactly `mean`: a rate limit.
pub struct Stagger<G> {
    inner: G,
    mean_ns: u64,
    jitter: bool,
    next: Option<u64>,
}

impl<G: Generator> Stagger<G> {
    pub fn new(mean_secs: f64, inner: G) -> Self {
        Stagger {
            inner,
            mean_ns: (mean_secs * 1e9) as u64,
            jitter: true,
            next: None,
        }
    }

    /// At most `rate` ops per second, evenly spaced.
    pub fn rate(rate: f64, inner: G) -> Self {
        Stagger {
            inner,
            mean_ns: (1e9 / rate.max(1e-9)) as u64,
            jitter: false,
            next: None,
        }
    }
}

impl<G: Generator> Generator for Stagger<G> {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        match self.inner.op(ctx) {
            GenOp::Op(mut op) => {
                let earliest = *self.next.get_or_insert(ctx.time);
                op.time = op.time.max(earliest);
                let gap = if self.jitter && self.mean_ns > 0 {
                    ctx.rng.gen_range(0..2 * self.mean_ns)
                } else {
                    self.mean_ns
                };
                self.next = Some(op.time + gap);
                GenOp::Op(op)
            }
            other => other,
        }
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        self.inner.update(ctx, event)
    }
}

/// Done `limit` after it is first asked; ops that would start later are dropped.
pub struct TimeLimit<G> {
    inner: G,
    limit_ns: u64,
    deadline: Option<u64>,
}

impl<G: Generator> TimeLimit<G> {
    pub fn new(secs: f64, inner: G) -> Self {
        TimeLimit {
            inner,
            limit_ns: (secs * 1e9) as u64,
            deadline: None,
        }
    }
}

impl<G: Generator> Generator for TimeLimit<G> {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let deadline = *self.deadline.get_or_insert(ctx.time + self.limit_ns);
        if ctx.time >= deadline {
            return GenOp::Done;
        }
        match self.inner.op(ctx) {
            GenOp::Op(op) if op.time >= deadline => {
                self.deadline = Some(0);
                GenOp::Done
            }
            other => other,
        }
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        self.inner.update(ctx, event)
    }
}

/// At most `n` ops.
pub struct Limit<G> {
    inner: G,
    left: usize,
}

impl<G: Generator> Limit<G> {
    pub fn new(n: usize, inner: G) -> Self {
        Limit { inner, left: n }
    }
}

impl<G: Generator> Generator for Limit<G> {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        if self.left == 0 {
            return GenOp::Done;
        }
        let r = self.inner.op(ctx);
        if matches!(r, GenOp::Op(_)) {
            self.left -= 1;
        }
        r
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        self.inner.update(ctx, event)
    }
}

/// Children one after the other, without waiting for ops in flight.
pub struct Seq(pub std::collections::VecDeque<Box<dyn Generator>>);

impl Seq {
    pub fn new(gens: Vec<Box<dyn Generator>>) -> Seq {
        Seq(gens.into())
    }
}

impl Generator for Seq {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        while let Some(g) = self.0.front_mut() {
            match g.op(ctx) {
                GenOp::Done => {
                    self.0.pop_front();
                }
                other => return other,
            }
        }
        GenOp::Done
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        if let Some(g) = self.0.front_mut() {
            g.update(ctx, event)
        }
    }
}

/// Children one after the other; each phase starts only once every op of the
/// previous one has completed (Jepsen's `phases`, a synchronisation barrier).
pub struct Phases {
    phases: std::collections::VecDeque<Box<dyn Generator>>,
    draining: bool,
}

impl Phases {
    pub fn new(phases: Vec<Box<dyn Generator>>) -> Phases {
        Phases {
            phases: phases.into(),
            draining: false,
        }
    }
}

impl Generator for Phases {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        loop {
            if self.draining {
                if !ctx.all_free() {
                    return GenOp::Pending;
                }
                self.draining = false;
            }
            let Some(g) = self.phases.front_mut() else {
                return GenOp::Done;
            };
            match g.op(ctx) {
                GenOp::Done => {
                    self.phases.pop_front();
                    self.draining = true;
                }
                other => return other,
            }
        }
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        if let Some(g) = self.phases.front_mut() {
            g.update(ctx, event)
        }
    }
}

/// Runs `inner` as if only the free processes that `keep` accepts were free.
fn restricted(
    inner: &mut dyn Generator,
    ctx: &mut Context,
    keep: impl Fn(&Process) -> bool,
) -> GenOp {
    let free: Vec<Process> = ctx.free.iter().filter(|p| keep(p)).cloned().collect();
    let mut sub = Context {
        time: ctx.time,
        free: &free,
        workers: ctx.workers,
        rng: ctx.rng,
    };
    inner.op(&mut sub)
}

/// `inner` sees only client processes.
pub struct OnClients<G>(pub G);

impl<G: Generator> Generator for OnClients<G> {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        restricted(&mut self.0, ctx, |p| matches!(p, Process::Client(_)))
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        if event.is_client() {
            self.0.update(ctx, event)
        }
    }
}

/// `inner` sees only the nemesis process; its ops are the nemesis's.
pub struct OnNemesis<G>(pub G);

impl<G: Generator> Generator for OnNemesis<G> {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let free: Vec<Process> = ctx
            .free
            .iter()
            .filter(|p| **p == Process::Nemesis)
            .cloned()
            .collect();
        if free.is_empty() {
            return GenOp::Pending;
        }
        let mut sub = Context {
            time: ctx.time,
            free: &free,
            workers: ctx.workers,
            rng: ctx.rng,
        };
        match self.0.op(&mut sub) {
            GenOp::Op(mut op) => {
                op.process = Process::Nemesis;
                GenOp::Op(op)
            }
            other => other,
        }
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        if event.process == Process::Nemesis {
            self.0.update(ctx, event)
        }
    }
}

/// Several generators at once (Jepsen's `any`): the soonest op of any child whose
/// process is free; done when all children are done.
pub struct Any {
    children: Vec<Box<dyn Generator>>,
    held: Vec<Option<Op>>,
    done: Vec<bool>,
}

impl Any {
    pub fn new(children: Vec<Box<dyn Generator>>) -> Any {
        let n = children.len();
        Any {
            children,
            held: vec![None; n],
            done: vec![false; n],
        }
    }
}

impl Generator for Any {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        for i in 0..self.children.len() {
            if self.held[i].is_none() && !self.done[i] {
                match self.children[i].op(ctx) {
                    GenOp::Op(op) => self.held[i] = Some(op),
                    GenOp::Done => self.done[i] = true,
                    GenOp::Pending => {}
                }
            }
        }
        let soonest = (0..self.children.len())
            .filter(|&i| {
                self.held[i]
                    .as_ref()
                    .is_some_and(|op| ctx.free.contains(&op.process))
            })
            .min_by_key(|&i| self.held[i].as_ref().map(|op| op.time));
        match soonest {
            Some(i) => GenOp::Op(self.held[i].take().expect("filtered")),
            None if self.done.iter().all(|d| *d) => GenOp::Done,
            None => GenOp::Pending,
        }
    }
    fn update(&mut self, ctx: &Context, event: &Op) {
        self.children.iter_mut().for_each(|g| g.update(ctx, event));
    }
}

/// A separate copy of a generator for every worker thread (Jepsen's
/// `each-thread`), for example a final read by every thread.
pub struct EachThread {
    make: Box<dyn Fn() -> Box<dyn Generator> + Send>,
    per_thread: Vec<Option<Box<dyn Generator>>>,
    done: Vec<bool>,
}

impl EachThread {
    pub fn new(make: impl Fn() -> Box<dyn Generator> + Send + 'static) -> EachThread {
        EachThread {
            make: Box::new(make),
            per_thread: Vec::new(),
            done: Vec::new(),
        }
    }
}

impl Generator for EachThread {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let n = ctx.workers.len();
        if self.per_thread.len() < n {
            self.per_thread.resize_with(n, || None);
            self.done.resize(n, false);
        }
        for t in 0..n {
            let p = ctx.workers[t].clone();
            if self.done[t] || !ctx.free.contains(&p) {
                continue;
            }
            let g = self.per_thread[t].get_or_insert_with(|| (self.make)());
            let only = [p.clone()];
            let mut sub = Context {
                time: ctx.time,
                free: &only,
                workers: ctx.workers,
                rng: ctx.rng,
            };
            match g.op(&mut sub) {
                GenOp::Op(op) => return GenOp::Op(op),
                GenOp::Done => self.done[t] = true,
                GenOp::Pending => {}
            }
        }
        if self.done.len() == n && self.done.iter().all(|d| *d) {
            GenOp::Done
        } else {
            GenOp::Pending
        }
    }
}

#[cfg(test)]
mod tests;
