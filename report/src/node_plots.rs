//! Per-node metric plots (CPU, memory, network) from `metrics.jsonl`, drawn
//! under the latency and throughput plots on the same time axis and with the
//! same fault shading (`plots::compose`), so that what the nodes did reads
//! straight against when the faults were on.
//!
//! Each plot is one panel with a line per node: CPU busy share (user, system
//! and iowait together), memory in use, and bytes sent and received per sample
//! on every interface but `lo` (the traffic a partition cuts).

use crate::analysis::Interval;
use crate::error::ReportError;
use crate::plots::{builder, compose, geometry, legend, plot_err, Plot, HEIGHT, WIDTH};
use plotters::prelude::*;
use rjepsen_core::metrics::{MetricSample, METRICS_FILE};
use std::collections::BTreeMap;
use std::path::Path;

const NODE_COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// One panel: its id, y axis, and a series per node.
struct Panel {
    id: &'static str,
    y_desc: &'static str,
    scale: f64,
    pick: fn(&str) -> bool,
}

const PANELS: [Panel; 3] = [
    Panel {
        id: "node-cpu-plot",
        y_desc: "CPU busy (share)",
        scale: 1.0,
        pick: |m| matches!(m, "cpu_user" | "cpu_system" | "cpu_iowait"),
    },
    Panel {
        id: "node-memory-plot",
        y_desc: "memory used (MiB)",
        scale: 1.0 / (1024.0 * 1024.0),
        pick: |m| m == "mem_used_bytes",
    },
    Panel {
        id: "node-network-plot",
        y_desc: "network (KiB per sample)",
        scale: 1.0 / 1024.0,
        pick: |m| {
            m.starts_with("net_")
                && !m.starts_with("net_lo_")
                && (m.ends_with("_rx_bytes") || m.ends_with("_tx_bytes"))
        },
    },
];

/// Reads `metrics.jsonl`; none when the run has no metrics. A bad line is an
/// error naming the file and line.
fn read_samples(dir: &Path) -> Result<Vec<MetricSample>, ReportError> {
    let path = dir.join(METRICS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| ReportError::io("read", &path, e))?;
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let s = serde_json::from_str(line).map_err(|e| ReportError::Invalid {
            path: path.clone(),
            message: format!("line {}: {e}", i + 1),
        })?;
        out.push(s);
    }
    Ok(out)
}

/// The node plots of the run in `dir`: empty when it recorded no metrics.
pub(crate) fn node_plots(
    dir: &Path,
    faults: &[Interval],
    end_s: f64,
) -> Result<Vec<Plot>, ReportError> {
    let samples = read_samples(dir)?;
    if samples.is_empty() {
        return Ok(Vec::new());
    }
    PANELS
        .iter()
        .map(|p| panel(p, &samples, faults, end_s))
        .collect()
}

/// Per node, the sum of the picked metrics at each sample time.
fn series(p: &Panel, samples: &[MetricSample]) -> BTreeMap<String, Vec<(f64, f64)>> {
    let mut sums: BTreeMap<&str, BTreeMap<i64, f64>> = BTreeMap::new();
    for s in samples.iter().filter(|s| (p.pick)(&s.metric)) {
        *sums
            .entry(&s.node)
            .or_default()
            .entry(s.time_ns)
            .or_default() += s.value;
    }
    sums.into_iter()
        .map(|(node, pts)| {
            let pts = pts.into_iter().map(|(t, v)| (t as f64 / 1e9, v * p.scale));
            (node.to_string(), pts.collect())
        })
        .collect()
}

fn panel(
    p: &Panel,
    samples: &[MetricSample],
    faults: &[Interval],
    end_s: f64,
) -> Result<Plot, ReportError> {
    let lines = series(p, samples);
    let top = lines
        .values()
        .flatten()
        .map(|x| x.1)
        .fold(0.0, f64::max)
        .max(1e-6)
        * 1.15;
    let mut buf = String::new();
    let g = {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        let err = plot_err("node metrics");
        let mut chart = builder(&root, p.id)
            .build_cartesian_2d(0f64..end_s, 0f64..top)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc(p.y_desc)
            .draw()
            .map_err(&err)?;
        for (i, (node, pts)) in lines.iter().enumerate() {
            let colour = NODE_COLOURS[i % NODE_COLOURS.len()];
            let pts = pts
                .iter()
                .copied()
                .filter(|(t, _)| *t >= 0.0 && *t <= end_s);
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(2)))
                .map_err(&err)?
                .label(node.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
        }
        if !lines.is_empty() {
            legend(&mut chart).map_err(&err)?;
        }
        let g = geometry(&chart, faults, top);
        root.present().map_err(&err)?;
        g
    };
    Ok(Plot {
        svg: compose(p.id, &buf, &g, faults),
        thinned: 0,
    })
}
