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

use super::conn::{before_write, during_write, key_text, Conn};
use async_trait::async_trait;
use etcd_client::{Compare, CompareOp, Txn, TxnOp, TxnOpResponse};
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::txn::{Micro, TxnConn, TxnKind};
use rjepsen_core::test::Test;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Where each kind's keys live.
fn prefix(kind: TxnKind) -> &'static str {
    match kind {
        TxnKind::ListAppend => "/rjepsen/append/",
        TxnKind::RwRegister => "/rjepsen/rw/",
    }
}

fn etcd_key(kind: TxnKind, k: &str) -> String {
    format!("{}{k}", prefix(kind))
}

/// Parses stored bytes into the JSON value a read returns.
fn decode(kind: TxnKind, bytes: &[u8], key: &str) -> Result<Value, OpError> {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let ok = match (kind, &parsed) {
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
fn apply_write(kind: TxnKind, current: &Value, v: i64) -> Value {
    match (kind, current) {
        (TxnKind::ListAppend, Value::Array(items)) => {
            let mut items = items.clone();
            items.push(json!(v));
            Value::Array(items)
        }
        (TxnKind::ListAppend, _) => json!([v]),
        (TxnKind::RwRegister, _) => json!(v),
    }
}

/// Runs `micros` over `state` (key text → value) and returns what each
/// micro-op saw (a write: null); `state` ends as the transaction leaves it.
pub(crate) fn run_local(
    kind: TxnKind,
    micros: &[Micro],
    state: &mut BTreeMap<String, Value>,
) -> Vec<Value> {
    let seen = micros.iter().map(|m| match m {
        Micro::Read(k) => state
            .get(&key_text(k))
            .cloned()
            .unwrap_or_else(|| kind.empty()),
        Micro::Write(k, v) => {
            let slot = state.entry(key_text(k)).or_insert_with(|| kind.empty());
            *slot = apply_write(kind, slot, *v);
            Value::Null
        }
    });
    seen.collect()
}

/// What the first request saw of one key.
struct Snapshot {
    value: Value,
    mod_revision: i64,
}

/// Reads `keys` at one revision.
async fn snapshot(
    kind: TxnKind,
    conn: &mut Conn,
    keys: &[String],
) -> Result<BTreeMap<String, Snapshot>, OpError> {
    let gets: Vec<TxnOp> = keys
        .iter()
        .map(|k| TxnOp::get(etcd_key(kind, k), Some(conn.read_options())))
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
                value: decode(kind, kv.value(), &etcd_key(kind, k))?,
                mod_revision: kv.mod_revision(),
            },
            None => Snapshot {
                value: kind.empty(),
                mod_revision: 0,
            },
        };
        snap.insert(k.clone(), entry);
    }
    Ok(snap)
}

/// Commits the written keys if no touched key changed since the snapshot.
async fn commit(
    kind: TxnKind,
    conn: &mut Conn,
    snap: &BTreeMap<String, Snapshot>,
    state: &BTreeMap<String, Value>,
    written: &[String],
) -> Result<(), OpError> {
    let compares: Vec<Compare> = snap
        .iter()
        .map(|(k, s)| Compare::mod_revision(etcd_key(kind, k), CompareOp::Equal, s.mod_revision))
        .collect();
    let puts: Vec<TxnOp> = written
        .iter()
        .map(|k| TxnOp::put(etcd_key(kind, k), state[k].to_string(), None))
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

#[async_trait]
impl TxnConn for Conn {
    async fn txn(
        &mut self,
        _test: &Test,
        kind: TxnKind,
        micros: &[Micro],
    ) -> Result<Vec<Value>, OpError> {
        let mut keys: Vec<String> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        for m in micros {
            let k = key_text(m.key());
            if matches!(m, Micro::Write(..)) && !written.contains(&k) {
                written.push(k.clone());
            }
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let snap = snapshot(kind, self, &keys).await?;
        let mut state: BTreeMap<String, Value> = snap
            .iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect();
        let seen = run_local(kind, micros, &mut state);
        if !written.is_empty() {
            commit(kind, self, &snap, &state, &written).await?;
        }
        Ok(seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_see_own_appends() {
        let micros = [
            Micro::Read(json!(1)),
            Micro::Write(json!(1), 5),
            Micro::Read(json!(1)),
            Micro::Read(json!(2)),
        ];
        let mut state = BTreeMap::from([("1".to_string(), json!([3]))]);
        let seen = run_local(TxnKind::ListAppend, &micros, &mut state);
        assert_eq!(seen, [json!([3]), Value::Null, json!([3, 5]), json!([])]);
        assert_eq!(state["1"], json!([3, 5]));
    }

    #[test]
    fn rw_register_reads_last_write() {
        let x = json!("x");
        let micros = [
            Micro::Read(x.clone()),
            Micro::Write(x.clone(), 2),
            Micro::Read(x),
        ];
        let mut state = BTreeMap::new();
        let seen = run_local(TxnKind::RwRegister, &micros, &mut state);
        assert_eq!(seen, [Value::Null, Value::Null, json!(2)]);
    }

    #[test]
    fn decodes_stored_values() {
        let list = TxnKind::ListAppend;
        assert_eq!(decode(list, b"[1,2]", "k").unwrap(), json!([1, 2]));
        assert!(decode(list, b"1,2", "k").is_err());
        assert_eq!(decode(TxnKind::RwRegister, b"7", "k").unwrap(), json!(7));
    }
}
