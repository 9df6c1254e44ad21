//! A test's trend page (`/trends/<test>`): every run of that test name in
//! every campaign, oldest first: its verdicts as a strip of badges, its
//! throughput and its latency quantiles (p50, p95, p99) over time as SVG, and a
//! table. Each point, badge and row links to the run's report.
//!
//! The plots are drawn by plotters (axes, grid, lines); the points are a layer
//! of our own on top, `<a href><circle>` at the pixel positions the chart's
//! coordinate mapping gives, because plotters' SVG backend cannot make links.

use super::campaigns::{badge, load_all, run_link, STYLE};
use crate::html::esc;
use plotters::prelude::*;
use rjepsen_core::campaign::{Outcome, RunMetrics};
use std::fmt::Write;
use std::path::Path;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 300;

/// One run of the test.
struct Point {
    campaign: String,
    started: String,
    seed: u64,
    attempt: u32,
    outcome: Outcome,
    metrics: Option<RunMetrics>,
    link: Option<String>,
}

/// A line of a plot: its name, colour and a value per point (None: not measured).
struct Series<'a> {
    name: &'a str,
    colour: RGBColor,
    values: Vec<Option<f64>>,
}

/// The page, or None when no campaign ran a test of that name.
pub(crate) fn page(store: &Path, test: &str) -> Option<String> {
    let points = points(store, test);
    if points.is_empty() {
        return None;
    }
    let mut s = format!("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — rjepsen trend</title><style>{STYLE}", esc(test));
    s.push_str(".plot{margin:12px 0}</style></head><body><p><a href=\"/\">all runs</a> · <a href=\"/campaigns/\">campaigns</a></p>");
    let _ = write!(
        s,
        "<h1>{}</h1><p class=\"count\">{} runs in {} campaigns</p>",
        esc(test),
        points.len(),
        {
            let mut c: Vec<&str> = points.iter().map(|p| p.campaign.as_str()).collect();
            c.dedup();
            c.len()
        }
    );
    s.push_str("<h2>Verdicts</h2><div id=\"verdicts\">");
    for p in &points {
        let title = format!("{} seed {} attempt {}", p.campaign, p.seed, p.attempt);
        match &p.link {
            Some(l) => {
                let _ = write!(
                    s,
                    "<a href=\"{l}\" title=\"{}\">{}</a> ",
                    esc(&title),
                    badge(p.outcome)
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<span title=\"{}\">{}</span> ",
                    esc(&title),
                    badge(p.outcome)
                );
            }
        }
    }
    s.push_str("</div><h2>Throughput</h2>");
    let tp = Series {
        name: "ok/s",
        colour: RGBColor(31, 119, 180),
        values: metric(&points, |m| Some(m.ok_per_sec)),
    };
    s.push_str(&plot("throughput-trend", "ok ops/s", &points, &[tp], false));
    s.push_str("<h2>Latency quantiles</h2>");
    let lat = [
        Series {
            name: "p50",
            colour: RGBColor(44, 160, 44),
            values: metric(&points, |m| m.p50_ms),
        },
        Series {
            name: "p95",
            colour: RGBColor(255, 127, 14),
            values: metric(&points, |m| m.p95_ms),
        },
        Series {
            name: "p99",
            colour: RGBColor(214, 39, 40),
            values: metric(&points, |m| m.p99_ms),
        },
    ];
    s.push_str(&plot(
        "latency-trend",
        "latency (ms, log)",
        &points,
        &lat,
        true,
    ));
    table(&mut s, &points);
    s.push_str("</body></html>\n");
    Some(s)
}

fn points(store: &Path, test: &str) -> Vec<Point> {
    let mut out = Vec::new();
    for c in load_all(store) {
        for r in c.runs.iter().filter(|r| r.test == test) {
            out.push(Point {
                campaign: c.name.clone(),
                started: r.started.clone(),
                seed: r.seed,
                attempt: r.attempt,
                outcome: r.outcome,
                metrics: r.metrics.clone(),
                link: run_link(r.dir.as_deref(), r.has_report),
            });
        }
    }
    out
}

fn metric(points: &[Point], f: impl Fn(&RunMetrics) -> Option<f64>) -> Vec<Option<f64>> {
    points
        .iter()
        .map(|p| p.metrics.as_ref().and_then(&f))
        .collect()
}

/// A line plot of `series` against the run's position in time, with a linked
/// circle per measured point. `log`: the y axis is log10 (latency quantiles
/// span decades: a p50 of 5 ms beside a p99 of 1.6 s), drawn as log10 of the
/// values on a linear axis labelled with the values themselves.
fn plot(id: &str, y_desc: &str, points: &[Point], series: &[Series], log: bool) -> String {
    let y = |v: f64| if log { v.max(0.01).log10() } else { v };
    let (bottom, top) = y_range(series, y, log);
    let n = points.len();
    let mut buf = String::new();
    let mut dots = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        let chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), bottom..top);
        let Ok(mut chart) = chart else {
            return String::from("<p>plot failed</p>");
        };
        let label = |x: &f64| x_label(points, *x);
        let y_label = |v: &f64| y_label(*v, log);
        let _ = chart
            .configure_mesh()
            .x_labels(n.min(8))
            .x_label_formatter(&label)
            .y_label_formatter(&y_label)
            .x_desc("run (start time, UTC)")
            .y_desc(y_desc)
            .draw();
        for s in series {
            let line: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i as f64, y(v))))
                .collect();
            let drawn = chart.draw_series(LineSeries::new(line, s.colour.stroke_width(2)));
            if let Ok(d) = drawn {
                let c = s.colour;
                d.label(s.name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
            }
            for (i, v) in s.values.iter().enumerate() {
                let (Some(v), Some(p)) = (v, points.get(i)) else {
                    continue;
                };
                let (px, py) = chart.backend_coord(&(i as f64, y(*v)));
                dot(&mut dots, px, py, s, *v, p);
            }
        }
        let _ = chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw();
        let _ = root.present();
    }
    let svg = match buf.rfind("</svg>") {
        Some(end) => format!("{}<g class=\"points\">{dots}</g></svg>", &buf[..end]),
        None => buf,
    };
    format!("<div class=\"plot\" id=\"{id}\">{svg}</div>")
}

/// The y axis: from 0 with room above the highest value; on a log axis,
/// whole decades around the values.
fn y_range(series: &[Series], y: impl Fn(f64) -> f64, log: bool) -> (f64, f64) {
    let all = || {
        series
            .iter()
            .flat_map(|s| s.values.iter().flatten().map(|v| y(*v)))
    };
    let max = all().fold(f64::MIN, f64::max);
    match (log, max > f64::MIN) {
        (true, true) => (
            all().fold(f64::MAX, f64::min).floor(),
            max.ceil().max(max + 0.1),
        ),
        (false, true) if max > 0.0 => (0.0, max * 1.15),
        _ => (0.0, 1.0),
    }
}

/// A run's start (`MM-DDTHH:MM`) under its position; nothing between runs.
fn x_label(points: &[Point], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    points.get(i as usize).map_or(String::new(), |p| {
        p.started.get(5..16).unwrap_or("").to_string()
    })
}

/// A y tick: the value itself (10^v on a log axis).
fn y_label(v: f64, log: bool) -> String {
    if !log {
        return format!("{v}");
    }
    let x = 10f64.powf(v);
    if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn dot(out: &mut String, x: i32, y: i32, s: &Series, v: f64, p: &Point) {
    let RGBColor(r, g, b) = s.colour;
    let title = format!(
        "{} {}: {v:.2} ({}, seed {}, {})",
        s.name,
        p.campaign,
        p.started,
        p.seed,
        p.outcome.as_str()
    );
    let circle = format!("<circle class=\"point {}\" cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"rgb({r},{g},{b})\"><title>{}</title></circle>", p.outcome.as_str(), esc(&title));
    match &p.link {
        Some(l) => {
            let _ = write!(out, "<a href=\"{l}\">{circle}</a>");
        }
        None => out.push_str(&circle),
    }
}

fn table(s: &mut String, points: &[Point]) {
    s.push_str("<h2>Runs</h2><table id=\"trend-runs\"><tr><th>campaign</th><th>started</th><th>seed</th><th>outcome</th><th>ok/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>report</th></tr>");
    let num = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.1}"));
    for p in points.iter().rev() {
        let m = p.metrics.as_ref();
        let link = p
            .link
            .as_ref()
            .map_or("—".into(), |l| format!("<a href=\"{l}\">report</a>"));
        let _ = write!(
            s,
            "<tr class=\"trend-run\"><td><a href=\"/campaigns/{c}/\">{c}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{link}</td></tr>",
            esc(&p.started),
            p.seed,
            badge(p.outcome),
            num(m.map(|m| m.ok_per_sec)),
            num(m.and_then(|m| m.p50_ms)),
            num(m.and_then(|m| m.p95_ms)),
            num(m.and_then(|m| m.p99_ms)),
            c = esc(&p.campaign),
        );
    }
    s.push_str("</table>");
}
