//! Knossos' register options: an initial value (`(cas-register 0)`) and reads of
//! `null` that are consistent with any value. Hand-written histories whose verdict
//! flips with the option, and simulated histories of a register that really starts
//! at 0 (must pass with the option, and fail once a read is mutated).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rjepsen_checkers::linear::synth::{self, SimObject, SynthConfig};
use rjepsen_checkers::linear::{Linearizable, RegisterOptions};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{Checker, History, Op, Process, Valid};
use serde_json::{json, Value};

fn opts(initial: Value, nil_reads_unknown: bool) -> RegisterOptions {
    RegisterOptions {
        initial_value: initial,
        nil_reads_unknown,
    }
}

fn verdict(model: &str, o: RegisterOptions, independent: bool, ops: &[Op]) -> Valid {
    let checker = Linearizable::new(model, independent)
        .and_then(|l| l.with_options(o))
        .expect("register model takes options");
    checker
        .check(&CheckContext::default(), &History::new(ops.to_vec()))
        .valid
}

/// One op by `p`, completed ok with `out` right after its invocation.
fn done(p: u64, f: &str, input: Value, out: Value) -> [Op; 2] {
    let inv = Op::invoke(Process::Client(p), f, input);
    let ok = inv.complete(rjepsen_core::OpType::Ok, out);
    [inv, ok]
}

fn seq(ops: &[[Op; 2]]) -> Vec<Op> {
    ops.iter().flat_map(|p| p.iter().cloned()).collect()
}

#[test]
fn initial_value_and_nil_reads_flip_the_verdict() {
    let null = Value::Null;
    let read = |v: Value| done(0, "read", Value::Null, v);
    let cas01 = seq(&[done(0, "cas", json!([0, 1]), json!([0, 1])), read(json!(1))]);
    let read0 = seq(&[read(json!(0))]);
    let read_null_first = seq(&[read(Value::Null)]);
    let stale_null = seq(&[done(0, "write", json!(1), json!(1)), read(Value::Null)]);
    // (model, initial, nil reads unknown, history, expected)
    let table: Vec<(&str, Value, bool, &Vec<Op>, Valid)> = vec![
        ("cas-register", null.clone(), false, &cas01, Valid::Invalid),
        ("cas-register", json!(0), false, &cas01, Valid::Valid),
        ("cas-register", json!(7), false, &cas01, Valid::Invalid),
        ("register", null.clone(), false, &read0, Valid::Invalid),
        ("register", json!(0), false, &read0, Valid::Valid),
        (
            "register",
            json!(0),
            false,
            &read_null_first,
            Valid::Invalid,
        ),
        ("register", json!(0), true, &read_null_first, Valid::Valid),
        (
            "register",
            null.clone(),
            false,
            &read_null_first,
            Valid::Valid,
        ),
        (
            "cas-register",
            null.clone(),
            false,
            &stale_null,
            Valid::Invalid,
        ),
        (
            "cas-register",
            null.clone(),
            true,
            &stale_null,
            Valid::Valid,
        ),
        ("cas-register", json!("a"), true, &stale_null, Valid::Valid),
    ];
    for (i, (model, init, nil, ops, want)) in table.into_iter().enumerate() {
        let got = verdict(model, opts(init.clone(), nil), false, ops);
        assert_eq!(
            got, want,
            "case {i}: {model} initial {init} nil-unknown {nil}"
        );
    }
}

#[test]
fn a_crashed_write_of_the_initial_value_is_kept() {
    // write 3, then a crashed write of 0, then a read of 0: only the crashed write
    // explains the read, so it must not be dropped as "never observed" (the read
    // of 0 is a read of the initial value's atom).
    let w3 = done(0, "write", json!(3), json!(3));
    let crashed = Op::invoke(Process::Client(1), "write", json!(0));
    let info = crashed.info("timeout");
    let r0 = done(2, "read", Value::Null, json!(0));
    let ops: Vec<Op> = [w3[0].clone(), w3[1].clone(), crashed, info]
        .into_iter()
        .chain(r0)
        .collect();
    assert_eq!(
        verdict("register", opts(json!(0), false), false, &ops),
        Valid::Valid
    );
    let without: Vec<Op> = ops
        .iter()
        .filter(|o| o.process != Process::Client(1))
        .cloned()
        .collect();
    assert_eq!(
        verdict("register", opts(json!(0), false), false, &without),
        Valid::Invalid
    );
}

#[test]
fn options_apply_per_key_and_only_to_registers() {
    let ops = seq(&[
        done(0, "cas", json!([1, [0, 5]]), json!([1, [0, 5]])),
        done(1, "read", json!([2, null]), json!([2, 0])),
    ]);
    assert_eq!(
        verdict("cas-register", opts(json!(0), false), true, &ops),
        Valid::Valid
    );
    assert_eq!(
        verdict("cas-register", RegisterOptions::default(), true, &ops),
        Valid::Invalid
    );
    let err = Linearizable::new("set", false)
        .and_then(|l| l.with_options(opts(json!(0), false)))
        .unwrap_err();
    assert!(err.contains("\"set\"") && err.contains("register"), "{err}");
    assert!(Linearizable::new("set", false)
        .and_then(|l| l.with_options(RegisterOptions::default()))
        .is_ok());
}

/// A CAS register that starts at 0, as Knossos' `(cas-register 0)`.
#[derive(Default)]
struct ZeroCas(i64);
impl SimObject for ZeroCas {
    fn random_op(&self, rng: &mut ChaCha8Rng) -> (String, Value) {
        match rng.gen_range(0..3) {
            0 => ("read".into(), Value::Null),
            1 => ("write".into(), json!(rng.gen_range(0..3))),
            _ => (
                "cas".into(),
                json!([rng.gen_range(0..3), rng.gen_range(0..3)]),
            ),
        }
    }
    fn apply(&mut self, f: &str, input: &Value) -> (Value, bool) {
        match f {
            "read" => (json!(self.0), true),
            "write" => {
                self.0 = input.as_i64().unwrap_or(0);
                (input.clone(), true)
            }
            _ => {
                let ok = input[0].as_i64() == Some(self.0);
                if ok {
                    self.0 = input[1].as_i64().unwrap_or(0);
                }
                (input.clone(), ok)
            }
        }
    }
}

#[test]
fn simulated_register_from_zero_passes_and_mutated_fails() {
    for seed in 0..40 {
        let cfg = SynthConfig {
            seed,
            ops: 60,
            keys: 0,
            threads: 4,
            threads_per_key: 4,
            info_rate: 0.1,
        };
        let mut ops = synth::simulate::<ZeroCas>(&cfg);
        let zero = opts(json!(0), false);
        assert_eq!(
            verdict("cas-register", zero.clone(), false, &ops),
            Valid::Valid,
            "seed {seed}"
        );
        if synth::plant_bad_read(&mut ops, 0.5, json!(9)).is_some() {
            assert_eq!(
                verdict("cas-register", zero, false, &ops),
                Valid::Invalid,
                "seed {seed}"
            );
        }
    }
}
