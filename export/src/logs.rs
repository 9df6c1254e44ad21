//! The databases' own logs, collected into `nodes/<node>/` at the end of every
//! run, as timestamped lines.
//!
//! Log formats differ per database and per logger (etcd's capnslog writes
//! `2026-12-01 23:44:16.059322 I | ...`, its raft lines `raft2026/12/01
//! 23:44:17 INFO: ...`, zap writes JSON with `"ts":"2026-12-01T23:44:16.059Z"`),
//! but all of them carry a UTC date and time of day somewhere in the line. So the
//! first such stamp in a line is its time; a line without one (a stack trace, a
//! warning banner) takes the time of the line before it, so that no line is lost
//! and order is kept.

use crate::error::ExportError;
use crate::time::days_from_civil;
use std::path::{Path, PathBuf};

/// One log line, with its wall-clock time (ns since the epoch).
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    pub wall_ns: i128,
    pub node: String,
    /// The file's name inside `nodes/<node>/`.
    pub file: String,
    pub line: String,
}

/// The first `YYYY-MM-DD[T ]HH:MM:SS[.frac]` (or `/` between the date's
/// parts) in `line`, as ns since the epoch, read as UTC.
pub fn parse_log_time(line: &str) -> Option<i128> {
    let b = line.as_bytes();
    (0..b.len().saturating_sub(18)).find_map(|i| stamp_at(&b[i..]))
}

fn digits(b: &[u8], n: usize) -> Option<i64> {
    let s = b.get(..n)?;
    s.iter()
        .all(u8::is_ascii_digit)
        .then(|| s.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
}

fn stamp_at(b: &[u8]) -> Option<i128> {
    let sep = *b.get(4)?;
    let ok = (sep == b'-' || sep == b'/') && b.get(7) == Some(&sep);
    let ok = ok && matches!(b.get(10), Some(b'T' | b' ')) && b.get(13) == Some(&b':');
    if !ok || b.get(16) != Some(&b':') {
        return None;
    }
    let (y, mo, d) = (digits(b, 4)?, digits(&b[5..], 2)?, digits(&b[8..], 2)?);
    let (h, mi, s) = (
        digits(&b[11..], 2)?,
        digits(&b[14..], 2)?,
        digits(&b[17..], 2)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut frac_ns = 0i128;
    if b.get(19) == Some(&b'.') {
        let frac: Vec<u8> = b[20..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .copied()
            .collect();
        let mut scale = 100_000_000i128;
        for c in frac.iter().take(9) {
            frac_ns += i128::from(c - b'0') * scale;
            scale /= 10;
        }
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s;
    Some(i128::from(secs) * 1_000_000_000 + frac_ns)
}

/// Every line of every file in `nodes/<node>/` of a run, per node and file in
/// name order. Lines before the first stamped one get the file's first stamp.
pub(crate) fn read_node_logs(run_dir: &Path) -> Result<Vec<LogLine>, ExportError> {
    let nodes_dir = run_dir.join("nodes");
    let mut out = Vec::new();
    if !nodes_dir.is_dir() {
        return Ok(out);
    }
    for node_dir in sorted_entries(&nodes_dir)? {
        if !node_dir.is_dir() {
            continue;
        }
        let node = file_name(&node_dir);
        for file in sorted_entries(&node_dir)? {
            if file.is_file() {
                read_log_file(&file, &node, &mut out)?;
            }
        }
    }
    Ok(out)
}

fn read_log_file(path: &Path, node: &str, out: &mut Vec<LogLine>) -> Result<(), ExportError> {
    let bytes = std::fs::read(path).map_err(ExportError::read(path))?;
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let Some(mut last) = lines.iter().find_map(|l| parse_log_time(l)) else {
        // No line carries a time: nothing can place it on the clock.
        return Ok(());
    };
    let file = file_name(path);
    for line in lines {
        if let Some(t) = parse_log_time(line) {
            last = t;
        }
        out.push(LogLine {
            wall_ns: last,
            node: node.to_string(),
            file: file.clone(),
            line: line.to_string(),
        });
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let rd = std::fs::read_dir(dir).map_err(ExportError::read(dir))?;
    let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    v.sort();
    Ok(v)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::parse_log_time;

    const T: i128 = 1_796_168_656_000_000_000; // 2026-12-01T23:44:16Z

    #[test]
    fn finds_the_stamp_of_each_etcd_format() {
        for (line, want) in [
            ("--- 2026-12-01T23:44:16Z starting etcd", Some(T)),
            (
                "2026-12-01 23:44:16.059322 I | etcdmain: etcd Version: 3.4.23",
                Some(T + 59_322_000),
            ),
            ("raft2026/12/01 23:44:16 INFO: became follower", Some(T)),
            (
                r#"{"level":"info","ts":"2026-12-01T23:44:16.5Z","msg":"x"}"#,
                Some(T + 500_000_000),
            ),
            ("[WARNING] Deprecated '--logger=capnslog' flag", None),
            ("2026-13-01 23:44:16 not a month", None),
            ("", None),
        ] {
            assert_eq!(parse_log_time(line), want, "{line}");
        }
    }
}
