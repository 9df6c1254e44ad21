//! Every workload against a real etcd cluster on local nodes, under the nemesis
//! kinds: short runs that must each end with a verdict that is not `invalid`
//! (etcd is believed correct: an `invalid` here is either a checker bug or a real
//! finding, and either way someone must look), with the fault really injected.
//! And on healthy etcd, the set workload loses nothing.
//!
//! CI runs each workload once, each under a different nemesis (every nemesis kind
//! at least once); the full workload × nemesis matrix (20 runs, over 3 minutes) is
//! `#[ignore]`d and run by the nightly (`scripts/nightly.sh`, docs/nightly.md), so
//! that CI stays within its budget while every pairing is still tried every night.

use super::cli::rjepsen;
use super::end_to_end::{is_root, results_of, Cluster};
use serde_json::Value;
use std::path::Path;

const WORKLOADS: &[&str] = &["register", "set", "list-append", "rw-register", "bank"];
const NEMESES: &[&str] = &["partition", "kill", "pause", "packet"];

fn run(cluster: &Cluster, store: &Path, workload: &str, nemesis: &str, secs: &str) -> (i32, Value) {
    let key = cluster.key();
    let name = format!(
        "{workload}-{}",
        if nemesis.is_empty() { "none" } else { nemesis }
    );
    let o = rjepsen(&[
        "test",
        "--workload",
        workload,
        "--nodes",
        "w1..w3",
        "--ssh-private-key",
        &key,
        "--time-limit",
        secs,
        "--rate",
        "60",
        "--nemesis",
        nemesis,
        "--nemesis-interval",
        "1.5",
        "--recovery-time",
        "1",
        "--op-timeout",
        "2",
        "--seed",
        "11",
        "--name",
        &name,
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    results_of(&o, store, &name)
}

/// Runs `workload` under `nemesis` and fails unless the fault ran and some op
/// succeeded; an `invalid` verdict is returned as a failure message, so that a
/// matrix reports every invalid pairing rather than the first.
fn run_checked(
    cluster: &Cluster,
    store: &Path,
    (workload, nemesis): (&str, &str),
    secs: &str,
) -> Option<String> {
    let (code, results) = run(cluster, store, workload, nemesis, secs);
    let kinds: Vec<&str> = results["nemesis-intervals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    let ok = results["op-counts"]["ok"].as_u64().unwrap_or(0);
    eprintln!("{workload} under {nemesis}: exit {code}, {ok} ok, faults {kinds:?}");
    assert!(
        kinds.contains(&nemesis),
        "{workload}: no {nemesis} fault ran: {kinds:?}"
    );
    assert!(ok > 0, "{workload} under {nemesis}: no op succeeded");
    (code == 1).then(|| format!("{workload} under {nemesis} invalid: {results}"))
}

/// Healthy etcd: nothing the set workload had acknowledged is lost.
fn healthy_set_loses_nothing(cluster: &Cluster, store: &Path, secs: &str) {
    let (code, results) = run(cluster, store, "set", "", secs);
    assert_eq!(code, 0, "set on healthy etcd: {results}");
    let set = results
        .as_object()
        .unwrap()
        .values()
        .find(|v| v.get("lost-count").is_some())
        .unwrap_or_else(|| panic!("no set result: {results}"));
    assert_eq!(set["lost-count"], 0, "{set}");
    assert!(set["acknowledged-count"].as_u64().unwrap() > 0, "{set}");
}

/// Brings up the nodes, runs `pairs` and the healthy set run, each for `secs`,
/// and fails with every invalid pairing.
fn run_pairs(pairs: &[(&str, &str)], secs: &str) {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("w1..w3", "rjetestw", "10.96.0.0");
    let store = std::env::temp_dir().join(format!("rjepsen-matrix-{}", std::process::id()));
    let failures: Vec<String> = pairs
        .iter()
        .filter_map(|pair| run_checked(&cluster, &store, *pair, secs))
        .collect();
    healthy_set_loses_nothing(&cluster, &store, secs);
    drop(cluster);
    assert!(failures.is_empty(), "{failures:#?}");
    std::fs::remove_dir_all(&store).unwrap();
}

/// Each workload once, the nemeses in turn: every workload and every nemesis
/// kind is exercised in CI. 3 s runs: at `--nemesis-interval 1.5` each fault
/// starts within 2.25 s (nemesis/src/schedule.rs), and `run_checked` fails a
/// run whose fault did not.
#[test]
fn each_workload_once_under_a_nemesis_on_etcd() {
    let pairs: Vec<(&str, &str)> = WORKLOADS
        .iter()
        .zip(NEMESES.iter().cycle())
        .map(|(w, n)| (*w, *n))
        .collect();
    run_pairs(&pairs, "3");
}

#[test]
#[ignore = "nightly: 20 runs, over 3 minutes (scripts/nightly.sh runs the ignored tests)"]
fn each_workload_under_each_nemesis_on_etcd() {
    let pairs: Vec<(&str, &str)> = WORKLOADS
        .iter()
        .flat_map(|w| NEMESES.iter().map(move |n| (*w, *n)))
        .collect();
    run_pairs(&pairs, "6");
}
