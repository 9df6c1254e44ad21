//! The PostgreSQL clients against a real server: each workload's ops, and a
//! serialization failure completing as `fail` that really left no trace.

use super::local_pg::LocalPg;
use rjepsen_core::client::Client;
use rjepsen_core::op::OpType;
use rjepsen_core::test::Test;
use rjepsen_testkit::call;
use serde_json::{json, Value};

async fn open(workload: &str, test: &Test) -> Box<dyn Client> {
    rjepsen_testkit::open(
        "postgres",
        rjepsen_db_postgres::served(),
        workload,
        test,
        "n1",
    )
    .await
}

#[tokio::test]
async fn every_workload_on_one_server() {
    let Some(pg) = LocalPg::start("ops") else {
        return;
    };
    let test = pg.test(json!({"isolation": "serializable"}));
    let mut r = open("register", &test).await;
    assert_eq!(
        call(&mut r, &test, "read", json!([1, null])).await.value,
        json!([1, null])
    );
    assert_eq!(
        call(&mut r, &test, "write", json!([1, 3])).await.kind,
        OpType::Ok
    );
    assert_eq!(
        call(&mut r, &test, "cas", json!([1, [3, 4]])).await.kind,
        OpType::Ok
    );
    assert_eq!(
        call(&mut r, &test, "cas", json!([1, [3, 5]])).await.kind,
        OpType::Fail
    );
    assert_eq!(
        call(&mut r, &test, "read", json!([1, null])).await.value,
        json!([1, 4])
    );
    let mut s = open("set", &test).await;
    for e in [2, 1] {
        assert_eq!(call(&mut s, &test, "add", json!(e)).await.kind, OpType::Ok);
    }
    assert_eq!(
        call(&mut s, &test, "read", Value::Null).await.value,
        json!([1, 2])
    );
    let mut la = open("list-append", &test).await;
    let done = call(
        &mut la,
        &test,
        "txn",
        json!([["append", 1, 5], ["r", 1, null], ["r", 2, null]]),
    )
    .await;
    assert_eq!(
        done.value,
        json!([["append", 1, 5], ["r", 1, [5]], ["r", 2, []]]),
        "{done:?}"
    );
    let mut rw = open("rw-register", &test).await;
    let done = call(
        &mut rw,
        &test,
        "txn",
        json!([["r", "x", null], ["w", "x", 2], ["r", "x", null]]),
    )
    .await;
    assert_eq!(
        done.value,
        json!([["r", "x", null], ["w", "x", 2], ["r", "x", 2]]),
        "{done:?}"
    );
}

/// Eight clients read-then-append one key at once, serializable: some commits
/// fail with 40001, and the final list holds exactly the acknowledged appends.
#[tokio::test]
async fn serialization_failures_fail_and_leave_no_trace() {
    let Some(pg) = LocalPg::start("conflicts") else {
        return;
    };
    let test = pg.test(json!({"isolation": "serializable"}));
    let mut tasks = Vec::new();
    for t in 0..8i64 {
        let test = test.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = open("list-append", &test).await;
            let mut kinds = Vec::new();
            for i in 0..20 {
                let v = t * 100 + i;
                let op = call(
                    &mut c,
                    &test,
                    "txn",
                    json!([["r", 0, null], ["append", 0, v]]),
                )
                .await;
                kinds.push((v, op.kind, op.error));
            }
            kinds
        }));
    }
    let mut ok = Vec::new();
    let mut failed = 0;
    for t in tasks {
        for (v, kind, error) in t.await.unwrap() {
            match kind {
                OpType::Ok => ok.push(v),
                OpType::Fail => {
                    failed += 1;
                    let e = error.unwrap().to_string();
                    assert!(e.contains("40001"), "{e}");
                }
                other => panic!("unexpected {other:?}: {error:?}"),
            }
        }
    }
    let mut c = open("list-append", &test).await;
    let read = call(&mut c, &test, "txn", json!([["r", 0, null]])).await;
    let mut list: Vec<i64> = serde_json::from_value(read.value[0][2].clone()).unwrap();
    eprintln!("{} ok, {failed} failed with 40001", ok.len());
    assert!(failed > 0, "no conflict among 160 concurrent read-appends");
    list.sort_unstable();
    ok.sort_unstable();
    assert_eq!(list, ok);
}

/// Concurrent transfers at serializable: every one commits or fails
/// (overdraft or 40001), and a read of all accounts keeps the total.
#[tokio::test]
async fn bank_transfers_keep_the_total() {
    let Some(pg) = LocalPg::start("bank") else {
        return;
    };
    let test = pg.test(json!({"isolation": "serializable"}));
    let mut tasks = Vec::new();
    for i in 0..4i64 {
        let mut c = open("bank", &test).await;
        c.setup(&test).await.unwrap();
        let test = test.clone();
        tasks.push(tokio::spawn(async move {
            let mut kinds = Vec::new();
            for j in 0..25i64 {
                let from = (i + j) % 8;
                let v = json!({"from": from, "to": (from + 1 + i) % 8, "amount": 5});
                kinds.push(call(&mut c, &test, "transfer", v).await.kind);
            }
            kinds
        }));
    }
    let mut kinds = Vec::new();
    for t in tasks {
        kinds.extend(t.await.unwrap());
    }
    let ok = kinds.iter().filter(|k| **k == OpType::Ok).count();
    let fail = kinds.iter().filter(|k| **k == OpType::Fail).count();
    eprintln!("bank: {ok} ok, {fail} fail of {}", kinds.len());
    assert_eq!(ok + fail, kinds.len(), "{kinds:?}");
    assert!(ok > 0, "{kinds:?}");
    let mut r = open("bank", &test).await;
    let read = call(&mut r, &test, "read", Value::Null).await;
    let balances = read.value.as_object().unwrap();
    assert_eq!(balances.len(), 8, "{read:?}");
    let total: i64 = balances.values().map(|b| b.as_i64().unwrap()).sum();
    assert_eq!(total, 100, "{read:?}");
    assert!(
        balances.values().all(|b| b.as_i64().unwrap() >= 0),
        "{read:?}"
    );
}
