//! List-append on Redis: each key a list; a transaction is one `MULTI` …
//! `EXEC` of `RPUSH` (append) and `LRANGE 0 -1` (read), in order, so a read
//! sees the transaction's own earlier appends and nothing of others'.
//!
//! Redis runs `EXEC`'s commands one after another with nothing in between,
//! which is serializable for a single node. A read-only transaction goes
//! where `--read-from` sends reads.

use super::conn::{Conn, Query, Target};
use super::register::register_key;
use async_trait::async_trait;
use redis::Value as RValue;
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::txn::{Micro, TxnConn, TxnKind};
use rjepsen_core::test::Test;
use serde_json::{json, Value};

/// A list's key (`l:<k>`; register keys are `r:<k>`).
fn list_key(k: &Value) -> String {
    format!("l{}", &register_key(k)[1..])
}

/// What `EXEC` answered for one micro-op.
fn seen(m: &Micro, v: &RValue) -> Result<Value, OpError> {
    match m {
        Micro::Write(..) => Ok(Value::Null),
        Micro::Read(_) => {
            let items: Vec<i64> = redis::from_redis_value_ref(v)
                .map_err(|e| OpError::Unknown(format!("LRANGE answered {v:?}: {e}")))?;
            Ok(json!(items))
        }
    }
}

#[async_trait]
impl TxnConn for Conn {
    async fn txn(
        &mut self,
        test: &Test,
        kind: TxnKind,
        micros: &[Micro],
    ) -> Result<Vec<Value>, OpError> {
        if kind != TxnKind::ListAppend {
            return Err(OpError::NotApplied(
                "redis serves list-append only, not rw-register".into(),
            ));
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for m in micros {
            match m {
                Micro::Read(k) => pipe.cmd("LRANGE").arg(list_key(k)).arg(0).arg(-1),
                Micro::Write(k, v) => pipe.cmd("RPUSH").arg(list_key(k)).arg(*v),
            };
        }
        let read_only = micros.iter().all(|m| matches!(m, Micro::Read(_)));
        let target = if read_only {
            Target::Reads
        } else {
            Target::Primary
        };
        let answers: Vec<RValue> = self.run(test, target, Query::Pipe(&pipe)).await?;
        if answers.len() != micros.len() {
            return Err(OpError::Unknown(format!(
                "EXEC answered {} results for {} commands",
                answers.len(),
                micros.len()
            )));
        }
        let values = micros
            .iter()
            .zip(&answers)
            .map(|(m, v)| seen(m, v))
            .collect::<Result<Vec<_>, _>>()?;
        if !read_only {
            self.replicated(test).await?;
        }
        Ok(values)
    }
}
