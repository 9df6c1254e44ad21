//! Snapshot-style structure tests of report.html: each fixture run must show its
//! verdict, plots with fault shading, the quantile table, the timeline, the
//! checkers' evidence and the links to its files.

use super::common::*;
use serde_json::Value;
use std::path::Path;

fn history_ops(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The text from the tag with `id` to the next `</section>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = html[..at].rfind('<').unwrap();
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

#[test]
fn valid_run_has_verdict_plots_shading_quantiles_timeline_and_links() {
    let store = fixture_store();
    let html = report_of(&store, VALID);
    assert!(html.contains(r#"id="verdict" data-verdict="valid">valid<"#));
    assert!(html.contains(r#"class="verdict-header valid""#));
    assert!(!html.contains("id=\"interrupted\""));
    assert!(html.contains("--seed 42</code></pre>"), "re-run command");
    for fact in [
        "register",
        "etcd",
        "n1, n2, n3, n4, n5",
        "partition, kill",
        "21.5 s",
    ] {
        assert!(section(&html, "summary").contains(fact), "{fact}");
    }
    let ops = history_ops(&store.join(VALID));
    let invokes = ops.iter().filter(|o| o["type"] == "invoke").count();
    // The summary counts client ops only, as the terminal does.
    let client_invokes = ops
        .iter()
        .filter(|o| o["type"] == "invoke" && o["process"] != "nemesis")
        .count();
    assert!(client_invokes < invokes, "the fixture has nemesis ops");
    assert!(
        html.contains(&format!("{client_invokes} invoke, ")),
        "op counts"
    );
    // Both plots, each with the two faults derived from the nemesis ops.
    for id in ["latency-plot", "throughput-plot"] {
        let svg = &html[html.find(&format!("<svg id=\"{id}\"")).unwrap()..];
        let svg = &svg[..svg.find("</svg></svg>").unwrap()];
        assert_eq!(
            count(svg, "class=\"nemesis-shade nemesis-partition\""),
            1,
            "{id}"
        );
        assert_eq!(
            count(svg, "class=\"nemesis-shade nemesis-kill\""),
            1,
            "{id}"
        );
        assert_eq!(count(svg, "class=\"nemesis-label\""), 2, "{id}");
        assert!(
            svg.contains("partition from 4.0 s to 9.0 s"),
            "{id}: shading title"
        );
    }
    assert!(html.contains("latency (ms)") && html.contains("ops per second"));
    let latency = std::fs::read_to_string(store.join(VALID).join("latency.svg")).unwrap();
    assert!(latency.starts_with("<svg id=\"latency-plot\"") && latency.contains("<circle"));
    // Quantiles: one row per f, counts matching the history.
    let q = section(&html, "quantiles");
    for f in ["read", "write", "cas"] {
        let n = ops
            .iter()
            .filter(|o| o["type"] == "invoke" && o["f"] == f)
            .count();
        assert!(
            q.contains(&format!("<tr><td>{f}</td><td>{n}</td>")),
            "quantile row {f}"
        );
    }
    assert!(q.contains("<th>p50</th><th>p95</th><th>p99</th><th>max</th>"));
    // Timeline: every op drawn (no cap at this size), nemesis included.
    let t = section(&html, "timeline");
    assert_eq!(count(t, "<rect class=\"op "), invokes);
    assert!(!t.contains("timeline-capped"));
    assert!(t.contains("data-op=\"{&quot;completion&quot;") && t.contains("<title>process "));
    // One row per worker (concurrency 5) plus the nemesis; retired processes
    // continue on their worker's row.
    assert_eq!(count(t, "<text x=\"4\""), 6, "rows");
    assert!(t.contains("<title>processes nemesis</title>nemesis</text>"));
    let retired = ops
        .iter()
        .any(|o| o["process"].as_u64().is_some_and(|p| p >= 5));
    assert!(retired, "the fixture retires processes");
    assert!(
        t.contains("<title>processes 0, 5"),
        "process 5 runs on worker 0's row"
    );
    // Links to the files, node logs included; faults derived from the history.
    let files = section(&html, "files");
    for f in [
        "history.jsonl",
        "results.json",
        "test.json",
        "rjepsen.log",
        "latency.svg",
        "throughput.svg",
        "nodes/n1/etcd.log",
        "nodes/n5/etcd.log",
    ] {
        assert!(files.contains(&format!("<a href=\"{f}\">")), "link to {f}");
    }
    assert!(section(&html, "faults").contains("From the nemesis ops of the history."));
    assert_eq!(count(&html, "<svg"), count(&html, "</svg>"), "balanced SVG");
    for remote in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !html.contains(remote),
            "the report must fetch nothing: {remote}"
        );
    }
}

#[test]
fn invalid_run_names_the_checker_and_embeds_its_failing_window() {
    let store = fixture_store();
    let html = report_of(&store, INVALID);
    assert!(html.contains(r#"data-verdict="invalid">invalid<"#));
    assert!(html.contains(r##"Not valid: <a href="#checker-linear">linear</a> (invalid)"##));
    let linear = section(&html, "checker-linear");
    assert!(linear.contains("class=\"checker checker-linear\""));
    // One block per failing key, each with its explanation and its figure, the
    // figure found by file name even when the checker gave another directory.
    let key3 = &linear[linear
        .find("<h4 class=\"failing-key\">key 3</h4>")
        .expect("key 3")..];
    let key5 = key3
        .find("<h4 class=\"failing-key\">key 5</h4>")
        .expect("key 5 after key 3");
    let (key3, key5) = key3.split_at(key5);
    assert!(
        key3.contains("<pre class=\"explanation\">read of 1 by process 1 at 7.2 s is impossible")
    );
    assert!(key3.contains("class=\"linear-window\"") && key3.contains("<a href=\"linear-3.svg\">"));
    assert!(
        key5.contains("cannot follow the read of 6") && key5.contains("class=\"linear-window-5\"")
    );
    assert_eq!(
        count(linear, "<figure class=\"checker-svg\">"),
        2,
        "each figure once"
    );
    assert!(html.contains("checker-stats") || html.contains("data-checker=\"stats\""));
    // Faults come from results.json here (partition and pause).
    assert!(section(&html, "faults").contains("From results.json."));
    assert_eq!(count(&html, "class=\"nemesis-shade nemesis-pause\""), 2);
    assert!(html.contains("pause from 10.0 s to 14.0 s: [&quot;n1&quot;]"));
}

#[test]
fn interrupted_run_without_results_says_not_checked() {
    let store = fixture_store();
    let html = report_of(&store, INTERRUPTED);
    assert!(html.contains(r#"data-verdict="not checked">not checked<"#));
    assert!(html.contains(r#"class="verdict-header unchecked""#));
    assert!(html.contains("id=\"interrupted\""));
    assert!(section(&html, "results").contains("class=\"not-checked\""));
    assert!(!section(&html, "files").contains("results.json"));
    // The partition was never healed: shaded to the end, and said so.
    assert_eq!(count(&html, "class=\"nemesis-shade nemesis-partition\""), 2);
    assert!(section(&html, "faults").contains("not healed"));
}

#[test]
fn unknown_run_shows_elle_anomalies_and_the_reason() {
    let store = fixture_store();
    let html = report_of(&store, UNKNOWN);
    assert!(html.contains(r#"data-verdict="unknown">unknown<"#));
    assert!(html.contains(r#"class="verdict-header unknown""#));
    let elle = section(&html, "checker-elle");
    assert!(elle.contains("<p class=\"checker-error\">cycle search stopped at its budget"));
    assert!(elle.contains("<h4 class=\"anomaly-type\">G-single (1)</h4>"));
    assert!(elle.contains("T41 read key 3 = [1 2], missing 3"));
    assert!(
        elle.contains("class=\"elle-cycle\"") && elle.contains("<a href=\"elle-G-single-0.svg\">")
    );
    assert_eq!(
        count(elle, "<figure class=\"checker-svg\">"),
        1,
        "each figure once"
    );
}

#[test]
fn set_run_lists_lost_and_unexpected_elements() {
    let store = fixture_store();
    let html = report_of(&store, SET);
    let set = section(&html, "checker-set");
    assert!(
        set.contains(r#"<div class="set-elements lost"><b>lost</b> (3): <code>17, 23, 42</code>"#)
    );
    assert!(set.contains(
        r#"<div class="set-elements unexpected"><b>unexpected</b> (1): <code>999</code>"#
    ));
}

/// A run of 25 000 ops: the timeline is capped and the latency plot thinned,
/// both with a note; no faults means no shading.
#[test]
fn large_run_is_capped_with_a_note() {
    let dir = temp_dir("large");
    std::fs::write(
        dir.join("test.json"),
        r#"{"name":"big","workload":"register"}"#,
    )
    .unwrap();
    let mut lines = String::new();
    for i in 0..25_000u64 {
        let (p, t) = (i % 10, i * 1_000_000);
        let kind = if i % 100 == 0 { "fail" } else { "ok" };
        lines.push_str(&format!("{{\"index\":{},\"time\":{t},\"type\":\"invoke\",\"process\":{p},\"f\":\"read\",\"value\":null}}\n", 2 * i));
        lines.push_str(&format!("{{\"index\":{},\"time\":{},\"type\":\"{kind}\",\"process\":{p},\"f\":\"read\",\"value\":1}}\n", 2 * i + 1, t + 500_000));
    }
    std::fs::write(dir.join("history.jsonl"), lines).unwrap();
    rjepsen_report::write_report(&dir).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Showing the first 5000 of 25000 operations"));
    assert_eq!(count(section(&html, "timeline"), "<rect class=\"op "), 5000);
    assert!(html.contains("12375 of 25000 operations are not drawn"));
    assert!(html.contains("No faults were injected."));
    assert_eq!(count(&html, "class=\"nemesis-shade"), 0);
    assert!(html.contains("<tr><td>read</td><td>25000</td><td>24750</td><td>250</td>"));
}

#[test]
fn errors_name_the_file_and_line() {
    let dir = temp_dir("broken");
    let err = rjepsen_report::write_report(&dir).unwrap_err().to_string();
    assert!(
        err.starts_with("failed to read") && err.contains("test.json"),
        "{err}"
    );
    std::fs::write(dir.join("test.json"), "{}").unwrap();
    std::fs::write(dir.join("history.jsonl"), "{\"index\":0,\"time\":0,\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"value\":null}\nnot json\n").unwrap();
    let err = rjepsen_report::write_report(&dir).unwrap_err().to_string();
    assert!(err.contains("history.jsonl line 2"), "{err}");
    std::fs::remove_file(dir.join("history.jsonl")).unwrap();
    let html = std::fs::read_to_string(rjepsen_report::write_report(&dir).unwrap()).unwrap();
    assert!(html.contains("This run has no history.jsonl."));
}

/// A run whose results.json and SVGs were written by the real checkers
/// (`rjepsen analyze`; see fixtures/analyzed/README.md).
#[test]
fn analyzed_run_renders_real_checker_output() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analyzed");
    let dir = temp_dir("analyzed");
    let run = "etcd-register/20261123T031000.000Z";
    std::fs::create_dir_all(dir.join(run)).unwrap();
    for entry in std::fs::read_dir(src.join(run)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(run).join(entry.file_name())).unwrap();
    }
    let html = report_of(&dir, run);
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(run).join("results.json")).unwrap())
            .unwrap();
    let failures = results["linear"]["failures"].as_array().unwrap();
    assert!(!failures.is_empty());
    assert!(html.contains(r#"data-verdict="invalid">invalid<"#));
    let linear = section(&html, "checker-linear");
    for f in failures {
        let key = format!("<h4 class=\"failing-key\">key {}</h4>", f["key"]);
        let block = &linear[linear.find(&key).unwrap_or_else(|| panic!("{key}"))..];
        let explanation = f["explanation"].as_str().unwrap();
        let svg = Path::new(f["svg"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(block.contains(&format!(
            "<pre class=\"explanation\">{}",
            explanation.replace('"', "&quot;").replace('\'', "&#39;")
        )));
        let figure = block
            .find("<figure class=\"checker-svg\"><svg")
            .expect("inlined figure");
        assert!(
            block[figure..].contains(&format!("<a href=\"{svg}\">{svg}</a>")),
            "{svg}"
        );
    }
    assert_eq!(
        count(linear, "<figure class=\"checker-svg\">"),
        failures.len()
    );
    // The runner's own intervals are used (partition and pause).
    assert!(section(&html, "faults").contains("From results.json."));
}

/// Rewrites the nemesis `kill`/`start` ops of the valid fixture into
/// `bump-clock`/`reset-clock`, which follow no `start-X`/`stop-X` pattern.
fn with_clock_faults(dir: &Path) {
    let text = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut op: Value = serde_json::from_str(l).unwrap();
            if op["process"] == "nemesis" {
                let f = match op["f"].as_str().unwrap() {
                    "kill" => "bump-clock",
                    "start" => "reset-clock",
                    other => other,
                };
                op["f"] = Value::from(f);
            }
            op.to_string()
        })
        .collect();
    std::fs::write(dir.join("history.jsonl"), lines.join("\n") + "\n").unwrap();
}

/// The specs results.json records decide what the report shades and in which
/// colour, also for `f`s that are not `start-X`/`stop-X`; a run from before
/// `nemesis-faults` falls back to the built-in specs (which know no clock).
#[test]
fn recorded_fault_specs_shade_faults_of_any_f_names() {
    let store = fixture_store();
    let dir = store.join(VALID);
    with_clock_faults(&dir);
    let mut results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let old = results.clone();
    results["nemesis-faults"] = serde_json::json!([
        {"name": "partition", "start": ["start-partition"], "stop": ["stop-partition"], "heal_rank": 10, "colour": "#e9c46a"},
        {"name": "clock", "start": ["bump-clock"], "stop": ["reset-clock"], "heal_rank": 5, "colour": "#123456"}
    ]);
    std::fs::write(dir.join("results.json"), results.to_string()).unwrap();
    let html = report_of(&store, VALID);
    assert_eq!(count(&html, "class=\"nemesis-shade nemesis-clock\""), 2);
    assert!(html.contains(r##"nemesis-clock" x="##) && html.contains(r##"fill="#123456""##));
    assert!(html.contains("clock from 12.0 s to 15.0 s"), "fault table");
    assert_eq!(count(&html, "class=\"nemesis-shade nemesis-partition\""), 2);

    std::fs::write(dir.join("results.json"), old.to_string()).unwrap();
    let html = report_of(&store, VALID);
    assert_eq!(
        count(&html, "nemesis-clock"),
        0,
        "built-in specs know no clock"
    );
    assert_eq!(count(&html, "class=\"nemesis-shade nemesis-partition\""), 2);

    let mut bad = old;
    bad["nemesis-faults"] = Value::from("clock");
    std::fs::write(dir.join("results.json"), bad.to_string()).unwrap();
    let err = rjepsen_report::write_report(&dir).unwrap_err().to_string();
    assert!(
        err.contains("results.json") && err.contains("nemesis-faults"),
        "{err}"
    );
}
