//! The report page: [`write_report`] and the sections it is made of.
//!
//! The order of the page is the order of a person's questions: did it pass (the
//! verdict header, which checker failed, how to re-run it), what happened over
//! time (latency and throughput with the faults shaded), how fast (quantiles),
//! why (each checker's evidence), what exactly (the timeline), and the raw files.

use crate::analysis::{self, Interval, Latency, Quantiles};
use crate::assets::{CSS, JS};
use crate::checkers;
use crate::error::ReportError;
use crate::html::{esc, href, verdict_class};
use crate::plots;
use crate::run::Run;
use crate::timeline;
use rjepsen_core::history::History;
use rjepsen_core::{Op, OpCounts};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Writes `dir/report.html` (and `latency.svg`, `throughput.svg` beside it) from
/// the run stored in `dir`, and returns the report's path.
pub fn write_report(dir: &Path) -> Result<PathBuf, ReportError> {
    let mut run = Run::load(dir)?;
    // The history moves into the pairing: a million ops are not kept twice.
    let history = History::new(std::mem::take(&mut run.history));
    let ops = &history.ops;
    let end = analysis::history_end(ops);
    let end_s = (end as f64 / 1e9).max(1.0);
    let book =
        analysis::fault_book(run.results.as_ref()).map_err(|message| ReportError::Invalid {
            path: dir.join("results.json"),
            message,
        })?;
    let faults = analysis::intervals(run.results.as_ref(), ops, &book);
    let lats = analysis::latencies(&history, end);
    let latency = plots::latency(&lats, &faults, end_s)?;
    let rate = plots::throughput(&analysis::throughput(ops, end), &faults, end_s)?;
    let nodes = crate::node_plots::node_plots(dir, &faults, end_s)?;
    for (name, plot) in [("latency.svg", &latency), ("throughput.svg", &rate)] {
        let path = dir.join(name);
        std::fs::write(&path, &plot.svg).map_err(|e| ReportError::io("write", path, e))?;
        if !run.files.iter().any(|f| f == name) {
            run.files.push(name.to_string());
        }
    }
    run.files.sort();
    let mut s = String::new();
    head(&mut s, &run);
    header(&mut s, &run, ops);
    s.push_str("<main>");
    toc(&mut s);
    plots_section(&mut s, &latency, &rate, &nodes, lats.len());
    let given = run
        .results
        .as_ref()
        .is_some_and(|r| r.get("nemesis-intervals").is_some());
    faults_section(&mut s, &faults, given);
    quantiles_section(&mut s, &analysis::quantiles(&lats), &lats);
    results_section(&mut s, &run);
    timeline_section(&mut s, &run, &history, &faults);
    files_section(&mut s, &run);
    let _ = writeln!(s, "</main><script>{JS}</script></body></html>");
    let path = dir.join("report.html");
    std::fs::write(&path, s).map_err(|e| ReportError::io("write", &path, e))?;
    Ok(path)
}

/// The verdict of a run: "valid", "invalid", "unknown" or "not checked".
pub(crate) fn run_verdict(run: &Run) -> &'static str {
    match &run.results {
        Some(r) => checkers::verdict(r.get("valid?")),
        None => "not checked",
    }
}

fn head(s: &mut String, run: &Run) {
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — {}</title><style>{CSS}</style></head><body>",
        esc(&run.name()),
        run_verdict(run)
    );
}

fn header(s: &mut String, run: &Run, ops: &[Op]) {
    let verdict = run_verdict(run);
    let t = &run.test;
    let _ = write!(
        s,
        r#"<header class="verdict-header {cls}" id="summary"><div class="verdict" id="verdict" data-verdict="{verdict}">{verdict}</div>"#,
        cls = verdict_class(verdict)
    );
    let said = |r: &serde_json::Value| r.get("interrupted").and_then(|v| v.as_bool());
    if t.interrupted || run.results.as_ref().and_then(said) == Some(true) {
        s.push_str(r#"<div class="interrupted-banner" id="interrupted">interrupted: the run was stopped before its time limit; the history ends early</div>"#);
    }
    if run.results.is_none() {
        s.push_str(r#"<p>No results.json: the checkers never ran on this history. Run <code>rjepsen analyze</code> on this directory to check it.</p>"#);
    }
    culprits(s, run);
    let _ = write!(s, "<h1>{}</h1><dl class=\"facts\">", esc(&run.name()));
    for (k, v) in facts(run, ops) {
        let _ = write!(s, "<dt>{k}</dt><dd class=\"fact-{k}\">{}</dd>", esc(&v));
    }
    s.push_str("</dl>");
    if !t.command.is_empty() {
        let cmd = &t.command;
        let _ = write!(s, "<div>Re-run this test (same seed):</div><pre class=\"command\" id=\"command\"><code>{}</code></pre>", esc(cmd));
    }
    s.push_str("</header>");
}

/// The facts of the header: what ran, against what, how long, how many ops.
fn facts(run: &Run, ops: &[Op]) -> Vec<(&'static str, String)> {
    let t = &run.test;
    let end = analysis::history_end(ops);
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let text = |v: &str| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.to_string()
        }
    };
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let duration = match crate::run::duration_secs(t) {
        Some(d) => format!("{d:.1} s (history {:.1} s)", end as f64 / 1e9),
        None => format!("{:.1} s of history", end as f64 / 1e9),
    };
    let counts = OpCounts::of(ops)
        .by_type()
        .map(|(k, n)| format!("{n} {k}"))
        .join(", ");
    vec![
        ("workload", text(&t.workload)),
        ("db", text(&t.db)),
        ("nodes", list(&t.nodes)),
        ("nemesis", list(&t.nemesis)),
        ("seed", t.seed.to_string()),
        ("concurrency", t.concurrency.to_string()),
        ("duration", duration),
        ("started", opt(&t.start_time)),
        ("ops", counts),
        ("rjepsen", opt(&t.rjepsen_version().map(String::from))),
    ]
}

/// Names the checkers that did not say valid, so that the first screen tells
/// where it went wrong.
fn culprits(s: &mut String, run: &Run) {
    let Some(obj) = run.results.as_ref().and_then(|r| r.as_object()) else {
        return;
    };
    let bad: Vec<String> = obj
        .iter()
        .filter(|(_, v)| v.get("valid?").is_some() && checkers::verdict(v.get("valid?")) != "valid")
        .map(|(k, v)| {
            format!(
                "<a href=\"#checker-{}\">{}</a> ({})",
                checkers::anchor(k),
                esc(k),
                checkers::verdict(v.get("valid?"))
            )
        })
        .collect();
    if !bad.is_empty() {
        let _ = write!(s, "<p class=\"culprits\">Not valid: {}</p>", bad.join(", "));
    }
}

fn toc(s: &mut String) {
    s.push_str(r##"<nav class="toc"><a href="#plots">plots</a><a href="#faults">faults</a><a href="#quantiles">quantiles</a><a href="#results">checkers</a><a href="#timeline">timeline</a><a href="#files">files</a></nav>"##);
}

fn plots_section(
    s: &mut String,
    latency: &plots::Plot,
    rate: &plots::Plot,
    nodes: &[plots::Plot],
    ops: usize,
) {
    s.push_str(r#"<section class="block" id="plots"><h2>Latency and throughput</h2><p class="note">Shaded bands are faults injected by the nemesis; hover over one for its details.</p>"#);
    s.push_str(&latency.svg);
    if latency.thinned > 0 {
        let _ = write!(s, "<p class=\"note\">{} of {ops} operations are not drawn: ok ones are thinned first, fail and info ones keep up to half of the points.</p>", latency.thinned);
    }
    s.push_str(&rate.svg);
    if !nodes.is_empty() {
        s.push_str(r#"<h3>Nodes</h3><p class="note">From metrics.jsonl (<code>--metrics-interval</code>): one line per node.</p>"#);
    }
    for p in nodes {
        s.push_str(&p.svg);
    }
    s.push_str("</section>");
}

fn faults_section(s: &mut String, faults: &[Interval], from_results: bool) {
    s.push_str(r#"<section class="block" id="faults"><h2>Faults</h2>"#);
    if faults.is_empty() {
        s.push_str("<p>No faults were injected.</p></section>");
        return;
    }
    let source = if from_results {
        "results.json"
    } else {
        "the nemesis ops of the history"
    };
    let _ = write!(s, "<p class=\"note\">From {source}.</p><table class=\"faults\"><tr><th>fault</th><th>from (s)</th><th>to (s)</th><th>value</th></tr>");
    for f in faults {
        let stop = f.stop.map_or("not healed".to_string(), |t| {
            format!("{:.2}", t as f64 / 1e9)
        });
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{:.2}</td><td>{stop}</td><td><code>{}</code></td></tr>",
            esc(&f.kind),
            f.start as f64 / 1e9,
            esc(&f.value.to_string())
        );
    }
    s.push_str("</table></section>");
}

fn quantiles_section(s: &mut String, rows: &[Quantiles], lats: &[Latency]) {
    s.push_str(r#"<section class="block" id="quantiles"><h2>Latency quantiles (ms)</h2>"#);
    if lats.is_empty() {
        s.push_str("<p>No client operations.</p></section>");
        return;
    }
    s.push_str(r#"<table class="quantiles"><tr><th>f</th><th>count</th><th>ok</th><th>fail</th><th>info</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>"#);
    for q in rows {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr>",
            esc(&q.f), q.count, q.ok, q.fail, q.info, q.p50, q.p95, q.p99, q.max
        );
    }
    s.push_str("</table><p class=\"note\">Over all completions of each function; an op that never completed counts until the end of the history.</p></section>");
}

fn results_section(s: &mut String, run: &Run) {
    s.push_str(r#"<section class="block" id="results"><h2>Checkers</h2>"#);
    match &run.results {
        Some(r) => s.push_str(&checkers::render(r, &run.dir, &run.files)),
        None => {
            s.push_str("<p class=\"not-checked\">Not checked: this run has no results.json.</p>")
        }
    }
    s.push_str("</section>");
}

fn timeline_section(s: &mut String, run: &Run, history: &History, faults: &[Interval]) {
    let end = analysis::history_end(&history.ops);
    let concurrency = Some(run.test.concurrency as u64).filter(|c| *c > 0);
    let t = timeline::timeline(history, faults, end, concurrency);
    s.push_str(r#"<section class="block" id="timeline"><h2>Timeline</h2>"#);
    if t.shown < t.total {
        let _ = write!(s, "<p class=\"note timeline-capped\">Showing the first {} of {} operations; the rest are in history.jsonl.</p>", t.shown, t.total);
    }
    let _ = write!(s, "<p class=\"note\">One row per worker thread (labelled with the process ids it ran: an info retires a process); hover over an operation for a summary, click it for the full ops.</p><div id=\"timeline-box\">{}</div><pre id=\"op-detail\" class=\"json\">click an operation</pre></section>", t.svg);
}

fn files_section(s: &mut String, run: &Run) {
    s.push_str(r#"<section class="block" id="files"><h2>Files</h2><ul class="files">"#);
    for f in &run.files {
        let _ = write!(s, "<li><a href=\"{}\">{}</a></li>", href(f), esc(f));
    }
    s.push_str("</ul>");
    if !run.has_history {
        s.push_str("<p class=\"note\">This run has no history.jsonl.</p>");
    }
    s.push_str("</section>");
}
