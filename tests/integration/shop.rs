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
