//! `rjepsen test-all` and `rjepsen compare` as a user meets them. The first
//! tests need no cluster (a node that refuses SSH crashes every run; a bad
//! matrix stops before the first); the last runs a campaign of 8 short runs on
//! namespace nodes with etcd (root only, subnet 10.66.0.0/24, nextest's
//! `cluster` group).

use super::cli::rjepsen;
use super::end_to_end::{is_root, Cluster};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rjepsen-campaign-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn json_file(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn runs_that_cannot_reach_their_nodes_are_crashed_and_exit_255() {
    let store = temp("crash");
    let junit = store.join("ci-junit.xml");
    let o = rjepsen(&[
        "test-all",
        "--nodes",
        "127.0.0.9",
        "--workloads",
        "register,set",
        "--nemeses",
        "none,partition",
        "--shard",
        "2/2",
        "--time-limit",
        "1",
        "--store",
        store.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(255),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.starts_with("# Crashed tests\n"), "{stdout}");
    assert!(
        stdout.contains("0 successes\n0 unknown\n2 crashed\n0 failures\n"),
        "{stdout}"
    );
    let campaign = store.join("campaigns/latest");
    let s = json_file(&campaign.join("summary.json"));
    assert_eq!(s["exit_code"], 255);
    assert_eq!(s["shard"], json!([2, 2]));
    // Shard 2 of 2 of four tests: the second and the fourth.
    let tests: Vec<&str> = s["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["test"].as_str().unwrap())
        .collect();
    assert_eq!(tests, ["etcd-register-partition", "etcd-set-partition"]);
    let reason = s["runs"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("127.0.0.9"), "{reason}");
    let xml = std::fs::read_to_string(campaign.join("junit.xml")).unwrap();
    assert_eq!(xml, std::fs::read_to_string(&junit).unwrap());
    assert_eq!(xml.matches("<error ").count(), 2);
    // The next campaign compares itself with this one: the same tests crashed
    // again, nothing newly failing, no metrics to move.
    let again = rjepsen(&[
        "test-all",
        "--nodes",
        "127.0.0.9",
        "--workloads",
        "register,set",
        "--nemeses",
        "none,partition",
        "--shard",
        "2/2",
        "--time-limit",
        "1",
        "--store",
        store.to_str().unwrap(),
        "--compare-to",
        "latest",
    ]);
    assert_eq!(again.status.code(), Some(255));
    let cmp = std::fs::read_to_string(campaign.join("compare.md")).unwrap();
    assert!(
        cmp.starts_with(&format!("compare {} -> ", s["name"].as_str().unwrap())),
        "{cmp}"
    );
    assert!(cmp.ends_with("no regression\n"), "{cmp}");
    std::fs::remove_dir_all(&store).unwrap();
}

#[test]
fn a_bad_matrix_stops_before_the_first_run() {
    let store = temp("bad");
    let m = store.join("nightly.toml");
    std::fs::write(&m, "[[test]]\nname = \"x\"\ntime-limt = 3\n").unwrap();
    let o = rjepsen(&[
        "test-all",
        "--nodes",
        "n1",
        "--matrix",
        m.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(254), "{stderr}");
    assert!(
        stderr.contains("test \"x\"") && stderr.contains("--time-limt"),
        "{stderr}"
    );
    assert!(!store.join("campaigns").exists());
    std::fs::remove_dir_all(&store).unwrap();
}

fn campaign(dir: &Path, outcome: &str, ok_per_sec: f64) {
    std::fs::create_dir_all(dir).unwrap();
    let run = json!({"test": "t", "seed": 1, "attempt": 0, "outcome": outcome, "command": "rjepsen test",
        "started": "x", "elapsed_s": 1.0, "metrics": {"ok": 10, "seconds": 1.0, "ok_per_sec": ok_per_sec, "p99_ms": 5.0}});
    let s = json!({"format": 1, "name": dir.file_name().unwrap().to_str().unwrap(), "started": "a", "ended": "b",
        "store": "/s", "policy": "all", "test_count": 1, "runs": [run],
        "tests": [{"test": "t", "outcome": outcome, "runs": [0]}], "exit_code": 0});
    std::fs::write(dir.join("summary.json"), s.to_string()).unwrap();
}

#[test]
fn compare_exits_1_on_a_regression() {
    let d = temp("compare");
    campaign(&d.join("a"), "valid", 100.0);
    campaign(&d.join("b"), "valid", 95.0);
    campaign(&d.join("c"), "invalid", 95.0);
    campaign(&d.join("e"), "valid", 10.0);
    let cmp = |x: &str, y: &str| {
        rjepsen(&[
            "compare",
            d.join(x).to_str().unwrap(),
            d.join(y).to_str().unwrap(),
        ])
    };
    let same = cmp("a", "b");
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stdout).ends_with("no regression\n"));
    let fails = cmp("a", "c");
    assert_eq!(fails.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&fails.stdout).contains("newly failing: t (invalid)"));
    let slower = cmp("a", "e");
    assert_eq!(slower.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&slower.stdout).contains("REGRESSION: t throughput 100.0 -> 10.0")
    );
    let none = cmp("a", "nope");
    assert_eq!(none.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&none.stderr).contains("nope/summary.json"));
    std::fs::remove_dir_all(&d).unwrap();
}

/// 2 workloads x 2 nemeses on three namespace nodes, each run a couple of
/// seconds: the summary, the exit code, summary.json, and junit.xml as
/// junitparser reads it. (Seeds multiply out like the other axes: unit-tested
/// in src/campaign/matrix/tests.rs.)
#[test]
fn cluster_campaign_of_four_short_runs() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("c1..c3", "rjetcamp", "10.66.0.0");
    let store = temp("nodes");
    let key = cluster.key();
    let o = rjepsen(&[
        "test-all",
        "--nodes",
        "c1..c3",
        "--ssh-private-key",
        &key,
        "--workloads",
        "register,set",
        "--nemeses",
        "none,partition",
        "--seeds",
        "1",
        "--time-limit",
        "2",
        "--rate",
        "40",
        "--nemesis-interval",
        "0.5",
        "--recovery-time",
        "0",
        "--concurrency",
        "3",
        // Two-second runs under a partition on a loaded machine can fall
        // below the default coverage floor; this test is about test-all.
        "--min-ok-per-process",
        "1",
        "--quiet",
        "--store",
        store.to_str().unwrap(),
    ]);
    drop(cluster);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let s = json_file(&store.join("campaigns/latest/summary.json"));
    assert_eq!(
        o.status.code(),
        Some(s["exit_code"].as_i64().unwrap() as i32)
    );
    assert_eq!(s["runs"].as_array().unwrap().len(), 4, "{stdout}");
    for r in s["runs"].as_array().unwrap() {
        assert_ne!(r["outcome"], "crashed", "{r}\n{stderr}");
        assert!(r["metrics"]["ok"].as_u64().unwrap() > 0, "{r}");
        assert!(r["has_report"].as_bool().unwrap(), "{r}");
    }
    // etcd is linearizable and every partition was injected: all valid.
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("4 successes\n0 unknown\n0 crashed\n0 failures\n"),
        "{stdout}"
    );
    assert!(stderr.contains("test-all overhead: "), "{stderr}");
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let check = std::process::Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/junit-check.py"
        ))
        .arg(store.join("campaigns/latest/junit.xml"))
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{found}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(found.trim(), "tests=4 passed=4 failure=0 error=0 skipped=0");
    std::fs::remove_dir_all(&store).unwrap();
}
