//! Elle's inferences, one hand-written history each, asserting the exact
//! anomaly types, verdict and `not` / `also-not` sets Elle gives: appends no read
//! observed, single-append keys, `empty-transaction-graph` beside other
//! anomalies, the rw-register version sources (`wfr`, `sequential`,
//! `linearizable` keys), and `--anomalies` / `--consistency-models none`. Also a
//! property: strict-serializable simulations, full of unobserved appends, pass.

use super::elle::{cat, concurrent, history, serial, types, Events};
use rjepsen_checkers::elle::synth::{list_append, Isolation, SynthConfig};
use rjepsen_checkers::elle::{ElleChecker, ElleOptions};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, Checker, History, Valid};
use serde_json::{json, Value};

fn models(m: &[&str]) -> ElleOptions {
    ElleOptions {
        consistency_models: Some(m.iter().map(|s| s.to_string()).collect()),
        ..ElleOptions::default()
    }
}

fn run(workload: &str, opts: &ElleOptions, events: Events) -> CheckResult {
    let c = ElleChecker::with_options(workload, opts).unwrap();
    c.check(&CheckContext::default(), &history(&events))
}

/// The sentence that explains the first anomaly of type `name`.
fn explanation<'a>(r: &'a CheckResult, name: &str) -> &'a str {
    r.details["anomalies"][name][0]["explanation"]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} explanation: {:?}", r.details))
}

/// Asserts the verdict, the anomaly types and the `not` / `also-not` sets.
fn expect(r: &CheckResult, valid: Valid, want: &[&str], not: &[&str], also: &[&str]) {
    assert_eq!(types(r), want, "{:?}", r.details);
    assert_eq!(r.valid, valid, "{:?}", r.details);
    assert_eq!(r.details["not"], json!(not), "not");
    assert_eq!(r.details["also-not"], json!(also), "also-not");
}

const SER_ABOVE_RR: &[&str] = &[
    "serializable",
    "strict-serializable",
    "strong-session-serializable",
];

#[test]
fn unobserved_appends_follow_the_highest_element_read() {
    // Write skew on keys nobody reads afterwards: each txn read the other's key
    // empty, and neither append was ever observed.
    let skew = concurrent(
        json!([["r", "x", []], ["append", "y", 1]]),
        json!([["r", "y", []], ["append", "x", 1]]),
    );
    let r = run("list-append", &models(&["serializable"]), skew);
    expect(
        &r,
        Valid::Invalid,
        &["G2-item"],
        &["repeatable-read"],
        SER_ABOVE_RR,
    );
    let text = explanation(&r, "G2-item");
    assert!(text.contains("which no read observed"), "{text}");

    // The ww edge: T3's unobserved 2 comes after 1, the highest element read,
    // and T3 wrote what T2 read: G1c. The rw edge from T5, which read [1], to
    // T3 closes a G-single-item too; G1c does not imply it, so as in Elle the
    // component shows both.
    let g1c = cat(vec![
        concurrent(
            json!([["append", "x", 1], ["r", "z", [5]]]),
            json!([["append", "x", 2], ["append", "z", 5]]),
        ),
        serial(3, json!([["r", "x", [1]]])),
    ]);
    let r = run("list-append", &models(&["serializable"]), g1c);
    assert_eq!(types(&r), vec!["G-single-item", "G1c"], "{:?}", r.details);
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["not"], json!(["read-committed"]));
    let also = r.details["also-not"].as_array().unwrap();
    for m in [
        "consistent-view",
        "repeatable-read",
        "read-atomic",
        "strict-serializable",
    ] {
        assert!(also.contains(&json!(m)), "{m}");
    }
    assert!(!also.contains(&json!("read-uncommitted")));
    let text = explanation(&r, "G1c");
    assert!(text.contains("highest element any read shows"), "{text}");
}

#[test]
fn a_single_append_follows_the_empty_state() {
    // T1 appended 1 and completed; T2, invoked after, read x empty; no one ever
    // read [1]. Versions [] then [1]: a stale read, G-single-item-realtime.
    let stale = cat(vec![
        serial(1, json!([["append", "x", 1]])),
        serial(2, json!([["r", "x", []]])),
    ]);
    let r = run("list-append", &models(&[]), stale.clone());
    expect(
        &r,
        Valid::Invalid,
        &["G-single-item-realtime"],
        &["strong-snapshot-isolation"],
        &["strict-serializable"],
    );
    // Serializable allows it: Elle reports nothing.
    let r = run("list-append", &models(&["serializable"]), stale);
    expect(&r, Valid::Valid, &[], &[], &[]);
}

#[test]
fn empty_transaction_graph_is_reported_beside_other_anomalies() {
    let r = run("list-append", &models(&[]), vec![]);
    expect(&r, Valid::Unknown, &["empty-transaction-graph"], &[], &[]);
    // One committed txn reading a failed append: no edges, and a G1a.
    let g1a: Events = vec![
        ("invoke", 1, json!([["append", "x", 1]])),
        ("fail", 1, Value::Null),
        ("invoke", 2, json!([["r", "x", null]])),
        ("ok", 2, json!([["r", "x", [1]]])),
    ];
    let r = run("list-append", &models(&["read-committed"]), g1a);
    assert_eq!(types(&r), vec!["G1a", "empty-transaction-graph"]);
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["not"], json!(["read-committed"]));
    // A lone read of nothing: unknown, as in Elle.
    let r = run(
        "list-append",
        &models(&[]),
        serial(1, json!([["r", "x", []]])),
    );
    expect(&r, Valid::Unknown, &["empty-transaction-graph"], &[], &[]);
}

#[test]
fn register_version_sources_are_opt_in_like_elle() {
    // T1 read x = 1 and wrote 2; T2 read x = 1 and T1's y. Only writes-follow-
    // reads orders 1 before 2, giving T2 -rw-> T1 against T1 -wr-> T2.
    let wfr = cat(vec![
        serial(1, json!([["w", "x", 1]])),
        concurrent(
            json!([["r", "x", 1], ["w", "x", 2], ["w", "y", 1]]),
            json!([["r", "x", 1], ["r", "y", 1]]),
        ),
    ]);
    let ser = models(&["serializable"]);
    let r = run("rw-register", &ser, wfr.clone());
    expect(&r, Valid::Valid, &[], &[], &[]);
    let on = ElleOptions {
        wfr_keys: true,
        ..ser.clone()
    };
    let r = run("rw-register", &on, wfr);
    expect(
        &r,
        Valid::Invalid,
        &["G-single-item"],
        &["consistent-view", "repeatable-read"],
        &[
            "forward-consistent-view",
            "serializable",
            "snapshot-isolation",
            "strict-serializable",
            "strong-session-serializable",
            "strong-session-snapshot-isolation",
            "strong-snapshot-isolation",
            "update-serializable",
        ],
    );

    // T1 wrote 1 and completed before T2 wrote 2; T3 read the old 1 and T2's y.
    let realtime = cat(vec![
        serial(1, json!([["w", "x", 1]])),
        concurrent(
            json!([["w", "x", 2], ["w", "y", 1]]),
            json!([["r", "x", 1], ["r", "y", 1]]),
        ),
    ]);
    let r = run("rw-register", &ser, realtime.clone());
    expect(&r, Valid::Valid, &[], &[], &[]);
    let lin = ElleOptions {
        linearizable_keys: true,
        ..ser.clone()
    };
    let r = run("rw-register", &lin, realtime);
    assert_eq!(types(&r), vec!["G-single-item"], "{:?}", r.details);

    // Elle's linearizable keys follow the whole history's realtime order. A
    // wrote x=1; C read it and wrote x=2 while D (other keys only) ran; B began
    // after both and read x=2; E ran throughout and read x=1 and C's y. Among
    // x's own transactions C lies between A and B, so per key A's 1 meets only
    // C's read of 1; Elle reaches B from A through D as well, so 1 < 2, whence
    // E (a reader of 1) -rw-> C -wr-> E: a G-single-item.
    let whole = vec![
        ("invoke", 4, json!([["r", "x", null], ["r", "y", null]])),
        ("invoke", 0, json!([["w", "x", 1]])),
        ("ok", 0, json!([["w", "x", 1]])),
        (
            "invoke",
            1,
            json!([["r", "x", null], ["w", "x", 2], ["w", "y", 7]]),
        ),
        ("invoke", 2, json!([["w", "z", 9]])),
        (
            "ok",
            1,
            json!([["r", "x", 1], ["w", "x", 2], ["w", "y", 7]]),
        ),
        ("ok", 2, json!([["w", "z", 9]])),
        ("invoke", 3, json!([["r", "x", null]])),
        ("ok", 3, json!([["r", "x", 2]])),
        ("ok", 4, json!([["r", "x", 1], ["r", "y", 7]])),
    ];
    let r = run("rw-register", &lin, whole.clone());
    assert_eq!(types(&r), vec!["G-single-item"], "{:?}", r.details);
    assert_eq!(
        r.details["not"],
        json!(["consistent-view", "repeatable-read"])
    );
    // Without the option there are only wr edges: valid.
    assert_eq!(run("rw-register", &ser, whole).valid, Valid::Valid);

    // The same with both writes on one process: process order (sequential keys).
    let process = cat(vec![
        serial(10, json!([["w", "x", 1]])),
        concurrent(
            json!([["w", "x", 2], ["w", "y", 1]]),
            json!([["r", "x", 1], ["r", "y", 1]]),
        ),
    ]);
    let seq = ElleOptions {
        sequential_keys: true,
        ..ser.clone()
    };
    assert_eq!(
        run("rw-register", &ser, process.clone()).valid,
        Valid::Valid
    );
    let r = run("rw-register", &seq, process);
    assert_eq!(types(&r), vec!["G-single-item"], "{:?}", r.details);
    let text = explanation(&r, "G-single-item");
    assert!(text.contains("of the same process"), "{text}");
}

#[test]
fn a_source_that_makes_versions_cyclic_is_left_out() {
    // Writes-follow-reads orders 1 < 2 and 2 < 1: cyclic-versions, and the
    // wfr order is dropped (so no cycle anomaly comes from it).
    let cyclic = cat(vec![
        serial(1, json!([["w", "x", 1]])),
        concurrent(
            json!([["r", "x", 1], ["w", "x", 2]]),
            json!([["r", "x", 2], ["w", "x", 1]]),
        ),
    ]);
    let on = ElleOptions {
        wfr_keys: true,
        ..models(&["serializable"])
    };
    let r = run("rw-register", &on, cyclic);
    assert!(
        types(&r).contains(&"cyclic-versions".to_string()),
        "{:?}",
        r.details
    );
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(r.details["not"], json!(["read-uncommitted"]));
}

#[test]
fn anomalies_option_with_or_without_models() {
    let skew = concurrent(
        json!([["r", "x", []], ["append", "y", 1]]),
        json!([["r", "y", []], ["append", "x", 1]]),
    );
    let g1c = concurrent(
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "y", 1], ["r", "x", [1]]]),
    );
    // Elle's {:consistency-models nil, :anomalies [:G1]}: only G1 (and what
    // implies it) fails the check.
    let only_g1 = ElleOptions {
        consistency_models: None,
        anomalies: vec!["G1".into()],
        ..ElleOptions::default()
    };
    let r = run("list-append", &only_g1, skew.clone());
    expect(&r, Valid::Valid, &[], &[], &[]);
    let r = run("list-append", &only_g1, g1c.clone());
    assert_eq!(types(&r), vec!["G1c"]);
    assert_eq!(r.valid, Valid::Invalid);
    // With a model as well: the union.
    let both = ElleOptions {
        anomalies: vec!["G2-item".into()],
        ..models(&["read-committed"])
    };
    let r = run("list-append", &both, skew.clone());
    expect(
        &r,
        Valid::Invalid,
        &["G2-item"],
        &["repeatable-read"],
        SER_ABOVE_RR,
    );
    // No model and no anomaly: nothing fails; an empty graph is still unknown.
    let none = ElleOptions::default();
    assert_eq!(run("list-append", &none, g1c).valid, Valid::Valid);
    assert_eq!(run("list-append", &none, vec![]).valid, Valid::Unknown);
    assert!(ElleChecker::with_options(
        "list-append",
        &ElleOptions {
            anomalies: vec!["G-bogus".into()],
            ..ElleOptions::default()
        }
    )
    .is_err());
}

#[test]
fn strict_serializable_simulations_with_unobserved_appends_pass() {
    for seed in 0..8 {
        let cfg = SynthConfig {
            txns: 2000,
            processes: 8,
            active_keys: 6,
            max_appends: 12,
            info_rate: 0.03,
            fail_rate: 0.02,
            max_mops: 4,
            seed,
        };
        let ops = list_append(&cfg, Isolation::StrictSerializable);
        assert!(unobserved_appends(&ops) > 0, "seed {seed}: none unobserved");
        let c = ElleChecker::new("list-append", &[]).unwrap();
        let r = c.check(&CheckContext::default(), &History::new(ops));
        expect(&r, Valid::Valid, &[], &[], &[]);
    }
}

/// Appends of ok txns whose value no ok read shows.
fn unobserved_appends(ops: &[rjepsen_core::Op]) -> usize {
    let ok = ops.iter().filter(|o| o.kind == rjepsen_core::OpType::Ok);
    let mops = || {
        ok.clone()
            .flat_map(|o| o.value.as_array().cloned().unwrap_or_default())
    };
    let seen: std::collections::HashSet<String> = mops()
        .filter(|m| m[0] == "r")
        .flat_map(|m| {
            let k = m[1].to_string();
            let l = m[2].as_array().cloned().unwrap_or_default();
            l.into_iter().map(move |e| format!("{k}/{e}"))
        })
        .collect();
    mops()
        .filter(|m| m[0] == "append")
        .filter(|m| !seen.contains(&format!("{}/{}", m[1], m[2])))
        .count()
}
