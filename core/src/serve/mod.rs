//! Each workload's op vocabulary as a trait that a database's connection
//! implements: how a workload is tied to a client at compile time.
//!
//! A workload module here holds three things: a typed trait of the operations
//! it needs (`RegisterConn`: read, write, cas), the one parser of its ops'
//! values, and a [`Driver`](crate::op_client::Driver) that turns ops into calls
//! of that trait. A database adapter implements the traits its connection can
//! serve and lists them (`register(connector)`, ...); it cannot list a workload
//! its connection does not implement, because that does not compile. Parsing
//! op values once, here, means no adapter can read the vocabulary differently;
//! and the completions all come from core's one rule (`op_client`).

pub mod bank;
pub mod counter;
pub mod register;
pub mod set;
pub mod txn;

use crate::client::{Client, ClientError};
use crate::op::Op;
use crate::op_client::OpError;
use crate::test::Test;
use async_trait::async_trait;

/// The name of every workload with a trait here (what `--workload` takes).
pub const WORKLOADS: [&str; 6] = [
    register::NAME,
    set::NAME,
    txn::LIST_APPEND,
    txn::RW_REGISTER,
    bank::NAME,
    counter::NAME,
];

/// How a database adapter opens a connection to one node.
#[async_trait]
pub trait Connector: Send + Sync + Clone + 'static {
    /// An open connection; it implements the workloads' traits it serves.
    type Conn: Send + Sync + 'static;

    /// Connects to `node` (at its client address in `test.addrs`).
    async fn connect(&self, test: &Test, node: &str) -> Result<Self::Conn, ClientError>;
}

/// One workload a database serves: its name (the workload module's `NAME`)
/// and the template client.
pub struct Served {
    pub workload: &'static str,
    pub client: Box<dyn Client>,
}

/// The template client of `workload` among what a database serves, or an
/// error naming what it does serve.
pub fn pick(db: &str, served: Vec<Served>, workload: &str) -> Result<Box<dyn Client>, String> {
    let names: Vec<&str> = served.iter().map(|s| s.workload).collect();
    served
        .into_iter()
        .find(|s| s.workload == workload)
        .map(|s| s.client)
        .ok_or_else(|| {
            format!(
                "failed to find a client for workload {workload:?} on {db}: it serves {}",
                names.join(", ")
            )
        })
}

/// The error of an op whose value does not fit its workload's vocabulary.
pub(crate) fn bad(op: &Op, why: &str) -> OpError {
    OpError::NotApplied(format!(
        "failed to understand {} value {}: {why}",
        op.f, op.value
    ))
}

#[cfg(test)]
mod tests;
