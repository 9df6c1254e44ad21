//! The runner: drives workers with a generator and records the history.
//!
//! [`run_generator`] is the engine (scheduler + worker tasks); [`run_test`] is a
//! whole test around it — reach the nodes, set up the DB, run, and then, whatever
//! happened (an error, Ctrl-C, a panic), heal every fault, collect the logs and tear
//! down. Checking the history is the caller's business, so that `analyze` checks a
//! stored run exactly as `test` checks a fresh one.

mod metrics;
mod progress;
mod scheduler;
mod test_run;
#[cfg(test)]
mod tests;
mod timeout;
mod worker;

pub use progress::ProgressOptions;
pub use test_run::{run_test, RunError, TestOutcome, TestParts};
pub use timeout::{TimeoutClient, TimeoutTemplate};

use crate::client::Client;
use crate::generator::Generator;
use crate::history::HistoryWriter;
use crate::nemesis::Nemesis;
use crate::op::{Op, Process};
use crate::test::Test;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use scheduler::{End, Scheduler};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// What a run of the generator produced.
pub struct Run {
    pub history: Vec<Op>,
    /// True when cancelled before the generator was done.
    pub interrupted: bool,
}

/// Runs `gen` against `test.concurrency` client workers (worker `t` talks to node
/// `t mod nodes`) and the nemesis, writing every op to `writer` as it happens.
pub async fn run_generator(
    test: Arc<Test>,
    client: Arc<dyn Client>,
    nemesis: Arc<dyn Nemesis>,
    gen: Box<dyn Generator>,
    writer: HistoryWriter,
    cancel: watch::Receiver<bool>,
    progress: ProgressOptions,
) -> std::io::Result<Run> {
    let n = test.concurrency.max(1);
    let (done_tx, done_rx) = mpsc::channel(n + 1);
    let mut to_workers = Vec::with_capacity(n);
    let mut tasks = Vec::with_capacity(n + 1);
    for thread in 0..n {
        let (tx, rx) = mpsc::channel(1);
        to_workers.push(tx);
        let node = test.nodes[thread % test.nodes.len()].clone();
        tasks.push(tokio::spawn(worker::client_worker(
            thread,
            node,
            test.clone(),
            client.clone(),
            rx,
            done_tx.clone(),
        )));
    }
    let (nem_tx, nem_rx) = mpsc::channel(1);
    tasks.push(tokio::spawn(worker::nemesis_worker(
        test.clone(),
        nemesis,
        nem_rx,
        done_tx,
    )));
    let mut sched = Scheduler {
        start: Instant::now(),
        gen,
        rng: ChaCha8Rng::seed_from_u64(test.seed),
        workers: (0..n as u64).map(Process::Client).collect(),
        busy: HashSet::new(),
        held: Vec::new(),
        writer,
        history: Vec::new(),
        to_workers,
        to_nemesis: nem_tx,
        completions: done_rx,
        cancel,
        progress: progress::Progress::new(progress),
    };
    let end = sched.run().await;
    sched.progress.maybe_print(u64::MAX / 2);
    sched.progress.finish();
    let in_flight = sched.in_flight();
    let history = std::mem::take(&mut sched.history);
    drop(sched);
    // Workers end when their channel closes; give clients a moment to close.
    let wait = if in_flight == 0 { 10 } else { 2 };
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(wait), t).await;
    }
    Ok(Run {
        history,
        interrupted: end? == End::Interrupted,
    })
}
