//! The register, set and counter workloads on Redis: one command per op on
//! the primary (reads where `--read-from` says), then `WAIT` after a write
//! when `--wait-replicas` asks.
//!
//! `cas` is one Lua script (`EVAL`): Redis runs a script atomically, so the
//! compare and the set see no write in between, and a script that returns 0
//! wrote nothing. Keys are namespaced by workload (`r:<k>`, `set`, `counter`).

use super::conn::{Conn, Query, Target};
use async_trait::async_trait;
use rjepsen_core::op_client::OpError;
use rjepsen_core::serve::counter::CounterConn;
use rjepsen_core::serve::register::RegisterConn;
use rjepsen_core::serve::set::SetConn;
use rjepsen_core::test::Test;
use serde_json::Value;

/// Compare-and-set: 1 when the value was `ARGV[1]` and is now `ARGV[2]`.
const CAS: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
                   redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";
pub const SET_KEY: &str = "set";
pub const COUNTER_KEY: &str = "counter";

/// A register's key: strings as they are, anything else as JSON.
pub fn register_key(k: &Value) -> String {
    match k {
        Value::String(s) => format!("r:{s}"),
        other => format!("r:{other}"),
    }
}

#[async_trait]
impl RegisterConn for Conn {
    async fn read(&mut self, test: &Test, k: &Value) -> Result<Option<i64>, OpError> {
        let get = redis::cmd("GET").arg(register_key(k)).clone();
        self.run(test, Target::Reads, Query::Cmd(&get)).await
    }

    async fn write(&mut self, test: &Test, k: &Value, v: i64) -> Result<(), OpError> {
        let set = redis::cmd("SET").arg(register_key(k)).arg(v).clone();
        self.run::<()>(test, Target::Primary, Query::Cmd(&set))
            .await?;
        self.replicated(test).await
    }

    async fn cas(&mut self, test: &Test, k: &Value, old: i64, new: i64) -> Result<bool, OpError> {
        let eval = redis::cmd("EVAL")
            .arg(CAS)
            .arg(1)
            .arg(register_key(k))
            .arg(old)
            .arg(new)
            .clone();
        let swapped: i64 = self.run(test, Target::Primary, Query::Cmd(&eval)).await?;
        if swapped == 1 {
            self.replicated(test).await?;
        }
        Ok(swapped == 1)
    }
}

#[async_trait]
impl SetConn for Conn {
    async fn add(&mut self, test: &Test, e: i64) -> Result<(), OpError> {
        let add = redis::cmd("SADD").arg(SET_KEY).arg(e).clone();
        self.run::<i64>(test, Target::Primary, Query::Cmd(&add))
            .await?;
        self.replicated(test).await
    }

    async fn read_all(&mut self, test: &Test) -> Result<Vec<i64>, OpError> {
        let all = redis::cmd("SMEMBERS").arg(SET_KEY).clone();
        self.run(test, Target::Reads, Query::Cmd(&all)).await
    }
}

#[async_trait]
impl CounterConn for Conn {
    async fn add(&mut self, test: &Test, delta: i64) -> Result<(), OpError> {
        let incr = redis::cmd("INCRBY").arg(COUNTER_KEY).arg(delta).clone();
        self.run::<i64>(test, Target::Primary, Query::Cmd(&incr))
            .await?;
        self.replicated(test).await
    }

    async fn read_counter(&mut self, test: &Test) -> Result<i64, OpError> {
        let get = redis::cmd("GET").arg(COUNTER_KEY).clone();
        let v: Option<i64> = self.run(test, Target::Reads, Query::Cmd(&get)).await?;
        Ok(v.unwrap_or(0))
    }
}
