//! Rendering of results.json: one section per checker, recursively.
//!
//! Any checker is shown as its verdict and its evidence as pretty JSON; four
//! kinds get a reading made for people on top of that, recognised by name or by
//! the shape of their evidence (checkers are composed by name, so the name is the
//! only stable key): linearizability (its `explanation` and the failing-window
//! SVGs it wrote, `linear-*.svg`), Elle (each anomaly's `explanation`, and
//! `elle-*.svg`), set (`lost` and `unexpected` elements) and the interleave
//! nemesis (`interleave.rs`: its violations with pair, schedule and traces).

use crate::html::{esc, href, verdict_class};
use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::Path;

/// Keys of results.json that are not checkers.
const META: [&str; 5] = [
    "valid?",
    "nemesis-faults",
    "nemesis-intervals",
    "op-counts",
    "interrupted",
];
const MAX_JSON: usize = 200_000;
const MAX_SVG: u64 = 2_000_000;
const MAX_ITEMS: usize = 50;

/// "valid", "invalid" or "unknown" from a `valid?` value.
pub(crate) fn verdict(v: Option<&Value>) -> &'static str {
    match v {
        Some(Value::Bool(true)) => "valid",
        Some(Value::Bool(false)) => "invalid",
        _ => "unknown",
    }
}

/// The sections for every checker of results.json.
pub(crate) fn render(results: &Value, dir: &Path, files: &[String]) -> String {
    let Some(obj) = results.as_object() else {
        return format!("<pre class=\"json\">{}</pre>", pretty(results));
    };
    let mut s = String::new();
    let mut other = Map::new();
    for (name, v) in obj.iter().filter(|(k, _)| !META.contains(&k.as_str())) {
        match v.as_object() {
            Some(c) if c.contains_key("valid?") => s.push_str(&checker(name, c, dir, files)),
            _ => {
                other.insert(name.clone(), v.clone());
            }
        }
    }
    if !other.is_empty() {
        let _ = write!(s, "<section class=\"checker\"><h3>other results</h3><pre class=\"json\">{}</pre></section>", pretty(&Value::Object(other)));
    }
    s
}

fn checker(name: &str, c: &Map<String, Value>, dir: &Path, files: &[String]) -> String {
    let verdict = verdict(c.get("valid?"));
    let kind = kind(name, c);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<section class="checker checker-{kind}" id="checker-{id}" data-checker="{n}"><h3>{n} <span class="badge {cls}">{verdict}</span></h3>"#,
        n = esc(name),
        id = anchor(name),
        cls = verdict_class(verdict),
    );
    if let Some(Value::String(e)) = c.get("error") {
        let _ = write!(s, "<p class=\"checker-error\">{}</p>", esc(e));
    }
    let mut figs = Figures {
        dir,
        files,
        shown: Vec::new(),
    };
    match kind {
        "linear" => s.push_str(&linear(c, &mut figs)),
        "elle" => s.push_str(&anomalies(c, &mut figs)),
        "set" => s.push_str(&set_elements(c)),
        "interleave" => s.push_str(&crate::interleave::section(c)),
        _ => {}
    }
    if kind != "generic" {
        s.push_str(&figs.rest(kind, c));
    }
    let mut own = Map::new();
    for (k, v) in c {
        match v.as_object() {
            Some(sub) if sub.contains_key("valid?") => s.push_str(&checker(k, sub, dir, files)),
            _ => {
                own.insert(k.clone(), v.clone());
            }
        }
    }
    let json = pretty(&Value::Object(own));
    if kind == "generic" {
        let _ = write!(s, "<pre class=\"json\">{json}</pre>");
    } else {
        let _ = write!(s, "<details><summary>evidence as JSON</summary><pre class=\"json\">{json}</pre></details>");
    }
    s.push_str("</section>");
    s
}

/// A fragment id for a checker's section: its name with anything but letters,
/// digits, `-` and `_` replaced.
pub(crate) fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn kind(name: &str, c: &Map<String, Value>) -> &'static str {
    let name = name.to_ascii_lowercase();
    if name == "interleave" {
        "interleave"
    } else if name.contains("linear") {
        "linear"
    } else if name.contains("elle") || c.contains_key("anomalies") {
        "elle"
    } else if name.contains("set") || c.contains_key("lost") || c.contains_key("unexpected") {
        "set"
    } else {
        "generic"
    }
}

/// A linearizability result: one block per failing key (`failures`, when the
/// history was split by key), else the single explanation; each with its SVG.
fn linear(c: &Map<String, Value>, figs: &mut Figures) -> String {
    let failures = c
        .get("failures")
        .and_then(Value::as_array)
        .filter(|f| !f.is_empty());
    let Some(failures) = failures else {
        return explained(c, figs);
    };
    let mut s = String::new();
    for f in failures.iter().take(MAX_ITEMS) {
        if let Some(key) = f.get("key").filter(|k| !k.is_null()) {
            let _ = write!(
                s,
                "<h4 class=\"failing-key\">key {}</h4>",
                esc(&key.to_string())
            );
        }
        s.push_str(&explained(f.as_object().unwrap_or(&Map::new()), figs));
    }
    if failures.len() > MAX_ITEMS {
        let _ = write!(
            s,
            "<p class=\"note\">{} more failing keys not shown; see results.json.</p>",
            failures.len() - MAX_ITEMS
        );
    }
    s
}

/// An `explanation` string and the figure of the `svg` beside it, if any.
fn explained(c: &Map<String, Value>, figs: &mut Figures) -> String {
    let mut s = match c.get("explanation") {
        Some(Value::String(e)) => format!("<pre class=\"explanation\">{}</pre>", esc(e)),
        _ => String::new(),
    };
    if let Some(Value::String(svg)) = c.get("svg") {
        s.push_str(&figs.figure(svg));
    }
    s
}

/// Elle's anomalies: `{type: [anomaly...]}` or a plain list, each anomaly shown
/// by its `explanation` when it has one.
fn anomalies(c: &Map<String, Value>, figs: &mut Figures) -> String {
    let groups: Vec<(String, &Value)> = match c.get("anomalies") {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Some(v @ Value::Array(_)) => vec![("anomalies".into(), v)],
        _ => return explained(c, figs),
    };
    let mut s = String::from("<div class=\"anomalies\">");
    for (kind, v) in groups {
        let items: Vec<&Value> = v.as_array().map_or(vec![v], |a| a.iter().collect());
        let _ = write!(
            s,
            "<h4 class=\"anomaly-type\">{} ({})</h4>",
            esc(&kind),
            items.len()
        );
        for item in items.iter().take(MAX_ITEMS) {
            match item.as_object().filter(|m| m.contains_key("explanation")) {
                Some(m) => s.push_str(&explained(m, figs)),
                None => {
                    let _ = write!(s, "<pre class=\"json\">{}</pre>", pretty(item));
                }
            }
        }
        if items.len() > MAX_ITEMS {
            let _ = write!(
                s,
                "<p class=\"note\">{} more not shown; see results.json.</p>",
                items.len() - MAX_ITEMS
            );
        }
    }
    s.push_str("</div>");
    s
}

fn set_elements(c: &Map<String, Value>) -> String {
    let mut s = String::new();
    for key in ["lost", "unexpected", "recovered", "stale"] {
        let Some(v) = c.get(key) else { continue };
        let items: Vec<String> = match v {
            Value::Array(a) => a.iter().map(Value::to_string).collect(),
            other => vec![other.to_string()],
        };
        let shown = items
            .iter()
            .take(MAX_ITEMS * 10)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if items.len() > MAX_ITEMS * 10 {
            " …"
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<div class="set-elements {key}"><b>{key}</b> ({n}): <code>{}{more}</code></div>"#,
            esc(&shown),
            n = items.len()
        );
    }
    s
}

/// The SVG files a checker wrote, each embedded once: inline (so that the
/// report stays self-contained) and linked. A checker may name them by file
/// name or by full path; either way only a file of the run directory is used.
struct Figures<'a> {
    dir: &'a Path,
    files: &'a [String],
    shown: Vec<String>,
}

impl Figures<'_> {
    /// The figure for `named`, or nothing if it is not an SVG of the run
    /// directory or was shown already.
    fn figure(&mut self, named: &str) -> String {
        let base = Path::new(named)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let Some(f) = base.filter(|b| b.ends_with(".svg") && self.files.contains(b)) else {
            return String::new();
        };
        if self.shown.contains(&f) {
            return String::new();
        }
        self.shown.push(f.clone());
        let path = self.dir.join(&f);
        let small = std::fs::metadata(&path).is_ok_and(|m| m.len() <= MAX_SVG);
        let body = small.then(|| std::fs::read_to_string(&path).ok()).flatten();
        let inline = body
            .as_deref()
            .and_then(|b| b.find("<svg").map(|i| &b[i..]))
            .unwrap_or("");
        format!(
            r#"<figure class="checker-svg">{inline}<figcaption><a href="{}">{}</a></figcaption></figure>"#,
            href(&f),
            esc(&f)
        )
    }

    /// Figures not shown yet: SVGs named anywhere in the evidence, then
    /// `<kind>-*.svg` of the directory, up to MAX_ITEMS inline, the rest linked.
    fn rest(&mut self, kind: &str, c: &Map<String, Value>) -> String {
        let mut named = Vec::new();
        collect_strings(&Value::Object(c.clone()), &mut named);
        let prefix = format!("{kind}-");
        let globbed = self
            .files
            .iter()
            .filter(|f| f.starts_with(&prefix) && f.ends_with(".svg") && !f.contains('/'));
        named.extend(globbed.cloned());
        let mut s = String::new();
        let mut links = Vec::new();
        for n in named.iter().filter(|n| n.ends_with(".svg")) {
            if self.shown.len() < MAX_ITEMS {
                s.push_str(&self.figure(n));
            } else if let Some(f) = self.files.iter().find(|f| n.ends_with(f.as_str())) {
                if !self.shown.contains(f) && !links.contains(f) {
                    links.push(f.clone());
                }
            }
        }
        if !links.is_empty() {
            let list: Vec<String> = links
                .iter()
                .map(|f| format!("<a href=\"{}\">{}</a>", href(f), esc(f)))
                .collect();
            let _ = write!(s, "<p class=\"note\">More figures: {}</p>", list.join(", "));
        }
        s
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

fn pretty(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    if text.len() <= MAX_JSON {
        return esc(&text);
    }
    let cut = (0..=MAX_JSON)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!(
        "{}\n… cut at {MAX_JSON} bytes; see results.json",
        esc(&text[..cut])
    )
}
