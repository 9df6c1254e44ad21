//! Node metrics as the run recorded them: `metrics.jsonl` in the run
//! directory, one `rjepsen_core::metrics::MetricSample` per line, `time_ns` on
//! the history's clock.

use crate::error::ExportError;
pub use rjepsen_core::metrics::{MetricSample, METRICS_FILE};
use std::path::Path;

/// The samples of `path`, or none if the run recorded no metrics. A malformed
/// line is an error naming the file and the line.
pub(crate) fn read_metrics(path: &Path) -> Result<Vec<MetricSample>, ExportError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path).map_err(ExportError::read(path))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| ExportError::Line {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_named() {
        let dir = std::env::temp_dir().join(format!("rjepsen-metrics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(METRICS_FILE);
        let good = r#"{"time_ns":5,"node":"n1","metric":"cpu_user","value":0.5}"#;
        std::fs::write(&p, format!("{good}\n{{\"time_ns\":\n")).unwrap();
        let e = read_metrics(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("metrics.jsonl"), "{e}");
        std::fs::write(&p, format!("{good}\n")).unwrap();
        assert_eq!(read_metrics(&p).unwrap()[0].value, 0.5);
        assert!(read_metrics(&dir.join("none")).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
