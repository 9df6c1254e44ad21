//! Micro-ops as read from JSON, and a streaming reader of JSON Lines histories.
//!
//! Both ways into the checker meet here: a [`History`](rjepsen_core::History)'s
//! `serde_json::Value`s and a JSONL file read line by line deserialize into the
//! same [`J`] values, which [`Txns`] then flattens. The streaming reader exists
//! because a million-transaction history held as `Value`s takes gigabytes; reading
//! each line straight into micro-ops keeps only the compact form in memory.

use super::txn::{Outcome, TxnError, Txns};
use rjepsen_core::{OpType, Process};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// The subset of JSON a transaction's value is made of; anything else (maps,
/// nested oddities of other ops) is read past as `Other`, so that any history
/// line parses whatever its `f`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum J {
    Nil,
    Int(i64),
    Text(Cow<'static, str>),
    List(Vec<J>),
    Other,
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Nil)
    }
    fn visit_none<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        J::deserialize(d)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<J, E> {
        Ok(J::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<J, E> {
        Ok(i64::try_from(v)
            .map(J::Int)
            .unwrap_or(J::Text(v.to_string().into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<J, E> {
        Ok(J::Text(v.to_string().into()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<J, E> {
        Ok(J::Text(v.to_string().into()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<J, E> {
        // Micro-op names repeat millions of times: no allocation for them.
        let v = v.trim_start_matches(':');
        Ok(J::Text(match v {
            "append" => Cow::Borrowed("append"),
            "r" => Cow::Borrowed("r"),
            "w" => Cow::Borrowed("w"),
            "txn" => Cow::Borrowed("txn"),
            other => Cow::Owned(other.to_string()),
        }))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(x) = seq.next_element::<J>()? {
            items.push(x);
        }
        Ok(J::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(J::Other)
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

/// What flattening needs from a JSON-ish value, so that `serde_json::Value`s (from
/// a `History`) and [`J`]s (streamed) take one code path without conversion.
pub(crate) trait Scalarish: fmt::Display {
    fn int(&self) -> Option<i64>;
    fn text(&self) -> Option<&str>;
    fn list(&self) -> Option<&[Self]>
    where
        Self: Sized;
    fn is_nil(&self) -> bool;
}

impl Scalarish for J {
    fn int(&self) -> Option<i64> {
        match self {
            J::Int(i) => Some(*i),
            _ => None,
        }
    }
    fn text(&self) -> Option<&str> {
        match self {
            J::Text(t) => Some(t),
            _ => None,
        }
    }
    fn list(&self) -> Option<&[J]> {
        match self {
            J::List(l) => Some(l),
            _ => None,
        }
    }
    fn is_nil(&self) -> bool {
        *self == J::Nil
    }
}

impl Scalarish for serde_json::Value {
    fn int(&self) -> Option<i64> {
        self.as_i64()
    }
    fn text(&self) -> Option<&str> {
        self.as_str().map(|s| s.trim_start_matches(':'))
    }
    fn list(&self) -> Option<&[serde_json::Value]> {
        self.as_array().map(|a| a.as_slice())
    }
    fn is_nil(&self) -> bool {
        self.is_null()
    }
}

impl fmt::Display for J {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            J::Nil => f.write_str("nil"),
            J::Int(i) => write!(f, "{i}"),
            J::Text(s) => f.write_str(s),
            J::Other => f.write_str("{..}"),
            J::List(items) => {
                let parts: Vec<String> = items.iter().map(|x| x.to_string()).collect();
                write!(f, "[{}]", parts.join(" "))
            }
        }
    }
}

/// One parsed client `txn` line: line number, position among ops, process, type,
/// index, value.
type Parsed = (usize, u32, u64, OpType, Option<u64>, J);

/// Lines per parsing block: blocks are dealt out round-robin to the parsers.
const BLOCK: usize = 4096;

type Block = Result<Vec<Parsed>, TxnError>;

/// Reads a JSON Lines history straight into transactions, pairing invocations and
/// completions by process as [`History`](rjepsen_core::History) does. Parsing
/// JSON dominates, so blocks of lines are parsed on one thread per core (each
/// reads the file and skips the others' blocks) while this thread takes the
/// blocks back in order, pairs and flattens. Memory stays bounded: each parser
/// runs at most a few blocks ahead.
pub(crate) fn read_jsonl(path: &Path, lists: bool) -> Result<Txns, TxnError> {
    let parsers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let mut files = Vec::with_capacity(parsers);
    for _ in 0..parsers {
        files.push(std::fs::File::open(path).map_err(|e| line_error(path, 0, e.to_string()))?);
    }
    std::thread::scope(|s| {
        let mut inboxes = Vec::with_capacity(parsers);
        for (i, file) in files.into_iter().enumerate() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Block>(4);
            inboxes.push(rx);
            s.spawn(move || parse_blocks(path, file, i, parsers, tx));
        }
        let mut out = Txns::new(lists);
        let mut open: HashMap<u64, (u32, u64, J)> = HashMap::new();
        let mut last = 0;
        // Block b comes from parser b % parsers; a closed inbox means the end.
        for b in 0.. {
            let Ok(block) = inboxes[b % parsers].recv() else {
                break;
            };
            for (line, pos, p, kind, index, value) in block? {
                last = line;
                pair(&mut out, &mut open, (line, pos, p, kind, index, value))
                    .map_err(|m| line_error(path, line, m))?;
            }
        }
        for (p, (ipos, iindex, ivalue)) in open {
            out.push_raw((Outcome::Info, p, ipos, None, iindex, iindex), &ivalue)
                .map_err(|m| line_error(path, last, m))?;
        }
        out.sort_by_invocation();
        Ok(out)
    })
}

/// Pairs a parsed line with its process's open invocation; a completion adds the
/// transaction (its own value when ok, the invocation's otherwise).
fn pair(out: &mut Txns, open: &mut HashMap<u64, (u32, u64, J)>, rec: Parsed) -> Result<(), String> {
    let (line, pos, p, kind, index, value) = rec;
    let index = index.unwrap_or(line as u64 - 1);
    if kind == OpType::Invoke {
        open.insert(p, (pos, index, value));
        return Ok(());
    }
    let Some((ipos, iindex, ivalue)) = open.remove(&p) else {
        return Ok(());
    };
    let outcome = match kind {
        OpType::Ok => Outcome::Ok,
        OpType::Fail => Outcome::Fail,
        _ => Outcome::Info,
    };
    let (used, used_index) = match outcome {
        Outcome::Ok => (&value, index),
        _ => (&ivalue, iindex),
    };
    out.push_raw((outcome, p, ipos, Some(pos), used_index, iindex), used)
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
    me: usize,
    of: usize,
    tx: std::sync::mpsc::SyncSender<Block>,
) {
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let (mut buf, mut line, mut pos) = (Vec::new(), 0usize, 0u32);
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
        if buf.trim_ascii().is_empty() {
            if line % BLOCK == 0 && mine && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                return;
            }
            continue;
        }
        pos += 1;
        if mine {
            match serde_json::from_slice::<Head>(&buf) {
                Ok(head) => {
                    if let (Process::Client(p), true) = (head.process, head.f == "txn") {
                        batch.push((line, pos - 1, p, head.kind, head.index, head.value));
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(line_error(path, line, e.to_string())));
                    return;
                }
            }
        }
        if line % BLOCK == 0 && mine && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
            return;
        }
    }
    // The last, partial block, if it is ours; full ones were sent as they ended.
    if line % BLOCK != 0 && ((line - 1) / BLOCK) % of == me {
        let _ = tx.send(Ok(batch));
    }
}

/// The fields of one JSONL line that the checker needs; the rest is skipped.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    index: Option<u64>,
    #[serde(rename = "type")]
    kind: OpType,
    process: Process,
    #[serde(deserialize_with = "op_name")]
    f: Cow<'static, str>,
    #[serde(default = "nil")]
    value: J,
}

/// An op's `f`, without allocating for the common `txn`.
fn op_name<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'static, str>, D::Error> {
    match J::deserialize(d)? {
        J::Text(t) if t == "txn" => Ok(Cow::Borrowed("txn")),
        J::Text(t) => Ok(t),
        other => Ok(Cow::Owned(other.to_string())),
    }
}

fn nil() -> J {
    J::Nil
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_json_and_keeps_txn_shapes() {
        let j: J =
            serde_json::from_str(r#"[["append",":x",1],["r","y",[1,"a"]],{"k":[1]}]"#).unwrap();
        assert_eq!(j.to_string(), "[[append x 1] [r y [1 a]] {..}]");
        let big: J = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(big, J::Text("18446744073709551615".into()));
    }

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
