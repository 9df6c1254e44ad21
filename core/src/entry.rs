//! What a checker reads of an op, and a compact op that holds only that.
//!
//! An [`Op`] keeps everything a history line says (node, error, any extra field)
//! so that a history written again loses nothing: 184 bytes before its strings and
//! values. A checker that only needs the index, type, process, function and value
//! (linearizability) can read a file straight into [`CompactOp`]s instead: 88
//! bytes, with `f` shared between ops rather than a string per op, and every other
//! field skipped while parsing. Checkers are written against the [`Entry`] trait,
//! which both implement, so the same code checks a `History` and a file.

use crate::exact::ExactValue;
use crate::op::{Op, OpType, Process, NO_PROCESS};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// The fields of an op that a checker reads.
pub trait Entry: Sync {
    /// The op's `index` field (its position, as the runner numbered it).
    fn index(&self) -> u64;
    fn kind(&self) -> OpType;
    fn process(&self) -> &Process;
    /// The function, as written (`read`, `:write`, ...).
    fn f(&self) -> &str;
    fn value(&self) -> &Value;

    /// Whether a client (not the nemesis) performed the op.
    fn is_client(&self) -> bool {
        matches!(self.process(), Process::Client(_))
    }
}

impl Entry for Op {
    fn index(&self) -> u64 {
        self.index
    }
    fn kind(&self) -> OpType {
        self.kind
    }
    fn process(&self) -> &Process {
        &self.process
    }
    fn f(&self) -> &str {
        &self.f
    }
    fn value(&self) -> &Value {
        &self.value
    }
}

/// An op without `time`, `node`, `error` and extra fields, its `f` shared.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactOp {
    pub index: u64,
    pub kind: OpType,
    pub process: Process,
    pub f: Arc<str>,
    pub value: Value,
}

impl Entry for CompactOp {
    fn index(&self) -> u64 {
        self.index
    }
    fn kind(&self) -> OpType {
        self.kind
    }
    fn process(&self) -> &Process {
        &self.process
    }
    fn f(&self) -> &str {
        &self.f
    }
    fn value(&self) -> &Value {
        &self.value
    }
}

impl From<Op> for CompactOp {
    fn from(op: Op) -> CompactOp {
        CompactOp {
            index: op.index,
            kind: op.kind,
            process: op.process,
            f: intern(&op.f),
            value: op.value,
        }
    }
}

/// Function names seen by this thread: a history has a handful, so a short list
/// searched in order is enough, and bounded so that a hostile file cannot grow it.
const NAMES_KEPT: usize = 64;

thread_local! {
    static NAMES: RefCell<Vec<Arc<str>>> = const { RefCell::new(Vec::new()) };
}

/// The shared copy of the function name `f`.
fn intern(f: &str) -> Arc<str> {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.iter().find(|n| ***n == *f) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(f);
        if names.len() < NAMES_KEPT {
            names.push(n.clone());
        }
        n
    })
}

impl<'de> Deserialize<'de> for CompactOp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(CompactVisitor)
    }
}

struct CompactVisitor;

impl<'de> Visitor<'de> for CompactVisitor {
    type Value = CompactOp;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an operation object with a type (and usually process and f)")
    }

    /// The same defaults as [`Op`]'s reader: no `index` is 0, no `process` is a
    /// client of its own, no `f` is empty.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CompactOp, A::Error> {
        let (mut index, mut kind, mut process, mut f) = (None, None, None, None);
        let mut value = Value::Null;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "index" => index = Some(map.next_value::<u64>()?),
                "time" => {
                    map.next_value::<u64>()?;
                }
                "type" => kind = Some(map.next_value::<OpType>()?),
                "process" => process = Some(map.next_value::<Process>()?),
                "f" => f = Some(intern(&map.next_value::<Cow<'de, str>>()?)),
                "value" => value = map.next_value_seed(ExactValue)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(CompactOp {
            index: index.unwrap_or(0),
            kind: kind.ok_or_else(|| de::Error::missing_field("type"))?,
            process: process.unwrap_or(Process::Client(NO_PROCESS)),
            f: f.unwrap_or_else(|| intern("")),
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_op_reads_and_skips_the_rest() {
        let cases = [
            r#"{"index":0,"time":1200,"type":"invoke","process":0,"f":"cas","value":[3,[1,2]]}"#,
            r#"{"index":5,"time":7,"type":"fail","process":4,"f":"write","value":[1,3],"node":"n2","error":{"a":[1]},"span":"x"}"#,
            r#"{"type":"ok","process":"nemesis","f":"start"}"#,
            r#"{"type":"ok","value":null}"#,
        ];
        for line in cases {
            let op: Op = serde_json::from_str(line).unwrap();
            let c: CompactOp = serde_json::from_str(line).unwrap();
            assert_eq!(c, CompactOp::from(op.clone()), "{line}");
            assert_eq!(
                (c.index(), c.kind(), c.process(), c.f(), c.value()),
                (op.index(), op.kind(), op.process(), op.f(), op.value())
            );
        }
    }

    #[test]
    fn errors_match_op_errors() {
        for line in [
            r#"{"process":1,"f":"read"}"#,
            r#"{"type":"ok","process":-1}"#,
            r#"{"type":"ok","time":"x"}"#,
            r#"{"type":"maybe"}"#,
        ] {
            let a = serde_json::from_str::<Op>(line).unwrap_err().to_string();
            let b = serde_json::from_str::<CompactOp>(line)
                .unwrap_err()
                .to_string();
            assert_eq!(a, b, "{line}");
        }
    }

    #[test]
    fn names_are_shared_and_small() {
        let a: CompactOp = serde_json::from_str(r#"{"type":"ok","f":"read"}"#).unwrap();
        let b: CompactOp = serde_json::from_str(r#"{"type":"ok","f":"read"}"#).unwrap();
        assert!(Arc::ptr_eq(&a.f, &b.f));
        assert!(std::mem::size_of::<CompactOp>() <= 88);
    }
}
