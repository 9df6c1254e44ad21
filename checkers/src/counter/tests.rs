//! Hand-made histories at the bounds, then histories of a simulated correct
//! counter with concurrency and uncertain adds (must be valid), and the same
//! histories with one read moved out of its bounds (must not).

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::{Op, Process};

fn op(p: u64, kind: OpType, f: &str, v: Value) -> Op {
    let mut o = Op::invoke(Process::Client(p), f, v);
    o.kind = kind;
    o
}

fn history(mut ops: Vec<Op>) -> History {
    for (i, o) in ops.iter_mut().enumerate() {
        o.index = i as u64;
        o.time = i as u64 * 1_000;
    }
    History::new(ops)
}

fn verdict(ops: Vec<Op>) -> Valid {
    Counter.check(&CheckContext::default(), &history(ops)).valid
}

use OpType::{Fail, Info, Invoke, Ok as Done};

#[test]
fn hand_made_bounds() {
    let add = |p, k, d: i64| op(p, k, "add", json!(d));
    let read = |p, k, v: Value| op(p, k, "read", v);
    let n = Value::Null;
    let cases: Vec<(&str, Vec<Op>, Valid)> = vec![
        (
            "an acknowledged add is seen",
            vec![
                add(0, Invoke, 2),
                add(0, Done, 2),
                read(1, Invoke, n.clone()),
                read(1, Done, json!(2)),
            ],
            Valid::Valid,
        ),
        (
            "an acknowledged add is missed",
            vec![
                add(0, Invoke, 2),
                add(0, Done, 2),
                read(1, Invoke, n.clone()),
                read(1, Done, json!(0)),
            ],
            Valid::Invalid,
        ),
        // Concurrent with the read: 0 and 2 are both fine.
        (
            "a concurrent add may be missed",
            vec![
                add(0, Invoke, 2),
                read(1, Invoke, n.clone()),
                add(0, Done, 2),
                read(1, Done, json!(0)),
            ],
            Valid::Valid,
        ),
        (
            "an info add may be seen",
            vec![
                add(0, Invoke, 3),
                add(0, Info, 3),
                read(1, Invoke, n.clone()),
                read(1, Done, json!(3)),
            ],
            Valid::Valid,
        ),
        (
            "a failed add must not be seen",
            vec![
                add(0, Invoke, 3),
                add(0, Fail, 3),
                read(1, Invoke, n.clone()),
                read(1, Done, json!(3)),
            ],
            Valid::Invalid,
        ),
        (
            "an add invoked after the read completed is not in it",
            vec![
                read(1, Invoke, n.clone()),
                read(1, Done, json!(4)),
                add(0, Invoke, 4),
                add(0, Done, 4),
            ],
            Valid::Invalid,
        ),
        (
            "no reads: unknown",
            vec![add(0, Invoke, 1), add(0, Done, 1)],
            Valid::Unknown,
        ),
        (
            "a read of a string: unknown",
            vec![read(1, Invoke, n.clone()), read(1, Done, json!("x"))],
            Valid::Unknown,
        ),
    ];
    for (name, ops, want) in cases {
        assert_eq!(verdict(ops), want, "{name}");
    }
}

/// A correct counter under `procs` concurrent clients: each op takes effect
/// atomically at one moment between its invocation and its completion; an
/// add may complete `info` (applied or not), or `fail` (not applied).
fn simulate(seed: u64, procs: u64, steps: usize) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut value = 0i64;
    // Per process: the open op and whether it took effect (with what it read).
    let mut open: Vec<Option<(Op, Option<i64>)>> = vec![None; procs as usize];
    let mut ops = Vec::new();
    for _ in 0..steps {
        let p = rng.gen_range(0..procs);
        let slot = &mut open[p as usize];
        match slot.take() {
            None => {
                let inv = if rng.gen_bool(0.3) {
                    op(p, Invoke, "read", Value::Null)
                } else {
                    op(p, Invoke, "add", json!(rng.gen_range(1..5)))
                };
                ops.push(inv.clone());
                *slot = Some((inv, None));
            }
            Some((inv, None)) if rng.gen_bool(0.5) => {
                if inv.f == "add" {
                    value += inv.value.as_i64().unwrap();
                }
                *slot = Some((inv, Some(value)));
            }
            Some((inv, applied)) => {
                let done = match (inv.f.as_str(), applied) {
                    ("read", Some(v)) => op(p, Done, "read", json!(v)),
                    ("read", None) => op(p, Fail, "read", Value::Null),
                    (_, Some(_)) if rng.gen_bool(0.1) => op(p, Info, "add", inv.value.clone()),
                    (_, Some(_)) => op(p, Done, "add", inv.value.clone()),
                    (_, None) if rng.gen_bool(0.5) => op(p, Info, "add", inv.value.clone()),
                    (_, None) => op(p, Fail, "add", inv.value.clone()),
                };
                ops.push(done);
            }
        }
    }
    ops
}

#[test]
fn correct_counters_pass_and_moved_reads_fail() {
    for seed in 0..200 {
        let ops = simulate(seed, 5, 400);
        let h = history(ops.clone());
        let s = scan(&h);
        assert!(s.errors.is_empty(), "seed {seed}: {:?}", s.errors);
        assert!(s.reads > 0, "seed {seed}");
        // Move one ok read just outside its bounds, below or above.
        let reads: Vec<usize> = (0..ops.len())
            .filter(|&i| ops[i].f == "read" && ops[i].kind == Done)
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 1000);
        let at = reads[rng.gen_range(0..reads.len())];
        let inv = h.invocation_of(at).unwrap();
        let lower: i64 = (0..inv)
            .filter(|&i| ops[i].f == "add" && ops[i].kind == Done)
            .map(|i| ops[i].value.as_i64().unwrap())
            .sum();
        let upper: i64 = (0..at)
            .filter(|&i| ops[i].f == "add" && ops[i].kind == Invoke)
            .filter(|&i| h.completion_of(i).is_none_or(|c| ops[c].kind != Fail))
            .map(|i| ops[i].value.as_i64().unwrap())
            .sum();
        let mut bad = ops.clone();
        bad[at].value = if lower > 0 && rng.gen_bool(0.5) {
            json!(lower - 1)
        } else {
            json!(upper + 1)
        };
        assert_eq!(verdict(bad), Valid::Invalid, "seed {seed}: read at {at}");
    }
}
