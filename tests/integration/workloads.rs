//! Every workload under every nemesis kind, against a real etcd cluster on local
//! nodes: short runs that must each end with a verdict that is not `invalid`
//! (etcd is believed correct: an `invalid` here is either a checker bug or a real
//! finding, and either way someone must look), with the fault really injected.
//! And on healthy etcd, the set workload loses nothing.

use super::cli::rjepsen;
use super::end_to_end::{is_root, Cluster};
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
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o.status.code().unwrap_or(-1);
    assert!((0..=2).contains(&code), "{name}: exit {code}\n{stderr}");
    let dir = store.join(&name).join("latest");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap())
            .unwrap_or_else(|e| panic!("{name}: results.json: {e}\n{stderr}"));
    (code, results)
}

#[test]
fn each_workload_under_each_nemesis_on_etcd() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("w1..w3", "rjetestw", "10.96.0.0");
    let store = std::env::temp_dir().join(format!("rjepsen-matrix-{}", std::process::id()));
    let mut failures = Vec::new();
    for workload in WORKLOADS {
        for nemesis in NEMESES {
            let (code, results) = run(&cluster, &store, workload, nemesis, "6");
            let kinds: Vec<&str> = results["nemesis-intervals"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["kind"].as_str())
                .collect();
            let ok = results["op-counts"]["ok"].as_u64().unwrap_or(0);
            eprintln!("{workload} under {nemesis}: exit {code}, {ok} ok, faults {kinds:?}");
            if code == 1 {
                failures.push(format!("{workload} under {nemesis} invalid: {results}"));
            }
            assert!(
                kinds.contains(nemesis),
                "{workload}: no {nemesis} fault ran: {kinds:?}"
            );
            assert!(ok > 0, "{workload} under {nemesis}: no op succeeded");
        }
    }
    // Healthy etcd: nothing acknowledged is lost.
    let (code, results) = run(&cluster, &store, "set", "", "5");
    assert_eq!(code, 0, "set on healthy etcd: {results}");
    let set = results
        .as_object()
        .unwrap()
        .values()
        .find(|v| v.get("lost-count").is_some())
        .unwrap_or_else(|| panic!("no set result: {results}"));
    assert_eq!(set["lost-count"], 0, "{set}");
    assert!(set["acknowledged-count"].as_u64().unwrap() > 0, "{set}");
    drop(cluster);
    assert!(failures.is_empty(), "{failures:#?}");
    std::fs::remove_dir_all(&store).unwrap();
}
