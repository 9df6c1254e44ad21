//! `rjepsen export RUN_DIR --format csv|microservo --out DIR`: a stored run as
//! a labelled data set (docs/export.md). The files written and their row
//! counts are the result (stdout); nothing is printed on success otherwise.

use crate::config::BadArgs;
use clap::Args;
use rjepsen_export::{export, ExportError, Format};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A run directory, e.g. store/latest.
    pub dir: PathBuf,
    /// `csv`: labels, history, metrics and logs; `microservo`: those plus
    /// MicroServo's kpi_*.csv, log.csv and groundtruth.json.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// The directory to write (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &ExportArgs) -> anyhow::Result<i32> {
    let format: Format = args.format.parse().map_err(BadArgs)?;
    let summary = export(&args.dir, format, &args.out).map_err(|e| match e {
        // A run dir that is not one is the caller's mistake.
        ExportError::Run { .. }
        | ExportError::History(_)
        | ExportError::Parse { .. }
        | ExportError::Read { .. } => anyhow::Error::new(BadArgs(e.to_string())),
        other => other.into(),
    })?;
    for (file, rows) in &summary.files {
        println!("{}\t{rows}", args.out.join(file).display());
    }
    Ok(0)
}
