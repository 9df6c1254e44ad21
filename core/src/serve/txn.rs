//! Elle's transactional workloads: list-append and rw-register.
//!
//! A `txn` op's value is a list of micro-ops: `["append", k, v]` (list-append)
//! or `["w", k, v]` (rw-register), and `["r", k, null]`, which the completion
//! fills with what was read: the list (`[]` for a key never appended) or the
//! value (`null` for a key never written). A database runs the micro-ops in
//! order as one transaction, so that a read sees the transaction's own earlier
//! writes; `ok` means it committed.

use super::{bad, Connector, Served};
use crate::client::ClientError;
use crate::op::Op;
use crate::op_client::{Driver, OpClient, OpError};
use crate::test::Test;
use async_trait::async_trait;
use serde_json::{json, Value};

/// The workloads' names, as `--workload` gives them.
pub const LIST_APPEND: &str = "list-append";
pub const RW_REGISTER: &str = "rw-register";

/// Which of Elle's data types the keys hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnKind {
    /// `["append", k, v]` and `["r", k, list]`.
    ListAppend,
    /// `["w", k, v]` and `["r", k, v]`.
    RwRegister,
}

impl TxnKind {
    /// The name of the writing micro-op.
    pub fn write_name(self) -> &'static str {
        match self {
            TxnKind::ListAppend => "append",
            TxnKind::RwRegister => "w",
        }
    }

    /// What a read of a key never written returns.
    pub fn empty(self) -> Value {
        match self {
            TxnKind::ListAppend => json!([]),
            TxnKind::RwRegister => Value::Null,
        }
    }
}

/// One micro-op, parsed. A write is an append for list-append.
#[derive(Clone, Debug, PartialEq)]
pub enum Micro {
    Read(Value),
    Write(Value, i64),
}

impl Micro {
    pub fn key(&self) -> &Value {
        match self {
            Micro::Read(k) | Micro::Write(k, _) => k,
        }
    }
}

/// What a connection must do to serve list-append and rw-register.
#[async_trait]
pub trait TxnConn: Send + Sync {
    /// Runs `micros` as one transaction; returns one value per micro-op: what
    /// a read saw (a list of integers, or an integer or null), anything for a
    /// write.
    async fn txn(
        &mut self,
        test: &Test,
        kind: TxnKind,
        micros: &[Micro],
    ) -> Result<Vec<Value>, OpError>;
}

/// The list-append client of a database whose connections serve it.
pub fn list_append<C: Connector>(connector: C) -> Served
where
    C::Conn: TxnConn,
{
    served(LIST_APPEND, TxnKind::ListAppend, connector)
}

/// The rw-register client of a database whose connections serve it.
pub fn rw_register<C: Connector>(connector: C) -> Served
where
    C::Conn: TxnConn,
{
    served(RW_REGISTER, TxnKind::RwRegister, connector)
}

fn served<C: Connector>(workload: &'static str, kind: TxnKind, connector: C) -> Served
where
    C::Conn: TxnConn,
{
    Served {
        workload,
        client: Box::new(OpClient::new(TxnDriver { kind, connector })),
    }
}

#[derive(Clone)]
struct TxnDriver<C> {
    kind: TxnKind,
    connector: C,
}

/// Parses `[["append", k, v], ["r", k, null], ...]`.
pub fn parse(kind: TxnKind, op: &Op) -> Result<Vec<Micro>, OpError> {
    let micros = op
        .value
        .as_array()
        .ok_or_else(|| bad(op, "expected a list"))?;
    micros
        .iter()
        .map(|m| match m.as_array().map(Vec::as_slice) {
            Some([f, k, _]) if f == "r" => Ok(Micro::Read(k.clone())),
            Some([f, k, v]) if f == kind.write_name() => v
                .as_i64()
                .map(|v| Micro::Write(k.clone(), v))
                .ok_or_else(|| bad(op, &format!("{m} writes a non-integer"))),
            _ => Err(bad(op, &format!("unknown micro-op {m}"))),
        })
        .collect()
}

/// The completed micro-ops: reads filled with what the transaction saw.
fn complete(kind: TxnKind, micros: &[Micro], seen: Vec<Value>) -> Result<Value, OpError> {
    if seen.len() != micros.len() {
        return Err(OpError::Unknown(format!(
            "the database returned {} results for {} micro-ops",
            seen.len(),
            micros.len()
        )));
    }
    let done = micros.iter().zip(seen).map(|(m, v)| match m {
        Micro::Read(k) => json!(["r", k, v]),
        Micro::Write(k, w) => json!([kind.write_name(), k, w]),
    });
    Ok(Value::Array(done.collect()))
}

#[async_trait]
impl<C: Connector> Driver for TxnDriver<C>
where
    C::Conn: TxnConn,
{
    type Conn = C::Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<C::Conn, ClientError> {
        self.connector.connect(test, node).await
    }

    async fn apply(&self, conn: &mut C::Conn, test: &Test, op: &Op) -> Result<Value, OpError> {
        if op.f != "txn" {
            return Err(bad(op, "only txn is served"));
        }
        let micros = parse(self.kind, op)?;
        let seen = conn.txn(test, self.kind, &micros).await?;
        complete(self.kind, &micros, seen)
    }

    fn is_read(&self, op: &Op) -> bool {
        parse(self.kind, op)
            .map(|ms| ms.iter().all(|m| matches!(m, Micro::Read(_))))
            .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Process;

    fn txn(v: Value) -> Op {
        Op::invoke(Process::Client(0), "txn", v)
    }

    #[test]
    fn rejects_foreign_micro_ops() {
        assert!(parse(TxnKind::ListAppend, &txn(json!([["w", 1, 2]]))).is_err());
        assert!(parse(TxnKind::RwRegister, &txn(json!([["append", 1, 2]]))).is_err());
        assert!(parse(TxnKind::ListAppend, &txn(json!([["append", 1, "x"]]))).is_err());
    }

    #[test]
    fn completion_fills_reads_only() {
        let kind = TxnKind::ListAppend;
        let micros = parse(kind, &txn(json!([["append", 1, 5], ["r", 1, null]]))).unwrap();
        let done = complete(kind, &micros, vec![Value::Null, json!([3, 5])]).unwrap();
        assert_eq!(done, json!([["append", 1, 5], ["r", 1, [3, 5]]]));
        // A database that answers too little leaves the outcome open.
        assert!(matches!(
            complete(kind, &micros, vec![]),
            Err(OpError::Unknown(_))
        ));
    }
}
