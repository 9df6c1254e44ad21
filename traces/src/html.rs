//! `traces.html`: a self-contained page of one analysis. Flows are swimlanes (one
//! row per flow, each step a box placed by its start time and sized by its
//! duration); each candidate and early pair shows both requests with their SQL, the
//! shared id values highlighted. No scripts, so it opens from disk anywhere.

use crate::analyze::Analysis;
use crate::pairs::Pair;
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escape `text` and wrap each occurrence of a shared value in `<mark>`.
fn highlight(text: &str, values: &[&String]) -> String {
    let mut out = esc(text);
    for v in values {
        let e = esc(v);
        if !e.is_empty() {
            out = out.replace(&e, &format!("<mark>{e}</mark>"));
        }
    }
    out
}

const STYLE: &str = "body{font:14px sans-serif;margin:1em}\
.lane{position:relative;height:26px;border-bottom:1px solid #ddd}\
.lane b{position:absolute;left:0;width:70px}\
.step{position:absolute;top:3px;height:18px;background:#8ab;border:1px solid #468;overflow:hidden;font-size:10px}\
.inherited{background:#ccc}.pair{border:1px solid #aaa;margin:.5em 0;padding:.5em}\
pre{white-space:pre-wrap;margin:.2em 0}mark{background:#fd5}";

fn swimlanes(a: &Analysis, out: &mut String) {
    let steps = &a.flows.steps;
    let t0 = steps.iter().map(|s| s.start).min().unwrap_or(0);
    let t1 = steps
        .iter()
        .map(|s| s.end)
        .max()
        .unwrap_or(t0 + 1)
        .max(t0 + 1);
    let scale = |t: i64| 70.0 + 900.0 * (t - t0) as f64 / (t1 - t0) as f64;
    out.push_str("<h2>Flows</h2>\n<div style=\"width:980px\">\n");
    for f in a.flows.flows.iter().filter(|f| f.is_leaf()) {
        let _ = write!(out, "<div class=\"lane\"><b>flow {}</b>", f.id);
        for &s in &f.steps {
            let st = &steps[s];
            let (x, w) = (scale(st.start), (scale(st.end) - scale(st.start)).max(3.0));
            let class = if st.flow == f.id {
                "step"
            } else {
                "step inherited"
            };
            let _ = write!(
                out,
                "<div class=\"{class}\" style=\"left:{x:.1}px;width:{w:.1}px\" title=\"{} {} (flow {}, step {})\"></div>",
                esc(&st.method),
                esc(&st.url),
                st.flow,
                st.index
            );
        }
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
}

fn pair(a: &Analysis, p: &Pair, out: &mut String) {
    let shared: Vec<&String> = p.shared.iter().collect();
    let ids: Vec<String> = shared
        .iter()
        .map(|v| format!("<mark>{}</mark>", esc(v)))
        .collect();
    let dbs: Vec<&str> = p.databases.iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "<div class=\"pair\"><div>shared {} in {}{}</div>",
        ids.join(", "),
        esc(&dbs.join(", ")),
        if p.overlap {
            " · the requests overlapped in the traces"
        } else {
            ""
        }
    );
    for s in [p.a, p.b] {
        let st = &a.flows.steps[s];
        let _ = writeln!(
            out,
            "<p><b>flow {} step {}</b>: {} {}</p>",
            st.flow,
            st.index,
            esc(&st.method),
            highlight(&st.url, &shared)
        );
        for x in &st.accesses {
            let sql = crate::sql::bind_values(&x.statement, &x.params);
            let _ = writeln!(out, "<pre>{}</pre>", highlight(&sql, &shared));
        }
    }
    out.push_str("</div>\n");
}

/// The whole page.
pub fn page(a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>traces</title><style>{STYLE}</style></head><body>"
    );
    let _ = writeln!(
        out,
        "<h1>Trace analysis</h1><p>{}</p>",
        esc(&crate::output::summary_line(a))
    );
    swimlanes(a, &mut out);
    let _ = writeln!(
        out,
        "<h2>Candidate pairs ({})</h2>",
        a.stages.candidates.len()
    );
    a.stages
        .candidates
        .iter()
        .for_each(|p| pair(a, p, &mut out));
    let _ = writeln!(
        out,
        "<h2>Reported early: an INSERT on a side ({})</h2>",
        a.stages.early.len()
    );
    a.stages.early.iter().for_each(|p| pair(a, p, &mut out));
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_are_highlighted_and_text_escaped() {
        let v = "k1".to_string();
        assert_eq!(highlight("a<b id=k1", &[&v]), "a&lt;b id=<mark>k1</mark>");
    }
}
