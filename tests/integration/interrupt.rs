//! Ctrl-C in the middle of a partition: the run stops, every partition is
//! healed, and what was recorded is checked and reported.

use super::end_to_end::{is_root, sh, Cluster};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// DROP rules inside a node, counted over the node's own SSH.
fn drop_rules(key: &str, node: &str) -> usize {
    let out = sh(&format!(
        "ssh -i {key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
         -o LogLevel=ERROR root@{node} 'iptables-save' | grep -c DROP || true"
    ));
    out.trim().parse().unwrap_or(usize::MAX)
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn history_has(run: &Path, needle: &str) -> bool {
    std::fs::read_to_string(run.join("history.jsonl"))
        .map(|h| {
            h.lines()
                .any(|l| l.contains(needle) && !l.contains("\"invoke\""))
        })
        .unwrap_or(false)
}

#[test]
fn ctrl_c_during_a_partition_heals_it_and_still_checks() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("i1..i3", "rjetesti", "10.92.0.0");
    let store = std::env::temp_dir().join(format!("rjepsen-int-{}", std::process::id()));
    let key = cluster.key();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rjepsen"))
        .args([
            "test",
            "--nodes",
            "i1..i3",
            "--ssh-private-key",
            &key,
            "--time-limit",
            "120",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "2",
            "--rate",
            "20",
            "--seed",
            "3",
            "--store",
            store.to_str().unwrap(),
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let latest = store.join("latest");
    wait_for("a partition", Duration::from_secs(90), || {
        latest.exists() && history_has(&latest, "\"start-partition\"")
    });
    let run = latest.canonicalize().unwrap();
    let during: usize = ["i1", "i2", "i3"].iter().map(|n| drop_rules(&key, n)).sum();
    assert!(
        during > 0,
        "a partition is in force, so some node drops traffic"
    );
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let out = loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{:?}: {stderr}",
        out.status
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    let after: usize = ["i1", "i2", "i3"].iter().map(|n| drop_rules(&key, n)).sum();
    assert_eq!(after, 0, "partitions healed after Ctrl-C");
    let test: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("test.json")).unwrap()).unwrap();
    assert_eq!(test["interrupted"], true);
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["interrupted"], true);
    assert!(run.join("report.html").is_file());
    drop(cluster);
    std::fs::remove_dir_all(&store).unwrap();
}
