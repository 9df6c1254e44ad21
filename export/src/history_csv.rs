//! The CSV tables of the `csv` format: labels, history, metrics and logs, all
//! with times in ns on the history's clock so that they join on time alone.

use crate::csv::CsvWriter;
use crate::error::ExportError;
use crate::labels::{fault_ids_per_op, labels, windows};
use crate::run::RunData;
use std::path::Path;

/// Writes labels.csv; returns its row count.
pub(crate) fn write_labels(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let header = [
        "fault_id", "kind", "start_ns", "end_ns", "nodes", "src", "dst",
    ];
    let mut w = CsvWriter::create(&out.join("labels.csv"), &header)?;
    for l in labels(&run.history, &run.faults) {
        w.row(&[
            l.fault_id.to_string(),
            l.kind,
            l.start_ns.to_string(),
            l.end_ns.to_string(),
            l.nodes.join(";"),
            l.src.unwrap_or_default(),
            l.dst.unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// Writes history.csv; returns its row count.
pub(crate) fn write_history(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let header = [
        "index",
        "time",
        "type",
        "process",
        "f",
        "value",
        "under_fault",
        "fault_ids",
    ];
    let mut w = CsvWriter::create(&out.join("history.csv"), &header)?;
    let wins: Vec<_> = windows(&run.history, &run.faults)
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    let ids = fault_ids_per_op(&run.history, &wins);
    for (op, ids) in run.history.iter().zip(ids) {
        let list: Vec<String> = ids.iter().map(usize::to_string).collect();
        w.row(&[
            op.index.to_string(),
            op.time.to_string(),
            op.kind.as_str().to_string(),
            op.process.to_string(),
            op.f.clone(),
            op.value.to_string(),
            u8::from(!ids.is_empty()).to_string(),
            list.join(";"),
        ])?;
    }
    w.finish()
}

/// Writes metrics.csv (a header only when the run recorded no metrics).
pub(crate) fn write_metrics(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let header = ["timestamp_ns", "node", "metric", "value"];
    let mut w = CsvWriter::create(&out.join("metrics.csv"), &header)?;
    for m in &run.metrics {
        w.row(&[
            m.time_ns.to_string(),
            m.node.clone(),
            m.metric.clone(),
            m.value.to_string(),
        ])?;
    }
    w.finish()
}

/// Writes logs.csv; `timestamp_ns` is on the history's clock (negative before
/// the first op). A run without a clock anchor writes no rows.
pub(crate) fn write_logs(run: &RunData, out: &Path) -> Result<usize, ExportError> {
    let header = ["timestamp_ns", "node", "file", "line"];
    let mut w = CsvWriter::create(&out.join("logs.csv"), &header)?;
    if let Some(start) = run.wall_start_ns() {
        for l in &run.logs {
            w.row(&[
                (l.wall_ns - start).to_string(),
                l.node.clone(),
                l.file.clone(),
                l.line.clone(),
            ])?;
        }
    }
    w.finish()
}
