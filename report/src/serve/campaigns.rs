//! The campaigns page (`/campaigns/`): every `rjepsen test-all` campaign of
//! the store (`<store>/campaigns/<name>/summary.json`), newest first, with its
//! counts, its exit code and each test's outcome linked to the test's trend
//! page and to its runs' reports.

use crate::html::{esc, href};
use rjepsen_core::campaign::{CampaignSummary, Outcome};
use std::fmt::Write;
use std::path::Path;

/// Every readable campaign of the store, oldest first. The `latest` link is
/// skipped, so no campaign appears twice; an unreadable summary is left out.
pub(crate) fn load_all(store: &Path) -> Vec<CampaignSummary> {
    let Ok(rd) = std::fs::read_dir(store.join("campaigns")) else {
        return Vec::new();
    };
    let mut all: Vec<CampaignSummary> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| CampaignSummary::load(&e.path()).ok())
        .collect();
    all.sort_by(|a, b| (&a.started, &a.name).cmp(&(&b.started, &b.name)));
    all
}

pub(crate) fn badge(o: Outcome) -> String {
    let class = match o {
        Outcome::Crashed => "crashed",
        o => o.as_str(),
    };
    format!("<span class=\"badge {class}\">{}</span>", o.as_str())
}

/// The link to a run's report (or its directory when it has none).
pub(crate) fn run_link(dir: Option<&str>, has_report: bool) -> Option<String> {
    let d = dir?;
    Some(if has_report {
        format!("/{}/report.html", href(d))
    } else {
        format!("/{}/", href(d))
    })
}

pub(crate) fn page(store: &Path) -> String {
    let all = load_all(store);
    let mut s = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>rjepsen campaigns</title><style>");
    s.push_str(STYLE);
    s.push_str("</style></head><body><p><a href=\"/\">all runs</a></p><h1>rjepsen campaigns</h1>");
    let _ = write!(s, "<p class=\"count\">{} campaigns</p>", all.len());
    s.push_str("<table id=\"campaigns\"><tr><th>campaign</th><th>started</th><th>exit</th><th>valid</th><th>unknown</th><th>crashed</th><th>failed</th><th>tests</th></tr>");
    for c in all.iter().rev() {
        row(&mut s, c);
    }
    s.push_str("</table></body></html>\n");
    s
}

fn row(s: &mut String, c: &CampaignSummary) {
    let n = |o| c.count(o);
    let base = format!("/campaigns/{}/", href(&c.name));
    let _ = write!(
        s,
        "<tr class=\"campaign\"><td><a href=\"{base}\">{}</a> (<a href=\"{base}summary.md\">summary</a>, <a href=\"{base}junit.xml\">junit</a>)</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
        esc(&c.name),
        esc(&c.started),
        c.exit_code,
        n(Outcome::Valid),
        n(Outcome::Unknown),
        n(Outcome::Crashed),
        n(Outcome::Invalid),
    );
    for t in &c.tests {
        let _ = write!(
            s,
            "<div class=\"test\"><a href=\"/trends/{}\">{}</a> {}",
            href(&t.test),
            esc(&t.label()),
            badge(t.outcome)
        );
        for r in c.runs_of(t) {
            if let Some(link) = run_link(r.dir.as_deref(), r.has_report) {
                let _ = write!(s, " <a class=\"run\" href=\"{link}\">#{}</a>", r.attempt);
            }
        }
        s.push_str("</div>");
    }
    s.push_str("</td></tr>");
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#1d2330}table{border-collapse:collapse;margin-top:12px}th,td{padding:4px 12px;border-bottom:1px solid #e4e7ec;text-align:left;vertical-align:top}.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff}.valid{background:#2e7d32}.invalid{background:#c62828}.unknown{background:#b26a00}.crashed{background:#37474f}.count{color:#5f6b7a}.test{white-space:nowrap}";
