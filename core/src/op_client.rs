//! One rule for what an error means: the generic op client every DB adapter uses.
//!
//! Whether a failed operation completes as `fail` (it did not happen) or `info`
//! (it may have happened) decides what a history means, so the decision must not
//! differ between databases. An adapter therefore never builds completions
//! itself: it implements [`Driver`] — how to connect to a node and how to apply
//! one op on that connection, saying through [`OpError`] whether an error proves
//! that nothing happened — and [`OpClient`] applies the one rule around it:
//!
//! | what `apply` did | a write | a read ([`Driver::is_read`]) |
//! |---|---|---|
//! | returned a value | `ok` | `ok` |
//! | [`OpError::NotApplied`] (did not happen) | `fail` | `fail` |
//! | [`OpError::Unknown`] (may have happened) | `info` | `fail` |
//! | ran past the op timeout | `info` | `fail` |
//!
//! A read has no effect, so whatever goes wrong with it is a `fail`. The op
//! timeout is the test's `op-timeout` (seconds, default 5), applied here, so no
//! adapter can forget it; the runner's `TimeoutTemplate` stays the outer net.

use crate::client::{Client, ClientError};
use crate::op::{Op, OpType};
use crate::test::Test;
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

/// The default bound on one operation.
pub const DEFAULT_OP_TIMEOUT: Duration = Duration::from_secs(5);

/// Why an operation did not complete `ok`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// It definitely did not take effect (refused before it reached the state
    /// machine, a failed compare, a serialization failure, ...): `fail`.
    #[error("{0}")]
    NotApplied(String),
    /// It may have taken effect (connection lost mid-request, a server-side
    /// timeout, ...): `info` for a write, `fail` for a read.
    #[error("{0}")]
    Unknown(String),
}

/// How an apply ended, as the rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(Result<Value, OpError>),
    TimedOut(Duration),
}

/// The rule: the completion of `op` (a read when `read`) that ended as `outcome`.
pub fn completion(op: &Op, read: bool, outcome: Outcome) -> Op {
    match outcome {
        Outcome::Done(Ok(value)) => op.complete(OpType::Ok, value),
        Outcome::Done(Err(OpError::NotApplied(e))) => op.fail(e),
        Outcome::Done(Err(OpError::Unknown(e))) if read => op.fail(e),
        Outcome::Done(Err(OpError::Unknown(e))) => op.info(e),
        Outcome::TimedOut(t) if read => op.fail(format!("timed out after {t:?}")),
        Outcome::TimedOut(t) => op.info(format!("timed out after {t:?}")),
    }
}

/// The per-operation timeout: `test.options["op-timeout"]` seconds (a number or a
/// numeric string), else [`DEFAULT_OP_TIMEOUT`].
pub fn op_timeout(test: &Test) -> Duration {
    let secs = match test.options.get("op-timeout") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        _ => None,
    };
    secs.filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_OP_TIMEOUT)
}

/// What a database adapter supplies for one workload: a connection and the
/// application of one op on it. Everything else (timeouts, completions, the
/// node field) is [`OpClient`]'s.
#[async_trait]
pub trait Driver: Send + Sync + Clone + 'static {
    /// An open connection to one node.
    type Conn: Send + Sync + 'static;

    /// Connects to `node` (at its client address in `test.addrs`).
    async fn connect(&self, test: &Test, node: &str) -> Result<Self::Conn, ClientError>;

    /// Performs `op` and returns the completed value (the completion is `ok`).
    async fn apply(&self, conn: &mut Self::Conn, test: &Test, op: &Op) -> Result<Value, OpError>;

    /// True when `op` cannot change anything, so that any error is a `fail`.
    fn is_read(&self, op: &Op) -> bool {
        op.f == "read"
    }

    /// Once-per-test preparation (tables, initial balances, ...).
    async fn setup(&self, _conn: &mut Self::Conn, _test: &Test) -> Result<(), OpError> {
        Ok(())
    }
}

/// A template (no connection) or an open client of driver `D`.
pub struct OpClient<D: Driver> {
    driver: D,
    conn: Option<(String, D::Conn)>,
}

impl<D: Driver> OpClient<D> {
    /// A template client; the runner calls [`Client::open`] per worker.
    pub fn new(driver: D) -> Self {
        OpClient { driver, conn: None }
    }
}

#[async_trait]
impl<D: Driver> Client for OpClient<D> {
    async fn open(&self, test: &Test, node: &str) -> Result<Box<dyn Client>, ClientError> {
        let conn = self.driver.connect(test, node).await?;
        Ok(Box::new(OpClient {
            driver: self.driver.clone(),
            conn: Some((node.to_string(), conn)),
        }))
    }

    async fn setup(&mut self, test: &Test) -> Result<(), ClientError> {
        let Some((node, conn)) = self.conn.as_mut() else {
            return Err(not_open("set up the workload"));
        };
        let timeout = op_timeout(test) * 4;
        let done = tokio::time::timeout(timeout, self.driver.setup(conn, test)).await;
        let message = match done {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("timed out after {timeout:?}"),
        };
        Err(ClientError {
            node: node.clone(),
            action: "set up the workload".into(),
            message,
        })
    }

    async fn invoke(&mut self, test: &Test, op: &Op) -> Op {
        let Some((node, conn)) = self.conn.as_mut() else {
            return op.fail("failed to invoke: client is not open");
        };
        let timeout = op_timeout(test);
        let outcome = match tokio::time::timeout(timeout, self.driver.apply(conn, test, op)).await {
            Ok(done) => Outcome::Done(done),
            Err(_) => Outcome::TimedOut(timeout),
        };
        let mut done = completion(op, self.driver.is_read(op), outcome);
        done.node = Some(node.clone());
        done
    }

    async fn close(&mut self) {
        self.conn = None;
    }
}

fn not_open(action: &str) -> ClientError {
    ClientError {
        node: String::new(),
        action: action.to_string(),
        message: "the client is a template; open it on a node first".into(),
    }
}

#[cfg(test)]
mod tests;
