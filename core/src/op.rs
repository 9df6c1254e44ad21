//! One operation of a history, in Jepsen's vocabulary.
//!
//! Field names follow Jepsen's JSON export (`index`, `time`, `type`, `process`, `f`,
//! `value`, optional `node` and `error`); any other field is kept in [`Op::extra`] so
//! that a history read and written again loses nothing. Deserialisation is written by
//! hand rather than with `#[serde(flatten)]`, which buffers every field and made
//! parsing a million-op history several times slower.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// What an entry of the history says about its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    /// The client is about to perform the operation.
    Invoke,
    /// The operation took place.
    Ok,
    /// The operation definitely did not take place.
    Fail,
    /// The outcome is unknown: it may or may not have taken place, at any time after
    /// its invocation.
    Info,
}

impl OpType {
    /// True for `ok`, `fail` and `info`.
    pub fn is_completion(self) -> bool {
        self != OpType::Invoke
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }
}

/// How many client ops of each type a history holds: the one count that the
/// terminal summary, `results.json` (`op-counts`) and the report all show, so they
/// agree for the same run. Nemesis ops are left out: they are faults, shown as
/// fault intervals, not operations on the database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpCounts {
    pub invoke: u64,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
}

impl OpCounts {
    /// Counts the client ops of `ops`.
    pub fn of<'a>(ops: impl IntoIterator<Item = &'a Op>) -> OpCounts {
        let mut c = OpCounts::default();
        for op in ops {
            c.add(op);
        }
        c
    }

    /// Counts one op (nothing if it is not a client op).
    pub fn add(&mut self, op: &Op) {
        if !op.is_client() {
            return;
        }
        match op.kind {
            OpType::Invoke => self.invoke += 1,
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
        }
    }

    /// Completions: ok + fail + info.
    pub fn completed(&self) -> u64 {
        self.ok + self.fail + self.info
    }

    /// `(type name, count)` in the order invoke, ok, fail, info.
    pub fn by_type(&self) -> [(&'static str, u64); 4] {
        [
            (OpType::Invoke.as_str(), self.invoke),
            (OpType::Ok.as_str(), self.ok),
            (OpType::Fail.as_str(), self.fail),
            (OpType::Info.as_str(), self.info),
        ]
    }
}

/// The logical process that performed an operation.
///
/// Client processes are integers; an `info` completion retires a process id and its
/// worker continues as `id + concurrency`. The nemesis is the process `"nemesis"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    Client(u64),
    Nemesis,
    /// Any other named process found in a history written by another tool.
    Named(String),
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Process::Client(p) => write!(f, "{p}"),
            Process::Nemesis => f.write_str("nemesis"),
            Process::Named(n) => f.write_str(n),
        }
    }
}

impl Serialize for Process {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Process::Client(p) => s.serialize_u64(*p),
            Process::Nemesis => s.serialize_str("nemesis"),
            Process::Named(n) => s.serialize_str(n),
        }
    }
}

impl<'de> Deserialize<'de> for Process {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Process;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a process: a non-negative integer or a name such as \"nemesis\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Process, E> {
                Ok(Process::Client(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Process, E> {
                u64::try_from(v)
                    .map(Process::Client)
                    .map_err(|_| E::custom(format!("negative process {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Process, E> {
                Ok(match v.trim_start_matches(':') {
                    "nemesis" => Process::Nemesis,
                    other => Process::Named(other.to_string()),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The process of an op that names none (as in Elle's `paper-example.edn`): a
/// client process of its own, as Elle treats a nil process.
pub const NO_PROCESS: u64 = u64::MAX;

/// One entry of a history.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// Position in the history, assigned by the runner's single writer.
    pub index: u64,
    /// Nanoseconds since the test started, assigned by the runner.
    pub time: u64,
    pub kind: OpType,
    pub process: Process,
    /// The function: `read`, `write`, `cas`, `txn`, `start-partition`, ...
    pub f: String,
    pub value: Value,
    /// The node the client talked to, when known.
    pub node: Option<String>,
    /// Why a completion failed or is indeterminate.
    pub error: Option<Value>,
    /// Every other field, kept as it was read.
    pub extra: Map<String, Value>,
}

impl Op {
    /// An invocation by `process` of `f` with `value`; the runner fills index and time.
    pub fn invoke(process: Process, f: impl Into<String>, value: Value) -> Op {
        Op {
            index: 0,
            time: 0,
            kind: OpType::Invoke,
            process,
            f: f.into(),
            value,
            node: None,
            error: None,
            extra: Map::new(),
        }
    }

    /// The completion of this invocation with the given type and value.
    pub fn complete(&self, kind: OpType, value: Value) -> Op {
        Op {
            kind,
            value,
            index: 0,
            time: 0,
            extra: Map::new(),
            error: None,
            ..self.clone()
        }
    }

    /// `ok` with the invocation's value.
    pub fn ok(&self) -> Op {
        self.complete(OpType::Ok, self.value.clone())
    }

    /// `fail` with an error.
    pub fn fail(&self, error: impl Into<Value>) -> Op {
        let mut op = self.complete(OpType::Fail, self.value.clone());
        op.error = Some(error.into());
        op
    }

    /// `info` (indeterminate) with an error.
    pub fn info(&self, error: impl Into<Value>) -> Op {
        let mut op = self.complete(OpType::Info, self.value.clone());
        op.error = Some(error.into());
        op
    }

    pub fn is_invoke(&self) -> bool {
        self.kind == OpType::Invoke
    }

    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }
}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &self.index)?;
        m.serialize_entry("time", &self.time)?;
        m.serialize_entry("type", &self.kind)?;
        m.serialize_entry("process", &self.process)?;
        m.serialize_entry("f", &self.f)?;
        m.serialize_entry("value", &self.value)?;
        if let Some(node) = &self.node {
            m.serialize_entry("node", node)?;
        }
        if let Some(error) = &self.error {
            m.serialize_entry("error", error)?;
        }
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(OpVisitor)
    }
}

struct OpVisitor;

impl<'de> Visitor<'de> for OpVisitor {
    type Value = Op;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an operation object with a type (and usually process and f)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Op, A::Error> {
        let (mut index, mut time, mut kind, mut process, mut f) = (None, None, None, None, None);
        let (mut value, mut node, mut error) = (Value::Null, None, None);
        let mut extra = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "index" => index = Some(map.next_value::<u64>()?),
                "time" => time = Some(map.next_value::<u64>()?),
                "type" => kind = Some(map.next_value::<OpType>()?),
                "process" => process = Some(map.next_value::<Process>()?),
                "f" => f = Some(map.next_value::<String>()?),
                "value" => value = map.next_value_seed(crate::exact::ExactValue)?,
                "node" => node = map.next_value()?,
                "error" => error = map.next_value()?,
                other => {
                    extra.insert(other.to_string(), map.next_value()?);
                }
            }
        }
        Ok(Op {
            index: index.unwrap_or(0),
            time: time.unwrap_or(0),
            kind: kind.ok_or_else(|| de::Error::missing_field("type"))?,
            // Elle's own test histories often have no :f, some no :process.
            process: process.unwrap_or(Process::Client(NO_PROCESS)),
            f: f.unwrap_or_default(),
            value,
            node,
            error,
            extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_jepsen_fields_and_extras() {
        let cases = [
            r#"{"index":0,"time":1200,"type":"invoke","process":0,"f":"cas","value":[3,[1,2]]}"#,
            r#"{"index":2,"time":99000,"type":"info","process":"nemesis","f":"start-partition","value":{"n1":["n3","n4"]}}"#,
            r#"{"index":5,"time":7,"type":"fail","process":4,"f":"write","value":[1,3],"node":"n2","error":"timeout","span":"x"}"#,
        ];
        for line in cases {
            let op: Op = serde_json::from_str(line).unwrap();
            assert_eq!(serde_json::to_string(&op).unwrap(), line);
        }
    }

    #[test]
    fn parsed_arrays_hold_no_spare_room() {
        let op: Op = serde_json::from_str(
            r#"{"type":"ok","process":1,"f":"cas","value":[3,[1,2]],"x":{"y":[1]}}"#,
        )
        .unwrap();
        let Value::Array(kv) = &op.value else {
            panic!("not an array")
        };
        assert_eq!((kv.len(), kv.capacity()), (2, 2));
        let Value::Array(inner) = &kv[1] else {
            panic!("not an array")
        };
        assert_eq!(inner.capacity(), 2);
    }

    #[test]
    fn process_kinds() {
        let op: Op = serde_json::from_str(r#"{"type":"ok","process":"nemesis","f":"x"}"#).unwrap();
        assert_eq!(op.process, Process::Nemesis);
        let op: Op = serde_json::from_str(r#"{"type":"ok","process":7,"f":"x"}"#).unwrap();
        assert_eq!(op.process, Process::Client(7));
        assert!(serde_json::from_str::<Op>(r#"{"type":"ok","process":-1,"f":"x"}"#).is_err());
    }

    #[test]
    fn missing_fields_are_named() {
        let err = serde_json::from_str::<Op>(r#"{"process":1,"f":"read"}"#).unwrap_err();
        assert!(err.to_string().contains("type"), "{err}");
        let err = serde_json::from_str::<Op>(r#"{"type":"ok","process":1,"f":"read","index":"x"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }
}
