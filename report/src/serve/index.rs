//! The index page: every run of the store, newest first, filtered by name and
//! verdict through the query string (`?name=etcd&verdict=invalid`), so that a
//! filtered view is a link one can share.
//!
//! Runs are found as `<store>/<test-name>/<timestamp>/test.json` (and a run
//! directory given as the store itself, or one level down, also counts).
//! Symbolic links such as `latest` are skipped so that no run is listed twice.

use crate::checkers::verdict;
use crate::html::{esc, href, verdict_class};
use crate::run::{duration_secs, read_json};
use rjepsen_core::record::RunRecord;
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;

/// What the index shows of one run.
#[derive(Debug)]
pub(crate) struct RunRow {
    /// Path relative to the store, with `/`.
    pub rel: String,
    pub name: String,
    pub time: String,
    pub verdict: &'static str,
    pub interrupted: bool,
    pub workload: String,
    pub nemesis: String,
    pub duration: Option<f64>,
    pub has_report: bool,
}

/// Every run in the store, newest first.
pub(crate) fn runs(store: &Path) -> Vec<RunRow> {
    let mut rows = Vec::new();
    let mut candidates = vec![(store.to_path_buf(), String::new())];
    for (dir, rel) in subdirs(store, "") {
        candidates.extend(subdirs(&dir, &rel));
        candidates.push((dir, rel));
    }
    for (dir, rel) in candidates {
        if let Some(row) = row(&dir, rel) {
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| b.rel.cmp(&a.rel)));
    rows
}

/// Real (not symlinked) subdirectories, with their paths relative to the store.
fn subdirs(dir: &Path, rel: &str) -> Vec<(std::path::PathBuf, String)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            (e.path(), rel)
        })
        .collect()
}

fn row(dir: &Path, rel: String) -> Option<RunRow> {
    let test_path = dir.join("test.json");
    if !test_path.is_file() {
        return None;
    }
    let test: RunRecord = read_json(&test_path).unwrap_or_default();
    let results: Option<Value> = read_json(&dir.join("results.json")).ok();
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = rel
        .rsplit_once('/')
        .map_or(rel.as_str(), |p| p.0)
        .to_string();
    Some(RunRow {
        name: if test.name.is_empty() {
            parent
        } else {
            test.name.clone()
        },
        time: test.start_time.clone().unwrap_or(dir_name),
        verdict: results
            .as_ref()
            .map_or("not checked", |r| verdict(r.get("valid?"))),
        interrupted: test.interrupted,
        workload: test.workload.clone(),
        nemesis: test.nemesis.join(", "),
        duration: duration_secs(&test),
        has_report: dir.join("report.html").is_file(),
        rel,
    })
}

/// What the index is filtered by: the query's `name` (a substring, any case) and
/// `verdict` (empty or `all` for every run). The router parses the query.
#[derive(Debug, Default)]
pub(crate) struct Filters {
    pub name: String,
    pub verdict: String,
}

fn matches(row: &RunRow, name: &str, verdict: &str) -> bool {
    let name_ok = name.is_empty() || row.name.to_lowercase().contains(&name.to_lowercase());
    let verdict_ok = match verdict {
        "" | "all" => true,
        "interrupted" => row.interrupted,
        v => row.verdict == v,
    };
    name_ok && verdict_ok
}

/// The index page, filtered.
pub(crate) fn page(store: &Path, filters: &Filters) -> String {
    let (name, want) = (&filters.name, &filters.verdict);
    let all = runs(store);
    let shown: Vec<&RunRow> = all.iter().filter(|r| matches(r, name, want)).collect();
    let mut s = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>rjepsen runs</title><style>");
    s.push_str(STYLE);
    s.push_str("</style></head><body><h1>rjepsen runs</h1><form method=\"get\" action=\"/\">");
    let _ = write!(s, "<input type=\"text\" name=\"name\" placeholder=\"test name\" value=\"{}\"> <select name=\"verdict\">", esc(name));
    for v in [
        "all",
        "valid",
        "invalid",
        "unknown",
        "not checked",
        "interrupted",
    ] {
        let sel = if v == want.as_str() || (v == "all" && want.is_empty()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(s, "<option{sel}>{v}</option>");
    }
    let _ = write!(s, "</select> <button type=\"submit\">filter</button></form><p class=\"count\">{} of {} runs</p>", shown.len(), all.len());
    s.push_str("<table id=\"runs\"><tr><th>name</th><th>time</th><th>verdict</th><th>workload</th><th>nemesis</th><th>duration</th><th>files</th></tr>");
    for r in shown {
        row_html(&mut s, r);
    }
    s.push_str("</table></body></html>\n");
    s
}

fn row_html(s: &mut String, r: &RunRow) {
    let base = format!("/{}/", href(&r.rel));
    let name = if r.has_report {
        format!("<a href=\"{base}report.html\">{}</a>", esc(&r.name))
    } else {
        esc(&r.name)
    };
    let interrupted = if r.interrupted {
        " <span class=\"badge interrupted\">interrupted</span>"
    } else {
        ""
    };
    let duration = r.duration.map_or("—".to_string(), |d| format!("{d:.1} s"));
    let _ = write!(
        s,
        "<tr class=\"run\" data-verdict=\"{v}\"><td>{name}</td><td>{}</td><td><span class=\"badge {}\">{v}</span>{interrupted}</td><td>{}</td><td>{}</td><td>{duration}</td><td><a href=\"{base}\">files</a></td></tr>",
        esc(&r.time),
        verdict_class(r.verdict),
        esc(&r.workload),
        esc(&r.nemesis),
        v = r.verdict,
    );
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#1d2330}table{border-collapse:collapse;margin-top:12px}th,td{padding:4px 12px;border-bottom:1px solid #e4e7ec;text-align:left}.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff}.valid{background:#2e7d32}.invalid{background:#c62828}.unknown{background:#b26a00}.unchecked{background:#546e7a}.interrupted{background:#6a1b9a}.count{color:#5f6b7a}";
