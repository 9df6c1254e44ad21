//! Reading one store directory into memory.
//!
//! The report must render whatever a run left behind: an interrupted run has no
//! results.json, a run that died before its first op may have no history, and
//! test.json may come from an older or newer rjepsen. test.json is core's
//! `RunRecord`, whose reading takes every field as optional (and the old flat
//! shape too) and ignores unknown ones; only a file that exists but cannot be
//! parsed is an error.

use crate::error::ReportError;
use rjepsen_core::history::{read_history, ReadError};
use rjepsen_core::record::RunRecord;
use rjepsen_core::Op;
use serde_json::Value;
use std::io;
use std::path::{Path, PathBuf};

/// Everything the report is made from.
pub(crate) struct Run {
    pub dir: PathBuf,
    pub test: RunRecord,
    pub history: Vec<Op>,
    /// False when history.jsonl does not exist (distinct from an empty one).
    pub has_history: bool,
    /// results.json, or None when the run was never checked.
    pub results: Option<Value>,
    /// Files under the directory worth linking, as relative paths with `/`.
    pub files: Vec<String>,
}

impl Run {
    pub fn load(dir: &Path) -> Result<Run, ReportError> {
        let test: RunRecord = read_json(&dir.join("test.json"))?;
        let (history, has_history) = match read_history(&dir.join("history.jsonl")) {
            Ok(h) => (h, true),
            Err(ReadError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                (Vec::new(), false)
            }
            Err(e) => return Err(e.into()),
        };
        let results_path = dir.join("results.json");
        let results = if results_path.exists() {
            Some(read_json::<Value>(&results_path)?)
        } else {
            None
        };
        let files = list_files(dir)?;
        Ok(Run {
            dir: dir.to_path_buf(),
            test,
            history,
            has_history,
            results,
            files,
        })
    }

    /// The run's name: test.json's, else the parent directory's.
    pub fn name(&self) -> String {
        if !self.test.name.is_empty() {
            return self.test.name.clone();
        }
        let parent = self.dir.parent().and_then(|p| p.file_name());
        parent.map_or("unnamed".into(), |n| n.to_string_lossy().into_owned())
    }
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::io("read", path, e))?;
    serde_json::from_str(&text).map_err(|source| ReportError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// Every regular file below `dir` except the report itself, sorted, relative.
/// Symbolic links are not followed, so a link cannot pull in a file from
/// outside the run.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<String>, ReportError> {
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.retain(|f| f != "report.html");
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), ReportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ReportError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ReportError::io("list", dir, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| ReportError::io("stat", entry.path(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if kind.is_dir() {
            walk(&entry.path(), &format!("{rel}/"), out)?;
        } else if kind.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

/// Wall-clock duration of a run from start_time to end_time, when both are known.
pub(crate) fn duration_secs(t: &RunRecord) -> Option<f64> {
    let start = parse_utc_millis(t.start_time.as_deref()?)?;
    let end = parse_utc_millis(t.end_time.as_deref()?)?;
    Some((end - start) as f64 / 1000.0)
}

/// Milliseconds since the epoch of an RFC 3339 UTC time such as
/// `2026-11-23T03:00:00.000Z` (the only form the store writes). No offset
/// other than `Z` is accepted: a store is always in UTC.
pub(crate) fn parse_utc_millis(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.splitn(3, ':').map(|x| x.parse::<i64>().ok());
    let (h, min, sec) = (t.next()??, t.next()??, t.next()??);
    let millis = format!("{frac:0<3}")[..3].parse::<i64>().ok()?;
    // Days from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
    // days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + min) * 60_000 + sec * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_store_times() {
        assert_eq!(parse_utc_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            parse_utc_millis("2000-03-01T00:00:01.5Z"),
            Some(951_868_801_500)
        );
        assert_eq!(
            parse_utc_millis("2026-11-23T03:00:00Z").map(|m| m % 86_400_000),
            Some(3 * 3_600_000)
        );
        assert_eq!(parse_utc_millis("2026-11-23 03:00:00"), None);
        let t: RunRecord = serde_json::from_str(
            r#"{"start_time": "2026-11-23T03:00:00.000Z", "end_time": "2026-11-23T03:01:10.250Z"}"#,
        )
        .unwrap();
        assert_eq!(duration_secs(&t), Some(70.25));
    }
}
