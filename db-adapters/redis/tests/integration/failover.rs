//! The Redis `Db` on three local namespace nodes (root only; subnet 10.72): a
//! primary, two replicas and three Sentinels. A write through a worker on a
//! replica's node reaches the primary; a replica read sees it; `Primary` says
//! who leads; after the primary is killed the Sentinels promote a replica
//! and the same client writes there; the old primary, restarted, is made a
//! replica; teardown leaves no data.

use rjepsen_core::client::Client;
use rjepsen_core::db::Db;
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use rjepsen_db_redis::Redis;
use rjepsen_testkit::call;
use rjepsen_testkit::{is_root, local_test, setup_all, with_cluster};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn open(workload: &str, test: &Test, node: &str) -> Box<dyn Client> {
    rjepsen_testkit::open("redis", rjepsen_db_redis::served(), workload, test, node).await
}

/// Retries `op` every 200 ms until it completes `ok` with a value `want`
/// accepts, for up to `secs`.
async fn eventually(
    c: &mut Box<dyn Client>,
    test: &Test,
    (f, v): (&str, Value),
    secs: u64,
    want: impl Fn(&Value) -> bool,
) -> Op {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let done = call(c, test, f, v.clone()).await;
        if done.kind == OpType::Ok && want(&done.value) {
            return done;
        }
        assert!(
            Instant::now() < deadline,
            "{f} never gave what was wanted: {done:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn role(test: &Test, node: &str) -> String {
    let ip = test.addrs.client(node).unwrap().ip();
    let o = test
        .remote
        .exec(node, &format!("redis-cli -h {ip} -p 6379 role | head -n 1"))
        .await
        .unwrap();
    o.stdout.trim().to_string()
}

async fn body(test: Test) {
    let db: Arc<dyn Db> = Arc::new(Redis);
    let started = Instant::now();
    setup_all(&db, &test).await;
    eprintln!("redis setup on 3 nodes: {:?}", started.elapsed());
    let primary = db.as_primary().unwrap();
    assert_eq!(primary.primaries(&test).await.unwrap(), vec!["rd1"]);
    // A worker on rd2 writes: it goes to the primary, rd1.
    let mut w = open("register", &test, "rd2").await;
    let done = call(&mut w, &test, "write", json!([1, 7])).await;
    assert_eq!(done.kind, OpType::Ok, "{done:?}");
    // Reads from rd3's replica see it once replicated.
    let mut r = open("register", &test, "rd3").await;
    eventually(&mut r, &test, ("read", json!([1, null])), 10, |v| {
        v == &json!([1, 7])
    })
    .await;
    eprintln!("replica caught up after {:?}", started.elapsed());
    // Kill the primary: Sentinel promotes rd2 or rd3, and the client follows.
    db.as_kill().unwrap().kill(&test, "rd1").await.unwrap();
    let killed = Instant::now();
    eventually(&mut w, &test, ("write", json!([1, 8])), 40, |_| true).await;
    // The client found the new primary through its own node's Sentinel;
    // `primaries` asks the first node's, which learns of the new
    // configuration from the others' hello messages (every 2 s), so it may
    // still name rd1 for a moment.
    let deadline = Instant::now() + Duration::from_secs(15);
    let now = loop {
        let now = primary.primaries(&test).await.unwrap();
        if now != vec!["rd1"] {
            break now;
        }
        assert!(Instant::now() < deadline, "the Sentinels still name rd1");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!("failed over to {now:?} after {:?}", killed.elapsed());
    assert_eq!(role(&test, &now[0]).await, "master");
    // The old primary comes back as a replica of the new one.
    db.as_kill().unwrap().start(&test, "rd1").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while role(&test, "rd1").await != "slave" {
        assert!(Instant::now() < deadline, "rd1 never became a replica");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for n in &test.nodes {
        db.teardown(&test, n).await.unwrap();
    }
    let left = test
        .remote
        .exec("rd1", "ls /var/lib/rjepsen")
        .await
        .unwrap();
    assert!(!left.stdout.contains("redis"), "{}", left.stdout);
}

#[test]
fn sentinel_fails_over_on_local_nodes() {
    if !super::local::can_run() || !is_root() {
        eprintln!("skipped: needs root and redis-server");
        return;
    }
    let make_test = |info: &_| {
        let mut test = local_test(info, "redis", Redis.ports().unwrap());
        test.options = [
            ("read-from".to_string(), json!("replica")),
            ("op-timeout".to_string(), json!(2)),
        ]
        .into_iter()
        .collect();
        test
    };
    let spec = rjepsen_testkit::spec("rd", 3, 72);
    with_cluster(spec, Duration::from_secs(100), make_test, |test, _| {
        body(test)
    });
}
