//! The project's own OTLP corpus: the shop's traces (`tests/fixtures/shop-otlp/`,
//! made by `targets/shop/fixture.sh`, exported by the official OpenTelemetry
//! Python SDK in batches) must yield, as candidate or early pairs, each of the
//! shop's three races (docs/shop.md): the read step and the write step of two
//! different flows on the same id.

use rjepsen_traces::analyze::{Analysis, Format};
use rjepsen_traces::flows::Rules;
use rjepsen_traces::pairs::{Pair, PairOptions};
use rjepsen_traces::{analyze, Options};
use std::path::PathBuf;

fn analysed() -> Analysis {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/shop-otlp");
    let opts = Options {
        format: Format::Auto,
        rules: Rules::default(),
        pairs: PairOptions::default(),
    };
    analyze(&[dir], &opts).unwrap()
}

/// "METHOD path-prefix" of a step, path without the host (the caller's URL).
fn request(a: &Analysis, step: usize) -> String {
    let s = &a.flows.steps[step];
    let path = s.url.splitn(4, '/').nth(3).unwrap_or("");
    format!("{} /{}", s.method, path)
}

/// The pairs (candidates and early) between a request like `x` and one like
/// `y`, as (x, y, shared ids).
fn pairs_between(a: &Analysis, x: &str, y: &str) -> Vec<(String, String, Vec<String>)> {
    let all: Vec<&Pair> = a.stages.candidates.iter().chain(&a.stages.early).collect();
    let mut out = Vec::new();
    for p in all {
        let (ra, rb) = (request(a, p.a), request(a, p.b));
        for (u, v) in [(&ra, &rb), (&rb, &ra)] {
            if u.starts_with(x) && v.starts_with(y) {
                out.push((u.clone(), v.clone(), p.shared.iter().cloned().collect()));
            }
        }
    }
    out
}

#[test]
fn every_hop_of_a_request_is_one_flow_across_export_batches() {
    let a = analysed();
    assert!(
        a.skipped.is_empty(),
        "{:?}",
        a.skipped.first().map(|s| &s.reason)
    );
    // Each buy (three in the fixture) reads and writes the stock over two hops
    // of its own flow, whatever batch its spans were exported in: both hops are
    // steps after the buy's root, not flows of their own.
    for (method, path) in [("GET", "/stock/i"), ("PUT", "/stock/i")] {
        let hops: Vec<_> = a
            .flows
            .steps
            .iter()
            .filter(|s| s.method == method && s.url.contains(path))
            .collect();
        assert_eq!(hops.len(), 3, "{method} {path}");
        assert!(
            hops.iter().all(|s| s.index > 0),
            "{method} {path}: {hops:?}"
        );
    }
}

#[test]
fn the_three_races_are_among_the_pairs() {
    let a = analysed();
    let lost = pairs_between(&a, "GET /stock/i1", "PUT /stock/i1");
    assert!(
        lost.iter().any(|(_, _, ids)| ids == &["i1"]),
        "lost update: {lost:?}"
    );
    let dup = pairs_between(&a, "GET /consignments/c1", "POST /consignments");
    assert!(
        dup.iter().any(|(_, _, ids)| ids == &["c1"]),
        "check-then-insert: {dup:?}"
    );
    let pay = pairs_between(&a, "GET /payments/o3", "POST /payments/o3/cancel");
    let cancel = pairs_between(&a, "GET /payments/o3", "POST /payments/o3/charge");
    assert!(
        !pay.is_empty() && !cancel.is_empty(),
        "pay/cancel: {pay:?} {cancel:?}"
    );
    // The two buys of i2 and i1 share no id, so no pair crosses items.
    assert!(pairs_between(&a, "GET /stock/i2", "PUT /stock/i1").is_empty());
}
