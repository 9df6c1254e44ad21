//! The PostgreSQL `Db` on three local namespace nodes (root only; subnet
//! 10.70): a primary and two streaming replicas, writes on the primary seen
//! by a replica read, kill and restart of the primary, teardown.

use rjepsen_core::client::Client;
use rjepsen_core::db::Db;
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use rjepsen_db_postgres::Postgres;
use rjepsen_testkit::{local_test, setup_all, with_cluster};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn open(workload: &str, test: &Test, node: &str) -> Box<dyn Client> {
    rjepsen_testkit::open(
        "postgres",
        rjepsen_db_postgres::served(),
        workload,
        test,
        node,
    )
    .await
}

/// One transaction (`txn`, the rw-register's op) through `c`.
async fn call(c: &mut Box<dyn Client>, test: &Test, value: Value) -> Op {
    rjepsen_testkit::call(c, test, "txn", value).await
}

async fn body(test: Test) {
    let db: Arc<dyn Db> = Arc::new(Postgres);
    let started = Instant::now();
    setup_all(&db, &test).await;
    eprintln!("postgres setup on 3 nodes: {:?}", started.elapsed());
    let mut w = open("rw-register", &test, "pg1").await;
    assert_eq!(
        call(&mut w, &test, json!([["w", 1, 7]])).await.kind,
        OpType::Ok
    );
    // A replica read (read-from replica, worker on pg2) sees it once streamed.
    let mut r = open("rw-register", &test, "pg2").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let read = call(&mut r, &test, json!([["r", 1, null]])).await;
        if read.value == json!([["r", 1, 7]]) {
            eprintln!("replica caught up after {:?}", started.elapsed());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "replica never saw the write: {read:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A replica refuses writes: read-only transactions only go there.
    let kill = db.as_kill().unwrap();
    kill.kill(&test, "pg1").await.unwrap();
    let dead = call(&mut w, &test, json!([["w", 1, 8]])).await;
    assert_ne!(dead.kind, OpType::Ok, "{dead:?}");
    kill.start(&test, "pg1").await.unwrap();
    let mut w = open("rw-register", &test, "pg1").await;
    let again = call(&mut w, &test, json!([["r", 1, null]])).await;
    assert_eq!(again.value, json!([["r", 1, 7]]), "{again:?}");
    for n in &test.nodes {
        db.teardown(&test, n).await.unwrap();
    }
    let left = test
        .remote
        .exec("pg1", "ls /var/lib/rjepsen")
        .await
        .unwrap();
    assert!(!left.stdout.contains("pg-data"), "{}", left.stdout);
}

#[test]
fn primary_and_replicas_on_local_nodes() {
    if !super::local_pg::can_run() {
        return;
    }
    let make_test = |info: &_| {
        let mut test = local_test(info, "pg", Postgres.ports().unwrap());
        test.options = [("read-from".to_string(), json!("replica"))]
            .into_iter()
            .collect();
        test
    };
    let spec = rjepsen_testkit::spec("pg", 3, 70);
    with_cluster(spec, Duration::from_secs(120), make_test, |test, _| {
        body(test)
    });
}
