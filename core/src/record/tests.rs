use super::*;
use serde_json::json;

/// test.json of a real run by rjepsen before the run record existed (register
/// on three namespace nodes, partitions, `--max-writes-per-key 7 --op-timeout 3
/// --recovery-time 1`; the last one it did not record).
const V1: &str = include_str!("../../tests/fixtures/test-json-v1.json");

#[test]
fn an_old_flat_record_loads_into_the_new_places() {
    let r: RunRecord = serde_json::from_str(V1).unwrap();
    assert_eq!(r.format, 1);
    assert_eq!(r.name, "etcd-register");
    assert_eq!((r.workload.as_str(), r.db.as_str()), ("register", "etcd"));
    assert_eq!(r.nodes, ["ta1", "ta2", "ta3"]);
    assert_eq!((r.concurrency, r.seed), (6, 5));
    assert_eq!((r.time_limit, r.rate), (5.0, 50.0));
    assert_eq!(r.nemesis, ["partition"]);
    assert_eq!(r.nemesis_options.interval, 2.0);
    assert_eq!(r.workload_options.ops_per_key, Some(200));
    assert_eq!(r.workload_options.max_writes_per_key, Some(7));
    assert_eq!(r.workload_options.initial_value, Value::Null);
    assert_eq!(r.op_timeout, Some(3.0));
    assert_eq!(r.recovery_time, None);
    assert_eq!(r.db_options["serializable-reads"], json!(false));
    assert_eq!(r.rjepsen_version(), Some("0.1.0"));
    assert_eq!(r.end_time.as_deref(), Some("2026-12-01T22:39:01.590Z"));
    assert!(!r.incomplete());
    assert!(r.command.starts_with("rjepsen test --workload register"));
    assert_eq!(r.validity, ValidityRules::default());
}

#[test]
fn a_new_record_round_trips() {
    let mut r: RunRecord = serde_json::from_str(V1).unwrap();
    r.format = RECORD_FORMAT;
    r.recovery_time = Some(1.0);
    r.args = vec!["test".into(), "--seed".into(), "5".into()];
    r.validity.min_ok_per_process = 0.5;
    r.workload_options.initial_value = json!([1, "a"]);
    let text = serde_json::to_string_pretty(&r).unwrap();
    let back: RunRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r);
    // The new shape has no flat leftovers.
    let v: Value = serde_json::from_str(&text).unwrap();
    for old in [
        "options",
        "rjepsen_version",
        "ops_per_key",
        "nemesis_interval",
    ] {
        assert!(v.get(old).is_none(), "{old} in {v}");
    }
}

#[test]
fn a_run_killed_at_once_still_loads() {
    let r: RunRecord = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
    assert_eq!(r.name, "x");
    assert!(r.incomplete());
    assert!(RunRecord::load(Path::new("/nonexistent/test.json"))
        .unwrap_err()
        .to_string()
        .contains("/nonexistent/test.json"));
    let e = serde_json::from_str::<RunRecord>(r#"{"seed": "seven"}"#).unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
}
