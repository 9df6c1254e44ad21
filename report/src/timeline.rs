//! The timeline of operations: one row per process, one bar per op from its
//! invocation to its completion, coloured by outcome.
//!
//! It is an inline SVG rather than a grid of HTML elements because a few thousand
//! rectangles render and scroll smoothly, and the x axis is the same time as the
//! plots'. Each bar carries a `<title>` (the browser's hover tooltip) and its ops
//! as JSON in `data-op`, which the page's script shows when the bar is clicked.
//! Only the first [`MAX_OPS`] ops are drawn; the page says so when it cuts.
//!
//! Rows are worker threads, not process ids: an `info` retires a process and its
//! thread goes on as `p + concurrency`, so with one row per process id a run
//! with many timeouts becomes a staircase of short rows. Client process `p` is
//! drawn on row `p mod concurrency` (when test.json gives the concurrency),
//! labelled with the process ids it carried.

use crate::analysis::Interval;
use crate::html::esc;
use rjepsen_core::history::History;
use rjepsen_core::{Op, OpType, Process};
use std::collections::BTreeMap;
use std::fmt::Write;

pub(crate) const MAX_OPS: usize = 5_000;
const ROW: i64 = 16;
const LABEL: i64 = 90;

/// The timeline SVG and the number of ops left out.
pub(crate) struct Timeline {
    pub svg: String,
    pub shown: usize,
    pub total: usize,
}

pub(crate) fn timeline(
    history: &History,
    faults: &[Interval],
    end: u64,
    concurrency: Option<u64>,
) -> Timeline {
    let pairs: Vec<Pair> = (0..history.len())
        .filter(|&i| history.ops[i].kind == OpType::Invoke)
        .map(|i| {
            let completion = history.completion_of(i).map(|j| &history.ops[j]);
            (&history.ops[i], completion)
        })
        .collect();
    let total = pairs.len();
    let shown = &pairs[..total.min(MAX_OPS)];
    let rows = Rows::new(shown, concurrency);
    let end_s = (end as f64 / 1e9).max(1.0);
    let width = (end_s * 60.0).clamp(1000.0, 20_000.0) as i64;
    let scale = Scale { end, end_s, width };
    let height = ROW * rows.labels.len().max(1) as i64 + 24;
    let full = LABEL + width + 10;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg id="timeline-svg" xmlns="http://www.w3.org/2000/svg" width="{full}" height="{height}" font-family="sans-serif" font-size="10">"#
    );
    for f in faults {
        let (x0, x1) = (scale.x(f.start), scale.x(f.stop.unwrap_or(end)));
        let _ = write!(
            s,
            r##"<rect class="timeline-fault" x="{x0}" y="0" width="{}" height="{height}" fill="{}" fill-opacity="0.12"><title>{}</title></rect>"##,
            (x1 - x0).max(1),
            esc(&f.colour),
            esc(&crate::plots::describe(f))
        );
    }
    for (row, (label, title)) in rows.labels.iter().enumerate() {
        let y = row as i64 * ROW + 12;
        let _ = write!(
            s,
            r#"<text x="4" y="{y}"><title>{}</title>{}</text>"#,
            esc(title),
            esc(label)
        );
    }
    bars(&mut s, shown, &rows, &scale);
    for sec in (0..=end_s as u64).step_by(tick(end_s)) {
        let x = scale.x(sec * 1_000_000_000);
        let _ = write!(s, r#"<text x="{x}" y="{}">{sec}s</text>"#, height - 8);
    }
    s.push_str("</svg>");
    Timeline {
        svg: s,
        shown: shown.len(),
        total,
    }
}

type Pair<'a> = (&'a Op, Option<&'a Op>);

/// Maps history time to the x pixel of the timeline.
struct Scale {
    end: u64,
    end_s: f64,
    width: i64,
}

impl Scale {
    fn x(&self, t: u64) -> i64 {
        LABEL + (t as f64 / 1e9 / self.end_s * self.width as f64) as i64
    }
}

/// One bar per op: from invocation to completion (or the end of the history).
fn bars(s: &mut String, shown: &[Pair], rows: &Rows, scale: &Scale) {
    for (inv, comp) in shown {
        let row = rows.row(&inv.process) as i64 * ROW;
        let outcome = comp.map_or("open", |c| c.kind.as_str());
        let (x0, x1) = (
            scale.x(inv.time),
            scale.x(comp.map_or(scale.end, |c| c.time)),
        );
        let json = serde_json::json!({"invoke": inv, "completion": comp});
        let _ = write!(
            s,
            r#"<rect class="op {outcome}" x="{x0}" y="{}" width="{}" height="{}" data-op="{}"><title>{}</title></rect>"#,
            row + 2,
            (x1 - x0).max(2),
            ROW - 4,
            esc(&json.to_string()),
            esc(&summary(inv, *comp)),
        );
    }
}

/// Which row each process is drawn on, and each row's label and tooltip.
struct Rows {
    concurrency: Option<u64>,
    index: BTreeMap<RowKey, usize>,
    labels: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RowKey {
    Worker(u64),
    Other(Process),
}

impl Rows {
    fn new(pairs: &[Pair], concurrency: Option<u64>) -> Rows {
        let concurrency = concurrency.filter(|&c| c > 0);
        let mut members: BTreeMap<RowKey, Vec<String>> = BTreeMap::new();
        for (inv, _) in pairs {
            let list = members.entry(key(&inv.process, concurrency)).or_default();
            let name = inv.process.to_string();
            if list.last() != Some(&name) && !list.contains(&name) {
                list.push(name);
            }
        }
        let index = members
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let labels = members
            .into_values()
            .map(|names| {
                let all = names.join(", ");
                let label = if all.chars().count() > 14 {
                    format!("{}…", all.chars().take(13).collect::<String>())
                } else {
                    all.clone()
                };
                (label, format!("processes {all}"))
            })
            .collect();
        Rows {
            concurrency,
            index,
            labels,
        }
    }

    fn row(&self, p: &Process) -> usize {
        self.index[&key(p, self.concurrency)]
    }
}

fn key(p: &Process, concurrency: Option<u64>) -> RowKey {
    match (p, concurrency) {
        (Process::Client(n), Some(c)) => RowKey::Worker(n % c),
        (other, _) => RowKey::Other(other.clone()),
    }
}

fn tick(end_s: f64) -> usize {
    match end_s as u64 {
        0..=20 => 1,
        21..=120 => 5,
        121..=600 => 30,
        _ => 60,
    }
}

/// "process 3 cas [1,2] → fail (12.3 ms): error", for the hover tooltip.
fn summary(inv: &Op, comp: Option<&Op>) -> String {
    let head = format!("process {} {} {}", inv.process, inv.f, inv.value);
    let Some(c) = comp else {
        return format!("{head} → never completed");
    };
    let ms = c.time.saturating_sub(inv.time) as f64 / 1e6;
    let mut s = format!("{head} → {} {} ({ms:.2} ms)", c.kind.as_str(), c.value);
    if let Some(e) = &c.error {
        let _ = write!(s, ": {e}");
    }
    s
}
