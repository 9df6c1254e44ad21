//! A stored run, read back for export: its history, the fault specs it
//! recorded, the anchor of its clock, its node logs and metrics.

use crate::error::ExportError;
use crate::logs::{read_node_logs, LogLine};
use crate::metrics::{read_metrics, MetricSample, METRICS_FILE};
use rjepsen_core::clock::{HistoryClock, CLOCK_FILE};
use rjepsen_core::history::read_history;
use rjepsen_core::metrics::PROXY_METRICS_FILE;
use rjepsen_core::record::RunRecord;
use rjepsen_core::{FaultBook, Op};
use std::path::{Path, PathBuf};

/// Everything an export reads from a run directory.
pub struct RunData {
    pub dir: PathBuf,
    pub history: Vec<Op>,
    pub faults: FaultBook,
    pub record: RunRecord,
    /// None for a run from before `clock.json`: logs cannot be placed on the
    /// history's clock then, and wall-clock outputs use test.json's start time.
    pub clock: Option<HistoryClock>,
    pub logs: Vec<LogLine>,
    pub metrics: Vec<MetricSample>,
}

impl RunData {
    /// Reads `dir`; a missing history or test.json, or a malformed file, is an
    /// error naming the file.
    pub fn load(dir: &Path) -> Result<RunData, ExportError> {
        let history_path = dir.join("history.jsonl");
        let history = read_history(&history_path)?;
        let record = RunRecord::load(&dir.join("test.json")).map_err(|e| ExportError::Run {
            dir: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let results = read_json_opt(&dir.join("results.json"))?;
        let faults =
            FaultBook::from_results(results.as_ref()).map_err(|message| ExportError::Parse {
                path: dir.join("results.json"),
                message,
            })?;
        let clock = match read_json_opt(&dir.join(CLOCK_FILE))? {
            Some(v) => Some(serde_json::from_value(v).map_err(|e| ExportError::Parse {
                path: dir.join(CLOCK_FILE),
                message: e.to_string(),
            })?),
            None => None,
        };
        Ok(RunData {
            dir: dir.to_path_buf(),
            history,
            faults,
            clock,
            logs: read_node_logs(dir)?,
            metrics: {
                let mut m = read_metrics(&dir.join(METRICS_FILE))?;
                m.extend(read_metrics(&dir.join(PROXY_METRICS_FILE))?);
                m
            },
            record,
        })
    }

    /// The wall-clock ns of history time 0: clock.json, or else test.json's
    /// `start_time` (taken before the DB was set up, so seconds early).
    pub fn wall_start_ns(&self) -> Option<i128> {
        if let Some(c) = self.clock {
            return Some(i128::from(c.wall_start_ns));
        }
        self.record
            .start_time
            .as_deref()
            .and_then(crate::logs::parse_log_time)
    }
}

fn read_json_opt(path: &Path) -> Result<Option<serde_json::Value>, ExportError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read(path).map_err(ExportError::read(path))?;
    serde_json::from_slice(&text)
        .map(Some)
        .map_err(|e| ExportError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}
