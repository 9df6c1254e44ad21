//! The latency and throughput plots: plotters' SVG backend for axes, points and
//! lines, and a layer of our own underneath for the fault intervals.
//!
//! plotters draws into an SVG without a background, and we stack it on top of a
//! white rectangle and one `<rect class="nemesis-shade">` per fault (with a
//! `<title>` a browser shows on hover, and a text label). Drawing the shading
//! ourselves, rather than as plotters rectangles, lets it carry classes and
//! titles that a person, a stylesheet and a test can find; the pixel positions
//! come from the chart's own coordinate mapping, so the two layers line up.

use crate::analysis::{Interval, Latency};
use crate::error::ReportError;
use crate::html::esc;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use rjepsen_core::OpType;
use std::collections::BTreeMap;
use std::fmt::Write;

pub(crate) const WIDTH: u32 = 1100;
pub(crate) const HEIGHT: u32 = 380;
/// Most points drawn in the latency plot; beyond it `ok` points are thinned
/// evenly (fail and info points, the interesting ones, are always drawn).
pub(crate) const MAX_POINTS: usize = 20_000;

const OK: RGBColor = RGBColor(31, 119, 180);
const FAIL: RGBColor = RGBColor(214, 39, 40);
const INFO: RGBColor = RGBColor(255, 127, 14);

/// A drawn plot, and how many points it left out.
pub(crate) struct Plot {
    pub svg: String,
    pub thinned: usize,
}

pub(crate) type Chart<'a, Y> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>;

/// Pixel geometry of the plotting area and the x positions of each fault.
pub(crate) struct Geometry {
    top: i32,
    bottom: i32,
    spans: Vec<(i32, i32)>,
}

pub(crate) fn plot_err<E: std::error::Error>(what: &'static str) -> impl Fn(E) -> ReportError {
    move |e| ReportError::Plot {
        what,
        message: e.to_string(),
    }
}

fn outcome_colour(o: OpType) -> RGBColor {
    match o {
        OpType::Ok => OK,
        OpType::Fail => FAIL,
        _ => INFO,
    }
}

/// Latency (ms, log scale) of every client op against its invocation time (s):
/// colour by outcome, marker shape by `f`.
pub(crate) fn latency(
    lats: &[Latency],
    faults: &[Interval],
    end_s: f64,
) -> Result<Plot, ReportError> {
    let (shown, thinned) = thin(lats);
    let lo = shown.iter().map(|l| ms(l.nanos)).fold(f64::MAX, f64::min);
    let hi = shown.iter().map(|l| ms(l.nanos)).fold(0.0, f64::max);
    let (lo, hi) = if shown.is_empty() {
        (0.1, 1000.0)
    } else {
        decades(lo, hi)
    };
    let mut groups: BTreeMap<(&str, &str), Vec<(f64, f64)>> = BTreeMap::new();
    for l in &shown {
        let point = (l.invoked as f64 / 1e9, ms(l.nanos).max(lo));
        groups
            .entry((&l.f, l.outcome.as_str()))
            .or_default()
            .push(point);
    }
    let fs: Vec<&str> = groups.keys().map(|k| k.0).collect();
    let mut buf = String::new();
    let geometry = {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        let err = plot_err("latency");
        let mut chart = builder(&root, "latency")
            .build_cartesian_2d(0f64..end_s, (lo..hi).log_scale())
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("latency (ms)")
            .y_label_formatter(&|v| format!("{v}"))
            .draw()
            .map_err(&err)?;
        for ((f, outcome), pts) in &groups {
            let shape = fs.iter().position(|x| x == f).unwrap_or(0) % 3;
            let colour = outcome_colour(kind_of(outcome));
            draw_points(&mut chart, pts, shape, colour, &format!("{f} {outcome}")).map_err(&err)?;
        }
        if !groups.is_empty() {
            legend(&mut chart).map_err(&err)?;
        }
        let g = geometry(&chart, faults, hi);
        root.present().map_err(&err)?;
        g
    };
    Ok(Plot {
        svg: compose("latency-plot", &buf, &geometry, faults),
        thinned,
    })
}

/// Client completions per second by outcome.
pub(crate) fn throughput(
    per_sec: &[[u32; 3]],
    faults: &[Interval],
    end_s: f64,
) -> Result<Plot, ReportError> {
    let top = per_sec.iter().flatten().copied().max().unwrap_or(0).max(1) as f64 * 1.15;
    let mut buf = String::new();
    let geometry = {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        let err = plot_err("throughput");
        let mut chart = builder(&root, "throughput")
            .build_cartesian_2d(0f64..end_s, 0f64..top)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("ops per second")
            .draw()
            .map_err(&err)?;
        for (slot, (name, colour)) in [("ok", OK), ("fail", FAIL), ("info", INFO)]
            .into_iter()
            .enumerate()
        {
            let pts = per_sec
                .iter()
                .enumerate()
                .map(|(s, c)| (s as f64 + 0.5, c[slot] as f64));
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
                .map_err(&err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
        }
        legend(&mut chart).map_err(&err)?;
        let g = geometry(&chart, faults, top);
        root.present().map_err(&err)?;
        g
    };
    Ok(Plot {
        svg: compose("throughput-plot", &buf, &geometry, faults),
        thinned: 0,
    })
}

pub(crate) fn builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    _what: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(root);
    b.margin(12)
        .margin_top(34)
        .x_label_area_size(40)
        .y_label_area_size(64);
    b
}

fn draw_points<Y>(
    chart: &mut Chart<'_, Y>,
    pts: &[(f64, f64)],
    shape: usize,
    colour: RGBColor,
    label: &str,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>>
where
    Y: Ranged<ValueType = f64>,
{
    let style = colour.mix(0.75).filled();
    let pts = pts.iter().copied();
    let label = label.to_string();
    match shape {
        0 => {
            let s = chart.draw_series(pts.map(|p| Circle::new(p, 2, style)))?;
            s.label(label)
                .legend(move |p| Circle::new(p, 3, colour.filled()));
        }
        1 => {
            let s = chart.draw_series(pts.map(|p| TriangleMarker::new(p, 3, style)))?;
            s.label(label)
                .legend(move |p| TriangleMarker::new(p, 4, colour.filled()));
        }
        _ => {
            let s = chart.draw_series(pts.map(|p| Cross::new(p, 3, colour.stroke_width(1))))?;
            s.label(label)
                .legend(move |p| Cross::new(p, 3, colour.stroke_width(1)));
        }
    }
    Ok(())
}

pub(crate) fn legend<Y: Ranged<ValueType = f64>>(
    chart: &mut Chart<'_, Y>,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
}

pub(crate) fn geometry<Y: Ranged<ValueType = f64>>(
    chart: &Chart<'_, Y>,
    faults: &[Interval],
    y_top: f64,
) -> Geometry {
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let (x_lo, x_hi) = (xs.start, xs.end);
    let end_s = chart.x_range().end;
    let px = |nanos: u64| {
        chart
            .backend_coord(&(nanos as f64 / 1e9, y_top))
            .0
            .clamp(x_lo, x_hi)
    };
    let spans = faults
        .iter()
        .map(|f| (px(f.start), f.stop.map_or(px((end_s * 1e9) as u64), px)))
        .collect();
    Geometry {
        top: ys.start,
        bottom: ys.end,
        spans,
    }
}

/// The final SVG: white background, fault shading with labels, then the chart.
pub(crate) fn compose(id: &str, chart: &str, g: &Geometry, faults: &[Interval]) -> String {
    let mut kinds: Vec<&str> = Vec::new();
    let mut s = String::new();
    let (w, h) = (WIDTH, HEIGHT);
    let _ = write!(
        s,
        r#"<svg id="{id}" class="plot" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="white"/><g class="nemesis-shading">"#
    );
    for (fault, (x0, x1)) in faults.iter().zip(&g.spans) {
        let row = kinds
            .iter()
            .position(|k| *k == fault.kind)
            .unwrap_or_else(|| {
                kinds.push(&fault.kind);
                kinds.len() - 1
            });
        let colour = esc(&fault.colour);
        let kind = esc(&fault.kind);
        let title = esc(&describe(fault));
        let (width, height) = ((x1 - x0).max(2), g.bottom - g.top);
        let _ = write!(
            s,
            r#"<rect class="nemesis-shade nemesis-{kind}" x="{x0}" y="{}" width="{width}" height="{height}" fill="{colour}" fill-opacity="0.22"><title>{title}</title></rect><text class="nemesis-label" x="{}" y="{}" font-size="11" font-family="sans-serif" fill="{colour}">{kind}</text>"#,
            g.top,
            x0 + 3,
            g.top - 4 - 11 * (row as i32 % 2),
        );
    }
    s.push_str("</g>");
    s.push_str(chart.trim_start_matches(|c| c != '<').trim_end());
    s.push_str("</svg>");
    s
}

/// "partition from 10.0 s to 25.0 s: {...}", for titles and the fault table.
pub(crate) fn describe(f: &Interval) -> String {
    let stop = f
        .stop
        .map_or("the end (never healed in the history)".to_string(), |t| {
            format!("{:.1} s", t as f64 / 1e9)
        });
    let value = if f.value.is_null() {
        String::new()
    } else {
        format!(": {}", f.value)
    };
    format!(
        "{} from {:.1} s to {stop}{value}",
        f.kind,
        f.start as f64 / 1e9
    )
}

fn ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

fn kind_of(outcome: &str) -> OpType {
    match outcome {
        "ok" => OpType::Ok,
        "fail" => OpType::Fail,
        _ => OpType::Info,
    }
}

/// Whole decades around [lo, hi], so that the log axis has round ticks.
fn decades(lo: f64, hi: f64) -> (f64, f64) {
    let lo = 10f64.powf(lo.max(1e-3).log10().floor());
    let hi = 10f64.powf((hi * 1.05).max(lo * 10.0).log10().ceil());
    (lo, if hi <= lo { lo * 10.0 } else { hi })
}

/// Keeps at most MAX_POINTS points, evenly spread over the run: fail and info
/// ops (the interesting ones) keep up to half of the room, or all of it when
/// they fit, and ok ops share the rest.
fn thin(lats: &[Latency]) -> (Vec<&Latency>, usize) {
    if lats.len() <= MAX_POINTS {
        return (lats.iter().collect(), 0);
    }
    let odd = lats.iter().filter(|l| l.outcome != OpType::Ok).count();
    let oks = lats.len() - odd;
    let odd_stride = odd.div_ceil(MAX_POINTS / 2).max(1);
    let odd_kept = odd.div_ceil(odd_stride);
    let ok_stride = oks.div_ceil(MAX_POINTS - odd_kept).max(1);
    let (mut n_ok, mut n_odd) = (0, 0);
    let shown: Vec<&Latency> = lats
        .iter()
        .filter(|l| {
            let (n, stride) = if l.outcome == OpType::Ok {
                (&mut n_ok, ok_stride)
            } else {
                (&mut n_odd, odd_stride)
            };
            *n += 1;
            (*n - 1) % stride == 0
        })
        .collect();
    let left_out = lats.len() - shown.len();
    (shown, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lats(ok: usize, fail: usize) -> Vec<Latency> {
        let one = |outcome| Latency {
            f: "read".into(),
            outcome,
            invoked: 0,
            nanos: 1,
        };
        let mut v: Vec<Latency> = (0..ok).map(|_| one(OpType::Ok)).collect();
        v.extend((0..fail).map(|_| one(OpType::Fail)));
        v
    }

    #[test]
    fn thinning_keeps_failures_first_and_stays_bounded() {
        let fails = |v: &[&Latency]| v.iter().filter(|l| l.outcome == OpType::Fail).count();
        let small = lats(100, 10);
        assert_eq!(thin(&small).0.len(), 110);
        let many_ok = lats(50_000, 300);
        let (shown, left) = thin(&many_ok);
        assert!(
            shown.len() <= MAX_POINTS && shown.len() > MAX_POINTS / 2,
            "{}",
            shown.len()
        );
        assert_eq!((fails(&shown), left), (300, 50_300 - shown.len()));
        let many_fail = lats(100_000, 100_000);
        let (shown, _) = thin(&many_fail);
        assert!(shown.len() <= MAX_POINTS, "{}", shown.len());
        assert_eq!(fails(&shown), MAX_POINTS / 2);
    }

    #[test]
    fn log_axis_spans_whole_decades() {
        assert_eq!(decades(0.3, 45.0), (0.1, 100.0));
        assert_eq!(decades(2.0, 1000.0), (1.0, 10_000.0));
    }
}
