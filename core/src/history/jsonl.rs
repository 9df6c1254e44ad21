//! JSON Lines reading and writing.

use crate::op::Op;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
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

/// Reads a JSON Lines history. Blank lines are skipped; any other line that is not
/// an op is an error naming its line number, except a torn final line (see
/// [`super::torn`]), which is dropped with a warning.
///
/// Parsing dominates the check of a large history and lines are independent, so
/// the file is cut at line boundaries into ranges of a few MB, parsed one per
/// core at a time; the file is never held whole in memory.
pub fn read_jsonl(path: &Path) -> Result<Vec<Op>, ReadError> {
    read_jsonl_as(path)
}

/// As [`read_jsonl`], into any type an op line deserialises to (a
/// [`crate::entry::CompactOp`] for checkers that need less than an [`Op`]).
pub fn read_jsonl_as<T: DeserializeOwned + Send>(path: &Path) -> Result<Vec<T>, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut len = std::fs::metadata(path).map_err(io_err)?.len();
    if let Some(t) = super::torn::torn_final_line(path).map_err(io_err)? {
        super::torn::warn(path, t);
        len = t.offset;
    }
    read_ranges(path, len, RANGE_BYTES)
}

/// Parses the first `len` bytes of the file in ranges of about `range_bytes`.
fn read_ranges<T: DeserializeOwned + Send>(
    path: &Path,
    len: u64,
    range_bytes: u64,
) -> Result<Vec<T>, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Small ranges, parsed one wave of `threads` at a time and appended in order
    // as each wave ends: the peak is the history plus one wave, not twice the
    // history (which holding every range until the end would cost).
    let pieces = if len < (1 << 20) {
        1
    } else {
        (len / range_bytes).max(threads as u64) as usize
    };
    let ranges = split_at_lines(path, len, pieces).map_err(io_err)?;
    let bounds: Vec<(u64, u64)> = ranges.windows(2).map(|w| (w[0], w[1])).collect();
    // Lines before each range, to turn a range's line number into the file's.
    let mut lines_before = 0;
    let mut ops: Vec<T> = Vec::new();
    for wave in bounds.chunks(threads) {
        let parsed: Vec<Result<(Vec<T>, usize), ChunkError>> = std::thread::scope(|s| {
            let handles: Vec<_> = wave
                .iter()
                .map(|&(start, end)| s.spawn(move || parse_range(path, start, end)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("parser thread"))
                .collect()
        });
        for r in parsed {
            match r {
                Ok((mut chunk, lines)) => {
                    lines_before += lines;
                    ops.append(&mut chunk);
                }
                Err(ChunkError::Io(source)) => return Err(io_err(source)),
                Err(ChunkError::Parse(line, message)) => {
                    return Err(ReadError::Parse {
                        path: path.to_path_buf(),
                        line: lines_before + line,
                        message,
                    })
                }
            }
        }
    }
    ops.shrink_to_fit();
    Ok(ops)
}

/// Bytes of the file per range: a few MB, so that a wave of ranges in memory
/// is small next to a large history.
const RANGE_BYTES: u64 = 4 << 20;

/// Why a range could not be parsed: line numbers are relative to the range.
enum ChunkError {
    Io(io::Error),
    Parse(usize, String),
}

/// Offsets `0 = b0 < b1 < ... = len` that cut the file into at most `n` ranges,
/// each starting at the beginning of a line.
fn split_at_lines(path: &Path, len: u64, n: usize) -> io::Result<Vec<u64>> {
    let mut cuts = vec![0];
    let mut file = BufReader::new(File::open(path)?);
    let mut skipped = Vec::new();
    for i in 1..n as u64 {
        let guess = (len * i / n as u64).max(*cuts.last().expect("not empty"));
        if guess == 0 || guess >= len {
            continue;
        }
        // Start one byte early, so that a guess at a line start stays there.
        file.seek(SeekFrom::Start(guess - 1))?;
        skipped.clear();
        let cut = guess - 1 + file.read_until(b'\n', &mut skipped)? as u64;
        if cut > *cuts.last().expect("not empty") && cut < len {
            cuts.push(cut);
        }
    }
    cuts.push(len);
    Ok(cuts)
}

/// Parses bytes `start..end` of the file; returns the ops and the lines read.
fn parse_range<T: DeserializeOwned>(
    path: &Path,
    start: u64,
    end: u64,
) -> Result<(Vec<T>, usize), ChunkError> {
    let mut file = File::open(path).map_err(ChunkError::Io)?;
    file.seek(SeekFrom::Start(start)).map_err(ChunkError::Io)?;
    let mut reader = BufReader::with_capacity(1 << 20, file.take(end - start));
    let mut ops = Vec::new();
    let mut buf = String::new();
    let mut line = 0;
    loop {
        buf.clear();
        match reader.read_line(&mut buf) {
            Ok(0) => return Ok((ops, line)),
            Ok(_) => line += 1,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(ChunkError::Parse(line + 1, format!("not UTF-8: {e}")))
            }
            Err(e) => return Err(ChunkError::Io(e)),
        }
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(text) {
            Ok(op) => ops.push(op),
            Err(e) => return Err(ChunkError::Parse(line, e.to_string())),
        }
    }
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
    use crate::entry::CompactOp;
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
    fn cuts_fall_on_line_starts_and_cover_the_file() {
        let dir = std::env::temp_dir().join(format!("rjepsen-jsonl-cut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h");
        let text = b"a\nbb\n\nccc\nd";
        std::fs::write(&path, text).unwrap();
        for n in 1..=8 {
            let cuts = split_at_lines(&path, text.len() as u64, n).unwrap();
            assert_eq!(cuts[0], 0);
            assert_eq!(*cuts.last().unwrap(), text.len() as u64);
            assert!(cuts.windows(2).all(|w| w[0] < w[1]), "n={n} {cuts:?}");
            for &c in &cuts[1..cuts.len() - 1] {
                assert_eq!(text[c as usize - 1], b'\n', "n={n} {cuts:?}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
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
        let err = crate::history::read_compact(&path).unwrap_err().to_string();
        assert!(err.contains("line 30001:"), "{err}");
        let len = text.len() as u64;
        let err = read_ranges::<Op>(&path, len, 64 << 10).unwrap_err();
        assert!(err.to_string().contains("line 30001:"), "{err}");
        std::fs::write(&path, line.repeat(40_000)).unwrap();
        assert_eq!(read_jsonl(&path).unwrap().len(), 40_000);
        // Many small ranges, several waves: the same ops in the same order.
        let len = std::fs::metadata(&path).unwrap().len();
        let small: Vec<CompactOp> = read_ranges(&path, len, 16 << 10).unwrap();
        let whole: Vec<CompactOp> = read_jsonl(&path)
            .unwrap()
            .into_iter()
            .map(CompactOp::from)
            .collect();
        assert_eq!(small, whole);
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
