//! The Elle checker on hand-written histories, one per anomaly kind (each must be
//! found and named exactly), on models and budgets, and on a Jepsen EDN fixture.
//! Generated histories are in `elle_synth.rs`.

use rjepsen_checkers::elle::{ElleChecker, ElleOptions};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, Checker, History, Op, OpType, Process, Valid};
use serde_json::{json, Value};

/// Events of a hand-written history.
pub(crate) type Events = Vec<(&'static str, u64, Value)>;

/// A history from events: `("invoke"|"ok"|"fail"|"info", process, value)`.
pub(crate) fn history(events: &[(&str, u64, Value)]) -> History {
    let mut ops = Vec::new();
    let mut open: std::collections::HashMap<u64, Op> = Default::default();
    for (i, (kind, p, v)) in events.iter().enumerate() {
        let mut op = match *kind {
            "invoke" => {
                let op = Op::invoke(Process::Client(*p), "txn", v.clone());
                open.insert(*p, op.clone());
                op
            }
            other => {
                let inv = open.remove(p).expect("completion without invocation");
                let t = match other {
                    "ok" => OpType::Ok,
                    "fail" => OpType::Fail,
                    _ => OpType::Info,
                };
                inv.complete(
                    t,
                    if v.is_null() {
                        inv.value.clone()
                    } else {
                        v.clone()
                    },
                )
            }
        };
        op.index = i as u64;
        op.time = i as u64 * 10;
        ops.push(op);
    }
    History::new(ops)
}

/// One transaction invoked and completed ok at once (invoke value derived).
pub(crate) fn serial(p: u64, v: Value) -> Vec<(&'static str, u64, Value)> {
    vec![("invoke", p, blank(&v)), ("ok", p, v)]
}

/// The invocation's form of a completed value: reads return nil.
fn blank(v: &Value) -> Value {
    Value::Array(
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| match m[0].as_str() {
                Some("r") => json!(["r", m[1], null]),
                _ => m.clone(),
            })
            .collect(),
    )
}

/// Two transactions running concurrently, both ok.
pub(crate) fn concurrent(a: Value, b: Value) -> Vec<(&'static str, u64, Value)> {
    vec![
        ("invoke", 10, blank(&a)),
        ("invoke", 11, blank(&b)),
        ("ok", 10, a),
        ("ok", 11, b),
    ]
}

fn check(workload: &str, models: &[&str], events: Vec<(&str, u64, Value)>) -> CheckResult {
    let models: Vec<String> = models.iter().map(|s| s.to_string()).collect();
    let c = ElleChecker::new(workload, &models).unwrap();
    c.check(&CheckContext::default(), &history(&events))
}

pub(crate) fn types(r: &CheckResult) -> Vec<String> {
    serde_json::from_value(r.details["anomaly-types"].clone()).unwrap()
}

pub(crate) fn cat(parts: Vec<Vec<(&'static str, u64, Value)>>) -> Vec<(&'static str, u64, Value)> {
    parts.into_iter().flatten().collect()
}

#[test]
fn list_append_cycles_are_named_exactly() {
    let table: Vec<(&str, Events)> = vec![
        (
            "G0",
            cat(vec![
                concurrent(
                    json!([["append", "x", 1], ["append", "y", 2]]),
                    json!([["append", "x", 2], ["append", "y", 1]]),
                ),
                serial(1, json!([["r", "x", [1, 2]], ["r", "y", [1, 2]]])),
            ]),
        ),
        (
            "G1c",
            cat(vec![concurrent(
                json!([["append", "x", 1], ["r", "y", [1]]]),
                json!([["append", "y", 1], ["r", "x", [1]]]),
            )]),
        ),
        (
            "G-single-item",
            cat(vec![
                concurrent(
                    json!([["r", "x", []], ["r", "y", [1]]]),
                    json!([["append", "x", 1], ["append", "y", 1]]),
                ),
                serial(1, json!([["r", "x", [1]]])),
            ]),
        ),
        (
            "G2-item",
            cat(vec![
                // A committed read of a never-written key may say nil: empty.
                concurrent(
                    json!([["r", "x", null], ["append", "y", 1]]),
                    json!([["r", "y", []], ["append", "x", 1]]),
                ),
                serial(1, json!([["r", "x", [1]], ["r", "y", [1]]])),
            ]),
        ),
        (
            "G-nonadjacent-item",
            cat(vec![
                vec![
                    ("invoke", 1, json!([["r", "a", null], ["r", "d", null]])),
                    ("invoke", 2, json!([["append", "a", 1], ["append", "b", 1]])),
                    ("invoke", 3, json!([["r", "b", null], ["r", "c", null]])),
                    ("invoke", 4, json!([["append", "c", 1], ["append", "d", 1]])),
                    ("ok", 1, json!([["r", "a", []], ["r", "d", [1]]])),
                    ("ok", 2, Value::Null),
                    ("ok", 3, json!([["r", "b", [1]], ["r", "c", []]])),
                    ("ok", 4, Value::Null),
                ],
                serial(5, json!([["r", "a", [1]], ["r", "c", [1]]])),
            ]),
        ),
        (
            "G-single-item-realtime",
            cat(vec![
                serial(1, json!([["append", "x", 1]])),
                serial(2, json!([["r", "x", []], ["r", "y", []]])),
                serial(3, json!([["r", "x", [1]]])),
            ]),
        ),
        // Under strict-serializable, Elle adds realtime edges only (process
        // order is implied), so a process-order cycle is named -realtime; under
        // strong-session-serializable it gets process edges and is -process.
        (
            "G-single-item-realtime",
            cat(vec![
                serial(1, json!([["append", "x", 1]])),
                serial(1, json!([["r", "x", []]])),
                serial(3, json!([["r", "x", [1]]])),
            ]),
        ),
        (
            "strong-session-serializable:G-single-item-process",
            cat(vec![
                serial(1, json!([["append", "x", 1]])),
                serial(1, json!([["r", "x", []]])),
                serial(3, json!([["r", "x", [1]]])),
            ]),
        ),
        (
            "G0-realtime",
            cat(vec![
                serial(1, json!([["append", "x", 1]])),
                serial(2, json!([["append", "x", 2]])),
                serial(3, json!([["r", "x", [2, 1]]])),
            ]),
        ),
        (
            "G1c-realtime",
            cat(vec![
                serial(1, json!([["r", "x", [1]]])),
                serial(2, json!([["append", "x", 1]])),
            ]),
        ),
    ];
    for (want, events) in table {
        let (models, want) = match want.split_once(':') {
            Some((m, w)) => (vec![m], w),
            None => (vec![], want),
        };
        let r = check("list-append", &models, events);
        assert_eq!(
            types(&r),
            vec![want.to_string()],
            "{}",
            r.details["anomalies"]
        );
        assert_eq!(r.valid, Valid::Invalid, "{want}");
        let first = &r.details["anomalies"][want][0];
        let text = first["explanation"].as_str().unwrap();
        assert!(text.ends_with("a cycle"), "{want}: {text}");
        assert!(first["steps"].as_array().unwrap().len() >= 2, "{want}");
    }
}

#[test]
fn list_append_non_cycle_anomalies_are_named() {
    let table: Vec<(&str, Events)> = vec![
        (
            "G1a",
            vec![
                ("invoke", 1, json!([["append", "x", 1]])),
                ("fail", 1, Value::Null),
                ("invoke", 2, json!([["r", "x", null]])),
                ("ok", 2, json!([["r", "x", [1]]])),
            ],
        ),
        (
            "G1b",
            cat(vec![
                serial(1, json!([["append", "x", 1], ["append", "x", 2]])),
                serial(2, json!([["r", "x", [1]]])),
            ]),
        ),
        (
            "internal",
            cat(vec![
                serial(1, json!([["append", "x", 1]])),
                serial(2, json!([["r", "x", [1]], ["r", "x", []]])),
            ]),
        ),
        (
            "duplicate-elements",
            cat(vec![
                serial(1, json!([["append", "x", 1]])),
                serial(2, json!([["r", "x", [1, 1]]])),
            ]),
        ),
        (
            "future-read",
            vec![
                ("invoke", 1, json!([["r", "x", null], ["append", "x", 1]])),
                ("ok", 1, json!([["r", "x", [1]], ["append", "x", 1]])),
            ],
        ),
    ];
    for (want, events) in table {
        let r = check("list-append", &["serializable"], events);
        assert!(
            types(&r).contains(&want.to_string()),
            "{want}: {:?}",
            r.details
        );
        assert_eq!(r.valid, Valid::Invalid, "{want}");
        let e = &r.details["anomalies"][want][0]["explanation"];
        assert!(e.as_str().is_some_and(|s| s.len() > 20), "{want}: {e}");
    }
}

#[test]
fn list_append_order_anomalies_are_named() {
    let incompatible = cat(vec![
        concurrent(json!([["append", "x", 1]]), json!([["append", "x", 2]])),
        serial(1, json!([["r", "x", [1, 2]]])),
        serial(2, json!([["r", "x", [2, 1]]])),
    ]);
    let r = check("list-append", &["read-committed"], incompatible);
    assert_eq!(types(&r), vec!["incompatible-order"]);
    assert_eq!(r.valid, Valid::Invalid);

    let dirty = cat(vec![
        vec![
            ("invoke", 1, json!([["append", "x", 1]])),
            ("fail", 1, Value::Null),
        ],
        serial(2, json!([["append", "x", 2]])),
        serial(3, json!([["r", "x", [1, 2]]])),
    ]);
    let r = check("list-append", &["read-committed"], dirty);
    assert_eq!(types(&r), vec!["G1a", "dirty-update"]);

    let lost = cat(vec![
        serial(1, json!([["append", "x", 1]])),
        concurrent(
            json!([["r", "x", [1]], ["append", "x", 2]]),
            json!([["r", "x", [1]], ["append", "x", 3]]),
        ),
        serial(2, json!([["r", "x", [1, 2, 3]]])),
    ]);
    let r = check("list-append", &["repeatable-read"], lost);
    let t = types(&r);
    assert!(t.contains(&"lost-update".to_string()), "{t:?}");
    assert!(t.contains(&"G-single-item".to_string()), "{t:?}");
    assert_eq!(r.valid, Valid::Invalid);
}

#[test]
fn rw_register_anomalies_are_named() {
    let table: Vec<(&str, Events)> = vec![
        (
            "cyclic-versions",
            cat(vec![
                serial(1, json!([["w", "x", 1]])),
                concurrent(
                    json!([["r", "x", 1], ["w", "x", 2]]),
                    json!([["r", "x", 2], ["w", "x", 1]]),
                ),
            ]),
        ),
        (
            "G1a",
            vec![
                ("invoke", 1, json!([["w", "x", 1]])),
                ("fail", 1, Value::Null),
                ("invoke", 2, json!([["r", "x", null]])),
                ("ok", 2, json!([["r", "x", 1]])),
            ],
        ),
        (
            "G1b",
            cat(vec![
                serial(1, json!([["w", "x", 1], ["w", "x", 2]])),
                serial(2, json!([["r", "x", 1]])),
            ]),
        ),
        (
            "internal",
            cat(vec![
                serial(1, json!([["w", "x", 2]])),
                serial(2, json!([["w", "x", 1], ["r", "x", 2]])),
            ]),
        ),
        (
            "future-read",
            vec![
                ("invoke", 1, json!([["r", "x", null], ["w", "x", 1]])),
                ("ok", 1, json!([["r", "x", 1], ["w", "x", 1]])),
            ],
        ),
        (
            "G-single-item",
            concurrent(
                json!([["w", "x", 1], ["w", "y", 1]]),
                json!([["r", "x", null], ["r", "y", 1]]),
            ),
        ),
        (
            "G2-item",
            concurrent(
                json!([["r", "x", null], ["w", "y", 1]]),
                json!([["r", "y", null], ["w", "x", 1]]),
            ),
        ),
    ];
    for (want, events) in table {
        let opts = ElleOptions {
            consistency_models: Some(vec!["serializable".into()]),
            wfr_keys: true,
            ..ElleOptions::default()
        };
        let c = ElleChecker::with_options("rw-register", &opts).unwrap();
        let r = c.check(&CheckContext::default(), &history(&events));
        assert!(
            types(&r).contains(&want.to_string()),
            "{want}: {:?}",
            r.details
        );
        assert_eq!(r.valid, Valid::Invalid, "{want}");
    }
    let lost = concurrent(
        json!([["r", "x", null], ["w", "x", 1]]),
        json!([["r", "x", null], ["w", "x", 2]]),
    );
    let r = check("rw-register", &["serializable"], lost);
    assert!(
        types(&r).contains(&"lost-update".to_string()),
        "{:?}",
        r.details
    );
}

#[test]
fn models_decide_validity_and_boundary() {
    let skew = cat(vec![
        concurrent(
            json!([["r", "x", []], ["append", "y", 1]]),
            json!([["r", "y", []], ["append", "x", 1]]),
        ),
        serial(1, json!([["r", "x", [1]], ["r", "y", [1]]])),
    ]);
    // Elle reports only what the models forbid: write skew under SI is just
    // valid (we also list it apart, as allowed).
    let r = check("list-append", &["snapshot-isolation"], skew.clone());
    assert_eq!(r.valid, Valid::Valid, "write skew is allowed under SI");
    assert!(types(&r).is_empty());
    assert_eq!(r.details["allowed-anomaly-types"], json!(["G2-item"]));
    assert_eq!(r.details["not"], json!([]));
    let r = check("list-append", &["serializable"], skew);
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(types(&r), vec!["G2-item"]);
    assert_eq!(r.details["not"], json!(["repeatable-read"]));
    assert_eq!(
        r.details["also-not"],
        json!([
            "serializable",
            "strict-serializable",
            "strong-session-serializable"
        ])
    );
    // A stale read is a realtime anomaly: fine for serializable, not strict.
    let stale = cat(vec![
        serial(1, json!([["append", "x", 1]])),
        serial(2, json!([["r", "x", []]])),
        serial(3, json!([["r", "x", [1]]])),
    ]);
    assert_eq!(
        check("list-append", &["serializable"], stale.clone()).valid,
        Valid::Valid
    );
    assert_eq!(
        check("list-append", &["strict-serializable"], stale).valid,
        Valid::Invalid
    );
    assert!(ElleChecker::new("list-append", &["nonsense".into()]).is_err());
    assert!(ElleChecker::new("queue", &[]).is_err());
}

#[test]
fn nothing_to_check_or_no_time_is_unknown() {
    let r = check("list-append", &[], vec![]);
    assert_eq!(r.valid, Valid::Unknown);
    assert_eq!(types(&r), vec!["empty-transaction-graph"]);
    let g1c = concurrent(
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "y", 1], ["r", "x", [1]]]),
    );
    let c = ElleChecker::new("list-append", &[]).unwrap();
    let ctx = CheckContext {
        time_limit: Some(std::time::Duration::ZERO),
        ..Default::default()
    };
    // Out of time before any search: Elle's timeout anomaly and a fallback
    // cycle, which here is a G1c (so invalid, as Elle says); see elle_timeout.rs.
    let r = c.check(&ctx, &history(&g1c));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(types(&r), vec!["G1c", "cycle-search-timeout"]);
    let ctx = CheckContext {
        memory_limit: Some(1),
        ..Default::default()
    };
    let r = c.check(&ctx, &history(&g1c));
    assert_eq!(r.valid, Valid::Unknown);
    assert!(r.details["error"]
        .as_str()
        .unwrap()
        .contains("memory budget"));
}

#[test]
fn cycles_are_drawn_into_the_output_directory() {
    let dir = std::env::temp_dir().join(format!("rjepsen-elle-svg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let g1c = concurrent(
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "y", 1], ["r", "x", [1]]]),
    );
    let c = ElleChecker::new("list-append", &[]).unwrap();
    let ctx = CheckContext {
        out_dir: Some(dir.clone()),
        ..Default::default()
    };
    let r = c.check(&ctx, &history(&g1c));
    assert_eq!(r.details["cycle-svgs"], json!(["elle-G1c-0.svg"]));
    let svg = std::fs::read_to_string(dir.join("elle-G1c-0.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">wr<") && svg.contains("[append x 1]"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jepsen_edn_fixture_is_checked() {
    // A Jepsen-style history.edn: a write skew (keys 1, 2), a G-single (keys 3,
    // 4), a nemesis op and an indeterminate append.
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/elle/anomalies.edn");
    let c = ElleChecker::new("list-append", &["serializable".into()]).unwrap();
    let r = c.check_file(&CheckContext::default(), &path);
    assert_eq!(
        types(&r),
        vec!["G-single-item", "G2-item"],
        "{:?}",
        r.details
    );
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(
        r.details["not"],
        json!(["consistent-view", "repeatable-read"])
    );
    let ops = rjepsen_core::history::read_edn(&path).unwrap();
    let via_history = c.check(&CheckContext::default(), &History::new(ops));
    assert_eq!(via_history.details["anomalies"], r.details["anomalies"]);
    let skew = r.details["anomalies"]["G2-item"][0]["explanation"]
        .as_str()
        .unwrap();
    assert!(skew.contains("T2 read key 1 = [] without 1"), "{skew}");
}
