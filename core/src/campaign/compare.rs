//! Regressions between two campaigns: tests that newly fail, newly pass, and
//! whose throughput or p99 latency moved by more than a threshold.
//!
//! Tests are matched by name and seed. A test's throughput and p99 are the mean
//! over its runs that have a history; a move is relative to the previous value.
//! A regression is a test that newly fails, throughput that fell, or a p99 that
//! rose past its threshold; improvements are listed but pass.

use super::{CampaignSummary, Outcome, TestEntry};
use serde::Serialize;
use std::fmt::Write;

/// How far a metric may move before it counts, as fractions (0.25 = 25 %).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub throughput: f64,
    pub p99: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            throughput: 0.25,
            p99: 0.5,
        }
    }
}

/// A metric of one test that moved past its threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Moved {
    pub test: String,
    pub previous: f64,
    pub current: f64,
    /// `(current - previous) / previous`.
    pub change: f64,
    /// True when the move is for the worse.
    pub regression: bool,
}

/// What changed from a previous campaign to the current one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Comparison {
    pub previous: String,
    pub current: String,
    /// Valid before, not valid now: (test, outcome now).
    pub newly_failing: Vec<(String, Outcome)>,
    /// Not valid before, valid now.
    pub newly_passing: Vec<String>,
    pub throughput: Vec<Moved>,
    pub p99: Vec<Moved>,
    /// Tests in only one of the two campaigns.
    pub only_previous: Vec<String>,
    pub only_current: Vec<String>,
}

impl Comparison {
    pub fn regressed(&self) -> bool {
        !self.newly_failing.is_empty()
            || self.throughput.iter().any(|m| m.regression)
            || self.p99.iter().any(|m| m.regression)
    }

    /// A plain-text (and Markdown) account, one line per finding.
    pub fn render(&self) -> String {
        let mut s = format!("compare {} -> {}\n", self.previous, self.current);
        for (t, o) in &self.newly_failing {
            let _ = writeln!(s, "- newly failing: {t} ({})", o.as_str());
        }
        for t in &self.newly_passing {
            let _ = writeln!(s, "- newly passing: {t}");
        }
        let moved = |s: &mut String, what: &str, unit: &str, m: &Moved| {
            let word = if m.regression {
                "REGRESSION"
            } else {
                "improved"
            };
            let _ = writeln!(
                s,
                "- {word}: {} {what} {:.1} -> {:.1} {unit} ({:+.0} %)",
                m.test,
                m.previous,
                m.current,
                m.change * 100.0
            );
        };
        for m in &self.throughput {
            moved(&mut s, "throughput", "ok/s", m);
        }
        for m in &self.p99 {
            moved(&mut s, "p99", "ms", m);
        }
        for t in &self.only_previous {
            let _ = writeln!(s, "- only in the previous campaign: {t}");
        }
        for t in &self.only_current {
            let _ = writeln!(s, "- new test: {t}");
        }
        let verdict = if self.regressed() {
            "regression"
        } else {
            "no regression"
        };
        let _ = writeln!(s, "{verdict}");
        s
    }
}

/// The mean of a metric over a test's runs that measured it.
fn mean(
    c: &CampaignSummary,
    t: &TestEntry,
    f: impl Fn(&super::RunMetrics) -> Option<f64>,
) -> Option<f64> {
    let v: Vec<f64> = c
        .runs_of(t)
        .filter_map(|r| r.metrics.as_ref().and_then(&f))
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// `previous -> current` for one metric, when it moved past `threshold`;
/// `higher_is_better` says which way is a regression.
fn moved(
    test: &str,
    prev: Option<f64>,
    cur: Option<f64>,
    threshold: f64,
    higher_is_better: bool,
) -> Option<Moved> {
    let (previous, current) = (prev?, cur?);
    if previous <= 0.0 {
        return None;
    }
    let change = (current - previous) / previous;
    (change.abs() > threshold).then(|| Moved {
        test: test.to_string(),
        previous,
        current,
        change,
        regression: (change < 0.0) == higher_is_better,
    })
}

/// Compares two campaigns.
pub fn compare(prev: &CampaignSummary, cur: &CampaignSummary, th: Thresholds) -> Comparison {
    let key = |t: &TestEntry| (t.test.clone(), t.seed);
    let mut out = Comparison {
        previous: prev.name.clone(),
        current: cur.name.clone(),
        ..Comparison::default()
    };
    for c in &cur.tests {
        let Some(p) = prev.tests.iter().find(|p| key(p) == key(c)) else {
            out.only_current.push(c.label());
            continue;
        };
        let label = c.label();
        match (p.outcome == Outcome::Valid, c.outcome == Outcome::Valid) {
            (true, false) => out.newly_failing.push((label.clone(), c.outcome)),
            (false, true) => out.newly_passing.push(label.clone()),
            _ => {}
        }
        let tp = |s: &CampaignSummary, t: &TestEntry| mean(s, t, |m| Some(m.ok_per_sec));
        let p99 = |s: &CampaignSummary, t: &TestEntry| mean(s, t, |m| m.p99_ms);
        out.throughput
            .extend(moved(&label, tp(prev, p), tp(cur, c), th.throughput, true));
        out.p99
            .extend(moved(&label, p99(prev, p), p99(cur, c), th.p99, false));
    }
    for p in &prev.tests {
        if !cur.tests.iter().any(|c| key(c) == key(p)) {
            out.only_previous.push(p.label());
        }
    }
    out
}
