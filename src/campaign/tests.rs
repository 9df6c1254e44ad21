//! test-all's read-back, exit code and outputs on real run directories
//! (tests/fixtures/runs: one real etcd run, valid as recorded, made unknown by
//! its validity rule, and made invalid by a mutated read).

use super::output;
use super::run::{read_back, Finished, Planned};
use rjepsen_core::campaign::{exit_code, CampaignSummary, Outcome, Policy, RunEntry, TestEntry};
use std::path::{Path, PathBuf};

fn fixture(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runs")
        .join(kind)
}

/// The entry of a run that exited with `code` leaving `kind`'s directory.
fn entry(kind: &str, code: Option<i32>) -> RunEntry {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let dir = (kind != "none").then(|| fixture(kind));
    let p = Planned {
        test: kind,
        seed: 5,
        attempt: 0,
        args: vec!["test".into(), "--seed".into(), "5".into()],
    };
    let f = Finished {
        code,
        dir,
        tail: vec!["  starting".into(), "error: failed to connect to n1".into()],
        started: "2026-12-01T22:38:54.113Z".into(),
        elapsed_s: 8.0,
    };
    read_back(&p, &store, f)
}

#[test]
fn each_fixture_reads_back_as_its_outcome() {
    let valid = entry("valid", Some(0));
    assert_eq!(valid.outcome, Outcome::Valid);
    assert_eq!(valid.reason, None);
    assert_eq!(valid.dir.as_deref(), Some("runs/valid"));
    assert!(valid
        .command
        .starts_with("rjepsen test --workload register"));
    let m = valid.metrics.unwrap();
    assert_eq!(m.ok, 172);
    assert!(m.ok_per_sec > 10.0 && m.p99_ms.unwrap() > 0.0, "{m:?}");

    let unknown = entry("unknown", Some(2));
    assert_eq!(unknown.outcome, Outcome::Unknown);
    let why = unknown.reason.unwrap();
    assert!(
        why.starts_with("coverage: unknown (only 172 ok client ops"),
        "{why}"
    );

    let invalid = entry("invalid", Some(1));
    assert_eq!(invalid.outcome, Outcome::Invalid);
    assert!(invalid.reason.unwrap().contains("linear: invalid"));

    let crashed = entry("none", Some(255));
    assert_eq!(crashed.outcome, Outcome::Crashed);
    assert_eq!(
        crashed.reason.as_deref(),
        Some("exit code 255: error: failed to connect to n1")
    );
    assert_eq!(crashed.command, "rjepsen test --seed 5");
    // A verdict without results.json is no verdict.
    assert_eq!(entry("none", Some(0)).outcome, Outcome::Crashed);
    assert_eq!(
        entry("none", None).reason.as_deref(),
        Some("killed by a signal: error: failed to connect to n1")
    );
}

fn campaign(runs: Vec<RunEntry>) -> CampaignSummary {
    let tests = runs
        .iter()
        .enumerate()
        .map(|(i, r)| TestEntry {
            test: r.test.clone(),
            seed: None,
            outcome: r.outcome,
            runs: vec![i],
        })
        .collect::<Vec<_>>();
    CampaignSummary {
        format: 1,
        name: "c".into(),
        started: "2026-12-01T23:00:00.000Z".into(),
        ended: "2026-12-01T23:01:00.000Z".into(),
        store: "/store".into(),
        policy: Policy::All,
        test_count: 1,
        shard: None,
        exit_code: exit_code(tests.iter().map(|t| t.outcome)),
        runs,
        tests,
    }
}

#[test]
fn exit_codes_from_fixture_runs() {
    let table: &[(&[(&str, i32)], i32)] = &[
        (&[("valid", 0)], 0),
        (&[("valid", 0), ("invalid", 1)], 1),
        (&[("valid", 0), ("invalid", 1), ("unknown", 2)], 2),
        (&[("invalid", 1), ("unknown", 2), ("none", 255)], 255),
    ];
    for (runs, want) in table {
        let c = campaign(runs.iter().map(|(k, code)| entry(k, Some(*code))).collect());
        assert_eq!(c.exit_code, *want, "{runs:?}");
    }
}

#[test]
fn summary_markdown_and_junit_name_every_run() {
    let c = campaign(vec![
        entry("valid", Some(0)),
        entry("invalid", Some(1)),
        entry("unknown", Some(2)),
        entry("none", Some(255)),
    ]);
    let text = output::text(&c, Path::new("/store/campaigns/c"));
    for want in [
        "# Successful tests\n\n/store/runs/valid\n",
        "# Indeterminate tests\n\n/store/runs/unknown\n",
        "# Crashed tests\n\nnone (seed 5): no store directory\n",
        "# Failed tests\n\n/store/runs/invalid\n",
        "1 successes\n1 unknown\n1 crashed\n1 failures\n",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    let md = output::markdown(&c, "../../");
    assert!(md.contains("[files](../../runs/valid/)"), "{md}");
    assert!(md.contains("| invalid | **invalid** | invalid |"), "{md}");
    let xml = output::junit(&c);
    assert!(
        xml.contains(r#"tests="4" failures="1" errors="1" skipped="1""#),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert!(
        xml.contains(r#"<failure message="linear: invalid"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<skipped message="unknown: coverage: unknown (only 172"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<error message="exit code 255: error: failed to connect to n1""#),
        "{xml}"
    );
    assert!(!xml.contains("\u{1b}"));
}
