//! Seeded list-append histories from simulated databases, and planted anomalies.
//!
//! Tests and the benchmark need histories whose truth is known. Two simulated
//! databases produce them: one that executes each transaction atomically at its
//! completion (so the history is strict-serializable by construction), and one
//! that reads from a snapshot taken at invocation and commits with
//! first-committer-wins (snapshot isolation, which allows write skew: G2-item).
//! Workers run `processes` logical processes; an `info` completion retires the
//! process (Jepsen's rule) and may or may not have taken effect. Keys rotate: a
//! key that has received `max_appends` appends is replaced by a fresh one, so
//! reads stay short however long the history. [`plant`] then inserts a small
//! gadget of transactions on fresh keys that exhibits exactly one known anomaly.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::{Op, OpType, Process};
use serde_json::{json, Value};

/// Shape of a generated history.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    pub txns: usize,
    pub processes: u64,
    pub active_keys: usize,
    pub max_appends: u32,
    /// Fraction of transactions completing `info` (applied or not, at random).
    pub info_rate: f64,
    /// Fraction of transactions completing `fail` (not applied).
    pub fail_rate: f64,
    pub max_mops: usize,
    pub seed: u64,
}

impl SynthConfig {
    /// The benchmark's shape: 100 active keys, at most 32 appends per key, 20
    /// processes, 2% info.
    pub fn bench(txns: usize, seed: u64) -> SynthConfig {
        SynthConfig {
            txns,
            processes: 20,
            active_keys: 100,
            max_appends: 32,
            info_rate: 0.02,
            fail_rate: 0.0,
            max_mops: 4,
            seed,
        }
    }
}

/// Which simulated database runs the transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    StrictSerializable,
    SnapshotIsolation,
}

/// A planted anomaly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plant {
    G1c,
    GSingle,
    G2Item,
}

impl Plant {
    /// The anomaly name the checker must report.
    pub fn name(self) -> &'static str {
        match self {
            Plant::G1c => "G1c",
            Plant::GSingle => "G-single-item",
            Plant::G2Item => "G2-item",
        }
    }
}

struct InFlight {
    worker: usize,
    mops: Vec<(bool, u64, u64)>, // (is_append, key, value)
    snapshot: u64,
    invoke: Op,
}

struct Db {
    /// Per key: (value, commit stamp), in append (or write) order.
    state: std::collections::HashMap<u64, Vec<(u64, u64)>>,
    stamp: u64,
    /// Registers (a read returns the latest value) rather than lists.
    register: bool,
}

impl Db {
    fn write_name(&self) -> &'static str {
        if self.register {
            "w"
        } else {
            "append"
        }
    }

    /// Executes `t` now, or aborts it (snapshot isolation's first committer wins).
    /// Returns the completed micro-ops, or None on abort.
    fn run(&mut self, t: &InFlight, iso: Isolation, apply: bool) -> Option<Value> {
        let snap = match iso {
            Isolation::StrictSerializable => u64::MAX,
            Isolation::SnapshotIsolation => t.snapshot,
        };
        let conflict = t.mops.iter().any(|&(app, k, _)| {
            app && self
                .state
                .get(&k)
                .and_then(|l| l.last())
                .is_some_and(|e| e.1 > snap)
        });
        if iso == Isolation::SnapshotIsolation && conflict {
            return None;
        }
        let mut own: Vec<(u64, u64)> = Vec::new();
        let mut out = Vec::with_capacity(t.mops.len());
        for &(app, k, v) in &t.mops {
            if app {
                own.push((k, v));
                out.push(json!([self.write_name(), k, v]));
            } else {
                let list = self.state.get(&k).map(|l| l.as_slice()).unwrap_or(&[]);
                let visible = list.partition_point(|e| e.1 <= snap);
                let mut read: Vec<u64> = list[..visible].iter().map(|e| e.0).collect();
                read.extend(own.iter().filter(|o| o.0 == k).map(|o| o.1));
                match (self.register, read.last()) {
                    (false, _) => out.push(json!(["r", k, read])),
                    (true, last) => out.push(json!(["r", k, last])),
                }
            }
        }
        if apply {
            self.stamp += 1;
            for (k, v) in own {
                self.state.entry(k).or_default().push((v, self.stamp));
            }
        }
        Some(Value::Array(out))
    }
}

/// A list-append history of `cfg.txns` transactions from the chosen database.
pub fn list_append(cfg: &SynthConfig, iso: Isolation) -> Vec<Op> {
    simulate(cfg, iso, false)
}

/// An rw-register history (unique writes per key, `max_appends` of them) of
/// `cfg.txns` transactions from the chosen database.
pub fn rw_register(cfg: &SynthConfig, iso: Isolation) -> Vec<Op> {
    simulate(cfg, iso, true)
}

fn simulate(cfg: &SynthConfig, iso: Isolation, register: bool) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut db = Db {
        state: Default::default(),
        stamp: 0,
        register,
    };
    let mut keys: Vec<u64> = (0..cfg.active_keys as u64).collect();
    let mut next_key = cfg.active_keys as u64;
    let mut appends: std::collections::HashMap<u64, u32> = Default::default();
    let mut pids: Vec<u64> = (0..cfg.processes).collect();
    let mut idle: Vec<usize> = (0..cfg.processes as usize).collect();
    let mut flying: Vec<InFlight> = Vec::new();
    let mut ops = Vec::with_capacity(cfg.txns * 2);
    let mut started = 0;
    while started < cfg.txns || !flying.is_empty() {
        let invoke =
            started < cfg.txns && !idle.is_empty() && (flying.is_empty() || rng.gen_bool(0.5));
        if invoke {
            let worker = idle.swap_remove(rng.gen_range(0..idle.len()));
            let n = rng.gen_range(1..=cfg.max_mops);
            let mut mops = Vec::with_capacity(n);
            for _ in 0..n {
                let slot = rng.gen_range(0..keys.len());
                let k = keys[slot];
                if rng.gen_bool(0.5) {
                    let c = appends.entry(k).or_insert(0);
                    *c += 1;
                    mops.push((true, k, *c as u64));
                    if *c >= cfg.max_appends {
                        appends.remove(&k);
                        keys[slot] = next_key;
                        next_key += 1;
                    }
                } else {
                    mops.push((false, k, 0));
                }
            }
            let value: Vec<Value> = mops
                .iter()
                .map(|&(a, k, v)| {
                    if a {
                        json!([db.write_name(), k, v])
                    } else {
                        json!(["r", k, null])
                    }
                })
                .collect();
            let op = Op::invoke(Process::Client(pids[worker]), "txn", Value::Array(value));
            ops.push(op.clone());
            flying.push(InFlight {
                worker,
                mops,
                snapshot: db.stamp,
                invoke: op,
            });
            started += 1;
        } else {
            let t = flying.swap_remove(rng.gen_range(0..flying.len()));
            let roll: f64 = rng.gen();
            let done = if roll < cfg.info_rate {
                let applied = rng.gen_bool(0.5);
                db.run(&t, iso, applied);
                pids[t.worker] += cfg.processes;
                t.invoke.info("timeout")
            } else if roll < cfg.info_rate + cfg.fail_rate {
                t.invoke.fail("aborted")
            } else {
                match db.run(&t, iso, true) {
                    Some(v) => t.invoke.complete(OpType::Ok, v),
                    None => t.invoke.fail("first committer wins"),
                }
            };
            ops.push(done);
            idle.push(t.worker);
        }
    }
    reindex(&mut ops);
    ops
}

/// Sets `index` to the position and `time` to a microsecond per op.
pub fn reindex(ops: &mut [Op]) {
    for (i, op) in ops.iter_mut().enumerate() {
        op.index = i as u64;
        op.time = i as u64 * 1000;
    }
}

/// Inserts a gadget exhibiting `what` at fraction `at` (0..1) of the history, on
/// fresh keys and fresh processes numbered from `tag`, then re-indexes.
pub fn plant(ops: &mut Vec<Op>, what: Plant, at: f64, tag: u64) {
    let (a, b) = (1_000_000_000 + 2 * tag, 1_000_000_001 + 2 * tag);
    let p = |i: u64| Process::Client(1_000_000 + 3 * tag + i);
    let txn = |i: u64, v: Value| Op::invoke(p(i), "txn", v);
    let (t1, t2, r1, r2) = match what {
        Plant::G1c => (
            txn(0, json!([["append", a, 1], ["r", b, null]])),
            txn(1, json!([["append", b, 1], ["r", a, null]])),
            json!([["append", a, 1], ["r", b, [1]]]),
            json!([["append", b, 1], ["r", a, [1]]]),
        ),
        Plant::GSingle => (
            txn(0, json!([["r", a, null], ["r", b, null]])),
            txn(1, json!([["append", a, 1], ["append", b, 1]])),
            json!([["r", a, []], ["r", b, [1]]]),
            json!([["append", a, 1], ["append", b, 1]]),
        ),
        Plant::G2Item => (
            txn(0, json!([["r", a, null], ["append", b, 1]])),
            txn(1, json!([["r", b, null], ["append", a, 1]])),
            json!([["r", a, []], ["append", b, 1]]),
            json!([["r", b, []], ["append", a, 1]]),
        ),
    };
    let observer = txn(2, json!([["r", a, null], ["r", b, null]]));
    let gadget = vec![
        t1.clone(),
        t2.clone(),
        t1.complete(OpType::Ok, r1),
        t2.complete(OpType::Ok, r2),
        observer.clone(),
        observer.complete(OpType::Ok, json!([["r", a, [1]], ["r", b, [1]]])),
    ];
    let pos = ((ops.len() as f64 * at) as usize).min(ops.len());
    ops.splice(pos..pos, gadget);
    reindex(ops);
}
