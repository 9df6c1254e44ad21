use super::compare::{compare, Thresholds};
use super::*;
use serde_json::Value;
use Outcome::*;

#[test]
fn exit_codes_are_jepsens() {
    let table: &[(&[Outcome], i32)] = &[
        (&[], 0),
        (&[Valid, Valid], 0),
        (&[Valid, Invalid], 1),
        (&[Invalid, Unknown], 2),
        (&[Unknown, Crashed, Invalid], 255),
    ];
    for (outcomes, want) in table {
        assert_eq!(exit_code(outcomes.iter().copied()), *want, "{outcomes:?}");
    }
}

#[test]
fn policies_over_attempts() {
    let table: &[(Policy, &[Outcome], Outcome)] = &[
        (Policy::Any, &[Invalid, Valid], Valid),
        (Policy::Any, &[Unknown, Invalid], Invalid),
        (Policy::Most, &[Valid, Valid, Unknown], Valid),
        (Policy::Most, &[Valid, Unknown], Unknown),
        (Policy::All, &[Valid, Valid], Valid),
        (Policy::All, &[Valid, Crashed, Invalid], Crashed),
        (Policy::All, &[], Crashed),
    ];
    for (policy, attempts, want) in table {
        assert_eq!(policy.combine(attempts), *want, "{policy:?} {attempts:?}");
    }
    assert_eq!(Policy::parse("most"), Some(Policy::Most));
    assert_eq!(Policy::parse("some"), None);
}

#[test]
fn metrics_pair_ok_completions_with_their_invocations() {
    // Process 0: 1 ms, 2 ms, ..., 100 ms ok; process 1: one fail (not counted).
    let mut ops = Vec::new();
    let mut t = 0;
    for i in 1..=100u64 {
        let inv = Op::invoke(Process::Client(0), "read", Value::Null);
        let mut done = inv.ok();
        let mut inv = inv;
        inv.time = t;
        done.time = t + i * 1_000_000;
        t = done.time;
        ops.extend([inv, done]);
    }
    let inv = Op::invoke(Process::Client(1), "write", Value::Null);
    let mut failed = inv.fail("no leader");
    failed.time = t + 50_000_000;
    ops.push(failed);
    ops.insert(0, inv);
    let m = RunMetrics::of(&ops);
    assert_eq!(m.ok, 100);
    assert_eq!(m.p50_ms, Some(50.0));
    assert_eq!(m.p99_ms, Some(99.0));
    assert!((m.seconds - 5.1).abs() < 1e-9, "{m:?}");
    assert!((m.ok_per_sec - 100.0 / 5.1).abs() < 1e-9);
    assert_eq!(RunMetrics::of(&[]).p99_ms, None);
}

fn summary(name: &str, tests: &[(&str, Outcome, f64, f64)]) -> CampaignSummary {
    let mut c = CampaignSummary {
        format: SUMMARY_FORMAT,
        name: name.into(),
        started: name.into(),
        ended: name.into(),
        store: "/s".into(),
        policy: Policy::All,
        test_count: 1,
        shard: None,
        runs: vec![],
        tests: vec![],
        exit_code: 0,
    };
    for (i, (t, outcome, tp, p99)) in tests.iter().enumerate() {
        c.runs.push(RunEntry {
            test: t.to_string(),
            seed: 1,
            attempt: 0,
            outcome: *outcome,
            reason: None,
            dir: None,
            has_report: false,
            command: String::new(),
            started: name.into(),
            elapsed_s: 1.0,
            metrics: Some(RunMetrics {
                ok_per_sec: *tp,
                p99_ms: Some(*p99),
                ..RunMetrics::default()
            }),
        });
        c.tests.push(TestEntry {
            test: t.to_string(),
            seed: None,
            outcome: *outcome,
            runs: vec![i],
        });
    }
    c
}

#[test]
fn compare_finds_new_failures_passes_and_moves() {
    let prev = summary(
        "a",
        &[
            ("steady", Valid, 100.0, 10.0),
            ("breaks", Valid, 100.0, 10.0),
            ("heals", Invalid, 100.0, 10.0),
            ("slower", Valid, 100.0, 10.0),
            ("gone", Valid, 1.0, 1.0),
        ],
    );
    let cur = summary(
        "b",
        &[
            ("steady", Valid, 90.0, 14.0),
            ("breaks", Unknown, 100.0, 10.0),
            ("heals", Valid, 200.0, 10.0),
            ("slower", Valid, 50.0, 30.0),
            ("new", Valid, 1.0, 1.0),
        ],
    );
    let c = compare(&prev, &cur, Thresholds::default());
    assert_eq!(c.newly_failing, [("breaks".to_string(), Unknown)]);
    assert_eq!(c.newly_passing, ["heals"]);
    let tp: Vec<(&str, bool)> = c
        .throughput
        .iter()
        .map(|m| (m.test.as_str(), m.regression))
        .collect();
    assert_eq!(tp, [("heals", false), ("slower", true)]);
    let p99: Vec<(&str, bool)> = c
        .p99
        .iter()
        .map(|m| (m.test.as_str(), m.regression))
        .collect();
    assert_eq!(p99, [("slower", true)]);
    assert_eq!(
        (c.only_previous.as_slice(), c.only_current.as_slice()),
        (&["gone".to_string()][..], &["new".to_string()][..])
    );
    assert!(c.regressed());
    assert!(
        c.render()
            .contains("REGRESSION: slower throughput 100.0 -> 50.0 ok/s (-50 %)"),
        "{}",
        c.render()
    );
    // The same campaign twice: nothing moved.
    assert!(!compare(&cur, &cur, Thresholds::default()).regressed());
}
