//! Connections to PostgreSQL nodes and the schema the workloads use.
//!
//! Every write goes to the primary (the test's first node, by the `Db`'s
//! convention: the others stream from it); with `--read-from replica` a
//! read-only transaction goes to the worker's own node instead. Addresses
//! come from the test's address book (`Test::addrs`), never from a node's name.

use super::errors::{classify, Phase};
use super::options::{PgOptions, ReadFrom};
use async_trait::async_trait;
use rjepsen_core::client::ClientError;
use rjepsen_core::db::DbOptions;
use rjepsen_core::serve::Connector;
use rjepsen_core::test::Test;
use std::time::Duration;
use tokio_postgres::{Client as PgClient, Config, NoTls};

/// How long to wait for a TCP connection and the start-up exchange.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The PostgreSQL port every node listens on (what the address book is built with).
pub const PORT: u16 = 5432;

/// The tables of every workload, created once by whichever client gets there
/// first (under an advisory lock, so concurrent set-ups do not collide).
pub const SCHEMA: &str = "SELECT pg_advisory_xact_lock(14);
CREATE TABLE IF NOT EXISTS rj_register (k text PRIMARY KEY, v bigint NOT NULL);
CREATE TABLE IF NOT EXISTS rj_set (e bigint PRIMARY KEY);
CREATE TABLE IF NOT EXISTS rj_append (k text PRIMARY KEY, v bigint[] NOT NULL);
CREATE TABLE IF NOT EXISTS rj_rw (k text PRIMARY KEY, v bigint NOT NULL);";

/// Opens connections for one worker.
#[derive(Clone, Debug, Default)]
pub struct PgConnector;

/// A worker's connections: to the primary, and to its own node when reads
/// are served by replicas.
pub struct Conn {
    pub primary: PgClient,
    pub reader: Option<PgClient>,
    pub options: PgOptions,
}

impl Conn {
    /// Where a read-only transaction goes.
    pub fn for_reads(&self) -> &PgClient {
        self.reader.as_ref().unwrap_or(&self.primary)
    }
}

fn error(node: &str, action: &str, message: impl Into<String>) -> ClientError {
    ClientError {
        node: node.to_string(),
        action: action.to_string(),
        message: message.into(),
    }
}

/// Connects to `node`'s client address in the book, as `postgres` (the `Db`
/// lets the control node in with trust authentication).
async fn dial(test: &Test, node: &str) -> Result<PgClient, ClientError> {
    let addr = test
        .addrs
        .client(node)
        .map_err(|e| error(node, "find the node's client address", e.to_string()))?;
    let mut config = Config::new();
    config
        .host(addr.ip().to_string())
        .port(addr.port())
        .user("postgres")
        .dbname("postgres")
        .connect_timeout(CONNECT_TIMEOUT);
    let action = format!("connect to postgres at {addr}");
    let connecting = tokio::time::timeout(CONNECT_TIMEOUT * 2, config.connect(NoTls));
    let (client, connection) = connecting
        .await
        .map_err(|_| error(node, &action, "timed out"))?
        .map_err(|e| error(node, &action, e.to_string()))?;
    // The connection's I/O runs on its own task; it ends when the client drops.
    tokio::spawn(connection);
    Ok(client)
}

#[async_trait]
impl Connector for PgConnector {
    type Conn = Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<Conn, ClientError> {
        let options = PgOptions::of(test);
        let first = test.nodes.first().map(String::as_str).unwrap_or(node);
        let primary = dial(test, first).await?;
        primary
            .batch_execute(&format!("BEGIN; {SCHEMA} COMMIT;"))
            .await
            .map_err(|e| {
                error(
                    first,
                    "create the tables",
                    classify(&e, Phase::Commit).to_string(),
                )
            })?;
        let reader = match options.read_from {
            ReadFrom::Replica if node != first => Some(dial(test, node).await?),
            _ => None,
        };
        Ok(Conn {
            primary,
            reader,
            options,
        })
    }
}
