//! `rjepsen test --db shop --workload shop` on three local namespace nodes
//! (10.71): a short `--shop-fixed` run must be valid, and the run's directory
//! must hold the services' traces, from which `rjepsen traces analyze` derives
//! candidate pairs. (The racy build breaks invariants by chance only; how
//! often is measured by hand, docs/shop.md, not asserted here.)

use super::cli::rjepsen;
use super::end_to_end::{is_root, Cluster};
use serde_json::Value;

const VENV: &str = "/usr/local/lib/rjepsen/shop-venv/bin/python";

#[test]
fn a_fixed_shop_run_is_valid_and_its_traces_give_pairs() {
    if !is_root() || !std::path::Path::new(VENV).exists() {
        eprintln!("skipped: needs root and the shop's venv (scripts/setup.sh)");
        return;
    }
    let cluster = Cluster::up("sh1..sh3", "rjshoptest", "10.71.0.0");
    let store = std::env::temp_dir().join(format!("rjepsen-shop-{}", std::process::id()));
    let key = cluster.key();
    let o = rjepsen(&[
        "test",
        "--db",
        "shop",
        "--workload",
        "shop",
        "--shop-fixed",
        "--nodes",
        "sh1..sh3",
        "--ssh-private-key",
        &key,
        "--time-limit",
        "5",
        "--rate",
        "0",
        "--concurrency",
        "6",
        "--recovery-time",
        "1",
        "--op-timeout",
        "5",
        "--seed",
        "12",
        "--name",
        "shop",
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let dir = store.join("shop").join("latest");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["shop"]["valid?"], Value::Bool(true), "{results}");
    assert!(
        results["shop"]["orders"].as_u64().unwrap() > 0,
        "no order placed: {results}"
    );
    let test: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("test.json")).unwrap()).unwrap();
    assert_eq!(
        test["db_options"]["shop-fixed"],
        Value::Bool(true),
        "{test}"
    );
    for (node, log) in [("sh1", "shop-postgres.log"), ("sh2", "shop-orders.log")] {
        assert!(
            dir.join("nodes").join(node).join(log).exists(),
            "no {node}/{log}"
        );
    }
    let out = dir.join("analysis");
    let a = rjepsen(&[
        "traces",
        "analyze",
        "--out",
        out.to_str().unwrap(),
        dir.join("traces").to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&a.stderr).into_owned();
    assert!(a.status.success(), "{said}");
    let text = std::fs::read_to_string(out.join("candidates.json")).unwrap();
    let pairs: Value = serde_json::from_str(&text).unwrap();
    let n = pairs.as_array().map(Vec::len).unwrap_or(0);
    assert!(n > 0, "no candidate pairs from the run's traces: {said}");
    let _ = std::fs::remove_dir_all(&store);
}

/// One `--nemesis interleave` run on the 10.74 nodes; returns its exit code,
/// results.json and run directory.
fn interleave_run(
    cluster: &Cluster,
    store: &std::path::Path,
    fixed: bool,
) -> (i32, Value, std::path::PathBuf) {
    let key = cluster.key();
    let name = if fixed { "fixed" } else { "racy" };
    let mut args = vec![
        "test",
        "--db",
        "shop",
        "--workload",
        "shop",
        "--nemesis",
        "interleave",
        "--nodes",
        "ilt1..ilt3",
        "--ssh-private-key",
        &key,
        "--time-limit",
        "15",
        // The shop workload's own default is a light load (3 ops/s); this
        // short run's 5 s observe phase needs more requests to pair.
        "--rate",
        "100",
        "--concurrency",
        "3",
        "--recovery-time",
        "1",
        "--op-timeout",
        "5",
        "--seed",
        "2",
        "--name",
        name,
        "--store",
        store.to_str().unwrap(),
        "--quiet",
    ];
    if fixed {
        args.push("--shop-fixed");
    }
    let o = rjepsen(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let dir = store.join(name).join("latest");
    let text = std::fs::read_to_string(dir.join("results.json"))
        .unwrap_or_else(|e| panic!("no results.json ({e}): {stderr}"));
    (
        o.status.code().unwrap_or(-1),
        serde_json::from_str(&text).unwrap(),
        dir,
    )
}

/// The racy shop under `--nemesis interleave` breaks each of the three
/// invariants in some forced schedule of a pair that the run's own traces gave
/// (`analysis/candidates.json` or `early.json`, the very steps named); the
/// fixed shop, same seed, breaks none and is valid.
#[test]
fn interleave_finds_each_race_among_the_runs_own_pairs_and_none_when_fixed() {
    if !is_root() || !std::path::Path::new(VENV).exists() {
        eprintln!("skipped: needs root and the shop's venv (scripts/setup.sh)");
        return;
    }
    let cluster = Cluster::up("ilt1..ilt3", "rjilt", "10.74.0.0");
    let store = std::env::temp_dir().join(format!("rjepsen-interleave-{}", std::process::id()));
    let (code, results, dir) = interleave_run(&cluster, &store, false);
    let i = &results["interleave"];
    assert_eq!(code, 1, "{i}");
    assert_eq!(i["valid?"], Value::Bool(false), "{i}");
    let violations = i["violations"].as_array().unwrap();
    for inv in ["stock", "consignment", "payment"] {
        let v = violations
            .iter()
            .find(|v| v["invariant"] == inv)
            .unwrap_or_else(|| panic!("no {inv} violation: {}", i["broken"]));
        assert!(v["schedule"].as_str().unwrap().starts_with("hold_"), "{v}");
        assert_eq!(v["trace_ids"]["a"].as_str().map(str::len), Some(32), "{v}");
        let file = dir
            .join("analysis")
            .join(format!("{}.json", v["pair"]["file"].as_str().unwrap()));
        let pairs: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let pair = &pairs[v["pair"]["index"].as_u64().unwrap() as usize];
        for side in ["a", "b"] {
            for k in ["http_method", "http_url", "service", "sqls"] {
                assert_eq!(pair[side][k], v["pair"][side][k], "{inv}: step {side} {k}");
            }
        }
    }
    assert!(i["coverage"]["classes_tried"].as_u64().unwrap() > 0, "{i}");
    let (code, results, _) = interleave_run(&cluster, &store, true);
    let i = &results["interleave"];
    assert_eq!(i["violations"].as_array().map(Vec::len), Some(0), "{i}");
    assert_eq!(i["valid?"], Value::Bool(true), "{i}");
    assert!(i["attempts"].as_u64().unwrap() > 0, "{i}");
    assert_eq!(code, 0, "{results}");
    let _ = std::fs::remove_dir_all(&store);
}
