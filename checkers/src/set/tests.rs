//! Hand-made histories for each outcome, then histories of a simulated correct
//! set with concurrency (must be valid) and the same histories mutated (must not).

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::{Op, Process};

/// `(process, type, f, value)` rows; index = row, time = row milliseconds.
fn history(rows: &[(u64, &str, &str, Value)]) -> History {
    let ops = rows
        .iter()
        .enumerate()
        .map(|(i, (p, kind, f, v))| {
            let mut op = Op::invoke(Process::Client(*p), *f, v.clone());
            op.kind = serde_json::from_value(json!(kind)).unwrap();
            op.index = i as u64;
            op.time = i as u64 * 1_000_000;
            op
        })
        .collect();
    History::new(ops)
}

fn check(rows: &[(u64, &str, &str, Value)]) -> CheckResult {
    SetFull::new().check(&CheckContext::default(), &history(rows))
}

fn add(p: u64, kind: &'static str, e: i64) -> (u64, &'static str, &'static str, Value) {
    (p, kind, "add", json!(e))
}

fn read(p: u64, kind: &'static str, v: Value) -> (u64, &'static str, &'static str, Value) {
    (p, kind, "read", v)
}

#[test]
fn hand_made_outcomes() {
    let n = Value::Null;
    // (name, rows, verdict, field that must list element, element)
    let cases: Vec<(&str, Vec<_>, Valid, &str, i64)> = vec![
        (
            "stable",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([1])),
            ],
            Valid::Valid,
            "",
            0,
        ),
        (
            "lost",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([1])),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([])),
            ],
            Valid::Invalid,
            "lost",
            1,
        ),
        (
            "lost, never seen",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([])),
            ],
            Valid::Invalid,
            "lost",
            1,
        ),
        // The read began before the add was acknowledged: missing it is fine.
        (
            "concurrent read",
            vec![
                add(0, "invoke", 1),
                read(1, "invoke", n.clone()),
                add(0, "ok", 1),
                read(1, "ok", json!([])),
            ],
            Valid::Valid,
            "never-read",
            1,
        ),
        (
            "stale",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([])),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([1])),
            ],
            Valid::Valid,
            "stale",
            1,
        ),
        (
            "recovered info",
            vec![
                add(0, "invoke", 2),
                add(0, "info", 2),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([2])),
            ],
            Valid::Valid,
            "recovered",
            2,
        ),
        (
            "info seen then lost",
            vec![
                add(0, "invoke", 2),
                add(0, "info", 2),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([2])),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([])),
            ],
            Valid::Invalid,
            "lost",
            2,
        ),
        (
            "info never seen",
            vec![
                add(0, "invoke", 2),
                add(0, "info", 2),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([])),
            ],
            Valid::Valid,
            "never-read",
            2,
        ),
        (
            "failed add absent",
            vec![
                add(0, "invoke", 3),
                add(0, "fail", 3),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([])),
            ],
            Valid::Valid,
            "",
            0,
        ),
        (
            "failed add present",
            vec![
                add(0, "invoke", 3),
                add(0, "fail", 3),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([3])),
            ],
            Valid::Invalid,
            "failed-present",
            3,
        ),
        (
            "unexpected",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([1, 7])),
            ],
            Valid::Invalid,
            "unexpected",
            7,
        ),
        (
            "duplicated",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([1, 1])),
            ],
            Valid::Invalid,
            "duplicated",
            1,
        ),
        (
            "no read",
            vec![add(0, "invoke", 1), add(0, "ok", 1)],
            Valid::Unknown,
            "",
            0,
        ),
        (
            "failed read only",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "fail", n.clone()),
            ],
            Valid::Unknown,
            "",
            0,
        ),
        (
            "malformed read",
            vec![
                add(0, "invoke", 1),
                add(0, "ok", 1),
                read(1, "invoke", n.clone()),
                read(1, "ok", json!([1, "x"])),
            ],
            Valid::Unknown,
            "",
            0,
        ),
    ];
    for (name, rows, want, field, e) in cases {
        let r = check(&rows);
        assert_eq!(r.valid, want, "{name}: {:#?}", r.details);
        if !field.is_empty() {
            let list = r.details[field].as_array().unwrap();
            let found = list
                .iter()
                .any(|x| x == &json!(e) || x["element"] == json!(e));
            assert!(found, "{name}: {e} not in {field}: {:#?}", r.details);
        }
    }
}

#[test]
fn lost_element_is_explained() {
    let r = check(&[
        add(0, "invoke", 1),
        add(0, "ok", 1),
        read(1, "invoke", Value::Null),
        read(1, "ok", json!([1])),
        read(1, "invoke", Value::Null),
        read(1, "ok", json!([])),
    ]);
    let ex = &r.details["lost-explained"][0];
    assert_eq!(ex["add-completion-index"], 1);
    assert_eq!(ex["last-present-read-index"], 2);
    assert_eq!(ex["last-absent-read-index"], 4);
    // Known at 1 ms (the ack), last seen by the read invoked at 2 ms.
    let lat = r.details["lost-latencies"]["0"].as_f64().unwrap();
    assert!((1.0..1.01).contains(&lat), "{lat}");
}

#[test]
fn linearizable_mode_rejects_stale() {
    let rows = [
        add(0, "invoke", 1),
        add(0, "ok", 1),
        read(1, "invoke", Value::Null),
        read(1, "ok", json!([])),
        read(1, "invoke", Value::Null),
        read(1, "ok", json!([1])),
    ];
    let r = SetFull::new()
        .linearizable(true)
        .check(&CheckContext::default(), &history(&rows));
    assert_eq!(r.valid, Valid::Invalid);
}

/// A process's op in flight, and whether its effect has happened yet.
struct InFlight {
    inv: Op,
    outcome: OpType,
    applied: bool,
    read: Option<Vec<i64>>,
}

/// A correct set under concurrent clients: each op takes effect atomically at
/// one step between its invocation and completion. Adds end ok, fail (no
/// effect) or info (in effect or not).
struct SimSet {
    rng: ChaCha8Rng,
    procs: u64,
    set: std::collections::BTreeSet<i64>,
    out: Vec<Op>,
    who: Vec<u64>,
    flight: Vec<Option<InFlight>>,
    next: i64,
}

impl SimSet {
    fn emit(&mut self, mut op: Op) {
        op.index = self.out.len() as u64;
        op.time = op.index * 1_000;
        self.out.push(op);
    }

    fn contents(&self) -> Value {
        json!(self.set.iter().collect::<Vec<_>>())
    }

    fn invoke(&mut self, t: usize) {
        let p = Process::Client(self.who[t]);
        let inv = if self.rng.gen_bool(0.8) {
            self.next += 1;
            Op::invoke(p, "add", json!(self.next))
        } else {
            Op::invoke(p, "read", Value::Null)
        };
        let outcome = match self.rng.gen_range(0..10) {
            0 if inv.f == "add" => OpType::Fail,
            1 if inv.f == "add" => OpType::Info,
            _ => OpType::Ok,
        };
        self.emit(inv.clone());
        self.flight[t] = Some(InFlight {
            inv,
            outcome,
            applied: false,
            read: None,
        });
    }

    fn apply(&mut self, f: &mut InFlight) {
        let info_applies = f.outcome == OpType::Info && self.rng.gen_bool(0.5);
        if f.inv.f == "read" {
            f.read = Some(self.set.iter().copied().collect());
        } else if f.outcome == OpType::Ok || info_applies {
            self.set.insert(f.inv.value.as_i64().unwrap());
        }
        f.applied = true;
    }

    fn complete(&mut self, t: usize, f: InFlight) {
        let done = match &f.read {
            Some(r) => f.inv.complete(OpType::Ok, json!(r)),
            None => f.inv.complete(f.outcome, f.inv.value.clone()),
        };
        if f.outcome == OpType::Info {
            self.who[t] += self.procs;
        }
        self.emit(done);
    }

    /// Advances a random process by one step.
    fn step(&mut self) {
        let t = self.rng.gen_range(0..self.procs as usize);
        match self.flight[t].take() {
            None => self.invoke(t),
            Some(mut f) if !f.applied => {
                self.apply(&mut f);
                self.flight[t] = Some(f);
            }
            Some(f) => self.complete(t, f),
        }
    }

    /// Completes what is in flight, then a final read by every thread.
    fn finish(mut self) -> Vec<Op> {
        for t in 0..self.procs as usize {
            if let Some(mut f) = self.flight[t].take() {
                if !f.applied {
                    self.apply(&mut f);
                }
                self.complete(t, f);
            }
        }
        for t in 0..self.procs as usize {
            let p = Process::Client(self.who[t] + 10 * self.procs);
            let inv = Op::invoke(p, "read", Value::Null);
            self.emit(inv.clone());
            self.emit(inv.complete(OpType::Ok, self.contents()));
        }
        self.out
    }
}

/// `steps` steps of a simulated correct set with `procs` clients.
pub(crate) fn simulate(seed: u64, procs: u64, steps: usize) -> Vec<Op> {
    let mut sim = SimSet {
        rng: ChaCha8Rng::seed_from_u64(seed),
        procs,
        set: Default::default(),
        out: Vec::new(),
        who: (0..procs).collect(),
        flight: (0..procs).map(|_| None).collect(),
        next: 0,
    };
    for _ in 0..steps {
        sim.step();
    }
    sim.finish()
}

#[test]
fn simulated_correct_sets_are_valid_and_dropping_an_acked_element_is_lost() {
    let checker = SetFull::new();
    let ctx = CheckContext::default();
    for seed in 0..20 {
        let ops = simulate(seed, 5, 400);
        let h = History::new(ops.clone());
        let r = checker.check(&ctx, &h);
        assert_eq!(r.valid, Valid::Valid, "seed {seed}: {:#?}", r.details);
        assert!(r.details["read-count"].as_u64().unwrap() >= 5);
        assert_eq!(r.details["lost-count"], 0);

        // Drop one acknowledged element from every read that began after its ack.
        let acks: Vec<(usize, i64)> = ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o.f == "add" && o.kind == OpType::Ok)
            .map(|(i, o)| (i, o.value.as_i64().unwrap()))
            .collect();
        let (ack, e) = acks[seed as usize % acks.len()];
        let mut mutated = ops;
        for (j, op) in mutated.iter_mut().enumerate() {
            let starts_after = h.invocation_of(j).is_some_and(|i| i > ack);
            if op.f == "read" && op.kind == OpType::Ok && starts_after {
                let v: Vec<i64> = serde_json::from_value(op.value.clone()).unwrap();
                op.value = json!(v.into_iter().filter(|x| *x != e).collect::<Vec<_>>());
            }
        }
        let r = checker.check(&ctx, &History::new(mutated));
        assert_eq!(r.valid, Valid::Invalid, "seed {seed}: {:#?}", r.details);
        assert_eq!(r.details["lost"], json!([e]), "seed {seed}");
    }
}

#[test]
fn simulated_set_with_an_invented_element_is_invalid() {
    let mut ops = simulate(7, 4, 300);
    let last = ops.len() - 1;
    let mut v: Vec<i64> = serde_json::from_value(ops[last].value.clone()).unwrap();
    v.push(1_000_000);
    ops[last].value = json!(v);
    let r = SetFull::new().check(&CheckContext::default(), &History::new(ops));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["unexpected"][0]["element"], 1_000_000);
}

#[test]
fn simulated_set_missing_an_element_once_is_stale_not_lost() {
    let (mut stale_seen, mut recovered) = (0, 0);
    for seed in 0..20 {
        let ops = simulate(seed, 5, 400);
        let h = History::new(ops.clone());
        recovered += checker_counts(&h, "recovered-count");
        // The first ok read that began after some ack and showed its element.
        let acked: std::collections::BTreeMap<i64, usize> = ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o.f == "add" && o.kind == OpType::Ok)
            .map(|(i, o)| (o.value.as_i64().unwrap(), i))
            .collect();
        let victim = (0..ops.len()).find_map(|j| {
            let inv = h.invocation_of(j)?;
            let v = ops[j].value.as_array().filter(|_| ops[j].f == "read")?;
            let e = v
                .iter()
                .filter_map(Value::as_i64)
                .find(|e| acked.get(e).is_some_and(|&a| a < inv))?;
            Some((j, e))
        });
        let Some((j, e)) = victim else { continue };
        let mut mutated = ops;
        let v: Vec<i64> = serde_json::from_value(mutated[j].value.clone()).unwrap();
        mutated[j].value = json!(v.into_iter().filter(|x| *x != e).collect::<Vec<_>>());
        let h = History::new(mutated);
        let r = SetFull::new().check(&CheckContext::default(), &h);
        assert_eq!(r.valid, Valid::Valid, "seed {seed}: {:#?}", r.details);
        assert!(r.details["stale"].as_array().unwrap().contains(&json!(e)));
        let strict = SetFull::new().linearizable(true);
        assert_eq!(
            strict.check(&CheckContext::default(), &h).valid,
            Valid::Invalid
        );
        stale_seen += 1;
    }
    assert!(
        stale_seen >= 15,
        "only {stale_seen} seeds had a read to mutate"
    );
    assert!(recovered > 0, "the simulation never recovered an info add");
}

fn checker_counts(h: &History, field: &str) -> u64 {
    let r = SetFull::new().check(&CheckContext::default(), h);
    r.details[field].as_u64().unwrap()
}

#[test]
fn elements_outside_the_dense_table_work_alike() {
    let big = 1i64 << 40;
    let r = check(&[
        add(0, "invoke", -5),
        add(0, "ok", -5),
        add(0, "invoke", big),
        add(0, "ok", big),
        read(1, "invoke", Value::Null),
        read(1, "ok", json!([-5, big, big])),
        read(1, "invoke", Value::Null),
        read(1, "ok", json!([big])),
    ]);
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["lost"], json!([-5]));
    assert_eq!(r.details["duplicated"][0]["element"], json!(big));
    assert_eq!(r.details["stable-count"], 1);
}
