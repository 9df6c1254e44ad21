//! MicroServo's layout, so that detectors written for that data set read ours.
//!
//! MicroServo (github.com/MicroServo/dataset) stores metrics as one CSV per
//! KPI (`timestamp, cmdb_id, kpi_name, value`, 10-digit epoch seconds), logs
//! as `log_id, timestamp, date, cmdb_id, message`, and the injected faults in
//! `groundtruth.json`, column-wise as pandas' `DataFrame.to_json()` writes it
//! (`{"timestamp": {"0": ..}, "service": {..}, ...}`) with exactly the keys
//! `timestamp, service, cmdb_id, failure_type, duration` (start in epoch
//! seconds, planned duration in seconds). Our windows are observed, not
//! planned: `duration` is the window's length rounded to whole seconds, and
//! the exact ns stay in labels.csv.

use crate::csv::CsvWriter;
use crate::error::ExportError;
use crate::labels::labels;
use crate::run::RunData;
use crate::time::{epoch_secs, iso_millis};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// MicroServo's ground-truth keys, in its order.
pub(crate) const GROUNDTRUTH_KEYS: [&str; 5] = [
    "timestamp",
    "service",
    "cmdb_id",
    "failure_type",
    "duration",
];

fn no_clock(run: &RunData) -> ExportError {
    ExportError::Run {
        dir: run.dir.clone(),
        message:
            "no clock.json and no start_time in test.json: cannot place the run in wall-clock time"
                .into(),
    }
}

/// Writes `kpi_<metric>.csv` per metric; returns the number of files.
pub(crate) fn write_kpis(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let start = run.wall_start_ns().ok_or_else(|| no_clock(run))?;
    let mut by_metric: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for m in &run.metrics {
        by_metric.entry(file_safe(&m.metric)).or_default().push(m);
    }
    for (name, samples) in &by_metric {
        let path = out.join(format!("kpi_{name}.csv"));
        let mut w = CsvWriter::create(&path, &["timestamp", "cmdb_id", "kpi_name", "value"])?;
        for m in samples {
            let wall = start + i128::from(m.time_ns);
            w.row(&[
                epoch_secs(wall).to_string(),
                m.node.clone(),
                m.metric.clone(),
                m.value.to_string(),
            ])?;
        }
        w.finish()?;
    }
    Ok(by_metric.len())
}

/// A metric name as a file name: anything but `[A-Za-z0-9_-]` becomes `_`.
fn file_safe(name: &str) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    name.chars().map(|c| if ok(c) { c } else { '_' }).collect()
}

/// Writes log.csv; `log_id` is `<node>-<n>`, numbered per node.
pub(crate) fn write_log(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let header = ["log_id", "timestamp", "date", "cmdb_id", "message"];
    let mut w = CsvWriter::create(&out.join("log.csv"), &header)?;
    let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &run.logs {
        let n = per_node.entry(&l.node).or_default();
        w.row(&[
            format!("{}-{n}", l.node),
            epoch_secs(l.wall_ns).to_string(),
            iso_millis(l.wall_ns),
            l.node.clone(),
            l.line.clone(),
        ])?;
        *n += 1;
    }
    w.finish()
}

/// The ground truth: one entry per fault window.
pub(crate) fn groundtruth(run: &RunData) -> Result<Value, ExportError> {
    let start = run.wall_start_ns().ok_or_else(|| no_clock(run))?;
    let mut columns: Vec<Map<String, Value>> = vec![Map::new(); GROUNDTRUTH_KEYS.len()];
    let mut seen = std::collections::BTreeSet::new();
    for l in labels(&run.history, &run.faults) {
        // Per-link faults have a row per link; the ground truth one per fault.
        if !seen.insert(l.fault_id) {
            continue;
        }
        let row = seen.len() - 1;
        let secs = (l.end_ns - l.start_ns) as f64 / 1e9;
        let values = [
            Value::from(epoch_secs(start + i128::from(l.start_ns))),
            Value::from(run.record.db.clone()),
            Value::from(l.nodes.join(";")),
            Value::from(l.kind.clone()),
            Value::from(secs.round() as u64),
        ];
        for (col, v) in columns.iter_mut().zip(values) {
            col.insert(row.to_string(), v);
        }
    }
    let obj: Map<String, Value> = GROUNDTRUTH_KEYS
        .iter()
        .zip(columns)
        .map(|(k, c)| (k.to_string(), Value::Object(c)))
        .collect();
    Ok(Value::Object(obj))
}

pub(crate) fn write_groundtruth(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let gt = groundtruth(run)?;
    let rows = gt["timestamp"].as_object().map_or(0, Map::len);
    let path = out.join("groundtruth.json");
    let text = serde_json::to_string_pretty(&gt).expect("JSON values serialise");
    std::fs::write(&path, text).map_err(ExportError::write(&path))?;
    Ok(rows)
}
