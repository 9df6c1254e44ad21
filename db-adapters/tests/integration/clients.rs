//! The etcd clients against a real single-member etcd on loopback: each workload's
//! ops (counter's adds contending), their completions, and how errors and timeouts
//! become `fail` or `info`.

use super::local_etcd::{test_for, LocalEtcd};
use rjepsen_core::client::Client;
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use rjepsen_db::client_for;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn open(workload: &str, test: &Test, node: &str) -> Box<dyn Client> {
    let template = client_for("etcd", workload).unwrap();
    template.open(test, node).await.unwrap()
}

use rjepsen_testkit::call;

fn assert_kind(op: &Op, kind: OpType) {
    assert_eq!(op.kind, kind, "unexpected completion {op:?}");
}

#[tokio::test]
async fn register_reads_writes_and_cas() {
    let Some(etcd) = LocalEtcd::start("register") else {
        return;
    };
    let test = etcd.test(json!({}));
    let mut c = open("register", &test, &etcd.node).await;
    let r = call(&mut c, &test, "read", json!([1, null])).await;
    assert_kind(&r, OpType::Ok);
    assert_eq!(r.value, json!([1, null]));
    assert_eq!(r.node.as_deref(), Some(etcd.node.as_str()));
    assert_kind(
        &call(&mut c, &test, "write", json!([1, 3])).await,
        OpType::Ok,
    );
    assert_eq!(
        call(&mut c, &test, "read", json!([1, null])).await.value,
        json!([1, 3])
    );
    assert_kind(
        &call(&mut c, &test, "cas", json!([1, [3, 4]])).await,
        OpType::Ok,
    );
    let failed = call(&mut c, &test, "cas", json!([1, [3, 5]])).await;
    assert_kind(&failed, OpType::Fail);
    assert!(failed.error.is_some());
    assert_eq!(failed.value, json!([1, [3, 5]]));
    // A cas on a key never written fails too (null is not 0).
    assert_kind(
        &call(&mut c, &test, "cas", json!([2, [0, 1]])).await,
        OpType::Fail,
    );
    assert_eq!(
        call(&mut c, &test, "read", json!([1, null])).await.value,
        json!([1, 4])
    );
    assert_eq!(
        call(&mut c, &test, "read", json!([2, null])).await.value,
        json!([2, null])
    );

    let stale = etcd.test(json!({"serializable-reads": true}));
    let mut s = open("register", &stale, &etcd.node).await;
    assert_eq!(
        call(&mut s, &stale, "read", json!([1, null])).await.value,
        json!([1, 4])
    );
}

/// Four workers add at once to the one counter: their compare-and-puts on
/// the key's revision collide and retry, and the total is exactly the sum.
#[tokio::test]
async fn counter_adds_sum_up_under_contention() {
    let Some(etcd) = LocalEtcd::start("counter") else {
        return;
    };
    let test = etcd.test(json!({}));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let mut c = open("counter", &test, &etcd.node).await;
        let test = test.clone();
        workers.push(tokio::spawn(async move {
            for d in 1..=10 {
                assert_kind(&call(&mut c, &test, "add", json!(d)).await, OpType::Ok);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let mut c = open("counter", &test, &etcd.node).await;
    let read = call(&mut c, &test, "read", Value::Null).await;
    assert_eq!(read.value, json!(4 * 55), "{read:?}");
    assert_kind(&call(&mut c, &test, "add", json!(0)).await, OpType::Fail);
}

#[tokio::test]
async fn set_keeps_every_acknowledged_add() {
    let Some(etcd) = LocalEtcd::start("set") else {
        return;
    };
    let test = etcd.test(json!({}));
    let mut workers = Vec::new();
    for w in 0..4i64 {
        let mut c = open("set", &test, &etcd.node).await;
        let test = test.clone();
        workers.push(tokio::spawn(async move {
            for i in 0..10 {
                let op = call(&mut c, &test, "add", json!(w * 100 + i)).await;
                assert_kind(&op, OpType::Ok);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let mut c = open("set", &test, &etcd.node).await;
    let read = call(&mut c, &test, "read", Value::Null).await;
    assert_kind(&read, OpType::Ok);
    let mut expected: Vec<i64> = (0..4)
        .flat_map(|w| (0..10).map(move |i| w * 100 + i))
        .collect();
    expected.sort();
    assert_eq!(read.value, json!(expected));
}

#[tokio::test]
async fn list_append_reads_own_appends() {
    let Some(etcd) = LocalEtcd::start("append") else {
        return;
    };
    let test = etcd.test(json!({}));
    let mut c = open("list-append", &test, &etcd.node).await;
    let t = call(
        &mut c,
        &test,
        "txn",
        json!([["append", 1, 1], ["r", 1, null]]),
    )
    .await;
    assert_kind(&t, OpType::Ok);
    assert_eq!(t.value, json!([["append", 1, 1], ["r", 1, [1]]]));
    let t = call(
        &mut c,
        &test,
        "txn",
        json!([
            ["r", 1, null],
            ["append", 1, 2],
            ["r", 1, null],
            ["r", 2, null]
        ]),
    )
    .await;
    assert_kind(&t, OpType::Ok);
    assert_eq!(
        t.value,
        json!([
            ["r", 1, [1]],
            ["append", 1, 2],
            ["r", 1, [1, 2]],
            ["r", 2, []]
        ])
    );
    let t = call(&mut c, &test, "txn", json!([["r", 1, null]])).await;
    assert_eq!(t.value, json!([["r", 1, [1, 2]]]));
    let bad = call(&mut c, &test, "txn", json!([["w", 1, 2]])).await;
    assert_kind(&bad, OpType::Fail);
}

/// Concurrent appends to one key: some txns must lose their compare (`fail`), and
/// the final list holds exactly the acknowledged appends.
#[tokio::test]
async fn list_append_conflicts_fail_and_leave_no_trace() {
    let Some(etcd) = LocalEtcd::start("conflict") else {
        return;
    };
    let test = etcd.test(json!({}));
    let mut workers = Vec::new();
    for w in 0..6i64 {
        let mut c = open("list-append", &test, &etcd.node).await;
        let test = test.clone();
        workers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for i in 0..15 {
                let v = w * 1000 + i;
                let op = call(
                    &mut c,
                    &test,
                    "txn",
                    json!([["r", 9, null], ["append", 9, v]]),
                )
                .await;
                outcomes.push((v, op.kind, op.error));
            }
            outcomes
        }));
    }
    let mut acked = Vec::new();
    let mut failed = Vec::new();
    for w in workers {
        for (v, kind, error) in w.await.unwrap() {
            match kind {
                OpType::Ok => acked.push(v),
                OpType::Fail => {
                    let e = error.unwrap().to_string();
                    assert!(e.contains("conflict"), "{e}");
                    failed.push(v)
                }
                other => panic!("unexpected {other:?} for append {v}"),
            }
        }
    }
    assert!(
        !failed.is_empty(),
        "no txn conflicted among 90 concurrent appends"
    );
    let mut c = open("list-append", &test, &etcd.node).await;
    let read = call(&mut c, &test, "txn", json!([["r", 9, null]])).await;
    let list: Vec<i64> = serde_json::from_value(read.value[0][2].clone()).unwrap();
    let mut sorted = list.clone();
    sorted.sort();
    acked.sort();
    assert_eq!(
        sorted, acked,
        "the list must hold exactly the acknowledged appends"
    );
    eprintln!(
        "list-append: {} ok, {} failed on conflict",
        acked.len(),
        failed.len()
    );
}

#[tokio::test]
async fn rw_register_and_bank() {
    let Some(etcd) = LocalEtcd::start("bank") else {
        return;
    };
    let test = etcd.test(json!({"accounts": 4, "total-amount": 40}));
    let mut rw = open("rw-register", &test, &etcd.node).await;
    let t = call(
        &mut rw,
        &test,
        "txn",
        json!([["r", 1, null], ["w", 1, 5], ["r", 1, null]]),
    )
    .await;
    assert_eq!(t.value, json!([["r", 1, null], ["w", 1, 5], ["r", 1, 5]]));

    let mut bank = open("bank", &test, &etcd.node).await;
    bank.setup(&test).await.unwrap();
    bank.setup(&test).await.unwrap();
    let read = call(&mut bank, &test, "read", Value::Null).await;
    assert_eq!(read.value, json!({"0": 10, "1": 10, "2": 10, "3": 10}));
    let t = call(
        &mut bank,
        &test,
        "transfer",
        json!({"from": 0, "to": 3, "amount": 7}),
    )
    .await;
    assert_kind(&t, OpType::Ok);
    let over = call(
        &mut bank,
        &test,
        "transfer",
        json!({"from": 0, "to": 1, "amount": 4}),
    )
    .await;
    assert_kind(&over, OpType::Fail);
    let read = call(&mut bank, &test, "read", Value::Null).await;
    assert_eq!(read.value, json!({"0": 3, "1": 10, "2": 10, "3": 17}));
}

/// A node that refuses connections: reads and writes `fail` (nothing was sent);
/// a paused node: reads `fail` and writes are `info` after the op timeout.
#[tokio::test]
async fn errors_and_timeouts_become_fail_or_info() {
    let Some(etcd) = LocalEtcd::start("faults") else {
        return;
    };
    let test = etcd.test(json!({"op-timeout": 1}));
    let mut c = open("register", &test, &etcd.node).await;
    assert_kind(
        &call(&mut c, &test, "write", json!([1, 1])).await,
        OpType::Ok,
    );

    etcd.signal("STOP");
    let started = Instant::now();
    let w = call(&mut c, &test, "write", json!([1, 2])).await;
    let write_took = started.elapsed();
    let r = call(&mut c, &test, "read", json!([1, null])).await;
    etcd.signal("CONT");
    assert_kind(&w, OpType::Info);
    assert_kind(&r, OpType::Fail);
    assert!(w.error.is_some() && r.error.is_some());
    assert!(
        write_took < Duration::from_secs(3),
        "timeout took {write_took:?}"
    );

    let dead = super::local_etcd::free_port_node();
    let down = test_for(vec![dead.clone()], json!({"op-timeout": 3}));
    let mut d = open("register", &down, &dead).await;
    let started = Instant::now();
    let w = call(&mut d, &down, "write", json!([1, 2])).await;
    eprintln!(
        "write to a closed port: {:?} after {:?}",
        w.error,
        started.elapsed()
    );
    assert_kind(&w, OpType::Fail);
    assert_eq!(w.node.as_deref(), Some(dead.as_str()));
    assert_kind(
        &call(&mut d, &down, "read", json!([1, null])).await,
        OpType::Fail,
    );
}
