//! Per-op latencies of the etcd clients against a loopback etcd, printed for the
//! record (run with `--no-capture`); asserts only that every op completed `ok`.

use super::local_etcd::LocalEtcd;
use rjepsen_core::op::{Op, OpType, Process};
use rjepsen_db::client_for;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Workload, function, label, and the value of the i-th op.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Box<dyn Fn(i64) -> Value>,
);

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    eprintln!(
        "latency {name:<22} n={n} mean={mean:?} p50={:?} p99={:?}",
        samples[n / 2],
        samples[(n * 99) / 100]
    );
}

#[tokio::test]
async fn op_latencies_on_loopback() {
    let Some(etcd) = LocalEtcd::start("latency") else {
        return;
    };
    let test = etcd.test(json!({}));
    let cases: Vec<Case> = vec![
        (
            "register",
            "write",
            "register write",
            Box::new(|i| json!([i % 5, i])),
        ),
        (
            "register",
            "read",
            "register read",
            Box::new(|i| json!([i % 5, null])),
        ),
        (
            "register",
            "cas",
            "register cas (any)",
            Box::new(|i| json!([i % 5, [i, i + 1]])),
        ),
        ("set", "add", "set add", Box::new(|i| json!(i))),
        (
            "set",
            "read",
            "set read (200 elems)",
            Box::new(|_| Value::Null),
        ),
        (
            "list-append",
            "txn",
            "list-append txn",
            Box::new(|i| json!([["r", i % 3, null], ["append", i % 3, i]])),
        ),
    ];
    for (workload, f, name, value) in cases {
        let mut c = client_for("etcd", workload)
            .unwrap()
            .open(&test, &etcd.node)
            .await
            .unwrap();
        let mut samples = Vec::new();
        for i in 0..200 {
            let op = Op::invoke(Process::Client(0), f, value(i));
            let started = Instant::now();
            let done = c.invoke(&test, &op).await;
            samples.push(started.elapsed());
            let acceptable = done.kind == OpType::Ok || (f == "cas" && done.kind == OpType::Fail);
            assert!(acceptable, "{name}: {done:?}");
        }
        summary(name, samples);
    }
}
