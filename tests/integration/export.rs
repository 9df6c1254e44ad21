//! A run as a labelled data set, end to end: three namespace nodes (bridge
//! rjexport, subnet 10.68.0.0/24), etcd under one planned 5 s partition
//! (`--nemesis-duration 5 --nemesis-delay 3`) with node metrics every half
//! second, then `rjepsen export --format microservo`: the label is 5 s within
//! 50 ms, and the ground truth starts within 1 s of the plan. Root only.

use super::cli::rjepsen;
use super::end_to_end::{is_root, Cluster};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A register run under one planned fault, on three fresh namespace nodes.
struct Planned {
    nodes: &'static str,
    bridge: &'static str,
    /// The store's directory name under the temporary directory.
    store: &'static str,
    time_limit: &'static str,
    rate: &'static str,
    nemesis: &'static str,
    /// Seconds the fault is held (`--nemesis-duration`), after 3 s healthy.
    duration: &'static str,
    /// `--format`, or the default.
    format: Option<&'static str>,
}

/// What a planned run left: its store, the run's directory, the export's
/// directory and the export's stdout.
struct Exported {
    store: PathBuf,
    run: PathBuf,
    out: PathBuf,
    stdout: String,
}

/// Runs `p` with node metrics every half second (the nodes are down again when
/// it returns), then `rjepsen export` on the run; fails unless both succeed.
fn export_planned_run(p: &Planned) -> Exported {
    let cluster = Cluster::up(p.nodes, p.bridge, "10.68.0.0");
    let store = std::env::temp_dir().join(format!("{}-{}", p.store, std::process::id()));
    let key = cluster.key();
    let o = rjepsen(&[
        "test",
        "--workload",
        "register",
        "--nodes",
        p.nodes,
        "--ssh-private-key",
        &key,
        "--time-limit",
        p.time_limit,
        "--rate",
        p.rate,
        "--nemesis",
        p.nemesis,
        "--nemesis-duration",
        p.duration,
        "--nemesis-delay",
        "3",
        "--metrics-interval",
        "0.5",
        "--recovery-time",
        "1",
        "--seed",
        "15",
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    drop(cluster);
    let run = store.join("latest").canonicalize().unwrap();
    let out = store.join("export");
    let mut args = vec!["export", run.to_str().unwrap()];
    if let Some(f) = p.format {
        args.extend(["--format", f]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    let o = rjepsen(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    Exported {
        store,
        run,
        out,
        stdout,
    }
}

fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    // Only for files whose fields hold no commas (labels, history's first
    // columns are read by position, metrics).
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            header
                .iter()
                .map(|h| h.to_string())
                .zip(f.iter().map(|s| s.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn export_labels_a_partition_run() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let Exported {
        store,
        run,
        out,
        stdout,
    } = export_planned_run(&Planned {
        nodes: "x1..x3",
        bridge: "rjexport",
        store: "rjepsen-export",
        time_limit: "10",
        rate: "50",
        nemesis: "partition",
        duration: "5",
        format: Some("microservo"),
    });
    assert!(
        stdout.contains("labels.csv") && stdout.contains("groundtruth.json"),
        "{stdout}"
    );

    let labels = csv_rows(&out.join("labels.csv"));
    assert!(!labels.is_empty(), "no partition in the run");
    let ns = |r: &HashMap<String, String>, k: &str| r[k].parse::<i64>().unwrap();
    assert!(
        labels.iter().all(|r| r["fault_id"] == "0"),
        "one planned partition: {labels:?}"
    );
    let held = ns(&labels[0], "end_ns") - ns(&labels[0], "start_ns");
    eprintln!("label window: {held} ns");
    assert!((held - 5_000_000_000).abs() <= 50_000_000, "held {held} ns");
    let windows: Vec<(i64, i64)> = {
        let mut w: Vec<(i64, i64)> = labels
            .iter()
            .map(|r| (ns(r, "start_ns"), ns(r, "end_ns")))
            .collect();
        w.dedup();
        w
    };
    // Every op invoked inside a window is flagged, and no other.
    let history = std::fs::read_to_string(run.join("history.jsonl")).unwrap();
    let inside = |t: i64| windows.iter().any(|(s, e)| *s <= t && t <= *e);
    let invoked_inside = history
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|o| o["type"] == "invoke" && inside(o["time"].as_i64().unwrap()))
        .count();
    let hist = std::fs::read_to_string(out.join("history.csv")).unwrap();
    let flagged = hist
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2) == Some("invoke"))
        .filter(|l| l.rsplit(',').nth(1) == Some("1"))
        .count();
    assert_eq!(flagged, invoked_inside);

    check_network_drops(&out, &labels);
    check_groundtruth(&out, &labels);
    check_planned_start(&run, &out, &history);
    std::fs::remove_dir_all(&store).unwrap();
}

/// A node cut off from both peers sends less while it is: its eth0 tx bytes
/// per sample inside the first window that isolates a node are below those
/// before it. The partition's mode is the seed's and the timing's choice; a
/// run whose partitions all split the nodes otherwise (bridge, ring) says so.
fn check_network_drops(out: &Path, labels: &[HashMap<String, String>]) {
    let ids: std::collections::BTreeSet<&str> =
        labels.iter().map(|r| r["fault_id"].as_str()).collect();
    let isolating = ids.into_iter().find_map(|id| {
        let rows: Vec<_> = labels.iter().filter(|r| r["fault_id"] == id).collect();
        let node = ["x1", "x2", "x3"]
            .into_iter()
            .find(|n| rows.iter().filter(|r| r["dst"] == *n).count() == 2)?;
        let ns = |k: &str| rows[0][k].parse::<i64>().unwrap();
        Some((node, (ns("start_ns"), ns("end_ns"))))
    });
    let Some((node, w)) = isolating else {
        eprintln!("no partition isolates a single node: {labels:?}");
        return;
    };
    let metrics = csv_rows(&out.join("metrics.csv"));
    let tx: Vec<(i64, f64)> = metrics
        .iter()
        .filter(|r| r["node"] == node && r["metric"] == "net_eth0_tx_bytes")
        .map(|r| {
            (
                r["timestamp_ns"].parse().unwrap(),
                r["value"].parse().unwrap(),
            )
        })
        .collect();
    let mean = |xs: Vec<f64>| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    // Skip the first second of the window: the sample straddling its start.
    let during = mean(
        tx.iter()
            .filter(|(t, _)| *t > w.0 + 1_000_000_000 && *t <= w.1)
            .map(|x| x.1)
            .collect(),
    );
    let before = mean(tx.iter().filter(|(t, _)| *t < w.0).map(|x| x.1).collect());
    eprintln!("{node}: {during:.0} tx bytes per sample in the window, {before:.0} before");
    assert!(
        during < before,
        "{node}: {during} bytes per sample in the window, {before} before"
    );
}

fn check_groundtruth(out: &Path, labels: &[HashMap<String, String>]) {
    let gt: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("groundtruth.json")).unwrap())
            .unwrap();
    let mut keys: Vec<&str> = gt.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "cmdb_id",
            "duration",
            "failure_type",
            "service",
            "timestamp"
        ]
    );
    let l = &labels[0];
    let secs = (l["end_ns"].parse::<f64>().unwrap() - l["start_ns"].parse::<f64>().unwrap()) / 1e9;
    assert_eq!(gt["duration"]["0"], secs.round() as u64);
    assert_eq!(gt["failure_type"]["0"], "partition");
    assert!(out.join("kpi_cpu_user.csv").exists());
}

/// groundtruth.json's start (epoch seconds) is within 1 s of the planned one:
/// the start op's `planned-start` on the wall clock of clock.json.
fn check_planned_start(run: &Path, out: &Path, history: &str) {
    let planned = history
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|o| o["f"] == "start-partition" && o["type"] == "invoke")
        .and_then(|o| o["planned-start"].as_i64())
        .expect("the start op records its planned start");
    let clock: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("clock.json")).unwrap()).unwrap();
    let wall0 = clock["wall_start_ns"].as_i64().unwrap();
    let planned_secs = (wall0 + planned) as f64 / 1e9;
    let gt: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("groundtruth.json")).unwrap())
            .unwrap();
    let start = gt["timestamp"]["0"].as_f64().unwrap();
    eprintln!("ground truth start {start}, planned {planned_secs:.3}");
    assert!(
        (start - planned_secs).abs() <= 1.0,
        "{start} vs {planned_secs}"
    );
    assert_eq!(gt["duration"]["0"], 5);
}

/// With the proxy nemesis, the proxies' per-link byte counters are metrics
/// (`proxy_link_bytes{dst=..}` on the source node, bytes per sample), and a
/// link the planned partition cuts forwards nothing inside its window (one
/// sample of slack at each edge) after forwarding before it.
#[test]
fn export_has_the_proxy_link_counters() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let Exported {
        store, run, out, ..
    } = export_planned_run(&Planned {
        nodes: "y1..y3",
        bridge: "rjexportp",
        store: "rjepsen-export-p",
        time_limit: "8",
        rate: "30",
        nemesis: "proxy-partition",
        duration: "3",
        format: None,
    });
    let labels = csv_rows(&out.join("labels.csv"));
    assert!(!labels.is_empty(), "no proxy partition in the run");
    let ns = |k: &str| labels[0][k].parse::<i64>().unwrap();
    let (start, end) = (ns("start_ns"), ns("end_ns"));
    let history = std::fs::read_to_string(run.join("history.jsonl")).unwrap();
    let links: Vec<(String, String)> = history
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|o| o["f"] == "start-proxy-partition" && o["type"] != "invoke")
        .and_then(|o| o["value"]["links"].as_array().cloned())
        .expect("the start op names its links")
        .iter()
        .map(|l| (l[0].as_str().unwrap().into(), l[1].as_str().unwrap().into()))
        .collect();
    assert!(!links.is_empty());
    let metrics = csv_rows(&out.join("metrics.csv"));
    let half_s = 500_000_000;
    // A link left standing keeps forwarding in the window: the zeros below
    // are the cut's, not a sampler that stopped.
    let cut = |s: &str, d: &str| {
        links
            .iter()
            .any(|(a, b)| (a == s && b == d) || (a == d && b == s))
    };
    let kept: f64 = metrics
        .iter()
        .filter(|r| r["metric"].starts_with("proxy_link_bytes"))
        .filter(|r| !cut(&r["node"], &r["metric"][21..r["metric"].len() - 1]))
        .filter(|r| (start..end).contains(&r["timestamp_ns"].parse::<i64>().unwrap()))
        .map(|r| r["value"].parse::<f64>().unwrap())
        .sum();
    eprintln!("uncut links: {kept} bytes inside the window");
    assert!(kept > 0.0, "no link forwarded anything in the window");
    for (src, dst) in &links {
        let name = format!("proxy_link_bytes{{dst={dst}}}");
        let samples: Vec<(i64, f64)> = metrics
            .iter()
            .filter(|r| r["node"] == *src && r["metric"] == name)
            .map(|r| {
                (
                    r["timestamp_ns"].parse().unwrap(),
                    r["value"].parse().unwrap(),
                )
            })
            .collect();
        let inside: Vec<f64> = samples
            .iter()
            .filter(|(t, _)| *t > start + half_s && *t < end)
            .map(|s| s.1)
            .collect();
        let before: f64 = samples
            .iter()
            .filter(|(t, _)| *t < start)
            .map(|s| s.1)
            .sum();
        eprintln!("{src}->{dst}: {before} bytes before, {inside:?} inside");
        assert!(
            before > 0.0,
            "{src}->{dst} forwarded nothing before the cut"
        );
        assert!(
            inside.len() >= 3,
            "{src}->{dst}: {} samples inside",
            inside.len()
        );
        assert!(inside.iter().all(|b| *b == 0.0), "{src}->{dst}: {inside:?}");
    }
    std::fs::remove_dir_all(&store).unwrap();
}
