//! PostgreSQL's anomalies where its settings allow them, on three local
//! namespace nodes (10.70, root only): short list-append runs at concurrency
//! 10 on the workload's hot keys, each retried a bounded number of times
//! because an anomaly is a race that a short run may miss (how often each is
//! found: docs/postgres.md, from `scripts/pg-anomalies.sh`).
//!
//! Each test also checks what must NOT be found, so that a checker that calls
//! everything an anomaly fails: repeatable read (snapshot isolation) shows
//! G2-item and nothing weaker; read committed shows G-single / lost update but
//! never G0, G1a, G1b or G1c; replica reads are stale (real-time anomalies)
//! and the checker names the transactions of each cycle.

use super::cli::rjepsen;
use super::end_to_end::{is_root, results_of, Cluster};
use serde_json::Value;
use std::path::{Path, PathBuf};

const NODES: &str = "pq1..pq3";
/// Runs per test at most; each takes about 20 s (setup, 6 s of ops, check).
const TRIES: u64 = 2;

fn store() -> PathBuf {
    std::env::temp_dir().join(format!("rjepsen-pg-anomalies-{}", std::process::id()))
}

/// One list-append run with `flags`; returns its Elle result.
fn run(cluster: &Cluster, store: &Path, name: &str, seed: u64, flags: &[&str]) -> Value {
    let key = cluster.key();
    let seed = seed.to_string();
    let mut args = vec![
        "test",
        "--db",
        "postgres",
        "--workload",
        "list-append",
        "--nodes",
        NODES,
        "--ssh-private-key",
        &key,
        "--time-limit",
        "6",
        "--rate",
        "0",
        "--concurrency",
        "10",
        "--seed",
        &seed,
        "--name",
        name,
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(flags);
    let o = rjepsen(&args);
    let (_, results) = results_of(&o, store, name);
    let ok = results["op-counts"]["ok"].as_u64().unwrap_or(0);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(ok > 50, "{name}: only {ok} ok ops\n{stderr}");
    results["elle"].clone()
}

fn types(elle: &Value) -> Vec<String> {
    elle["anomaly-types"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs up to `TRIES` times until `found` holds of the anomaly types; every
/// run's types must pass `allowed`. Returns the Elle result of the finding.
fn find(name: &str, flags: &[&str], found: fn(&str) -> bool, allowed: fn(&str) -> bool) -> Value {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return Value::Null;
    }
    let cluster = Cluster::up(NODES, "rjpgq", "10.70.0.0");
    let store = store();
    for seed in 1..=TRIES {
        let elle = run(&cluster, &store, name, seed, flags);
        let t = types(&elle);
        eprintln!("{name} seed {seed}: {t:?}");
        let bad: Vec<&String> = t.iter().filter(|t| !allowed(t)).collect();
        assert!(bad.is_empty(), "{name}: {bad:?} must not occur: {elle}");
        if t.iter().any(|t| found(t)) {
            let _ = std::fs::remove_dir_all(&store);
            return elle;
        }
    }
    panic!("{name}: the expected anomaly was not found in {TRIES} runs");
}

#[test]
fn repeatable_read_shows_g2_item_and_nothing_weaker() {
    find(
        "pg-rr",
        &["--isolation", "repeatable-read"],
        |t| t == "G2-item",
        |t| t.starts_with("G2-item"),
    );
}

#[test]
fn read_committed_shows_g_single_or_lost_update() {
    find(
        "pg-rc",
        &["--isolation", "read-committed"],
        |t| t.starts_with("G-single") || t.starts_with("G-nonadjacent") || t == "lost-update",
        |t| !matches!(t, "G0" | "G1a" | "G1b" | "G1c"),
    );
}

/// Asynchronous replicas serve read-only transactions from a past snapshot:
/// serializable, not strict-serializable. The cycle names its transactions.
#[test]
fn replica_reads_violate_strict_serializable_and_are_named() {
    let elle = find(
        "pg-replica",
        &["--read-from", "replica", "--sync-replication", "off"],
        |t| t.ends_with("-realtime"),
        |_| true,
    );
    if elle.is_null() {
        return;
    }
    let anomalies = elle["anomalies"].as_object().unwrap();
    let (kind, cases) = anomalies
        .iter()
        .find(|(k, _)| k.ends_with("-realtime"))
        .unwrap();
    let cycle = cases[0]["cycle"].as_array().unwrap();
    assert!(cycle.len() >= 2, "{kind}: {}", cases[0]);
    for t in cycle {
        assert!(t["index"].is_u64() && t["value"].is_string(), "{kind}: {t}");
    }
    assert!(
        cases[0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["type"] == "realtime"),
        "{kind}: {}",
        cases[0]
    );
}
