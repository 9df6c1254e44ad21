//! JSON Lines reading and writing.

use crate::op::Op;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
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
pub fn read_jsonl(path: &Path) -> Result<Vec<Op>, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut ops = Vec::new();
    let mut buf = String::new();
    let mut line = 0;
    loop {
        buf.clear();
        if reader.read_line(&mut buf).map_err(io_err)? == 0 {
            break;
        }
        line += 1;
        let text = buf.trim();
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
