//! Redis with Sentinel on local nodes (root only; r1..r3 on 10.72), through
//! `rjepsen test --db redis`: a healthy cluster gives valid register
//! (linearizable on the primary), set, list-append and counter histories;
//! a partition with Sentinel failover loses acknowledged writes or makes the
//! register non-linearizable; replica reads under a partition are stale.
//! The anomaly tests retry (up to [`TRIES`] runs) and print what each run
//! found; docs/redis.md has how often each is found. The lost-writes test
//! (a run of 22 s or two, about a minute) is the nightly's; CI keeps the
//! failover itself (rjepsen-db-redis `sentinel_fails_over_on_local_nodes`)
//! and a partition's stale replica reads (`replica_reads_are_stale`) beside it.

use super::cli::rjepsen;
use super::end_to_end::{is_root, results_of, Cluster};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Runs of an anomaly test before it gives up.
const TRIES: u32 = 3;

fn store(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rjepsen-redis-{name}-{}", std::process::id()))
}

/// One `rjepsen test --db redis` on r1..r3 with `extra` arguments: the exit
/// code and results.json.
fn run(cluster: &Cluster, store: &Path, name: &str, extra: &[&str]) -> (i32, Value) {
    let key = cluster.key();
    let mut args = vec![
        "test",
        "--db",
        "redis",
        "--nodes",
        "r1..r3",
        "--ssh-private-key",
        &key,
        "--rate",
        "100",
        "--concurrency",
        "6",
        "--op-timeout",
        "2",
        "--name",
        name,
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    results_of(&rjepsen(&args), store, name)
}

/// The result of the checker whose result has `field`.
fn part<'a>(results: &'a Value, field: &str) -> &'a Value {
    results
        .as_object()
        .and_then(|m| m.values().find(|v| v.get(field).is_some()))
        .unwrap_or(&Value::Null)
}

#[test]
fn healthy_redis_gives_valid_histories() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("r1..r3", "rjetestr", "10.72.0.0");
    let store = store("healthy");
    // 2 s at --rate 100 is some 200 ops a workload, ten times the floor below;
    // each run's Redis and Sentinel setup, not its length, is most of its time.
    for w in ["register", "set", "list-append", "counter"] {
        let (code, results) = run(
            &cluster,
            &store,
            w,
            &["--workload", w, "--time-limit", "2", "--recovery-time", "1"],
        );
        let ok = results["op-counts"]["ok"].as_u64().unwrap_or(0);
        eprintln!("healthy {w}: exit {code}, {ok} ok");
        assert_eq!(code, 0, "{w} on healthy redis: {results}");
        assert!(ok > 20, "{w}: only {ok} ok ops");
    }
    let _ = std::fs::remove_dir_all(&store);
}

/// A partition of 8 s (Sentinel's down-after is 2 s): workers keep writing
/// to the old primary, which a majority has replaced; after healing it is
/// made a replica and drops those writes. Sentinel demotes an old primary
/// only once it has reported itself primary for 8 s, so the final reads wait
/// 10 s (`--recovery-time`); with less they still see its writes. Found: set
/// lost acknowledged elements, or the register is not linearizable. Only a
/// partition that cuts the primary off from both replicas causes a failover;
/// the shape is the nemesis's seeded choice, and seed 20 (the first try) cut
/// r1 off alone for both workloads when this was written. Other shapes lose
/// nothing (docs/redis.md, "Measured").
#[test]
#[ignore = "nightly: one or two 22 s partitioned runs, about a minute (CI keeps the failover and replica-read tests)"]
fn partitions_with_failover_lose_acknowledged_writes() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("r1..r3", "rjetestr", "10.72.0.0");
    let store = store("partition");
    let fault = [
        "--nemesis",
        "partition",
        "--nemesis-duration",
        "8",
        "--nemesis-delay",
        "2",
        "--time-limit",
        "12",
        "--recovery-time",
        "10",
    ];
    let mut found = Vec::new();
    for t in 0..TRIES {
        let seed = (20 + t).to_string();
        let mut args = vec!["--workload", "set", "--seed", &seed];
        args.extend_from_slice(&fault);
        let (code, results) = run(&cluster, &store, &format!("set-{t}"), &args);
        let lost = part(&results, "lost-count")["lost-count"]
            .as_u64()
            .unwrap_or(0);
        eprintln!("try {t}: set exit {code}, {lost} acknowledged elements lost");
        if code == 1 && lost > 0 {
            found.push(format!("set lost {lost}"));
            break;
        }
        let mut args = vec!["--workload", "register", "--seed", &seed];
        args.extend_from_slice(&fault);
        let (code, _) = run(&cluster, &store, &format!("register-{t}"), &args);
        eprintln!("try {t}: register exit {code}");
        if code == 1 {
            found.push("register not linearizable".to_string());
            break;
        }
    }
    assert!(
        !found.is_empty(),
        "no anomaly in {TRIES} partitioned runs of set and register"
    );
    let _ = std::fs::remove_dir_all(&store);
}

/// `--read-from replica` with a partition: a cut-off replica serves its old
/// state, so the register's reads are stale (not linearizable).
#[test]
fn replica_reads_are_stale() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("r1..r3", "rjetestr", "10.72.0.0");
    let store = store("replica");
    let mut invalid = 0;
    for t in 0..TRIES {
        let seed = (30 + t).to_string();
        let args = [
            "--workload",
            "register",
            "--read-from",
            "replica",
            "--seed",
            &seed,
            "--nemesis",
            "partition",
            "--nemesis-duration",
            "6",
            "--nemesis-delay",
            "2",
            "--time-limit",
            "10",
            "--recovery-time",
            "1",
        ];
        let (code, _) = run(&cluster, &store, &format!("replica-{t}"), &args);
        eprintln!("try {t}: register with replica reads exit {code}");
        if code == 1 {
            invalid += 1;
            break;
        }
    }
    assert!(
        invalid > 0,
        "replica reads never stale in {TRIES} partitioned runs"
    );
    let _ = std::fs::remove_dir_all(&store);
}
