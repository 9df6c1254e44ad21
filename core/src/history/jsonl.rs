//! JSON Lines reading and writing.

use crate::op::Op;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why a history could not be read. Every variant names the file, and a malformed
/// line names its line number (1-based) so that nothing has to be guessed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("failed to read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("failed to parse {path} line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Reads a history file: JSON Lines, or Jepsen's `history.edn` when the name ends
/// in `.edn` (see [`crate::history`]).
pub fn read_history(path: &Path) -> Result<Vec<Op>, ReadError> {
    if path.extension().is_some_and(|e| e == "edn") {
        return super::edn_reader(path);
    }
    read_jsonl(path)
}

/// Reads a JSON Lines history. Blank lines are skipped; any other line that is not
/// an op is an error naming its line number.
///
/// The file is read whole and parsed in one chunk per core: parsing dominates the
/// check of a large history, and lines are independent.
pub fn read_jsonl(path: &Path) -> Result<Vec<Op>, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bytes = &bytes[..];
    let chunks = split_lines(bytes, if bytes.len() < (1 << 20) { 1 } else { threads });
    let parsed: Vec<Result<Vec<Op>, ReadError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|&(start, end, first_line)| {
                s.spawn(move || parse_chunk(path, &bytes[start..end], first_line))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("parser thread"))
            .collect()
    });
    let mut ops = Vec::new();
    for chunk in parsed {
        ops.extend(chunk?);
    }
    Ok(ops)
}

/// Splits `bytes` into at most `n` runs of whole lines: (start, end, number of
/// the run's first line).
fn split_lines(bytes: &[u8], n: usize) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::with_capacity(n);
    let (mut start, mut line) = (0, 1);
    for i in 1..=n {
        let mut end = if i == n {
            bytes.len()
        } else {
            bytes.len() * i / n
        };
        end = end.max(start);
        while end < bytes.len() && bytes[end - 1] != b'\n' {
            end += 1;
        }
        out.push((start, end, line));
        line += bytes[start..end].iter().filter(|&&b| b == b'\n').count();
        start = end;
    }
    out
}

fn parse_chunk(path: &Path, bytes: &[u8], first_line: usize) -> Result<Vec<Op>, ReadError> {
    let mut ops = Vec::with_capacity(bytes.len() / 100);
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = first_line + i;
        let text = std::str::from_utf8(raw)
            .map_err(|e| ReadError::Parse {
                path: path.to_path_buf(),
                line,
                message: e.to_string(),
            })?
            .trim();
        if text.is_empty() {
            continue;
        }
        let op = serde_json::from_str::<Op>(text).map_err(|e| ReadError::Parse {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        })?;
        ops.push(op);
    }
    Ok(ops)
}

/// Appends ops to a JSON Lines file, flushing after every op so that a crash of the
/// control node loses at most the op being written.
pub struct HistoryWriter {
    out: BufWriter<File>,
}

impl HistoryWriter {
    pub fn create(path: &Path) -> io::Result<HistoryWriter> {
        Ok(HistoryWriter {
            out: BufWriter::new(File::create(path)?),
        })
    }

    pub fn append(&mut self, op: &Op) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, op)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{OpType, Process};
    use serde_json::json;

    #[test]
    fn malformed_line_names_its_number() {
        let dir = std::env::temp_dir().join(format!("rjepsen-jsonl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.jsonl");
        std::fs::write(
            &path,
            "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\"}\n\n{\"type\":\"ok\",\"process\":0,\n",
        )
        .unwrap();
        let err = read_jsonl(&path).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("h.jsonl"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn chunks_cover_every_line_once_with_right_numbers() {
        let text = b"a\nbb\n\nccc\nd";
        for n in 1..=6 {
            let chunks = split_lines(text, n);
            let mut joined = Vec::new();
            let mut line = 1;
            for &(s, e, first) in &chunks {
                assert_eq!(first, line, "n={n} {chunks:?}");
                assert!(s == e || e == text.len() || text[e - 1] == b'\n');
                joined.extend_from_slice(&text[s..e]);
                line += text[s..e].iter().filter(|&&b| b == b'\n').count();
            }
            assert_eq!(joined, text, "n={n}");
        }
    }

    #[test]
    fn big_file_error_line_is_exact() {
        let dir = std::env::temp_dir().join(format!("rjepsen-jsonl-big-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.jsonl");
        let line = "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"value\":[1,null]}\n";
        let mut text = line.repeat(30_000);
        text.push_str("{oops}\n");
        text.push_str(&line.repeat(30_000));
        std::fs::write(&path, &text).unwrap();
        assert!(text.len() > 1 << 21, "big enough to be split");
        let err = read_jsonl(&path).unwrap_err().to_string();
        assert!(err.contains("line 30001:"), "{err}");
        std::fs::write(&path, line.repeat(40_000)).unwrap();
        assert_eq!(read_jsonl(&path).unwrap().len(), 40_000);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writer_and_reader_agree() {
        let dir = std::env::temp_dir().join(format!("rjepsen-jsonl-w-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.jsonl");
        let mut w = HistoryWriter::create(&path).unwrap();
        let inv = Op::invoke(Process::Client(3), "write", json!([1, 2]));
        let ok = inv.ok();
        w.append(&inv).unwrap();
        w.append(&ok).unwrap();
        drop(w);
        let ops = read_jsonl(&path).unwrap();
        assert_eq!(ops, vec![inv, ok]);
        assert_eq!(ops[1].kind, OpType::Ok);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
