//! A streaming reader of JSON Lines histories, straight into [`Txns`].
//!
//! A million-transaction history held as a [`History`](rjepsen_core::History) of
//! `serde_json::Value`s takes gigabytes; this reader keeps only the compact form.
//! Lines are parsed, in blocks, into [`Flat`] arenas on one thread per core (each
//! reads the file and skips the other parsers' blocks); this thread takes the
//! blocks back in order, pairs invocations with completions by process, and
//! flattens. Memory stays bounded: each parser runs at most a few blocks ahead.

use super::tree::{Flat, Node};
use super::txn::{Mop, Outcome, TxnError, Txns};
use rjepsen_core::op::NO_PROCESS;
use rjepsen_core::{OpType, Process};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// One parsed client `txn` line: line number, position among ops, process, type,
/// index, value (in the block's arena).
type Parsed = (usize, u32, u64, OpType, Option<u64>, Node);

/// Lines per parsing block: blocks are dealt out round-robin to the parsers.
const BLOCK: usize = 4096;

type Block = Result<(Flat, Vec<Parsed>), TxnError>;

/// An invocation waiting for its completion: position, index, micro-ops as
/// invoked (reads unknown).
type Pending = (u32, u64, Vec<Mop>);

/// Reads a JSON Lines history straight into transactions, pairing invocations and
/// completions by process as [`History`](rjepsen_core::History) does.
pub(crate) fn read_jsonl(path: &Path, lists: bool) -> Result<Txns, TxnError> {
    let parsers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let limit = match rjepsen_core::history::torn_final_line(path) {
        Ok(Some(t)) => {
            rjepsen_core::history::warn_torn(path, t);
            t.offset
        }
        Ok(None) => u64::MAX,
        Err(e) => return Err(line_error(path, 0, e.to_string())),
    };
    let mut files = Vec::with_capacity(parsers);
    for _ in 0..parsers {
        files.push(std::fs::File::open(path).map_err(|e| line_error(path, 0, e.to_string()))?);
    }
    std::thread::scope(|s| {
        let mut inboxes = Vec::with_capacity(parsers);
        for (i, file) in files.into_iter().enumerate() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Block>(4);
            inboxes.push(rx);
            s.spawn(move || parse_blocks(path, file, limit, i, parsers, tx));
        }
        let mut pairing = Pairing {
            out: Txns::new(lists),
            open: HashMap::new(),
            pool: Vec::new(),
        };
        // Block b comes from parser b % parsers; a closed inbox means the end.
        for b in 0.. {
            let Ok(block) = inboxes[b % parsers].recv() else {
                break;
            };
            let (flat, recs) = block?;
            for rec in recs {
                let line = rec.0;
                pairing
                    .add(&flat, rec)
                    .map_err(|m| line_error(path, line, m))?;
            }
        }
        let mut out = pairing.out;
        for (p, (ipos, iindex, mops)) in pairing.open {
            out.push_mops((Outcome::Info, p, ipos, None, iindex, iindex), &mops);
        }
        out.sort_by_invocation();
        Ok(out)
    })
}

/// Invocations waiting for their completions, and the transactions so far.
struct Pairing {
    out: Txns,
    open: HashMap<u64, Pending>,
    /// Emptied micro-op buffers, reused so that pairing does not allocate.
    pool: Vec<Vec<Mop>>,
}

impl Pairing {
    /// A completion adds the transaction: its own value when ok, the
    /// invocation's otherwise.
    fn add(&mut self, flat: &Flat, rec: Parsed) -> Result<(), String> {
        let (line, pos, p, kind, index, value) = rec;
        let index = index.unwrap_or(line as u64 - 1);
        if kind == OpType::Invoke {
            let mut mops = self.pool.pop().unwrap_or_default();
            self.out.parse_mops(flat, value, false, &mut mops)?;
            if let Some(old) = self.open.insert(p, (pos, index, mops)) {
                self.pool.push(old.2);
            }
            return Ok(());
        }
        let Some((ipos, iindex, mut mops)) = self.open.remove(&p) else {
            // A completion without an invocation: invoked at an unknown time,
            // placed first (as `txn::from_history` does).
            return self.alone(flat, (pos, p, kind, index, value));
        };
        let outcome = match kind {
            OpType::Ok => Outcome::Ok,
            OpType::Fail => Outcome::Fail,
            _ => Outcome::Info,
        };
        let result = if outcome == Outcome::Ok {
            self.out
                .push_tree((outcome, p, ipos, Some(pos), index, iindex), flat, value)
        } else {
            self.out
                .push_mops((outcome, p, ipos, Some(pos), iindex, iindex), &mops);
            Ok(())
        };
        mops.clear();
        self.pool.push(mops);
        result
    }
}

impl Pairing {
    fn alone(
        &mut self,
        flat: &Flat,
        (pos, p, kind, index, value): (u32, u64, OpType, u64, Node),
    ) -> Result<(), String> {
        let outcome = match kind {
            OpType::Ok => Outcome::Ok,
            OpType::Fail => Outcome::Fail,
            _ => Outcome::Info,
        };
        self.out
            .push_tree((outcome, p, 0, Some(pos), index, index), flat, value)
    }
}

fn line_error(path: &Path, line: usize, message: String) -> TxnError {
    TxnError {
        index: line as u64,
        message: format!("{} line {line}: {message}", path.display()),
    }
}

/// Parses blocks `me`, `me + of`, `me + 2 of`, ... of the file, sending each
/// (client `txn` ops only); stops at the end or at the first error, which it sends.
fn parse_blocks(
    path: &Path,
    file: std::fs::File,
    limit: u64,
    me: usize,
    of: usize,
    tx: std::sync::mpsc::SyncSender<Block>,
) {
    let mut reader = std::io::BufReader::with_capacity(1 << 20, std::io::Read::take(file, limit));
    let (mut buf, mut line, mut pos) = (Vec::new(), 0usize, 0u32);
    let mut flat = Flat::default();
    let mut batch = Vec::with_capacity(BLOCK);
    loop {
        buf.clear();
        match std::io::BufRead::read_until(&mut reader, b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = tx.send(Err(line_error(path, line + 1, e.to_string())));
                return;
            }
        }
        let mine = (line / BLOCK) % of == me;
        line += 1;
        let blank = buf.trim_ascii().is_empty();
        pos += !blank as u32;
        if mine && !blank {
            let mut de = serde_json::Deserializer::from_slice(&buf);
            match LineSeed(&mut flat).deserialize(&mut de) {
                Ok(l) => {
                    if let (Some(Process::Client(p)), true, Some(kind)) = (l.process, l.txn, l.kind)
                    {
                        batch.push((line, pos - 1, p, kind, l.index, l.value));
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(line_error(path, line, e.to_string())));
                    return;
                }
            }
        }
        if line % BLOCK == 0 && mine {
            let block = (std::mem::take(&mut flat), std::mem::take(&mut batch));
            if tx.send(Ok(block)).is_err() {
                return;
            }
        }
    }
    // The last, partial block, if it is ours; full ones were sent as they ended.
    if line % BLOCK != 0 && ((line - 1) / BLOCK) % of == me {
        let _ = tx.send(Ok((flat, batch)));
    }
}

/// The fields of one line the checker needs; the value goes into the arena.
struct Line {
    index: Option<u64>,
    kind: Option<OpType>,
    process: Option<Process>,
    txn: bool,
    value: Node,
}

struct LineSeed<'f>(&'f mut Flat);

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = Line;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Line, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = Line;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an operation object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Line, A::Error> {
        let mut l = Line {
            index: None,
            kind: None,
            process: None,
            txn: true, // no `f` at all: a txn, as in Elle's own histories
            value: Node::Nil,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "index" => l.index = map.next_value()?,
                "type" => l.kind = Some(map.next_value()?),
                "process" => l.process = Some(map.next_value()?),
                "f" => {
                    let f: Cow<'de, str> = map.next_value()?;
                    l.txn = super::txn::is_txn(&f);
                }
                "value" => l.value = self.0.value(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if l.kind.is_none() {
            return Err(de::Error::missing_field("type"));
        }
        l.process.get_or_insert(Process::Client(NO_PROCESS));
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_pairs_like_a_history() {
        let path =
            std::env::temp_dir().join(format!("rjepsen-elle-raw-{}.jsonl", std::process::id()));
        let lines = [
            r#"{"index":0,"type":"invoke","process":0,"f":"txn","value":[["r","x",null]]}"#,
            r#"{"index":1,"type":"invoke","process":"nemesis","f":"start","value":{"n1":["n2"]}}"#,
            r#"{"index":2,"type":"invoke","process":1,"f":"txn","value":[["append","x",1]]}"#,
            r#"{"index":3,"type":"ok","process":1,"f":"txn","value":[["append","x",1]]}"#,
            r#"{"value":[["r","x",[1]]],"index":4,"type":"ok","process":0,"f":"txn"}"#,
            "",
            r#"{"index":5,"type":"invoke","process":2,"f":"txn","value":[["append","x",2]]}"#,
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let t = read_jsonl(&path, true).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(t.txns.len(), 3);
        assert_eq!((t.txns[0].index, t.txns[0].outcome), (4, Outcome::Ok));
        assert_eq!(t.render(0), "[[r x [1]]]");
        assert_eq!(t.txns[2].outcome, Outcome::Info);
        assert_eq!(t.txns[2].complete_pos, None);
        let bad =
            std::env::temp_dir().join(format!("rjepsen-elle-bad-{}.jsonl", std::process::id()));
        std::fs::write(&bad, "{\"type\":\"ok\"\n").unwrap();
        let e = read_jsonl(&bad, true).err().unwrap().to_string();
        std::fs::remove_file(&bad).unwrap();
        assert!(e.contains("line 1"), "{e}");
    }
}
