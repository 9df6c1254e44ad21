//! Proxy nemeses inside `rjepsen test`: three local nodes on etcd, with the
//! fault proxies on the control node in front of every node. A proxy partition
//! must really stop the bytes on the links it cuts (the per-link counters of
//! each fault window, recorded in the stop op, are 0 there) while other links
//! keep flowing; the run must be valid; and the history, `results.json` and
//! `test.json` must show the per-link faults and the proxied address book, and
//! the report its windows.
//! Root only; nodes p1..p3 on their own bridge and subnet (10.60).

use super::cli::rjepsen;
use super::end_to_end::{check_nothing_left, is_root, Cluster};
use rjepsen_core::history::read_jsonl;
use rjepsen_core::{Op, OpType, Process};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const BRIDGE: &str = "rjetestp";
const SUBNET: &str = "10.60.0.0";
const PREFIX: &str = "10.60.0.";

#[test]
fn proxy_partitions_stop_their_links_and_the_run_is_valid() {
    if !is_root() {
        eprintln!("skipped: local nodes need root");
        return;
    }
    let cluster = Cluster::up("p1..p3", BRIDGE, SUBNET);
    let store = std::env::temp_dir().join(format!("rjepsen-proxy-{}", std::process::id()));
    let key = cluster.key();
    let started = std::time::Instant::now();
    let o = rjepsen(&[
        "test",
        "--workload",
        "register",
        "--nodes",
        "p1..p3",
        "--ssh-private-key",
        &key,
        "--time-limit",
        "14",
        "--rate",
        "30",
        "--nemesis",
        "proxy-partition",
        "--nemesis-interval",
        "3",
        "--seed",
        "11",
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!(
        "rjepsen test in {:.1} s:\n{stderr}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(o.status.code(), Some(0), "a valid run: {stderr}");
    assert!(
        stderr.contains("proxy: p1 clients dial 10.60.0.1:"),
        "{stderr}"
    );
    let run = store.join("latest").canonicalize().unwrap();
    check_windows(&run);
    check_records(&run);
    drop(cluster);
    check_nothing_left(BRIDGE, PREFIX);
    std::fs::remove_dir_all(&store).unwrap();
}

type Link = (String, String);

/// Each stop op reports the bytes per link during its window: 0 on every link
/// the start cut, more than 0 on some link it left alone.
pub(super) fn check_windows(run: &Path) {
    let ops = read_jsonl(&run.join("history.jsonl")).unwrap();
    let done: Vec<&Op> = ops
        .iter()
        .filter(|o| o.process == Process::Nemesis && o.kind == OpType::Info)
        .collect();
    let mut windows = 0;
    let mut cut: Option<BTreeSet<Link>> = None;
    for op in done {
        match op.f.as_str() {
            "start-proxy-partition" => {
                assert!(op.error.is_none(), "{op:?}");
                let links: Vec<Link> = serde_json::from_value(op.value["links"].clone()).unwrap();
                assert!(!links.is_empty(), "{op:?}");
                cut = Some(links.into_iter().collect());
            }
            "stop-proxy-partition" => {
                let Some(links) = cut.take() else { continue };
                let bytes = op.value["window-bytes"].as_object().expect("window bytes");
                eprintln!("window: cut {links:?}; bytes {bytes:?}");
                assert_eq!(bytes.len(), 6, "every link of 3 nodes: {bytes:?}");
                let mut others_flowed = false;
                for (link, n) in bytes {
                    let (s, d) = link.split_once("->").unwrap();
                    let n = n.as_u64().unwrap();
                    if links.contains(&(s.to_string(), d.to_string())) {
                        assert_eq!(n, 0, "{link} was cut but carried {n} bytes: {op:?}");
                    } else if n > 0 {
                        others_flowed = true;
                    }
                }
                assert!(others_flowed, "no uncut link carried bytes: {bytes:?}");
                windows += 1;
            }
            _ => {}
        }
    }
    assert!(windows >= 1, "at least one whole partition window");
}

/// The proxy fault's spec and intervals are in results.json, with the links;
/// test.json has the book: nodes listen on their own addresses and are dialled
/// at the proxies on the control node's bridge address.
fn check_records(run: &Path) {
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(run.join(f)).unwrap()).unwrap()
    };
    let results = read("results.json");
    assert_eq!(results["valid?"], true, "{}", results["valid?"]);
    let faults = results["nemesis-faults"].as_array().unwrap();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["name"], "proxy-partition");
    assert_eq!(faults[0]["start"][0], "start-proxy-partition");
    let intervals = results["nemesis-intervals"].as_array().unwrap();
    let first = intervals
        .iter()
        .find(|i| i["kind"] == "proxy-partition")
        .expect("a proxy-partition interval");
    assert!(
        first["value"]["links"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "{first}"
    );
    let test = read("test.json");
    let book = test["addresses"]["nodes"].as_array().unwrap();
    assert_eq!(book.len(), 3);
    for (i, n) in book.iter().enumerate() {
        let own = format!("{PREFIX}{}", 11 + i);
        assert!(n["listen_peer"].as_str().unwrap().starts_with(&own), "{n}");
        assert!(n["peer"].as_str().unwrap().starts_with("10.60.0.1:"), "{n}");
        assert!(
            n["client"].as_str().unwrap().starts_with("10.60.0.1:"),
            "{n}"
        );
    }
    // The report shades the windows in the spec's colour and lists their links.
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(
        report.contains("proxy-partition from"),
        "report lists the windows"
    );
    assert!(report.contains("#9c755f") && report.contains("links"));
}
