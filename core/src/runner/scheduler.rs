//! The scheduler: the one task that asks the generator for ops, hands them to
//! workers, and alone assigns `index` and `time` and appends to the history.
//!
//! Workers are tasks connected by channels; the scheduler never blocks on a
//! client. An op the generator yields for a future time is held until then, or
//! until a completion or an interruption wakes the loop earlier.

use super::progress::Progress;
use crate::generator::{Context, GenOp, Generator};
use crate::history::HistoryWriter;
use crate::op::{Op, OpType, Process};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// How often a `Pending` generator is asked again when nothing else happens.
const POLL: Duration = Duration::from_millis(10);

/// A completion from a worker: the worker thread (None for the nemesis) and op.
pub(crate) type Completion = (Option<usize>, Op);

pub(crate) struct Scheduler {
    pub start: Instant,
    pub gen: Box<dyn Generator>,
    pub rng: ChaCha8Rng,
    /// The current process of each worker thread.
    pub workers: Vec<Process>,
    pub busy: HashSet<Process>,
    /// Ops yielded for a future time, at most one per process.
    pub held: Vec<Op>,
    pub writer: HistoryWriter,
    pub history: Vec<Op>,
    pub to_workers: Vec<mpsc::Sender<Op>>,
    pub to_nemesis: mpsc::Sender<Op>,
    pub completions: mpsc::Receiver<Completion>,
    pub cancel: watch::Receiver<bool>,
    pub progress: Progress,
}

/// How the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    Done,
    Interrupted,
}

impl Scheduler {
    fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn free(&self) -> Vec<Process> {
        let mut free: Vec<Process> = self
            .workers
            .iter()
            .filter(|p| !self.busy.contains(*p))
            .cloned()
            .collect();
        if !self.busy.contains(&Process::Nemesis) {
            free.push(Process::Nemesis);
        }
        free
    }

    /// Appends an op to the history, tells the generator, and returns it.
    fn record(&mut self, mut op: Op) -> std::io::Result<Op> {
        op.index = self.history.len() as u64;
        op.time = self.now();
        self.writer.append(&op)?;
        let free = self.free();
        let ctx = Context {
            time: op.time,
            free: &free,
            workers: &self.workers,
            rng: &mut self.rng,
        };
        self.gen.update(&ctx, &op);
        self.history.push(op.clone());
        Ok(op)
    }

    /// Runs until the generator is done and nothing is in flight, or until
    /// cancelled. Ops still in flight when cancelled stay open in the history.
    ///
    /// An op yielded for a future time is held for its process only: the other
    /// free processes keep getting ops, so a nemesis op due in ten seconds never
    /// stalls the clients.
    pub async fn run(&mut self) -> std::io::Result<End> {
        let mut done = false;
        loop {
            if *self.cancel.borrow() {
                return Ok(End::Interrupted);
            }
            let now = self.now();
            let due = (0..self.held.len())
                .filter(|&i| self.held[i].time <= now)
                .min_by_key(|&i| self.held[i].time);
            if let Some(i) = due {
                let op = self.held.swap_remove(i);
                self.dispatch(op).await?;
                continue;
            }
            if !done {
                let free: Vec<Process> = self
                    .free()
                    .into_iter()
                    .filter(|p| !self.held.iter().any(|h| &h.process == p))
                    .collect();
                if !free.is_empty() {
                    let mut ctx = Context {
                        time: now,
                        free: &free,
                        workers: &self.workers,
                        rng: &mut self.rng,
                    };
                    match self.gen.op(&mut ctx) {
                        GenOp::Op(op) => {
                            self.held.push(op);
                            continue;
                        }
                        GenOp::Pending => {}
                        GenOp::Done => done = true,
                    }
                }
            }
            if done && self.busy.is_empty() && self.held.is_empty() {
                return Ok(End::Done);
            }
            self.wait(done).await?;
        }
    }

    /// Waits for a completion, the soonest held op's time, a poll tick or
    /// cancellation.
    async fn wait(&mut self, done: bool) -> std::io::Result<()> {
        let soonest = self.held.iter().map(|op| op.time).min();
        let wake = match soonest {
            Some(t) => self.start + Duration::from_nanos(t),
            None if done => Instant::now() + Duration::from_secs(3600),
            None => Instant::now() + POLL,
        };
        let wake = if done {
            wake
        } else {
            wake.min(Instant::now() + POLL)
        };
        let tick = self.progress.next_tick();
        tokio::select! {
            c = self.completions.recv() => {
                if let Some((thread, op)) = c {
                    self.complete(thread, op)?;
                }
            }
            _ = tokio::time::sleep_until(wake.min(tick).into()) => {}
            _ = self.cancel.changed() => {}
        }
        self.progress.maybe_print(self.now());
        Ok(())
    }

    async fn dispatch(&mut self, op: Op) -> std::io::Result<()> {
        let op = self.record(op)?;
        self.busy.insert(op.process.clone());
        self.progress.invoked();
        let sent = match &op.process {
            Process::Client(p) => {
                let thread = (*p % self.workers.len() as u64) as usize;
                self.to_workers[thread].send(op.clone()).await
            }
            _ => self.to_nemesis.send(op.clone()).await,
        };
        if sent.is_err() {
            // The worker is gone (it panicked outside invoke): the op's fate is unknown.
            let thread = match op.process {
                Process::Client(p) => Some((p % self.workers.len() as u64) as usize),
                _ => None,
            };
            self.complete(thread, op.info("worker stopped"))?;
        }
        Ok(())
    }

    fn complete(&mut self, thread: Option<usize>, mut op: Op) -> std::io::Result<()> {
        if op.kind == OpType::Invoke {
            op.kind = OpType::Info;
            op.error = Some("client returned an invocation as completion".into());
        }
        let op = self.record(op)?;
        self.busy.remove(&op.process);
        self.progress.completed(&op);
        if let (Some(t), OpType::Info, Process::Client(p)) = (thread, op.kind, &op.process) {
            // Jepsen's rule: an indeterminate op retires its process.
            self.workers[t] = Process::Client(p + self.workers.len() as u64);
        }
        Ok(())
    }

    /// Processes still running an op.
    pub fn in_flight(&self) -> usize {
        self.busy.len()
    }
}
