//! A control node killed with SIGKILL mid-fault leaves the fault in place; the
//! next `rjepsen cluster heal` or `rjepsen test` finds it, heals it, says so,
//! and only then goes on. Once in a partition (iptables chain left, healed by
//! `cluster heal`) and once in a pause (etcd left SIGSTOPped, healed by the next
//! `test`). Root only; nodes k1..k3 on their own bridge and subnet (10.73).

use super::cli::rjepsen;
use super::end_to_end::{is_root, sh, Cluster};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NODES: [&str; 3] = ["k1", "k2", "k3"];

fn on_node(key: &str, node: &str, cmd: &str) -> String {
    sh(&format!(
        "ssh -i {key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o LogLevel=ERROR root@{node} '{cmd}'"
    ))
}

fn drop_rules(key: &str) -> usize {
    NODES
        .iter()
        .map(|n| {
            let out = on_node(key, n, "iptables-save | grep -c DROP || true");
            out.trim().parse().unwrap_or(usize::MAX)
        })
        .sum()
}

/// Nodes whose etcd is stopped (state T).
fn paused_nodes(key: &str) -> Vec<&'static str> {
    let cmd =
        "grep -q \"^State:[[:space:]]*T\" /proc/$(cat /var/lib/rjepsen/etcd.pid)/status && echo T";
    NODES
        .into_iter()
        .filter(|n| on_node(key, n, cmd).trim() == "T")
        .collect()
}

/// Starts a long `rjepsen test` with `nemesis` on k1..k3.
fn spawn_test(key: &str, store: &Path, nemesis: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .args(["test", "--nodes", "k1..k3", "--ssh-private-key", key])
        .args(["--time-limit", "120", "--rate", "20", "--seed", "5"])
        .args(["--nemesis", nemesis, "--nemesis-interval", "2", "--quiet"])
        .args(["--store", store.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the run in `store` has completed an op `f`, then SIGKILLs it.
fn sigkill_after(mut child: Child, store: &Path, f: &str) {
    let latest = store.join("latest").join("history.jsonl");
    let needle = format!("\"f\":\"{f}\"");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&latest).unwrap_or_default();
        if text
            .lines()
            .any(|l| l.contains(&needle) && l.contains("\"type\":\"info\""))
        {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status:?}) before {f}");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no {f} yet");
        std::thread::sleep(Duration::from_millis(200));
    }
    child.kill().unwrap(); // SIGKILL: no teardown runs.
    child.wait().unwrap();
}

#[test]
fn sigkill_in_a_partition_and_in_a_pause_is_healed_by_the_next_run() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("k1..k3", "rjetestk", "10.73.0.0");
    let key = cluster.key();
    let store = std::env::temp_dir().join(format!("rjepsen-sigkill-{}", std::process::id()));

    sigkill_after(
        spawn_test(&key, &store, "partition"),
        &store,
        "start-partition",
    );
    assert!(drop_rules(&key) > 0, "SIGKILL left the partition in force");
    let started = Instant::now();
    let o = rjepsen(&cluster.args(&["heal"]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!(
        "cluster heal in {:.2} s:\n{stderr}",
        started.elapsed().as_secs_f64()
    );
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("healed (left by an earlier run)")
            && stderr.contains("iptables chain RJEPSEN"),
        "{stderr}"
    );
    assert_eq!(drop_rules(&key), 0, "cluster heal removed the rules");
    let started = Instant::now();
    let again = rjepsen(&cluster.args(&["heal"]));
    eprintln!(
        "cluster heal with nothing left in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to heal"));

    sigkill_after(spawn_test(&key, &store, "pause"), &store, "pause");
    let paused = paused_nodes(&key);
    assert!(!paused.is_empty(), "SIGKILL left etcd paused");
    let o = rjepsen(&[
        "test",
        "--nodes",
        "k1..k3",
        "--ssh-private-key",
        &key,
        "--time-limit",
        "3",
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!("next test:\n{stderr}");
    assert!(matches!(o.status.code(), Some(0..=2)), "{stderr}");
    for node in &paused {
        let line =
            format!("healed (left by an earlier run): {node}: resumed the paused DB process");
        assert!(stderr.contains(&line), "{line}: {stderr}");
    }
    let healed_at = stderr.find("healed (left").unwrap();
    let checking = stderr.find("checking").unwrap_or(usize::MAX);
    assert!(healed_at < checking, "healed before the run: {stderr}");
    drop(cluster);
    let _ = std::fs::remove_dir_all(&store);
}
