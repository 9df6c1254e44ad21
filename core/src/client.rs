//! The `Client` extension point: how a worker talks to the system under test.
//!
//! Lifecycle, as Jepsen's: a template client is [`Client::open`]ed once per worker
//! against a node; [`Client::setup`] runs once per test (on the first client),
//! [`Client::invoke`] performs operations, [`Client::teardown`] undoes setup, and
//! [`Client::close`] releases the connection. When a process crashes (an `info`
//! completion) the runner closes its client and opens a fresh one.

use crate::op::Op;
use crate::test::Test;
use async_trait::async_trait;

/// Why a client could not be opened or set up.
#[derive(Debug, thiserror::Error)]
#[error("failed to {action} on {node}: {message}")]
pub struct ClientError {
    pub node: String,
    pub action: String,
    pub message: String,
}

#[async_trait]
pub trait Client: Send + Sync {
    /// Returns a new client connected to `node`. Called on a template client.
    async fn open(&self, test: &Test, node: &str) -> Result<Box<dyn Client>, ClientError>;

    /// Prepares the system for the workload (create tables, ...). Once per test.
    async fn setup(&mut self, _test: &Test) -> Result<(), ClientError> {
        Ok(())
    }

    /// Performs `op` (an invocation) and returns its completion: `ok`, `fail` if it
    /// definitely did not happen, `info` if it may have. Errors and timeouts are
    /// completions, never panics.
    async fn invoke(&mut self, test: &Test, op: &Op) -> Op;

    /// Undoes setup. Once per test.
    async fn teardown(&mut self, _test: &Test) -> Result<(), ClientError> {
        Ok(())
    }

    /// Releases the connection.
    async fn close(&mut self) {}
}
