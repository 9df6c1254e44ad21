//! A cycle search cut short by the time budget is reported as Elle reports it
//! (`elle.txn/cycle-cases-in-scc`): a `cycle-search-timeout` anomaly naming the
//! search that was running and the component's size, a fallback cycle from that
//! component, and its `*-cycle-exists` cases unless a specific anomaly already
//! rules their model out. Such a check is never `valid`.

use super::elle::{cat, concurrent, history, serial, types, Events};
use rjepsen_checkers::elle::{ElleChecker, ElleOptions};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, Checker, Valid};
use serde_json::json;
use std::time::Duration;

fn run(models: &[&str], events: &Events, limit: Option<Duration>) -> CheckResult {
    let opts = ElleOptions {
        consistency_models: Some(models.iter().map(|s| s.to_string()).collect()),
        ..ElleOptions::default()
    };
    let c = ElleChecker::with_options("list-append", &opts).unwrap();
    let ctx = CheckContext {
        time_limit: limit,
        ..CheckContext::default()
    };
    c.check(&ctx, &history(events))
}

fn write_skew() -> Events {
    cat(vec![
        concurrent(
            json!([["r", "x", []], ["append", "y", 1]]),
            json!([["r", "y", []], ["append", "x", 1]]),
        ),
        serial(1, json!([["r", "x", [1]], ["r", "y", [1]]])),
    ])
}

#[test]
fn a_cut_search_reports_the_timeout_and_a_fallback_cycle() {
    let g1c = concurrent(
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "y", 1], ["r", "x", [1]]]),
    );
    let r = run(&["strict-serializable"], &g1c, Some(Duration::ZERO));
    // The fallback cycle is a G1c, which strict serializability forbids; its
    // PL-2-cycle-exists case is redundant next to it.
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(types(&r), ["G1c", "cycle-search-timeout"]);
    let t = &r.details["anomalies"]["cycle-search-timeout"][0];
    assert_eq!(t["anomaly-spec-type"], "G0");
    assert_eq!(t["does-not-contain"], json!([]));
    assert_eq!(t["scc-size"], 2);
    assert_eq!(r.details["not"], json!(["read-committed"]));
    // With time, the search finishes and finds the same G1c, and no timeout.
    let r = run(&["strict-serializable"], &g1c, None);
    assert_eq!(types(&r), ["G1c"]);
}

#[test]
fn a_cut_search_is_never_valid() {
    // Write skew is allowed under snapshot isolation: a finished search says
    // valid, a cut one cannot know and says unknown.
    let r = run(&["snapshot-isolation"], &write_skew(), None);
    assert_eq!(r.valid, Valid::Valid);
    let r = run(&["snapshot-isolation"], &write_skew(), Some(Duration::ZERO));
    assert_eq!(r.valid, Valid::Unknown);
    assert_eq!(types(&r), ["cycle-search-timeout"]);
    assert_eq!(r.details["allowed-anomaly-types"], json!(["G2-item"]));
    // Under serializability the fallback cycle (G2-item) fails the check.
    let r = run(&["serializable"], &write_skew(), Some(Duration::ZERO));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(types(&r), ["G2-item", "cycle-search-timeout"]);
}

#[test]
fn cycle_exists_cases_stay_when_no_specific_anomaly_covers_them() {
    // Serializable only forbids G2-item here, and a cycle with two adjacent rw
    // edges and one ww edge: found in full without a limit.
    let events = cat(vec![
        concurrent(
            json!([["r", "x", []], ["append", "y", 1]]),
            json!([["r", "y", []], ["append", "x", 1]]),
        ),
        serial(1, json!([["r", "x", [1]], ["r", "y", [1]]])),
    ]);
    let r = run(&["serializable"], &events, None);
    assert_eq!(types(&r), ["G2-item"], "{}", r.details["anomalies"]);
    // The cycle-exists case is computed all the same, and dropped as redundant;
    // with --consistency-models none and only PL-3's case asked for, it shows.
    let opts = ElleOptions {
        consistency_models: None,
        anomalies: vec!["PL-3-cycle-exists".into()],
        ..ElleOptions::default()
    };
    let c = ElleChecker::with_options("list-append", &opts).unwrap();
    let r = c.check(&CheckContext::default(), &history(&events));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(types(&r), ["PL-3-cycle-exists"]);
    let e = &r.details["anomalies"]["PL-3-cycle-exists"][0];
    assert_eq!(e["not"], "serializable");
    assert_eq!(e["subgraph"], json!(["union", "ww", "wr", "rw"]));
    assert_eq!(e["scc-size"], 2);
}

#[test]
fn elles_per_component_timeout_cuts_each_component_and_moves_on() {
    // Two G1c gadgets on their own keys: two components. With no time per
    // component, each is cut, reported, and given its fallback cycle.
    let g1c = |x: &str, y: &str| {
        concurrent(
            json!([["append", x, 1], ["r", y, [1]]]),
            json!([["append", y, 1], ["r", x, [1]]]),
        )
    };
    let events = cat(vec![g1c("x", "y"), g1c("u", "v")]);
    let opts = ElleOptions {
        consistency_models: Some(vec!["serializable".into()]),
        cycle_search_timeout: Some(Duration::ZERO),
        ..ElleOptions::default()
    };
    let c = ElleChecker::with_options("list-append", &opts).unwrap();
    let r = c.check(&CheckContext::default(), &history(&events));
    assert_eq!(r.valid, Valid::Invalid);
    assert_eq!(types(&r), ["G1c", "cycle-search-timeout"]);
    assert_eq!(r.details["anomaly-counts"]["cycle-search-timeout"], 2);
    assert_eq!(r.details["anomaly-counts"]["G1c"], 2);
    // With a second each, both are searched in full.
    let opts = ElleOptions {
        cycle_search_timeout: Some(Duration::from_secs(1)),
        ..opts
    };
    let c = ElleChecker::with_options("list-append", &opts).unwrap();
    let r = c.check(&CheckContext::default(), &history(&events));
    assert_eq!(types(&r), ["G1c"]);
    assert_eq!(r.details["anomaly-counts"]["G1c"], 2);
}
