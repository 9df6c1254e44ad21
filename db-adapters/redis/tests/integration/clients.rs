//! The Redis clients against a real server: each workload's ops; a write the
//! server could not answer in time completes `info` and really happened; a
//! write that could not be sent completes `fail`; `WAIT` short of replicas
//! leaves a write `info`.

use super::local::LocalRedis;
use rjepsen_core::client::Client;
use rjepsen_core::op::OpType;
use rjepsen_core::serve::pick;
use rjepsen_core::test::Test;
use rjepsen_testkit::call;
use serde_json::{json, Value};
use std::time::Duration;

async fn open(workload: &str, test: &Test) -> Box<dyn Client> {
    rjepsen_testkit::open("redis", rjepsen_db_redis::served(), workload, test, "n1").await
}

#[tokio::test]
async fn every_workload_on_one_server() {
    let Some(r) = LocalRedis::start(24011) else {
        return;
    };
    let test = r.test(json!({}));
    let mut reg = open("register", &test).await;
    let steps = [
        ("read", json!([1, null]), OpType::Ok, json!([1, null])),
        ("cas", json!([1, [0, 1]]), OpType::Fail, json!([1, [0, 1]])),
        ("write", json!([1, 3]), OpType::Ok, json!([1, 3])),
        ("cas", json!([1, [3, 4]]), OpType::Ok, json!([1, [3, 4]])),
        ("cas", json!([1, [3, 5]]), OpType::Fail, json!([1, [3, 5]])),
        ("read", json!([1, null]), OpType::Ok, json!([1, 4])),
    ];
    for (f, v, kind, want) in steps {
        let done = call(&mut reg, &test, f, v).await;
        assert_eq!((done.kind, &done.value), (kind, &want), "{f}: {done:?}");
    }
    let mut s = open("set", &test).await;
    for e in [2, 1] {
        assert_eq!(call(&mut s, &test, "add", json!(e)).await.kind, OpType::Ok);
    }
    let read = call(&mut s, &test, "read", Value::Null).await;
    assert_eq!(read.value, json!([1, 2]));
    let mut la = open("list-append", &test).await;
    let t = json!([
        ["append", 1, 5],
        ["r", 1, null],
        ["append", 1, 6],
        ["r", 2, null]
    ]);
    let done = call(&mut la, &test, "txn", t).await;
    assert_eq!(
        done.value,
        json!([
            ["append", 1, 5],
            ["r", 1, [5]],
            ["append", 1, 6],
            ["r", 2, []]
        ]),
        "{done:?}"
    );
    let mut c = open("counter", &test).await;
    assert_eq!(
        call(&mut c, &test, "read", Value::Null).await.value,
        json!(0)
    );
    for d in [2, 3] {
        assert_eq!(call(&mut c, &test, "add", json!(d)).await.kind, OpType::Ok);
    }
    assert_eq!(
        call(&mut c, &test, "read", Value::Null).await.value,
        json!(5)
    );
    assert!(pick("redis", rjepsen_db_redis::served(), "rw-register").is_err());
}

/// `DEBUG SLEEP` stalls the server past the op timeout while an add is on
/// the wire: the add completes `info`, and when the server wakes it runs the
/// add although the client has given up — which is why it could not be
/// `fail`.
#[tokio::test]
async fn unanswered_writes_are_info_and_unsent_ones_fail() {
    let Some(r) = LocalRedis::start(24012) else {
        return;
    };
    let test = r.test(json!({"op-timeout": 1}));
    let mut s = open("set", &test).await;
    assert_eq!(call(&mut s, &test, "add", json!(1)).await.kind, OpType::Ok);
    let sleeper = r.cli_spawn(&["DEBUG", "SLEEP", "2.5"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held = call(&mut s, &test, "add", json!(2)).await;
    assert_eq!(held.kind, OpType::Info, "{held:?}");
    let slept = sleeper.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&slept.stdout).trim(), "OK");
    let members = r.cli(&["SMEMBERS", "set"]);
    assert!(
        members.contains('2'),
        "the info add was not applied: {members}"
    );
    // The next op finds its way again (a fresh link).
    let read = call(&mut s, &test, "read", Value::Null).await;
    assert_eq!(read.value, json!([1, 2]), "{read:?}");
    // Nothing listens: the write is refused before it is sent.
    let dead = r.test(json!({"op-timeout": 1}));
    drop(r);
    let mut s = open("set", &dead).await;
    let refused = call(&mut s, &dead, "add", json!(3)).await;
    assert_eq!(refused.kind, OpType::Fail, "{refused:?}");
    assert!(refused.error.unwrap().to_string().contains("connect"));
}

/// A lone server has no replica to acknowledge: with `--wait-replicas 1`
/// every write is applied but not replicated, so it completes `info`.
#[tokio::test]
async fn wait_without_replicas_is_info() {
    let Some(r) = LocalRedis::start(24013) else {
        return;
    };
    let test = r.test(json!({"op-timeout": 1, "wait-replicas": 1}));
    let mut reg = open("register", &test).await;
    let w = call(&mut reg, &test, "write", json!([1, 7])).await;
    assert_eq!(w.kind, OpType::Info, "{w:?}");
    assert!(w.error.unwrap().to_string().contains("0 of 1"));
    assert_eq!(r.cli(&["GET", "r:1"]), "7");
}
