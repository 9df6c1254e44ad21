//! A torn final line: the control node died while appending an op.
//!
//! The history writer flushes each op with its newline, so a crash mid-write
//! leaves a last line that has no newline and is not a complete JSON value.
//! That line is dropped with a warning naming it, and everything before it is
//! checked: the ops before it are exactly what the writer had finished. Any
//! other malformed line, including a complete but invalid last line, stays an
//! error naming its line.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Where a torn final line starts, and its 1-based line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Torn {
    pub line: usize,
    pub offset: u64,
}

/// Bytes read from the end of the file to find its last line.
const TAIL: u64 = 1 << 20;

/// The torn final line of a JSON Lines file, if it has one.
pub fn torn_final_line(path: &Path) -> io::Result<Option<Torn>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.read_to_end(&mut tail)?;
    let last_start = match tail.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None if start == 0 => 0,
        None => return Ok(None), // a last line longer than TAIL: leave it to the parser
    };
    let last = &tail[last_start..];
    if last.trim_ascii().is_empty() || complete_json(last) {
        return Ok(None);
    }
    let offset = start + last_start as u64;
    Ok(Some(Torn {
        line: lines_before(path, offset)? + 1,
        offset,
    }))
}

/// A torn final line in EDN text: the byte offset where it starts and its line.
pub(crate) fn torn_edn_line(text: &str, error_line: usize) -> Option<Torn> {
    if text.ends_with('\n') {
        return None;
    }
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() + 1;
    (line == error_line && !text[start..].trim().is_empty()).then_some(Torn {
        line,
        offset: start as u64,
    })
}

/// The warning every reader gives (a `tracing` warning).
pub fn warn(path: &Path, t: Torn) {
    tracing::warn!(
        "{} line {}: the last line is torn (the writer stopped mid-op); it is ignored and the {} lines before it are checked",
        path.display(),
        t.line,
        t.line - 1
    );
}

fn complete_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

fn lines_before(path: &Path, offset: u64) -> io::Result<usize> {
    let mut r = io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?.take(offset));
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    loop {
        let got = r.read(&mut buf)?;
        if got == 0 {
            return Ok(n);
        }
        n += buf[..got].iter().filter(|&&b| b == b'\n').count();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_incomplete_last_line_without_newline_is_torn() {
        let dir = std::env::temp_dir().join(format!("rjepsen-torn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.jsonl");
        let table: &[(&str, Option<usize>)] = &[
            ("{\"a\":1}\n{\"a\":2}\n{\"a\":", Some(3)),
            ("{\"a\":1}\n{\"a\":2}\n", None),
            ("{\"a\":1}\n{\"a\":2}", None), // complete, just no newline
            ("{\"a\":1}\n{\"a\":\n", None), // malformed but whole: an error
            ("{\"a\"", Some(1)),
            ("", None),
        ];
        for (text, line) in table {
            std::fs::write(&path, text).unwrap();
            let got = torn_final_line(&path).unwrap().map(|t| t.line);
            assert_eq!(got, *line, "{text:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(torn_edn_line("{:a 1}\n{:a", 2).map(|t| t.line), Some(2));
        assert_eq!(torn_edn_line("{:a 1}\n{:a\n", 2), None);
        assert_eq!(torn_edn_line("{:a\n{:a 1}", 1), None);
    }
}
