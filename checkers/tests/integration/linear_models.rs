//! Property tests: histories simulated from a correct object are linearizable for
//! every model; the same histories with a planted impossible result are not.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rjepsen_checkers::linear::synth::{self, SimObject, SynthConfig};
use rjepsen_checkers::linear::{check_ops, Linearizable};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{Checker, History, Op, OpType, Process, Valid};
use serde_json::{json, Value};

#[derive(Default)]
struct Reg(Value);
impl SimObject for Reg {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        match rng.gen_range(0..2) {
            0 => ("read".into(), Value::Null),
            _ => ("write".into(), json!(rng.gen_range(0..5))),
        }
    }
    fn apply(&mut self, f: &str, input: &Value) -> (Value, bool) {
        if f == "write" {
            self.0 = input.clone();
        }
        (
            if f == "read" {
                self.0.clone()
            } else {
                input.clone()
            },
            true,
        )
    }
}

#[derive(Default)]
struct Multi(std::collections::BTreeMap<String, Value>);
impl SimObject for Multi {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        let mops: Vec<Value> = (0..rng.gen_range(1..3))
            .map(|_| {
                let k = ["x", "y"][rng.gen_range(0..2)];
                if rng.gen_bool(0.5) {
                    json!(["r", k, null])
                } else {
                    json!(["w", k, rng.gen_range(0..4)])
                }
            })
            .collect();
        ("txn".into(), Value::Array(mops))
    }
    fn apply(&mut self, _f: &str, input: &Value) -> (Value, bool) {
        let mut out = Vec::new();
        for m in input.as_array().into_iter().flatten() {
            let k = m[1].as_str().unwrap_or("").to_string();
            if m[0] == "w" {
                self.0.insert(k, m[2].clone());
                out.push(m.clone());
            } else {
                out.push(json!([
                    "r",
                    k,
                    self.0.get(&k).cloned().unwrap_or(Value::Null)
                ]));
            }
        }
        (Value::Array(out), true)
    }
}

#[derive(Default)]
struct Set(std::collections::BTreeSet<i64>);
impl SimObject for Set {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        if rng.gen_bool(0.6) {
            ("add".into(), json!(rng.gen_range(0..1000)))
        } else {
            ("read".into(), Value::Null)
        }
    }
    fn apply(&mut self, f: &str, input: &Value) -> (Value, bool) {
        if f == "add" {
            self.0.insert(input.as_i64().unwrap_or(0));
            return (input.clone(), true);
        }
        (json!(self.0.iter().collect::<Vec<_>>()), true)
    }
}

#[derive(Default)]
struct Lock(bool);
impl SimObject for Lock {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        (
            if rng.gen_bool(0.5) {
                "acquire"
            } else {
                "release"
            }
            .into(),
            Value::Null,
        )
    }
    fn apply(&mut self, f: &str, _input: &Value) -> (Value, bool) {
        let want = f == "acquire";
        let ok = self.0 != want;
        if ok {
            self.0 = want;
        }
        (Value::Null, ok)
    }
}

#[derive(Default)]
struct Queue(std::collections::VecDeque<i64>);
impl SimObject for Queue {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        if rng.gen_bool(0.5) {
            ("enqueue".into(), json!(rng.gen_range(0..1000)))
        } else {
            ("dequeue".into(), Value::Null)
        }
    }
    fn apply(&mut self, f: &str, input: &Value) -> (Value, bool) {
        if f == "enqueue" {
            self.0.push_back(input.as_i64().unwrap_or(0));
            return (input.clone(), true);
        }
        (self.0.pop_front().map_or(Value::Null, |v| json!(v)), true)
    }
}

fn cfg(seed: u64, info_rate: f64) -> SynthConfig {
    SynthConfig {
        seed,
        ops: 80,
        keys: 0,
        threads: 4,
        threads_per_key: 4,
        info_rate,
    }
}

/// Queues are the hard case of linearizability (every order of concurrent
/// enqueues is a different state): smaller histories keep the test quick.
fn cfg_for(model: &str, seed: u64, info_rate: f64) -> SynthConfig {
    let ops = if model.ends_with("queue") { 40 } else { 80 };
    SynthConfig {
        ops,
        ..cfg(seed, info_rate)
    }
}

/// Sets the value of the last `ok` op with function `f` to `bad`.
fn plant(ops: &mut [Op], f: &str, bad: Value) -> bool {
    let Some(op) = ops
        .iter_mut()
        .rev()
        .find(|o| o.kind == OpType::Ok && o.f == f)
    else {
        return false;
    };
    op.value = bad;
    true
}

fn verdict(model: &str, ops: &[Op]) -> Valid {
    let ctx = CheckContext {
        time_limit: Some(std::time::Duration::from_secs(20)),
        ..CheckContext::default()
    };
    check_ops(model, false, ops, &ctx).valid
}

#[test]
fn simulated_histories_are_valid_and_planted_results_are_not() {
    type Gen = fn(&SynthConfig) -> Vec<Op>;
    let table: [(&str, Gen, &str, Value); 7] = [
        ("register", synth::simulate::<Reg>, "read", json!(99)),
        ("cas-register", synth::register_history, "read", json!(99)),
        (
            "multi-register",
            synth::simulate::<Multi>,
            "txn",
            json!([["r", "x", 99]]),
        ),
        ("set", synth::simulate::<Set>, "read", json!([99999])),
        (
            "unordered-queue",
            synth::simulate::<Queue>,
            "dequeue",
            json!(99999),
        ),
        (
            "fifo-queue",
            synth::simulate::<Queue>,
            "dequeue",
            json!(99999),
        ),
        ("mutex", synth::simulate::<Lock>, "", Value::Null),
    ];
    for (model, gen, f, bad) in table {
        for seed in 0..12 {
            let mut ops = gen(&cfg_for(model, seed, if seed % 3 == 0 { 0.0 } else { 0.1 }));
            assert_eq!(verdict(model, &ops), Valid::Valid, "{model} seed {seed}");
            if model == "mutex" {
                // Two acquires in a row after everything else, nothing crashed.
                let mut ops = gen(&cfg(seed, 0.0));
                for p in [1000, 1001] {
                    let inv = Op::invoke(Process::Client(p), "acquire", Value::Null);
                    ops.push(inv.clone());
                    ops.push(inv.ok());
                }
                assert_eq!(
                    verdict(model, &ops),
                    Valid::Invalid,
                    "{model} seed {seed} mutated"
                );
                continue;
            }
            if plant(&mut ops, f, bad.clone()) {
                assert_eq!(
                    verdict(model, &ops),
                    Valid::Invalid,
                    "{model} seed {seed} mutated"
                );
            }
        }
    }
}

#[test]
fn a_stale_read_after_two_writes_is_caught_with_its_key() {
    let mut ops = synth::register_history(&SynthConfig {
        seed: 3,
        ops: 400,
        keys: 4,
        threads: 8,
        threads_per_key: 2,
        info_rate: 0.05,
    });
    let checker = Linearizable::new("cas-register", true).unwrap();
    let valid = checker.check(&CheckContext::default(), &History::new(ops.clone()));
    assert_eq!(
        valid.valid,
        Valid::Valid,
        "{:?}",
        valid.details.get("explanation")
    );
    for (i, (f, v)) in [("write", 7), ("write", 8), ("read", 7)]
        .into_iter()
        .enumerate()
    {
        let inv = Op::invoke(
            Process::Client(500 + i as u64),
            f,
            json!([2, if f == "read" { Value::Null } else { json!(v) }]),
        );
        ops.push(inv.clone());
        ops.push(inv.complete(OpType::Ok, json!([2, v])));
    }
    let dir = std::env::temp_dir().join(format!("rjepsen-linear-svg-{}", std::process::id()));
    let ctx = CheckContext {
        out_dir: Some(dir.clone()),
        ..CheckContext::default()
    };
    let r = checker.check(&ctx, &History::new(ops));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["invalid-keys"], json!([2]));
    let failure = &r.details["failures"][0];
    assert_eq!(failure["op"]["value"], json!([2, 7]));
    assert_eq!(failure["states"], json!(["8"]));
    let svg = std::fs::read_to_string(failure["svg"].as_str().unwrap()).unwrap();
    assert!(svg.contains("read 7"), "{svg}");
    assert!(r.details["explanation"].as_str().unwrap().contains("key 2"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn budgets_turn_into_unknown() {
    let ops = synth::register_history(&SynthConfig {
        seed: 5,
        ops: 6000,
        keys: 0,
        threads: 10,
        threads_per_key: 10,
        info_rate: 0.01,
    });
    let ctx = CheckContext {
        memory_limit: Some(1),
        ..CheckContext::default()
    };
    let r = check_ops("cas-register", false, &ops, &ctx);
    assert_eq!(r.valid, Valid::Unknown, "{:?}", r.details);
    assert!(r.details["error"]
        .as_str()
        .unwrap()
        .contains("memory budget"));
    let r = check_ops("no-such-model", false, &ops, &CheckContext::default());
    assert_eq!(r.valid, Valid::Unknown);
    assert!(Linearizable::new("no-such-model", false)
        .unwrap_err()
        .contains("cas-register"));
}

/// One key, 30 processes, 5% crashed: dozens of concurrent ops on one register,
/// where the search's pruning of twins and forced reads must still find the
/// linearization of a correct history, and still miss none of a mutated one.
#[test]
fn many_processes_on_one_key_pass_and_mutated_fail() {
    for seed in 0..4 {
        let cfg = SynthConfig {
            seed,
            ops: 600,
            keys: 0,
            threads: 30,
            threads_per_key: 30,
            info_rate: 0.05,
        };
        let mut ops = synth::register_history(&cfg);
        let r = check_ops("cas-register", false, &ops, &CheckContext::default());
        assert_eq!(r.valid, Valid::Valid, "seed {seed}: {:?}", r.details);
        synth::plant_bad_read(&mut ops, 0.5, json!(99)).expect("a read to mutate");
        let r = check_ops("cas-register", false, &ops, &CheckContext::default());
        assert_eq!(r.valid, Valid::Invalid, "seed {seed}");
    }
}
