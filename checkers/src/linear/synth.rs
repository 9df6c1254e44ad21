//! Seeded histories from a correct concurrent simulation, for tests and benchmarks.
//!
//! Threads invoke ops on a shared object; each op takes effect at a random moment
//! between its invocation and its completion, so the history is linearizable by
//! construction. A crashed op (`info`) takes effect or not, and its process is
//! retired (Jepsen's rule: the thread continues as `process + threads`). With
//! several keys, threads work in groups, each group on one key at a time for a
//! bounded number of ops, as jepsen.independent does; values are then `[key, v]`.
//! [`plant_bad_read`] turns a late `ok` read into one of a value never written.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::{Op, OpType, Process};
use serde_json::{json, Value};

/// An object the simulation runs ops against (the "real" system).
pub trait SimObject: Default {
    /// A fresh random op: its function and invocation value.
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value);
    /// Performs the op atomically; returns the completion value and whether it
    /// succeeded (`false` becomes a `fail` completion).
    fn apply(&mut self, f: &str, input: &Value) -> (Value, bool);
}

/// Shape of a generated history.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    pub seed: u64,
    /// Operations (invocations); the history has about twice as many lines.
    pub ops: usize,
    /// 0 for a single object with plain values; otherwise `[key, v]` values.
    pub keys: usize,
    pub threads: usize,
    /// Threads per key when keys > 0.
    pub threads_per_key: usize,
    /// Probability that an op crashes (`info`).
    pub info_rate: f64,
}

/// A compare-and-set register with values 0..5, as in Jepsen's register workload.
#[derive(Default)]
pub struct SimCasRegister(Option<i64>);

impl SimObject for SimCasRegister {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        match rng.gen_range(0..3) {
            0 => ("read".into(), Value::Null),
            1 => ("write".into(), json!(rng.gen_range(0..5))),
            _ => (
                "cas".into(),
                json!([rng.gen_range(0..5), rng.gen_range(0..5)]),
            ),
        }
    }
    fn apply(&mut self, f: &str, input: &Value) -> (Value, bool) {
        match f {
            "read" => (json!(self.0), true),
            "write" => {
                self.0 = input.as_i64();
                (input.clone(), true)
            }
            _ => {
                let ok = self.0 == input[0].as_i64();
                if ok {
                    self.0 = input[1].as_i64();
                }
                (input.clone(), ok)
            }
        }
    }
}

/// An op in flight: key, f, invocation value, effect taken, crashes, output, ok.
struct Busy {
    key: usize,
    f: String,
    input: Value,
    done: bool,
    crash: bool,
    output: Value,
    ok: bool,
}

/// Simulates `cfg.ops` operations against fresh `O` objects.
pub fn simulate<O: SimObject>(cfg: &SynthConfig) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let keyed = cfg.keys > 0;
    let groups = if keyed {
        cfg.threads
            .div_ceil(cfg.threads_per_key.max(1))
            .min(cfg.keys)
    } else {
        1
    };
    let per_key = if keyed {
        cfg.ops.div_ceil(cfg.keys)
    } else {
        usize::MAX
    };
    let mut objects: Vec<O> = (0..cfg.keys.max(1)).map(|_| O::default()).collect();
    // (current key, ops left on it) per group of threads.
    let mut group: Vec<(usize, usize)> = (0..groups).map(|g| (g, per_key)).collect();
    let mut next_key = groups;
    let mut process: Vec<u64> = (0..cfg.threads as u64).collect();
    let mut busy: Vec<Option<Busy>> = (0..cfg.threads).map(|_| None).collect();
    let (mut started, mut out, mut tick) = (0usize, Vec::with_capacity(cfg.ops * 2), 0u64);
    let wrap = |k: usize, v: Value| if keyed { json!([k, v]) } else { v };
    while started < cfg.ops || busy.iter().any(Option::is_some) {
        tick += 1;
        let t = rng.gen_range(0..cfg.threads);
        match busy[t].take() {
            None if started < cfg.ops => {
                let g = &mut group[t % groups];
                if g.1 == 0 {
                    *g = (next_key % cfg.keys.max(1), per_key);
                    next_key += 1;
                }
                g.1 -= 1;
                let key = g.0;
                let (f, input) = objects[key].random_op(&mut rng);
                let crash = rng.gen_bool(cfg.info_rate);
                let mut op = Op::invoke(
                    Process::Client(process[t]),
                    f.clone(),
                    wrap(key, input.clone()),
                );
                (op.index, op.time) = (out.len() as u64, tick * 1000);
                out.push(op);
                started += 1;
                busy[t] = Some(Busy {
                    key,
                    f,
                    input,
                    done: false,
                    crash,
                    output: Value::Null,
                    ok: true,
                });
            }
            None => {}
            Some(mut b) if !b.done => {
                if !b.crash || rng.gen_bool(0.5) {
                    (b.output, b.ok) = objects[b.key].apply(&b.f, &b.input);
                } else {
                    b.output = b.input.clone();
                }
                b.done = true;
                busy[t] = Some(b);
            }
            Some(b) => {
                let kind = match (b.crash, b.ok) {
                    (true, _) => OpType::Info,
                    (false, true) => OpType::Ok,
                    (false, false) => OpType::Fail,
                };
                let out_value = if b.crash { b.input } else { b.output };
                let mut op = Op::invoke(Process::Client(process[t]), b.f, wrap(b.key, out_value));
                (op.kind, op.index, op.time) = (kind, out.len() as u64, tick * 1000);
                out.push(op);
                if b.crash {
                    process[t] += cfg.threads as u64;
                }
            }
        }
    }
    out
}

/// Replaces the value of an `ok` read at about `at` (0..1) of the history by
/// `bad` (a value never written); returns its index, if there was such a read.
pub fn plant_bad_read(ops: &mut [Op], at: f64, bad: Value) -> Option<usize> {
    let from = ((ops.len() as f64) * at) as usize;
    let i = (from..ops.len()).chain(0..from).find(|&i| {
        let o = &ops[i];
        o.kind == OpType::Ok && o.f == "read" && !o.value.is_null()
    })?;
    ops[i].value = match &ops[i].value {
        Value::Array(kv) if kv.len() == 2 => json!([kv[0], bad]),
        _ => bad,
    };
    Some(i)
}

/// The benchmark's register history: values 0-4, `[key, v]` when `keys > 0`.
pub fn register_history(cfg: &SynthConfig) -> Vec<Op> {
    simulate::<SimCasRegister>(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_history_and_pairs_complete() {
        let cfg = SynthConfig {
            seed: 7,
            ops: 300,
            keys: 4,
            threads: 6,
            threads_per_key: 3,
            info_rate: 0.05,
        };
        let a = register_history(&cfg);
        let b = register_history(&cfg);
        assert_eq!(a, b);
        let invokes = a.iter().filter(|o| o.kind == OpType::Invoke).count();
        assert_eq!(invokes, 300);
        assert_eq!(a.len(), 600);
        assert!(a.iter().any(|o| o.kind == OpType::Info));
        assert!(a
            .iter()
            .all(|o| o.value.as_array().is_some_and(|kv| kv.len() == 2)));
    }
}
