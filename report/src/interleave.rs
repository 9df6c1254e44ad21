//! The interleave nemesis's section (results.json `interleave`): how much of
//! the candidate pairs the run covered, and one block per broken invariant
//! with what a person needs to replay it: the pair (its file, index and two
//! steps), the forced schedule, both trace ids and both responses.

use crate::html::esc;
use serde_json::{Map, Value};
use std::fmt::Write;

const MAX_VIOLATIONS: usize = 50;
const MAX_BODY: usize = 300;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn step(s: &Value) -> String {
    format!(
        "{} {} {} ({})",
        text(&s["service"]),
        text(&s["http_method"]),
        text(&s["http_url"]),
        s["sqls"]
            .as_array()
            .map(|q| q.iter().map(text).collect::<Vec<_>>().join("; "))
            .unwrap_or_default()
    )
}

fn response(r: &Value) -> String {
    let mut body = text(&r["body"]);
    if body.len() > MAX_BODY {
        let cut = (0..=MAX_BODY)
            .rev()
            .find(|i| body.is_char_boundary(*i))
            .unwrap_or(0);
        body.truncate(cut);
        body.push('…');
    }
    match r["status"].as_u64() {
        Some(st) => format!("{st} {body}"),
        None => format!("no response: {}", text(&r["error"])),
    }
}

/// The coverage line and the violations.
pub(crate) fn section(c: &Map<String, Value>) -> String {
    let cov = c.get("coverage").cloned().unwrap_or(Value::Null);
    let mut s = format!(
        "<p class=\"interleave-coverage\">classes tried {} of {} ({} candidate and {} early pairs); pairs tried {}; attempts {} ({} achieved); order-dependent pairs {}</p>",
        text(&cov["classes_tried"]),
        text(&cov["classes"]),
        text(&cov["candidates"]),
        text(&cov["early"]),
        text(&cov["pairs_tried"]),
        text(c.get("attempts").unwrap_or(&Value::Null)),
        text(c.get("achieved").unwrap_or(&Value::Null)),
        text(c.get("order_dependent").unwrap_or(&Value::Null)),
    );
    let empty = Vec::new();
    let violations = c
        .get("violations")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for v in violations.iter().take(MAX_VIOLATIONS) {
        let p = &v["pair"];
        let _ = write!(
            s,
            "<div class=\"violation\"><h4>{inv} broken on {key}</h4><p>{detail}</p><table>\
             <tr><th>pair</th><td>{file} #{index} (class {class})</td></tr>\
             <tr><th>step A</th><td>{a}</td></tr><tr><th>step B</th><td>{b}</td></tr>\
             <tr><th>schedule</th><td>{sched}</td></tr>\
             <tr><th>trace ids</th><td>A {ta}<br>B {tb}</td></tr>\
             <tr><th>responses</th><td>A {ra}<br>B {rb}</td></tr></table></div>",
            inv = esc(&text(&v["invariant"])),
            key = esc(&text(&v["key"])),
            detail = esc(&text(&v["detail"])),
            file = esc(&text(&p["file"])),
            index = esc(&text(&p["index"])),
            class = esc(&text(&p["class"])),
            a = esc(&step(&p["a"])),
            b = esc(&step(&p["b"])),
            sched = esc(&text(&v["schedule"])),
            ta = esc(&text(&v["trace_ids"]["a"])),
            tb = esc(&text(&v["trace_ids"]["b"])),
            ra = esc(&response(&v["responses"]["a"])),
            rb = esc(&response(&v["responses"]["b"])),
        );
    }
    if violations.len() > MAX_VIOLATIONS {
        let _ = write!(
            s,
            "<p class=\"note\">{} more violations not shown; see results.json.</p>",
            violations.len() - MAX_VIOLATIONS
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_violation_shows_pair_schedule_traces_and_responses() {
        let c = json!({
            "valid?": false, "attempts": 6, "achieved": 6, "order_dependent": 1,
            "coverage": {"classes_tried": 1, "classes": 3, "candidates": 10, "early": 2, "pairs_tried": 1},
            "violations": [{
                "invariant": "stock", "key": "xi0", "detail": "stocked 2, sold 2, left 1",
                "pair": {"file": "candidates", "index": 7, "class": 0,
                         "a": {"service": "inventory", "http_method": "GET", "http_url": "http://h/stock/i1", "sqls": ["SELECT <q>"]},
                         "b": {"service": "inventory", "http_method": "PUT", "http_url": "http://h/stock/i1", "sqls": []}},
                "schedule": "hold_b_until_a_passed",
                "trace_ids": {"a": "aaaa", "b": "bbbb"},
                "responses": {"a": {"status": 201, "body": "{}"}, "b": {"status": null, "error": "reset"}}
            }]
        });
        let html = super::section(c.as_object().unwrap());
        for want in [
            "classes tried 1 of 3",
            "stock broken on xi0",
            "candidates #7",
            "SELECT &lt;q&gt;",
            "hold_b_until_a_passed",
            "A aaaa",
            "B bbbb",
            "A 201 {}",
            "no response: reset",
        ] {
            assert!(html.contains(want), "{want} not in {html}");
        }
    }
}
