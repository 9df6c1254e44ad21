//! Cross-check against brute force: random small register histories (not from a
//! correct simulation, so about half are invalid), every order tried exhaustively.
//! A second shape (more processes, two values) is full of equal concurrent ops and
//! reads, where the search's pruning of twins and forced reads does its work.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_checkers::linear::check_ops;
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{Op, OpType, Process, Valid};
use serde_json::{json, Value};

/// One op for the brute force: function, input, output (None = unknown), interval.
struct Brute {
    f: String,
    input: Value,
    output: Option<Value>,
    invoke: usize,
    ret: Option<usize>,
}

/// Shape of the random histories: processes, ops (range), values `0..values`.
#[derive(Clone, Copy)]
struct Shape {
    procs: usize,
    ops: (usize, usize),
    values: i64,
}

const SMALL: Shape = Shape {
    procs: 3,
    ops: (3, 10),
    values: 3,
};

/// Many processes and two values: equal ops overlap often.
const TWINS: Shape = Shape {
    procs: 6,
    ops: (6, 13),
    values: 2,
};

fn random_history(rng: &mut ChaCha8Rng, shape: Shape) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut busy: Vec<Option<Op>> = vec![None; shape.procs];
    let mut started = 0;
    let n = rng.gen_range(shape.ops.0..shape.ops.1);
    let k = shape.values;
    let val = |rng: &mut ChaCha8Rng| {
        if rng.gen_bool(0.2) {
            Value::Null
        } else {
            json!(rng.gen_range(0..k))
        }
    };
    while started < n || busy.iter().any(Option::is_some) {
        let p = rng.gen_range(0..shape.procs);
        match busy[p].take() {
            None if started < n => {
                let (f, v) = match rng.gen_range(0..3) {
                    0 => ("read", Value::Null),
                    1 => ("write", json!(rng.gen_range(0..k))),
                    _ => ("cas", json!([rng.gen_range(0..k), rng.gen_range(0..k)])),
                };
                let op = Op::invoke(Process::Client(p as u64 + 10 * started as u64), f, v);
                ops.push(op.clone());
                busy[p] = Some(op);
                started += 1;
            }
            None => {}
            Some(inv) => {
                let roll = rng.gen_range(0..20);
                let done = match roll {
                    0..=2 => inv.info("timeout"),
                    3 => inv.fail("no"),
                    4 => continue, // never completes
                    _ if inv.f == "read" => inv.complete(OpType::Ok, val(rng)),
                    _ => inv.ok(),
                };
                ops.push(done);
            }
        }
    }
    ops
}

fn brute_ops(ops: &[Op]) -> Vec<Brute> {
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if op.kind != OpType::Invoke {
            continue;
        }
        let done = ops[i + 1..]
            .iter()
            .position(|o| o.process == op.process)
            .map(|j| i + 1 + j);
        let kind = done.map(|j| ops[j].kind);
        if kind == Some(OpType::Fail) || (op.f == "read" && kind != Some(OpType::Ok)) {
            continue;
        }
        let ok = kind == Some(OpType::Ok);
        out.push(Brute {
            f: op.f.clone(),
            input: op.value.clone(),
            output: if ok {
                done.map(|j| ops[j].value.clone())
            } else {
                None
            },
            invoke: i,
            ret: if ok { done } else { None },
        });
    }
    out
}

fn step(state: &Value, b: &Brute) -> Option<Value> {
    match b.f.as_str() {
        "read" => (b.output.as_ref() == Some(state)).then(|| state.clone()),
        "write" => Some(b.input.clone()),
        _ => (b.input[0] == *state).then(|| b.input[1].clone()),
    }
}

fn brute_valid(ops: &[Brute], done: &mut Vec<bool>, state: &Value) -> bool {
    let pending_ok = (0..ops.len()).filter(|&i| !done[i] && ops[i].ret.is_some());
    let horizon = pending_ok.filter_map(|i| ops[i].ret).min();
    let Some(horizon) = horizon else { return true };
    for i in 0..ops.len() {
        if done[i] || ops[i].invoke > horizon {
            continue;
        }
        if let Some(next) = step(state, &ops[i]) {
            done[i] = true;
            let ok = brute_valid(ops, done, &next);
            done[i] = false;
            if ok {
                return true;
            }
        }
    }
    false
}

#[test]
fn agrees_with_brute_force_on_random_small_histories() {
    agrees_with_brute_force(SMALL, 42, 5000);
}

#[test]
fn agrees_with_brute_force_when_equal_ops_and_reads_overlap() {
    agrees_with_brute_force(TWINS, 7, 3000);
}

fn agrees_with_brute_force(shape: Shape, seed: u64, cases: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut valid, mut invalid) = (0, 0);
    for case in 0..cases {
        let ops = random_history(&mut rng, shape);
        let b = brute_ops(&ops);
        let want = brute_valid(&b, &mut vec![false; b.len()], &Value::Null);
        let got = check_ops("cas-register", false, &ops, &CheckContext::default());
        let got_valid = got.valid == Valid::Valid;
        assert_eq!(
            got_valid,
            want,
            "case {case}: {}\n{:?}",
            serde_json::to_string(&ops).unwrap(),
            got.details
        );
        if want {
            valid += 1
        } else {
            invalid += 1
        }
    }
    assert!(
        valid > cases / 10 && invalid > cases / 10,
        "{valid} valid, {invalid} invalid"
    );
}
