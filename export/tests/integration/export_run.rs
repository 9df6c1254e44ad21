//! `export` on a real run: a 12 s etcd register test on three namespace nodes
//! with two partitions isolating x1 (fixtures/partition-run, recorded with
//! `rjepsen test --nemesis partition --nemesis-interval 5 --seed 15`). The
//! expectations are read from the raw files, not from the crate.

use super::csv_read::{read, Row};
use rjepsen_export::{export, Format};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/partition-run")
}

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rjepsen-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn raw_history(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The partitions as the nemesis ops say: a start's completion to the next
/// stop's invocation (when the rules were surely in place).
fn partitions(ops: &[Value]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut open = None;
    for op in ops.iter().filter(|o| o["process"] == "nemesis") {
        let t = op["time"].as_u64().unwrap();
        match (op["f"].as_str().unwrap(), op["type"].as_str().unwrap()) {
            ("start-partition", "ok" | "info") => open = open.or(Some(t)),
            ("stop-partition", "invoke") => out.extend(open.take().map(|s| (s, t))),
            _ => {}
        }
    }
    out
}

fn num(r: &Row, k: &str) -> i128 {
    r[k].parse().unwrap_or_else(|e| panic!("{k} in {r:?}: {e}"))
}

#[test]
fn labels_and_history_match_the_nemesis_ops() {
    let out = out_dir("csv");
    export(&fixture(), Format::Csv, &out).unwrap();
    let ops = raw_history(&fixture());
    let windows = partitions(&ops);
    assert_eq!(windows.len(), 2, "the fixture has two partitions");

    let (header, labels) = read(&out.join("labels.csv"));
    assert_eq!(
        header,
        ["fault_id", "kind", "start_ns", "end_ns", "nodes", "src", "dst"]
    );
    // x1 isolated: four directed links per partition.
    assert_eq!(labels.len(), 8, "{labels:?}");
    for (id, (s, e)) in windows.iter().enumerate() {
        let rows: Vec<&Row> = labels
            .iter()
            .filter(|r| r["fault_id"] == id.to_string())
            .collect();
        assert_eq!(rows.len(), 4);
        for r in &rows {
            assert_eq!(
                (num(r, "start_ns"), num(r, "end_ns")),
                (*s as i128, *e as i128)
            );
            assert_eq!(
                (r["kind"].as_str(), r["nodes"].as_str()),
                ("partition", "x1;x2;x3")
            );
            assert!(
                r["src"] == "x1" || r["dst"] == "x1",
                "every link touches x1: {r:?}"
            );
        }
    }

    let (_, hist) = read(&out.join("history.csv"));
    assert_eq!(hist.len(), ops.len());
    let inside = |t: u64| windows.iter().any(|(s, e)| *s <= t && t <= *e);
    let invoked_inside = ops
        .iter()
        .filter(|o| o["type"] == "invoke" && inside(o["time"].as_u64().unwrap()))
        .count();
    let flagged = hist
        .iter()
        .filter(|r| r["type"] == "invoke" && r["under_fault"] == "1")
        .count();
    assert!(invoked_inside > 50, "{invoked_inside}");
    assert_eq!(flagged, invoked_inside);
    for (r, o) in hist.iter().zip(&ops) {
        assert_eq!(num(r, "time"), o["time"].as_u64().unwrap() as i128);
        assert_eq!(r["under_fault"] == "1", !r["fault_ids"].is_empty());
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn logs_line_up_with_the_fault_windows() {
    let out = out_dir("logs");
    export(&fixture(), Format::Csv, &out).unwrap();
    let (header, logs) = read(&out.join("logs.csv"));
    assert_eq!(header, ["timestamp_ns", "node", "file", "line"]);
    let total: usize = ["x1", "x2", "x3"]
        .iter()
        .map(|n| {
            let p = fixture().join("nodes").join(n).join("etcd.log");
            std::fs::read_to_string(p).unwrap().lines().count()
        })
        .sum();
    assert_eq!(logs.len(), total, "every line of every node log");
    // etcd started before the first op: its first lines are before time 0.
    assert!(num(&logs[0], "timestamp_ns") < 0);
    // x1 loses its peers only while it is cut off from them.
    let windows = partitions(&raw_history(&fixture()));
    let lost: Vec<i128> = logs
        .iter()
        .filter(|r| r["node"] == "x1" && r["line"].contains("lost the TCP streaming connection"))
        .map(|r| num(r, "timestamp_ns"))
        .collect();
    assert!(!lost.is_empty());
    for t in lost {
        let inside = windows
            .iter()
            .any(|(s, e)| (*s as i128) <= t && t <= *e as i128);
        assert!(inside, "lost a peer at {t}, outside {windows:?}");
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn microservo_has_its_groundtruth_and_logs() {
    let out = out_dir("microservo");
    export(&fixture(), Format::Microservo, &out).unwrap();
    let gt: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("groundtruth.json")).unwrap())
            .unwrap();
    let keys: Vec<&String> = gt.as_object().unwrap().keys().collect();
    let mut want = [
        "timestamp",
        "service",
        "cmdb_id",
        "failure_type",
        "duration",
    ];
    want.sort();
    assert_eq!(keys, want);
    let clock: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("clock.json")).unwrap())
            .unwrap();
    let wall0 = clock["wall_start_ns"].as_u64().unwrap();
    for (i, (s, e)) in partitions(&raw_history(&fixture())).iter().enumerate() {
        let k = i.to_string();
        assert_eq!(gt["timestamp"][&k], (wall0 + s) / 1_000_000_000);
        assert_eq!(gt["duration"][&k], ((e - s) as f64 / 1e9).round() as u64);
        assert_eq!(gt["failure_type"][&k], "partition");
        assert_eq!(gt["service"][&k], "etcd");
    }
    let (header, log) = read(&out.join("log.csv"));
    assert_eq!(
        header,
        ["log_id", "timestamp", "date", "cmdb_id", "message"]
    );
    let (_, logs) = read(&out.join("logs.csv"));
    assert_eq!(log.len(), logs.len());
    for r in &log {
        assert_eq!(r["timestamp"].len(), 10, "{r:?}");
        assert!(r["date"].starts_with("2026-12-01T23:4"), "{r:?}");
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_broken_run_dir_is_named() {
    let bad = out_dir("bad-run");
    std::fs::create_dir_all(&bad).unwrap();
    for f in ["test.json", "results.json", "clock.json"] {
        std::fs::copy(fixture().join(f), bad.join(f)).unwrap();
    }
    let mut text = std::fs::read_to_string(fixture().join("history.jsonl")).unwrap();
    text.push_str("{\"index\": oops}\n");
    std::fs::write(bad.join("history.jsonl"), text).unwrap();
    let e = export(&bad, Format::Csv, &out_dir("bad-out"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("history.jsonl") && e.contains("line 443"), "{e}");
    std::fs::remove_file(bad.join("test.json")).unwrap();
    let e = export(&bad, Format::Csv, &out_dir("bad-out"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("test.json") || e.contains(&bad.display().to_string()),
        "{e}"
    );
    std::fs::remove_dir_all(&bad).unwrap();
}

#[test]
fn metrics_go_to_metrics_csv_and_one_kpi_file_per_metric() {
    let run = fixture().with_file_name("metrics-run");
    let out = out_dir("kpi");
    export(&run, Format::Microservo, &out).unwrap();
    let samples: Vec<Value> = std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (header, metrics) = read(&out.join("metrics.csv"));
    assert_eq!(header, ["timestamp_ns", "node", "metric", "value"]);
    assert_eq!(metrics.len(), samples.len());
    let mut names: Vec<&str> = samples
        .iter()
        .map(|s| s["metric"].as_str().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert!(
        names.contains(&"net_eth0_tx_bytes") && names.contains(&"db_rss_bytes"),
        "{names:?}"
    );
    let wall0: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("clock.json")).unwrap()).unwrap();
    let wall0 = wall0["wall_start_ns"].as_i64().unwrap() as i128;
    let mut kpi_rows = 0;
    for name in &names {
        let (header, rows) = read(&out.join(format!("kpi_{name}.csv")));
        assert_eq!(header, ["timestamp", "cmdb_id", "kpi_name", "value"]);
        for r in &rows {
            assert_eq!(r["kpi_name"], *name);
            let t = num(r, "timestamp");
            assert_eq!(r["timestamp"].len(), 10);
            // Within the run: from its start to a minute after.
            assert!(
                t >= wall0 / 1_000_000_000 && t < wall0 / 1_000_000_000 + 60,
                "{r:?}"
            );
        }
        kpi_rows += rows.len();
    }
    assert_eq!(kpi_rows, samples.len());
    std::fs::remove_dir_all(&out).unwrap();
}
