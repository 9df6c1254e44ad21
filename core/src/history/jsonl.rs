//! JSON Lines reading and writing.

use crate::op::Op;
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
/// the file is cut at line boundaries into one range per core and each range is
/// streamed and parsed by its own thread; the file is never held whole in memory.
pub fn read_jsonl(path: &Path) -> Result<Vec<Op>, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut len = std::fs::metadata(path).map_err(io_err)?.len();
    if let Some(t) = super::torn::torn_final_line(path).map_err(io_err)? {
        super::torn::warn(path, t);
        len = t.offset;
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A few ranges per core: joining them costs the size of one range on top of
    // the history itself (see the end), so small ranges keep the peak low.
    let ranges =
        split_at_lines(path, len, if len < (1 << 20) { 1 } else { threads * 4 }).map_err(io_err)?;
    let parsed: Vec<Result<(Vec<Op>, usize), ChunkError>> = std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .windows(2)
            .map(|w| (w[0], w[1]))
            .map(|(start, end)| s.spawn(move || parse_range(path, start, end)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("parser thread"))
            .collect()
    });
    // Lines before each range, to turn a range's line number into the file's.
    let mut lines_before = 0;
    let mut chunks = Vec::with_capacity(parsed.len());
    for r in parsed {
        match r {
            Ok((ops, lines)) => {
                lines_before += lines;
                chunks.push(ops);
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
    let total: usize = chunks.iter().map(Vec::len).sum();
    let mut chunks = chunks.into_iter();
    let mut ops = chunks.next().unwrap_or_default();
    ops.reserve_exact(total - ops.len());
    for mut c in chunks {
        ops.append(&mut c);
    }
    Ok(ops)
}

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
fn parse_range(path: &Path, start: u64, end: u64) -> Result<(Vec<Op>, usize), ChunkError> {
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
        match serde_json::from_str::<Op>(text) {
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
