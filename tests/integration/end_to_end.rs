//! A real test, end to end: three local nodes, a real etcd cluster over SSH, the
//! register workload under partitions and kills. Then nothing may be left: no
//! namespace, no etcd process, no /etc/hosts line.
//!
//! Runs only as root (local nodes need it); on its own bridge and subnet so that
//! it can run beside a developer's cluster.

use super::cli::rjepsen;
use rjepsen_core::history::read_jsonl;
use rjepsen_core::{Op, OpType, Process};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const BRIDGE: &str = "rjeteste";
const SUBNET: &str = "10.91.0.0";
const PREFIX: &str = "10.91.0.";

pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn sh(cmd: &str) -> String {
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The exit code of a finished `rjepsen test --name NAME --store STORE` and its
/// `results.json`; a crash (an exit code outside 0..=2) or a missing or
/// unreadable results.json panics with the run's stderr.
pub fn results_of(o: &std::process::Output, store: &Path, name: &str) -> (i32, Value) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    let code = o.status.code().unwrap_or(-1);
    assert!((0..=2).contains(&code), "{name}: exit {code}\n{stderr}");
    let path = store.join(name).join("latest").join("results.json");
    let results = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| panic!("{name}: {}: {e}\n{stderr}", path.display()));
    (code, results)
}

/// Brings the cluster down when dropped, also when an assertion fails.
pub struct Cluster {
    pub state_dir: PathBuf,
    pub bridge: &'static str,
    pub subnet: &'static str,
}

impl Cluster {
    /// Brings up `nodes` on their own bridge and subnet.
    pub fn up(nodes: &str, bridge: &'static str, subnet: &'static str) -> Cluster {
        let cluster = Cluster {
            state_dir: PathBuf::from(format!("/var/lib/rjepsen-test-{bridge}")),
            bridge,
            subnet,
        };
        let o = rjepsen(&cluster.args(&["up", "--nodes", nodes]));
        assert!(
            o.status.success(),
            "cluster up: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        cluster
    }

    pub fn key(&self) -> String {
        self.state_dir.join("id_ed25519").display().to_string()
    }

    pub fn args<'a>(&'a self, rest: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["cluster"];
        a.extend_from_slice(rest);
        a.extend_from_slice(&[
            "--state-dir",
            self.state_dir.to_str().unwrap(),
            "--bridge",
            self.bridge,
            "--subnet",
            self.subnet,
        ]);
        a
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let o = rjepsen(&self.args(&["down"]));
        if !o.status.success() {
            // No panic here: this may run while unwinding from a failed assertion.
            eprintln!(
                "cluster down failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

fn key(op: &Op) -> u64 {
    op.value[0].as_u64().expect("[key, value]")
}

#[test]
fn register_on_etcd_with_partitions_and_kills() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("e1..e3", BRIDGE, SUBNET);
    let store = std::env::temp_dir().join(format!("rjepsen-e2e-{}", std::process::id()));
    let key_file = cluster.key();
    let o = rjepsen(&[
        "test",
        "--workload",
        "register",
        "--nodes",
        "e1..e3",
        "--ssh-private-key",
        &key_file,
        // Each kind starts within 1.5 intervals and heals within 3
        // (nemesis/src/schedule.rs): both kinds start and stop by 9 s of 12.
        "--time-limit",
        "12",
        "--rate",
        "50",
        "--nemesis",
        "partition,kill",
        "--nemesis-interval",
        "3",
        "--seed",
        "7",
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "a verdict is 0, 1 or 2: {:?}\n{stderr}",
        o.status
    );
    // The summary and verdict are the result: stdout; progress stays on stderr.
    assert!(stdout.contains("verdict:"), "{stdout}\n{stderr}");
    assert!(!stderr.contains("verdict:"), "{stderr}");
    let run = store.join("latest").canonicalize().unwrap();
    check_history(&run);
    check_results(&run);
    drop(cluster);
    check_nothing_left(BRIDGE, PREFIX);
    std::fs::remove_dir_all(&store).unwrap();
}

fn check_history(run: &Path) {
    let ops = read_jsonl(&run.join("history.jsonl")).unwrap();
    let ok_fs: BTreeSet<&str> = ops
        .iter()
        .filter(|o| o.is_client() && o.kind == OpType::Ok)
        .map(|o| o.f.as_str())
        .collect();
    for f in ["read", "write", "cas"] {
        assert!(ok_fs.contains(f), "no ok {f} in {ok_fs:?}");
    }
    let nemesis: Vec<&Op> = ops
        .iter()
        .filter(|o| o.process == Process::Nemesis)
        .collect();
    let nemesis_fs: BTreeSet<&str> = nemesis.iter().map(|o| o.f.as_str()).collect();
    for f in ["start-partition", "stop-partition", "kill", "start"] {
        assert!(nemesis_fs.contains(f), "no nemesis {f} in {nemesis_fs:?}");
    }
    // Every partition recorded what it did to which node.
    let grudge = nemesis
        .iter()
        .find(|o| o.f == "start-partition" && o.kind != OpType::Invoke)
        .unwrap();
    assert!(grudge.value.is_object(), "{grudge:?}");
    // Indices are the positions; times never go backwards.
    for (i, w) in ops.windows(2).enumerate() {
        assert_eq!(w[0].index as usize, i);
        assert!(w[0].time <= w[1].time);
    }
    // After the last nemesis op (healing), every key touched gets a read.
    let healed = nemesis.last().unwrap().index as usize;
    let mut final_reads: BTreeMap<u64, usize> = BTreeMap::new();
    for o in &ops[healed..] {
        if o.is_client() && o.is_invoke() && o.f == "read" {
            *final_reads.entry(key(o)).or_default() += 1;
        }
    }
    let keys: BTreeSet<u64> = ops.iter().filter(|o| o.is_client()).map(key).collect();
    let missing: Vec<&u64> = keys
        .iter()
        .filter(|k| !final_reads.contains_key(k))
        .collect();
    assert!(missing.is_empty(), "keys without a final read: {missing:?}");
}

fn check_results(run: &Path) {
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("results.json")).unwrap()).unwrap();
    assert!(results["valid?"].is_boolean() || results["valid?"] == "unknown");
    assert!(results["linear"]["valid?"] != Value::Null, "{results}");
    let intervals = results["nemesis-intervals"].as_array().unwrap();
    assert!(
        intervals.iter().any(|i| i["kind"] == "partition"),
        "{intervals:?}"
    );
    let test: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("test.json")).unwrap()).unwrap();
    assert_eq!(test["seed"], 7);
    assert!(test["command"].as_str().unwrap().contains("--seed 7"));
    assert!(run.join("report.html").is_file());
    // Each node's etcd log was brought back.
    for node in ["e1", "e2", "e3"] {
        let dir = run.join("nodes").join(node);
        let logs = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(logs > 0, "no logs in {}", dir.display());
    }
}

pub fn check_nothing_left(bridge: &str, prefix: &str) {
    let netns = sh("ip netns list");
    assert!(!netns.contains(bridge), "namespaces left: {netns}");
    let links = sh("ip -br link");
    assert!(!links.contains(bridge), "links left: {links}");
    let etcd = sh(&format!("pgrep -ax etcd | grep {prefix} || true"));
    assert!(etcd.trim().is_empty(), "etcd left: {etcd}");
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap();
    assert!(!hosts.contains(bridge), "hosts lines left: {hosts}");
    let rules = sh(&format!(
        "iptables-save 2>/dev/null | grep -c {prefix} || true"
    ));
    assert_eq!(rules.trim(), "0", "iptables rules left on the host");
}
