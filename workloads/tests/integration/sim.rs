//! A miniature runner: drives a workload's generators against an in-memory
//! store with concurrent client processes, and records the history as the real
//! runner would (index and time assigned here, `info` retires a process).
//!
//! Each op takes effect atomically at an `apply` step somewhere between its
//! invocation and completion, interleaved at random with other processes'
//! steps, so histories have real concurrency; a store may also do work at
//! completion (that is how a non-isolated store is simulated).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::{History, Op, OpType, Process};
use rjepsen_workloads::Workload;
use serde_json::Value;

/// What a store says of an op: its completion type and value.
pub type Outcome = (OpType, Value);

/// An in-memory system serving a workload's op vocabulary.
pub trait Store {
    /// The op's effect, at one instant between invocation and completion.
    fn apply(&mut self, op: &Op, rng: &mut ChaCha8Rng) -> Outcome;

    /// Work done when the op completes; by default none.
    fn complete(&mut self, _op: &Op, outcome: Outcome) -> Outcome {
        outcome
    }
}

struct Thread {
    process: Process,
    inflight: Option<(Op, Option<Outcome>)>,
}

/// The runner's state: threads, history, clocks.
struct Sim<'a> {
    rng: ChaCha8Rng,
    store: &'a mut dyn Store,
    threads: Vec<Thread>,
    ops: Vec<Op>,
}

impl Sim<'_> {
    fn record(&mut self, mut op: Op) -> Op {
        op.index = self.ops.len() as u64;
        op.time = op.index * 1_000;
        self.ops.push(op.clone());
        op
    }

    fn workers(&self) -> Vec<Process> {
        self.threads.iter().map(|t| t.process.clone()).collect()
    }

    fn free(&self) -> Vec<Process> {
        let free = self.threads.iter().filter(|t| t.inflight.is_none());
        free.map(|t| t.process.clone()).collect()
    }

    /// Asks `gen` for an op; false if it had none.
    fn invoke(&mut self, gen: &mut dyn Generator) -> Option<bool> {
        let (free, workers) = (self.free(), self.workers());
        let time = self.ops.len() as u64 * 1_000;
        let mut ctx = Context {
            time,
            free: &free,
            workers: &workers,
            rng: &mut self.rng,
        };
        let op = match gen.op(&mut ctx) {
            GenOp::Op(op) => op,
            GenOp::Pending => return Some(false),
            GenOp::Done => return None,
        };
        let op = self.record(op);
        let t = self.threads.iter().position(|t| t.process == op.process);
        let t = t.expect("the generator chose a free worker's process");
        self.threads[t].inflight = Some((op.clone(), None));
        self.tell(gen, &op);
        Some(true)
    }

    fn tell(&mut self, gen: &mut dyn Generator, event: &Op) {
        let (free, workers) = (self.free(), self.workers());
        let ctx = Context {
            time: event.time,
            free: &free,
            workers: &workers,
            rng: &mut self.rng,
        };
        gen.update(&ctx, event);
    }

    /// Moves thread `t`'s op on: apply it, or complete it.
    fn advance(&mut self, t: usize, gen: &mut dyn Generator) {
        let Some((inv, outcome)) = self.threads[t].inflight.take() else {
            return;
        };
        let Some(outcome) = outcome else {
            let outcome = self.store.apply(&inv, &mut self.rng);
            self.threads[t].inflight = Some((inv, Some(outcome)));
            return;
        };
        let (kind, value) = self.store.complete(&inv, outcome);
        let done = self.record(inv.complete(kind, value));
        if kind == OpType::Info {
            if let Process::Client(p) = self.threads[t].process {
                self.threads[t].process = Process::Client(p + self.threads.len() as u64);
            }
        }
        self.tell(gen, &done);
    }

    fn busy(&self) -> Vec<usize> {
        (0..self.threads.len())
            .filter(|&t| self.threads[t].inflight.is_some())
            .collect()
    }

    fn drain(&mut self, gen: &mut dyn Generator) {
        while let Some(&t) = self.busy().first() {
            self.advance(t, gen);
        }
    }
}

/// Runs `ops` main-phase ops with `concurrency` threads, then the final
/// generator once everything has completed; returns the history.
pub fn run(
    w: &mut Workload,
    store: &mut dyn Store,
    concurrency: u64,
    ops: usize,
    seed: u64,
) -> History {
    let mut sim = Sim {
        rng: ChaCha8Rng::seed_from_u64(seed),
        store,
        threads: (0..concurrency)
            .map(|p| Thread {
                process: Process::Client(p),
                inflight: None,
            })
            .collect(),
        ops: Vec::new(),
    };
    let mut invoked = 0;
    while invoked < ops {
        let busy = sim.busy();
        if busy.len() < concurrency as usize && (busy.is_empty() || sim.rng.gen_bool(0.4)) {
            match sim.invoke(&mut *w.generator) {
                Some(true) => invoked += 1,
                Some(false) if busy.is_empty() => panic!("pending with every thread free"),
                Some(false) => {}
                None => break,
            }
        } else {
            let t = busy[sim.rng.gen_range(0..busy.len())];
            sim.advance(t, &mut *w.generator);
        }
    }
    sim.drain(&mut *w.generator);
    if let Some(fin) = w.final_generator.as_mut() {
        while let Some(true) = sim.invoke(&mut **fin) {
            sim.drain(&mut **fin);
        }
    }
    History::new(sim.ops)
}
