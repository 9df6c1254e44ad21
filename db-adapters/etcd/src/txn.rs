//! Elle's transactional workloads on etcd: list-append and rw-register.
//!
//! One Elle transaction is two etcd requests. First one etcd txn of gets reads every
//! key the transaction touches at a single revision (remembering each key's
//! `mod_revision`, 0 when absent). The transaction is then run locally, so a read
//! sees the transaction's own earlier writes. If it wrote anything, a second etcd
//! txn commits it: it compares every touched key's `mod_revision` with what was
//! read and only then puts the written keys. A failed compare means another
//! transaction got in between: nothing was written, so the completion is `fail`.
//! A read-only transaction completes from its snapshot alone.
//!
//! Lists are stored as JSON arrays (`[1,2,3]`), registers as decimal text. A read of
//! a key never written returns `[]` for lists and `null` for registers.

use super::client::Ops;
use super::conn::{before_write, during_write, key_text, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp, TxnOpResponse};
use rjepsen_core::op::Op;
use rjepsen_core::op_client::OpError;
use rjepsen_core::test::Test;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Which of Elle's data types the keys hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnKind {
    /// `["append", k, v]` and `["r", k, list]`.
    ListAppend,
    /// `["w", k, v]` and `["r", k, v]`.
    RwRegister,
}

/// Serves `txn` ops whose value is a list of micro-ops.
#[derive(Clone, Debug)]
pub struct Txns {
    pub kind: TxnKind,
}

/// One micro-op, parsed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Micro {
    Read(Value),
    Write(Value, i64),
}

impl Micro {
    fn key(&self) -> &Value {
        match self {
            Micro::Read(k) | Micro::Write(k, _) => k,
        }
    }
}

impl TxnKind {
    fn prefix(self) -> &'static str {
        match self {
            TxnKind::ListAppend => "/rjepsen/append/",
            TxnKind::RwRegister => "/rjepsen/rw/",
        }
    }

    fn write_name(self) -> &'static str {
        match self {
            TxnKind::ListAppend => "append",
            TxnKind::RwRegister => "w",
        }
    }

    /// The value of a key never written.
    fn empty(self) -> Value {
        match self {
            TxnKind::ListAppend => json!([]),
            TxnKind::RwRegister => Value::Null,
        }
    }

    /// Parses stored bytes into the JSON value a read returns.
    fn decode(self, bytes: &[u8], key: &str) -> Result<Value, OpError> {
        let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
        let ok = match (self, &parsed) {
            (TxnKind::ListAppend, Some(Value::Array(items))) => items.iter().all(Value::is_i64),
            (TxnKind::RwRegister, Some(v)) => v.is_i64(),
            _ => false,
        };
        match parsed {
            Some(v) if ok => Ok(v),
            _ => Err(OpError::NotApplied(format!(
                "failed to parse value of {key}: {:?}",
                String::from_utf8_lossy(bytes)
            ))),
        }
    }

    /// The value after writing `v` over `current`.
    fn apply_write(self, current: &Value, v: i64) -> Value {
        match (self, current) {
            (TxnKind::ListAppend, Value::Array(items)) => {
                let mut items = items.clone();
                items.push(json!(v));
                Value::Array(items)
            }
            (TxnKind::ListAppend, _) => json!([v]),
            (TxnKind::RwRegister, _) => json!(v),
        }
    }
}

/// Parses `[["append", k, v], ["r", k, null], ...]`.
pub(crate) fn parse(kind: TxnKind, value: &Value) -> Result<Vec<Micro>, OpError> {
    let bad = |why: String| OpError::NotApplied(format!("failed to understand txn {value}: {why}"));
    let micros = value
        .as_array()
        .ok_or_else(|| bad("expected a list".into()))?;
    micros
        .iter()
        .map(|m| match m.as_array().map(Vec::as_slice) {
            Some([f, k, _]) if f == "r" => Ok(Micro::Read(k.clone())),
            Some([f, k, v]) if f == kind.write_name() => v
                .as_i64()
                .map(|v| Micro::Write(k.clone(), v))
                .ok_or_else(|| bad(format!("{m} writes a non-integer"))),
            _ => Err(bad(format!("unknown micro-op {m}"))),
        })
        .collect()
}

/// Runs `micros` over `state` (key text → value) and returns the completed
/// micro-ops; `state` ends as the transaction leaves it.
pub(crate) fn run_local(
    kind: TxnKind,
    micros: &[Micro],
    state: &mut BTreeMap<String, Value>,
) -> Value {
    let done = micros.iter().map(|m| match m {
        Micro::Read(k) => {
            let v = state
                .get(&key_text(k))
                .cloned()
                .unwrap_or_else(|| kind.empty());
            json!(["r", k, v])
        }
        Micro::Write(k, v) => {
            let slot = state.entry(key_text(k)).or_insert_with(|| kind.empty());
            *slot = kind.apply_write(slot, *v);
            json!([kind.write_name(), k, v])
        }
    });
    Value::Array(done.collect())
}

/// What the first request saw of one key.
struct Snapshot {
    value: Value,
    mod_revision: i64,
}

impl Txns {
    fn etcd_key(&self, k: &str) -> String {
        format!("{}{k}", self.kind.prefix())
    }

    /// Reads `keys` at one revision.
    async fn snapshot(
        &self,
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<BTreeMap<String, Snapshot>, OpError> {
        let gets: Vec<TxnOp> = keys
            .iter()
            .map(|k| TxnOp::get(self.etcd_key(k), Some(conn.read_options())))
            .collect();
        let resp = conn
            .client
            .txn(Txn::new().and_then(gets))
            .await
            .map_err(before_write)?;
        let mut snap = BTreeMap::new();
        for (k, r) in keys.iter().zip(resp.op_responses()) {
            let TxnOpResponse::Get(get) = r else {
                return Err(OpError::NotApplied(format!(
                    "failed to read {k}: not a get"
                )));
            };
            let entry = match get.kvs().first() {
                Some(kv) => Snapshot {
                    value: self.kind.decode(kv.value(), &self.etcd_key(k))?,
                    mod_revision: kv.mod_revision(),
                },
                None => Snapshot {
                    value: self.kind.empty(),
                    mod_revision: 0,
                },
            };
            snap.insert(k.clone(), entry);
        }
        Ok(snap)
    }

    /// Commits the written keys if no touched key changed since the snapshot.
    async fn commit(
        &self,
        conn: &mut Conn,
        snap: &BTreeMap<String, Snapshot>,
        state: &BTreeMap<String, Value>,
        written: &[String],
    ) -> Result<(), OpError> {
        let compares: Vec<Compare> = snap
            .iter()
            .map(|(k, s)| Compare::mod_revision(self.etcd_key(k), CompareOp::Equal, s.mod_revision))
            .collect();
        let puts: Vec<TxnOp> = written
            .iter()
            .map(|k| TxnOp::put(self.etcd_key(k), state[k].to_string(), None))
            .collect();
        let resp = conn
            .client
            .txn(Txn::new().when(compares).and_then(puts))
            .await
            .map_err(during_write)?;
        if resp.succeeded() {
            Ok(())
        } else {
            Err(OpError::NotApplied(
                "txn conflict: a touched key changed since it was read".into(),
            ))
        }
    }
}

#[async_trait]
impl Ops for Txns {
    async fn apply(&self, conn: &mut Conn, _test: &Test, op: &Op) -> Result<Value, OpError> {
        if op.f != "txn" {
            return Err(OpError::NotApplied(format!(
                "failed to invoke {}: only txn is served",
                op.f
            )));
        }
        let micros = parse(self.kind, &op.value)?;
        let mut keys: Vec<String> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        for m in &micros {
            let k = key_text(m.key());
            if matches!(m, Micro::Write(..)) && !written.contains(&k) {
                written.push(k.clone());
            }
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let snap = self.snapshot(conn, &keys).await?;
        let mut state: BTreeMap<String, Value> = snap
            .iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect();
        let done = run_local(self.kind, &micros, &mut state);
        if !written.is_empty() {
            self.commit(conn, &snap, &state, &written).await?;
        }
        Ok(done)
    }

    fn is_read(&self, op: &Op) -> bool {
        parse(self.kind, &op.value)
            .map(|ms| ms.iter().all(|m| matches!(m, Micro::Read(_))))
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_own_appends() {
        let micros = parse(
            TxnKind::ListAppend,
            &json!([
                ["r", 1, null],
                ["append", 1, 5],
                ["r", 1, null],
                ["r", 2, null]
            ]),
        )
        .unwrap();
        let mut state = BTreeMap::from([("1".to_string(), json!([3]))]);
        let done = run_local(TxnKind::ListAppend, &micros, &mut state);
        assert_eq!(
            done,
            json!([
                ["r", 1, [3]],
                ["append", 1, 5],
                ["r", 1, [3, 5]],
                ["r", 2, []]
            ])
        );
        assert_eq!(state["1"], json!([3, 5]));
    }

    #[test]
    fn rw_register_reads_last_write() {
        let micros = parse(
            TxnKind::RwRegister,
            &json!([["r", "x", null], ["w", "x", 2], ["r", "x", null]]),
        )
        .unwrap();
        let mut state = BTreeMap::new();
        let done = run_local(TxnKind::RwRegister, &micros, &mut state);
        assert_eq!(
            done,
            json!([["r", "x", null], ["w", "x", 2], ["r", "x", 2]])
        );
    }

    #[test]
    fn rejects_foreign_micro_ops() {
        assert!(parse(TxnKind::ListAppend, &json!([["w", 1, 2]])).is_err());
        assert!(parse(TxnKind::RwRegister, &json!([["append", 1, 2]])).is_err());
        assert!(parse(TxnKind::ListAppend, &json!([["append", 1, "x"]])).is_err());
    }

    #[test]
    fn decodes_stored_values() {
        assert_eq!(
            TxnKind::ListAppend.decode(b"[1,2]", "k").unwrap(),
            json!([1, 2])
        );
        assert!(TxnKind::ListAppend.decode(b"1,2", "k").is_err());
        assert_eq!(TxnKind::RwRegister.decode(b"7", "k").unwrap(), json!(7));
    }
}
