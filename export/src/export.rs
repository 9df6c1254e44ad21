//! `rjepsen export`: which tables each format writes.

use crate::error::ExportError;
use crate::run::RunData;
use crate::{history_csv, microservo};
use std::path::Path;

/// What to write. `Csv` is our own tables; `Microservo` is those plus
/// MicroServo's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Microservo,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "microservo" => Ok(Format::Microservo),
            other => Err(format!(
                "unknown export format {other:?}: csv or microservo"
            )),
        }
    }
}

/// The files written and their data rows, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: Vec<(String, usize)>,
}

/// Exports the run in `run_dir` into `out` (created if missing).
pub fn export(run_dir: &Path, format: Format, out: &Path) -> Result<Summary, ExportError> {
    let run = RunData::load(run_dir)?;
    std::fs::create_dir_all(out).map_err(ExportError::write(out))?;
    let mut s = Summary::default();
    let mut add = |name: &str, rows: usize| s.files.push((name.to_string(), rows));
    add("labels.csv", history_csv::write_labels(&run, out)?);
    add("history.csv", history_csv::write_history(&run, out)?);
    add("metrics.csv", history_csv::write_metrics(&run, out)?);
    add("logs.csv", history_csv::write_logs(&run, out)?);
    if format == Format::Microservo {
        add("kpi_*.csv", microservo::write_kpis(&run, out)?);
        add("log.csv", microservo::write_log(&run, out)?);
        add(
            "groundtruth.json",
            microservo::write_groundtruth(&run, out)?,
        );
    }
    Ok(s)
}
