//! The register workload: reads, writes and compare-and-set on independent keys,
//! checked for linearizability per key (Jepsen's `jepsen.independent`).
//!
//! Op vocabulary a client must serve (values are `[key, v]` tuples):
//! - `read`  `[k, null]`   → ok `[k, v]` (`v` null when the key was never written)
//! - `write` `[k, v]`      → ok
//! - `cas`   `[k, [old, new]]` → ok if the value was `old` and is now `new`; `fail`
//!   if it was not `old` (nothing changed)
//!
//! Threads are grouped `threads_per_key` to a key; a group moves to a fresh key
//! after `ops_per_key` ops, so that each key's history stays small enough for the
//! linearizability search while the whole test runs for as long as asked.

use crate::{Workload, WorkloadOptions};
use rand::Rng;
use rjepsen_checkers::linear::Linearizable;
use rjepsen_checkers::stats::Stats;
use rjepsen_core::checker::Compose;
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::op::{Op, Process};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Values written are drawn from `0..VALUES`: few values make conflicts (and
/// therefore anomalies) likely.
const VALUES: u64 = 5;

/// Builds the register workload.
pub fn register(opts: &WorkloadOptions) -> Workload {
    let keys = Arc::new(Mutex::new(BTreeSet::new()));
    let generator = KeyedOps {
        concurrency: opts.concurrency.max(1) as u64,
        threads_per_key: opts.threads_per_key.clamp(1, opts.concurrency.max(1)) as u64,
        ops_per_key: opts.ops_per_key.max(1),
        groups: Vec::new(),
        next_key: 0,
        keys: keys.clone(),
    };
    let checker = Compose(vec![
        (
            "linear".to_string(),
            Box::new(
                Linearizable::new("cas-register", true)
                    .and_then(|l| l.with_options(opts.register.clone()))
                    .expect("cas-register is a known model and takes register options"),
            ) as Box<dyn rjepsen_core::Checker>,
        ),
        ("stats".to_string(), Box::new(Stats)),
    ]);
    Workload {
        name: "register".into(),
        generator: Box::new(generator),
        final_generator: Some(Box::new(FinalReads { keys, queue: None })),
        checker: Box::new(checker),
    }
}

/// A group of threads working on one key until it has had its ops.
#[derive(Clone, Copy, Debug)]
struct Group {
    key: u64,
    ops_left: usize,
}

struct KeyedOps {
    concurrency: u64,
    threads_per_key: u64,
    ops_per_key: usize,
    groups: Vec<Group>,
    next_key: u64,
    keys: Arc<Mutex<BTreeSet<u64>>>,
}

impl KeyedOps {
    fn key_for(&mut self, process: u64) -> u64 {
        let group = ((process % self.concurrency) / self.threads_per_key) as usize;
        if self.groups.len() <= group {
            self.groups.resize(
                group + 1,
                Group {
                    key: u64::MAX,
                    ops_left: 0,
                },
            );
        }
        let g = &mut self.groups[group];
        if g.ops_left == 0 {
            g.key = self.next_key;
            g.ops_left = self.ops_per_key;
            self.next_key += 1;
            self.keys.lock().expect("keys lock").insert(g.key);
        }
        g.ops_left -= 1;
        g.key
    }
}

impl Generator for KeyedOps {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let Some(Process::Client(p)) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let key = self.key_for(p);
        let (f, v) = match ctx.rng.gen_range(0..3) {
            0 => ("read", Value::Null),
            1 => ("write", json!(ctx.rng.gen_range(0..VALUES))),
            _ => (
                "cas",
                json!([ctx.rng.gen_range(0..VALUES), ctx.rng.gen_range(0..VALUES)]),
            ),
        };
        let mut op = Op::invoke(Process::Client(p), f, json!([key, v]));
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

/// One read of every key the main phase touched.
struct FinalReads {
    keys: Arc<Mutex<BTreeSet<u64>>>,
    queue: Option<std::collections::VecDeque<u64>>,
}

impl Generator for FinalReads {
    fn op(&mut self, ctx: &mut Context) -> GenOp {
        let keys = &self.keys;
        let queue = self
            .queue
            .get_or_insert_with(|| keys.lock().expect("keys lock").iter().copied().collect());
        if queue.is_empty() {
            return GenOp::Done;
        }
        let Some(p) = ctx.free_client() else {
            return GenOp::Pending;
        };
        let key = queue.pop_front().expect("not empty");
        let mut op = Op::invoke(p, "read", json!([key, null]));
        op.time = ctx.time;
        GenOp::Op(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn take(gen: &mut dyn Generator, free: &[Process], n: usize, seed: u64) -> Vec<Op> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let workers: Vec<Process> = free.to_vec();
        let mut out = Vec::new();
        for i in 0..n {
            let one = [free[i % free.len()].clone()];
            let mut ctx = Context {
                time: i as u64,
                free: &one,
                workers: &workers,
                rng: &mut rng,
            };
            match gen.op(&mut ctx) {
                GenOp::Op(op) => out.push(op),
                other => panic!("expected an op, got {other:?}"),
            }
        }
        out
    }

    #[test]
    fn groups_share_keys_and_move_on() {
        let opts = WorkloadOptions {
            concurrency: 4,
            threads_per_key: 2,
            ops_per_key: 3,
            ..Default::default()
        };
        let mut w = register(&opts);
        let free: Vec<Process> = (0..4).map(Process::Client).collect();
        let ops = take(&mut *w.generator, &free, 12, 1);
        let key = |op: &Op| op.value[0].as_u64().unwrap();
        // Threads 0 and 1 share a key, 2 and 3 another; each key gets 3 ops.
        assert_eq!(key(&ops[0]), key(&ops[1]));
        assert_ne!(key(&ops[0]), key(&ops[2]));
        let mut per_key = std::collections::BTreeMap::new();
        for op in &ops {
            *per_key.entry(key(op)).or_insert(0) += 1;
        }
        assert!(per_key.values().all(|&n| n == 3), "{per_key:?}");
        // A process retired after `info` (4 = thread 0) stays in thread 0's group.
        let next = take(&mut *w.generator, &[Process::Client(4)], 1, 2);
        assert!(per_key.contains_key(&key(&next[0])) || key(&next[0]) >= 4);
        // Final reads: one per key touched.
        let mut fin = w.final_generator.take().unwrap();
        let mut reads = BTreeSet::new();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        loop {
            let mut ctx = Context {
                time: 0,
                free: &free,
                workers: &free,
                rng: &mut rng,
            };
            match fin.op(&mut ctx) {
                GenOp::Op(op) => {
                    assert_eq!(op.f, "read");
                    reads.insert(key(&op));
                }
                GenOp::Done => break,
                GenOp::Pending => panic!("free processes: must not be pending"),
            }
        }
        let touched: BTreeSet<u64> = ops.iter().chain(&next).map(key).collect();
        assert_eq!(reads, touched);
    }

    #[test]
    fn same_seed_same_ops() {
        let free: Vec<Process> = (0..3).map(Process::Client).collect();
        let a = take(&mut *register(&Default::default()).generator, &free, 50, 9);
        let b = take(&mut *register(&Default::default()).generator, &free, 50, 9);
        let c = take(&mut *register(&Default::default()).generator, &free, 50, 10);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
