//! Flow linking on hand-written traces: client → server links, async forks, a
//! callee missing from the export, noise rules.

use super::*;
use crate::testkit::{spans, Seg};

/// Root A calls B; A forks two async branches, each calling C; then A calls D.
fn forked() -> Vec<Span> {
    let mut a = Seg::entry("t", "a", "svc-a", "http://a/root", 0, None);
    let b_call = a.call("http://b/x", 10);
    a.noise("HikariCP/Connection/close", 11);
    let d_call = a.call("http://d/y", 100);
    let b = Seg::entry("t", "b", "svc-b", "http://b-ip/x", 12, Some(("a", b_call)));
    let mut f1 = Seg::fork("t", "f1", "svc-a", 20, ("a", 0));
    let c1_call = f1.call("http://c/1", 30);
    let mut f2 = Seg::fork("t", "f2", "svc-a", 21, ("a", 0));
    let c2_call = f2.call("http://c/2", 40);
    let mut c1 = Seg::entry(
        "t",
        "c1",
        "svc-c",
        "http://c-ip/1",
        31,
        Some(("f1", c1_call)),
    );
    c1.sql("db:1", "update t set x=? where id=?", &["1", "k"], 32);
    let c2 = Seg::entry(
        "t",
        "c2",
        "svc-c",
        "http://c-ip/2",
        41,
        Some(("f2", c2_call)),
    );
    let mut d = Seg::entry("t", "d", "svc-d", "http://d-ip/y", 101, Some(("a", d_call)));
    d.sql("db:1", "select * from t where id=?", &["k"], 102);
    spans(vec![a, b, f1, f2, c1, c2, d])
}

fn urls(f: &Flows, flow: usize) -> Vec<&str> {
    f.flows[flow]
        .steps
        .iter()
        .map(|&s| f.steps[s].url.as_str())
        .collect()
}

#[test]
fn client_spans_link_to_their_callees_and_forks_become_child_flows() {
    let f = build(&forked(), &Rules::default());
    assert_eq!(f.flows.len(), 3);
    assert_eq!(urls(&f, 0), ["http://a/root", "http://b/x", "http://d/y"]);
    assert_eq!(f.flows[0].children, [1, 2]);
    // Children: the parent's steps with their own merged in by time.
    assert_eq!(
        urls(&f, 1),
        ["http://a/root", "http://b/x", "http://c/1", "http://d/y"]
    );
    assert_eq!(
        urls(&f, 2),
        ["http://a/root", "http://b/x", "http://c/2", "http://d/y"]
    );
    // Five distinct steps; inherited ones are the parent's.
    assert_eq!(f.steps.len(), 5);
    let c1 = f.flows[1].steps[2];
    assert_eq!((f.steps[c1].flow, f.steps[c1].index), (1, 2));
    assert_eq!(f.steps[c1].accesses.len(), 1);
    assert!(f.related(0, 1) && !f.related(1, 2));
    // The root's URL is its own; a callee's is the URL its caller used.
    assert_eq!(f.steps[0].method, "GET");
    assert_eq!(f.steps[f.flows[0].steps[1]].method, "PUT");
}

#[test]
fn microracer_drops_statements_of_parent_steps_after_the_fork() {
    let d_of = |f: &Flows| f.steps[f.flows[0].steps[2]].accesses.len();
    assert_eq!(d_of(&build(&forked(), &Rules::default())), 1);
    assert_eq!(d_of(&build(&forked(), &Rules::microracer())), 0);
}

#[test]
fn a_callee_missing_from_the_export_still_makes_a_step() {
    let mut a = Seg::entry("t", "a", "svc-a", "http://a/root", 0, None);
    a.call("http://gone/x", 5);
    let f = build(&spans(vec![a]), &Rules::default());
    assert_eq!(urls(&f, 0), ["http://a/root", "http://gone/x"]);
    let missing = &f.steps[1];
    assert!(missing.callee_missing && missing.accesses.is_empty());
}

#[test]
fn ignored_services_and_spans_are_dropped() {
    let gw = Seg::entry("g", "g", "ts-gateway-service", "http://gw/x", 0, None);
    let mut a = Seg::entry("t", "a", "svc-a", "http://a/root", 1, None);
    a.sql("db:1", "select 1", &[], 2)
        .noise("HikariCP/Connection/getConnection", 3);
    let all = spans(vec![gw, a]);
    assert_eq!(build(&all, &Rules::default()).flows.len(), 2);
    let f = build(&all, &Rules::microracer());
    assert_eq!(f.flows.len(), 1);
    assert_eq!(f.steps[0].accesses.len(), 1);
}

#[test]
fn roots_are_ordered_by_start_then_end() {
    let mut late = Seg::entry("t1", "x", "s", "http://late", 5, None);
    late.spans[0].end = 50;
    let mut early = Seg::entry("t2", "y", "s", "http://early", 5, None);
    early.spans[0].end = 6;
    let f = build(&spans(vec![late, early]), &Rules::default());
    assert_eq!(urls(&f, 0), ["http://early"]);
}
