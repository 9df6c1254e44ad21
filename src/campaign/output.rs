//! What a campaign leaves for people and for CI: Jepsen's summary on stdout,
//! `summary.md`, and `junit.xml` (one testcase per run: invalid is a failure
//! with the checkers' summary, crashed an error, unknown skipped with the
//! reason), the format every CI server reads.

use rjepsen_core::campaign::{CampaignSummary, Outcome, RunEntry};
use std::fmt::Write;
use std::path::Path;

/// Jepsen's `test-all` summary: the store paths under each outcome, then the
/// counts.
pub fn text(c: &CampaignSummary, campaign_dir: &Path) -> String {
    let mut s = String::new();
    let store = Path::new(&c.store);
    for outcome in [
        Outcome::Valid,
        Outcome::Unknown,
        Outcome::Crashed,
        Outcome::Invalid,
    ] {
        let runs: Vec<&RunEntry> = c.runs.iter().filter(|r| r.outcome == outcome).collect();
        if runs.is_empty() {
            continue;
        }
        let _ = writeln!(s, "# {}\n", outcome.heading());
        for r in runs {
            match &r.dir {
                Some(d) => {
                    let _ = writeln!(s, "{}", store.join(d).display());
                }
                None => {
                    let _ = writeln!(s, "{} (seed {}): no store directory", r.test, r.seed);
                }
            }
        }
        s.push('\n');
    }
    let n = |o| c.count(o);
    let _ = writeln!(
        s,
        "{} successes\n{} unknown\n{} crashed\n{} failures",
        n(Outcome::Valid),
        n(Outcome::Unknown),
        n(Outcome::Crashed),
        n(Outcome::Invalid)
    );
    let _ = writeln!(s, "campaign: {}", campaign_dir.display());
    s
}

/// summary.md: a table of tests and a table of runs with links to reports
/// (relative to the campaign directory, `<store>/campaigns/<name>/`).
pub fn markdown(c: &CampaignSummary, up: &str) -> String {
    let mut s = format!("# rjepsen campaign {}\n\n", c.name);
    let _ = writeln!(
        s,
        "{} to {}; policy `{:?}` over {} attempt(s){}; exit code {}.\n",
        c.started,
        c.ended,
        c.policy,
        c.test_count,
        c.shard
            .map_or(String::new(), |[k, n]| format!(", shard {k}/{n}")),
        c.exit_code
    );
    s.push_str("| test | outcome | runs |\n|---|---|---|\n");
    for t in &c.tests {
        let runs: Vec<String> = c
            .runs_of(t)
            .map(|r| r.outcome.as_str().to_string())
            .collect();
        let _ = writeln!(
            s,
            "| {} | **{}** | {} |",
            t.label(),
            t.outcome.as_str(),
            runs.join(", ")
        );
    }
    s.push_str("\n| run | seed | outcome | ok/s | p99 ms | s | report | reason |\n|---|---|---|---|---|---|---|---|\n");
    for r in &c.runs {
        let m = r.metrics.as_ref();
        let report = match (&r.dir, r.has_report) {
            (Some(d), true) => format!("[report]({up}{d}/report.html)"),
            (Some(d), false) => format!("[files]({up}{d}/)"),
            _ => "—".into(),
        };
        let _ = writeln!(
            s,
            "| {} #{} | {} | {} | {} | {} | {:.1} | {report} | {} |",
            r.test,
            r.attempt,
            r.seed,
            r.outcome.as_str(),
            m.map_or("—".into(), |m| format!("{:.1}", m.ok_per_sec)),
            m.and_then(|m| m.p99_ms)
                .map_or("—".into(), |p| format!("{p:.1}")),
            r.elapsed_s,
            r.reason.as_deref().unwrap_or("").replace('|', "\\|"),
        );
    }
    s
}

/// junit.xml: one `testsuite` for the campaign, one `testcase` per run.
pub fn junit(c: &CampaignSummary) -> String {
    let count = |o| c.runs.iter().filter(|r| r.outcome == o).count();
    let (failures, errors, skipped) = (
        count(Outcome::Invalid),
        count(Outcome::Crashed),
        count(Outcome::Unknown),
    );
    let time: f64 = c.runs.iter().map(|r| r.elapsed_s).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let head = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\"",
        c.runs.len()
    );
    let _ = writeln!(s, "<testsuites name=\"rjepsen\" {head}>");
    let _ = writeln!(
        s,
        "  <testsuite name=\"rjepsen test-all {}\" {head} timestamp=\"{}\">",
        xml(&c.name),
        xml(c.started.trim_end_matches('Z'))
    );
    for r in &c.runs {
        testcase(&mut s, c, r);
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

fn testcase(s: &mut String, c: &CampaignSummary, r: &RunEntry) {
    let _ = writeln!(
        s,
        "    <testcase classname=\"rjepsen.{}\" name=\"{} seed {} attempt {}\" time=\"{:.3}\">",
        xml(&r.test),
        xml(&r.test),
        r.seed,
        r.attempt,
        r.elapsed_s
    );
    let reason = xml(r.reason.as_deref().unwrap_or(""));
    match r.outcome {
        Outcome::Valid => {}
        Outcome::Invalid => {
            let _ = writeln!(
                s,
                "      <failure message=\"{reason}\" type=\"invalid\">{reason}</failure>"
            );
        }
        Outcome::Crashed => {
            let _ = writeln!(
                s,
                "      <error message=\"{reason}\" type=\"crashed\">{reason}</error>"
            );
        }
        Outcome::Unknown => {
            let _ = writeln!(s, "      <skipped message=\"unknown: {reason}\"/>");
        }
    }
    let dir = r.dir.as_ref().map(|d| Path::new(&c.store).join(d));
    let mut out = format!("command: {}\n", r.command);
    if let Some(d) = &dir {
        let _ = writeln!(out, "store: {}", d.display());
        if r.has_report {
            let _ = writeln!(out, "report: {}", d.join("report.html").display());
        }
    }
    let _ = writeln!(s, "      <system-out>{}</system-out>", xml(&out));
    s.push_str("    </testcase>\n");
}

/// Escapes text for an XML attribute or element, dropping characters XML 1.0
/// cannot hold at all (control characters a crashed run may have printed).
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
