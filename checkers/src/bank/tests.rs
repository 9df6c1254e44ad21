//! Hand-made reads for each kind of error, then histories of a simulated correct
//! bank with concurrency (must be valid) and the same histories mutated.

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::Process;

fn reads(values: &[Value]) -> History {
    let mut ops = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let inv = Op::invoke(Process::Client(i as u64), "read", Value::Null);
        ops.push(inv.clone());
        ops.push(inv.complete(OpType::Ok, v.clone()));
    }
    for (i, op) in ops.iter_mut().enumerate() {
        op.index = i as u64;
    }
    History::new(ops)
}

#[test]
fn hand_made_reads() {
    let cases: Vec<(&str, Vec<Value>, Valid, &str)> = vec![
        (
            "good",
            vec![json!({"0": 50, "1": 50}), json!({"0": 0, "1": 100})],
            Valid::Valid,
            "",
        ),
        (
            "wrong total",
            vec![json!({"0": 50, "1": 50}), json!({"0": 50, "1": 51})],
            Valid::Invalid,
            "wrong-total",
        ),
        (
            "negative",
            vec![json!({"0": -10, "1": 110})],
            Valid::Invalid,
            "negative-value",
        ),
        (
            "missing account",
            vec![json!({"0": 100})],
            Valid::Invalid,
            "missing-account",
        ),
        (
            "nil balance",
            vec![json!({"0": 100, "1": null})],
            Valid::Invalid,
            "nil-balance",
        ),
        (
            "unexpected key",
            vec![json!({"0": 50, "1": 50, "7": 0})],
            Valid::Invalid,
            "unexpected-key",
        ),
        (
            "not an object",
            vec![json!([50, 50])],
            Valid::Invalid,
            "malformed",
        ),
        ("no read", vec![], Valid::Unknown, ""),
    ];
    for (name, values, want, kind) in cases {
        let r = Bank::new(2, 100).check(&CheckContext::default(), &reads(&values));
        assert_eq!(r.valid, want, "{name}: {:#?}", r.details);
        if !kind.is_empty() {
            assert_eq!(
                r.details["errors"][kind]["count"], 1,
                "{name}: {:#?}",
                r.details
            );
            assert_eq!(
                r.details["first-error"]["index"],
                2 * values.len() as u64 - 1
            );
        }
    }
    let r = Bank::new(2, 100).negative_balances(true).check(
        &CheckContext::default(),
        &reads(&[json!({"0": -10, "1": 110})]),
    );
    assert_eq!(r.valid, Valid::Valid);
}

#[test]
fn wrong_total_names_the_totals_and_ignores_other_ops() {
    let mut h = reads(&[json!({"0": 3, "1": 4})]).ops;
    let t = Op::invoke(
        Process::Client(9),
        "transfer",
        json!({"from": 0, "to": 1, "amount": 5}),
    );
    h.push(t.clone());
    h.push(t.fail("insufficient funds"));
    let r = Bank::new(2, 100).check(&CheckContext::default(), &History::new(h));
    assert_eq!(r.details["read-count"], 1);
    assert_eq!(
        r.details["first-error"]["error"],
        json!({"total": 7, "expected": 100})
    );
}

/// Applies a transfer to `bal` (or not) and returns its completion: `fail` on
/// overdraft, one in ten `info` (half of those in effect), else ok.
fn apply_transfer(bal: &mut [i64], inv: &Op, rng: &mut ChaCha8Rng) -> Op {
    let v = &inv.value;
    let from = v["from"].as_u64().unwrap() as usize;
    let to = v["to"].as_u64().unwrap() as usize;
    let amount = v["amount"].as_i64().unwrap();
    let indeterminate = rng.gen_bool(0.1);
    if bal[from] < amount {
        return inv.fail("insufficient funds");
    }
    if indeterminate && rng.gen_bool(0.5) {
        return inv.info("timeout");
    }
    bal[from] -= amount;
    bal[to] += amount;
    if indeterminate {
        inv.info("timeout")
    } else {
        inv.ok()
    }
}

/// A correct bank of `accounts` accounts holding 100 under `procs` clients: each
/// op takes effect atomically at one step between its invocation and
/// completion; overdrawing transfers fail; some end `info`, in effect or not.
fn simulate(seed: u64, procs: u64, accounts: usize, steps: usize) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bal = vec![100 / accounts as i64; accounts];
    bal[0] += 100 - bal.iter().sum::<i64>();
    let snapshot = |bal: &[i64]| -> Value {
        bal.iter()
            .enumerate()
            .map(|(a, b)| (a.to_string(), json!(b)))
            .collect::<Map<_, _>>()
            .into()
    };
    // (invocation, applied, completion) per thread
    let mut flight: Vec<Option<(Op, bool, Option<Op>)>> = (0..procs).map(|_| None).collect();
    let mut who: Vec<u64> = (0..procs).collect();
    let mut out = Vec::new();
    for _ in 0..steps {
        let t = rng.gen_range(0..procs as usize);
        match flight[t].take() {
            None => {
                let p = Process::Client(who[t]);
                let inv = if rng.gen_bool(0.5) {
                    let from = rng.gen_range(0..accounts);
                    let to = (from + rng.gen_range(1..accounts)) % accounts;
                    let amount = rng.gen_range(1..=5);
                    Op::invoke(
                        p,
                        "transfer",
                        json!({"from": from, "to": to, "amount": amount}),
                    )
                } else {
                    Op::invoke(p, "read", Value::Null)
                };
                out.push(inv.clone());
                flight[t] = Some((inv, false, None));
            }
            Some((inv, false, _)) => {
                let done = if inv.f == "read" {
                    inv.complete(OpType::Ok, snapshot(&bal))
                } else {
                    apply_transfer(&mut bal, &inv, &mut rng)
                };
                flight[t] = Some((inv, true, Some(done)));
            }
            Some((_, true, done)) => {
                let done = done.expect("applied ops carry their completion");
                if done.kind == OpType::Info {
                    who[t] += procs;
                }
                out.push(done);
            }
        }
    }
    for f in flight.iter_mut() {
        match f.take() {
            Some((_, true, Some(done))) => out.push(done),
            Some((inv, _, _)) => out.push(inv.info("test ended")),
            None => {}
        }
    }
    let inv = Op::invoke(Process::Client(1_000), "read", Value::Null);
    out.push(inv.clone());
    out.push(inv.complete(OpType::Ok, snapshot(&bal)));
    for (i, op) in out.iter_mut().enumerate() {
        op.index = i as u64;
        op.time = i as u64 * 1_000;
    }
    out
}

#[test]
fn simulated_correct_banks_are_valid_and_mutated_reads_are_not() {
    let ctx = CheckContext::default();
    let bank = Bank::new(5, 100);
    for seed in 0..20 {
        let ops = simulate(seed, 5, 5, 600);
        let r = bank.check(&ctx, &History::new(ops.clone()));
        assert_eq!(r.valid, Valid::Valid, "seed {seed}: {:#?}", r.details);
        assert!(r.details["read-count"].as_u64().unwrap() > 10);

        let read_at: Vec<usize> = (0..ops.len())
            .filter(|&i| ops[i].f == "read" && ops[i].kind == OpType::Ok)
            .collect();
        let j = read_at[seed as usize % read_at.len()];
        // Money from nowhere.
        let mut made = ops.clone();
        let b = made[j].value["2"].as_i64().unwrap();
        made[j].value["2"] = json!(b + 1);
        let r = bank.check(&ctx, &History::new(made));
        assert_eq!(r.valid, Valid::Invalid, "seed {seed}");
        assert_eq!(r.details["errors"]["wrong-total"]["count"], 1);
        assert_eq!(r.details["first-error"]["index"], j as u64);
        // An overdraft that keeps the total.
        let mut over = ops.clone();
        let (b0, b1) = (
            over[j].value["0"].as_i64().unwrap(),
            over[j].value["1"].as_i64().unwrap(),
        );
        over[j].value["0"] = json!(-3);
        over[j].value["1"] = json!(b1 + b0 + 3);
        let r = bank.check(&ctx, &History::new(over));
        assert_eq!(r.valid, Valid::Invalid, "seed {seed}");
        assert!(r.details["errors"].get("wrong-total").is_none());
        assert_eq!(r.details["errors"]["negative-value"]["count"], 1);
    }
}
