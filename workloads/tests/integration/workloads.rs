//! Each workload end to end against the simulated stores: generator →
//! history → the workload's checker composition.

use super::sim::run;
use super::stores::{BankStore, CounterStore, SetStore, TxnStore};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, History, OpType, Valid};
use rjepsen_workloads::{build, WorkloadOptions, WORKLOADS};
use serde_json::{json, Value};

const CONCURRENCY: u64 = 5;

fn opts() -> WorkloadOptions {
    WorkloadOptions {
        concurrency: CONCURRENCY as usize,
        ..Default::default()
    }
}

fn check(name: &str, h: &History) -> CheckResult {
    build(name, &opts())
        .unwrap()
        .checker
        .check(&CheckContext::default(), h)
}

#[test]
fn every_listed_workload_builds() {
    for name in WORKLOADS {
        let w = build(name, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(w.name, *name);
    }
    assert!(build("no-such", &opts()).is_err());
}

#[test]
fn counter_on_a_correct_store_is_valid_and_a_read_short_of_acks_is_not() {
    for seed in 0..3 {
        let mut w = build("counter", &opts()).unwrap();
        let h = run(
            &mut w,
            &mut CounterStore::default(),
            CONCURRENCY,
            2_000,
            seed,
        );
        let r = w.checker.check(&CheckContext::default(), &h);
        assert_eq!(r.valid, Valid::Valid, "seed {seed}: {:#?}", r.details);
        assert!(r.details["counter"]["read-count"].as_u64().unwrap() > 200);
        // The last ok read, made to miss the whole sum acknowledged before it.
        let last = h
            .ops
            .iter()
            .rposition(|o| o.f == "read" && o.kind == OpType::Ok)
            .unwrap();
        let inv = h.invocation_of(last).unwrap();
        let acked: i64 = h.ops[..inv]
            .iter()
            .filter(|o| o.f == "add" && o.kind == OpType::Ok)
            .map(|o| o.value.as_i64().unwrap())
            .sum();
        assert!(acked > 0);
        let mut ops = h.ops.clone();
        ops[last].value = json!(acked - 1);
        let r = check("counter", &History::new(ops));
        assert_eq!(r.valid, Valid::Invalid, "seed {seed}");
        assert_eq!(r.details["counter"]["error-count"], json!(1));
    }
}

#[test]
fn set_on_a_correct_store_is_valid_and_losing_an_element_is_not() {
    for seed in 0..3 {
        let mut w = build("set", &opts()).unwrap();
        let h = run(&mut w, &mut SetStore::default(), CONCURRENCY, 2_000, seed);
        let r = w.checker.check(&CheckContext::default(), &h);
        assert_eq!(r.valid, Valid::Valid, "seed {seed}: {:#?}", r.details);
        let set = &r.details["set"];
        assert!(
            set["read-count"].as_u64().unwrap() >= CONCURRENCY,
            "{set:#?}"
        );
        assert!(set["stable-count"].as_u64().unwrap() > 1_000, "{set:#?}");

        // Forget an acknowledged element in every read invoked after its ack.
        let ack = h
            .ops
            .iter()
            .position(|o| o.f == "add" && o.kind == OpType::Ok)
            .unwrap();
        let e = h.ops[ack].value.as_i64().unwrap();
        let mut ops = h.ops.clone();
        for (j, op) in ops.iter_mut().enumerate() {
            if op.f == "read" && op.kind == OpType::Ok && h.invocation_of(j) > Some(ack) {
                let v: Vec<i64> = serde_json::from_value(op.value.clone()).unwrap();
                op.value = json!(v.into_iter().filter(|x| *x != e).collect::<Vec<_>>());
            }
        }
        let r = check("set", &History::new(ops));
        assert_eq!(r.valid, Valid::Invalid, "seed {seed}");
        assert_eq!(r.details["set"]["lost"], json!([e]));
    }
}

#[test]
fn bank_on_a_correct_store_is_valid_and_a_wrong_total_is_not() {
    let mut w = build("bank", &opts()).unwrap();
    let h = run(&mut w, &mut BankStore::default(), CONCURRENCY, 2_000, 1);
    let r = w.checker.check(&CheckContext::default(), &h);
    assert_eq!(r.valid, Valid::Valid, "{:#?}", r.details);
    assert!(r.details["bank"]["read-count"].as_u64().unwrap() > 500);
    let transfers = &r.details["stats"]["by-f"]["transfer"];
    assert!(transfers["ok-count"].as_u64().unwrap() > 500, "{transfers}");

    let mut ops = h.ops.clone();
    let j = ops
        .iter()
        .rposition(|o| o.f == "read" && o.kind == OpType::Ok)
        .unwrap();
    ops[j].value["3"] = json!(ops[j].value["3"].as_i64().unwrap() + 7);
    let r = check("bank", &History::new(ops));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["bank"]["first-error"]["index"], j as u64);
}

/// The names of the anomalies Elle reported.
fn anomalies(r: &CheckResult) -> Vec<String> {
    let elle = &r.details["elle"];
    let types = elle.get("anomaly-types").cloned().unwrap_or(Value::Null);
    match types {
        Value::Array(v) => v
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => elle["anomalies"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

#[test]
fn elle_workloads_on_a_serializable_store_are_valid_and_without_isolation_are_not() {
    for (name, lists) in [("list-append", true), ("rw-register", false)] {
        let mut w = build(name, &opts()).unwrap();
        let h = run(
            &mut w,
            &mut TxnStore::new(lists, true),
            CONCURRENCY,
            2_000,
            4,
        );
        let r = w.checker.check(&CheckContext::default(), &h);
        assert_eq!(r.valid, Valid::Valid, "{name}: {:#?}", r.details);

        let mut w = build(name, &opts()).unwrap();
        let h = run(
            &mut w,
            &mut TxnStore::new(lists, false),
            CONCURRENCY,
            2_000,
            4,
        );
        let r = w.checker.check(&CheckContext::default(), &h);
        assert_eq!(r.valid, Valid::Invalid, "{name}: {:#?}", r.details["elle"]);
        // Reading at one instant and writing at another, unchecked, loses updates.
        let found = anomalies(&r);
        assert!(
            found.iter().any(|a| a == "lost-update"),
            "{name}: {found:?}"
        );
    }
}

#[test]
fn list_append_with_a_duplicated_element_is_invalid() {
    let mut w = build("list-append", &opts()).unwrap();
    let h = run(
        &mut w,
        &mut TxnStore::new(true, true),
        CONCURRENCY,
        1_000,
        9,
    );
    let mut ops = h.ops.clone();
    let (j, m) = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == OpType::Ok)
        .find_map(|(j, o)| {
            let mops = o.value.as_array()?;
            let m = mops
                .iter()
                .position(|m| m[0] == "r" && m[2].as_array().is_some_and(|l| !l.is_empty()))?;
            Some((j, m))
        })
        .expect("some read saw an append");
    let list = ops[j].value[m][2].as_array_mut().unwrap();
    list.push(list[0].clone());
    let r = check("list-append", &History::new(ops));
    assert_eq!(r.valid, Valid::Invalid, "{:#?}", r.details["elle"]);
    assert!(
        anomalies(&r).iter().any(|a| a == "duplicate-elements"),
        "{:?}",
        anomalies(&r)
    );
}
