//! Connections that follow the current primary.
//!
//! A worker does not keep one node: before a write (and a read, unless reads
//! go to replicas) it needs the primary, which it asks the Sentinels for —
//! its own node's first, then the others — and keeps until an error says it
//! may have moved (a lost connection, `-READONLY` from a demoted primary).
//! Sentinel names the primary by the address it monitors; that address is
//! mapped to a node with the test's address book, and the node's client
//! address in the book is what is dialled. Without Sentinel
//! (`--failover none`) the primary is the first node for good.

use super::commands::{MASTER_NAME, SENTINEL_PORT};
use super::errors::{classify, not_connected};
use super::options::{Failover, ReadFrom, RedisOptions};
use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, FromRedisValue};
use rjepsen_core::client::ClientError;
use rjepsen_core::db::DbOptions;
use rjepsen_core::op_client::{op_timeout, OpError};
use rjepsen_core::serve::Connector;
use rjepsen_core::test::Test;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The port every node's server listens on (what the address book is built with).
pub const PORT: u16 = 6379;
/// How long to wait for a TCP connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Opens connections for one worker (lazily: a worker whose primary is down
/// still runs, and its ops fail).
#[derive(Clone, Debug, Default)]
pub struct RedisConnector;

/// Which connection a command goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Primary,
    /// The primary, or the worker's own node with `--read-from replica`.
    Reads,
}

/// A command or a pipeline (`MULTI`/`EXEC` when atomic).
#[derive(Clone, Copy)]
pub enum Query<'a> {
    Cmd(&'a redis::Cmd),
    Pipe(&'a redis::Pipeline),
}

/// A node's name and an open connection to it.
pub struct Link {
    pub node: String,
    pub conn: MultiplexedConnection,
}

/// A worker's connections: to the primary, and to its own node when reads
/// are served by replicas.
pub struct Conn {
    pub node: String,
    pub options: RedisOptions,
    primary: Option<Link>,
    replica: Option<Link>,
    /// Set while an op runs: still set at the next op's start, the previous
    /// one was cancelled (timed out) mid-way and its connection may sit in a
    /// half-sent `MULTI`, so both links are dropped.
    busy: bool,
}

/// Dials `addr`, answers within `response` or errs.
pub async fn dial(
    addr: SocketAddr,
    response: Duration,
) -> redis::RedisResult<MultiplexedConnection> {
    let client = redis::Client::open(format!("redis://{addr}/"))?;
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(response));
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// The node whose IP is `ip` (as Sentinel names the primary).
fn node_at(test: &Test, ip: IpAddr) -> Option<String> {
    if let Some(n) = test.addrs.node_at(ip) {
        return Some(n.to_string());
    }
    test.addrs
        .nodes()
        .iter()
        .find(|n| n.peer.ip() == ip || n.client.ip() == ip)
        .map(|n| n.node.clone())
}

/// What `node`'s Sentinel says the primary is.
async fn ask_sentinel(test: &Test, node: &str) -> Result<String, String> {
    let client = test.addrs.client(node).map_err(|e| e.to_string())?;
    let at = SocketAddr::new(client.ip(), SENTINEL_PORT);
    let mut conn = dial(at, Duration::from_secs(1))
        .await
        .map_err(|e| format!("sentinel at {at}: {e}"))?;
    let answer: Option<(String, u16)> = redis::cmd("SENTINEL")
        .arg("get-master-addr-by-name")
        .arg(MASTER_NAME)
        .query_async(&mut conn)
        .await
        .map_err(|e| format!("sentinel at {at}: {e}"))?;
    let (ip, port) = answer.ok_or_else(|| format!("sentinel at {at} knows no {MASTER_NAME}"))?;
    let parsed: IpAddr = ip
        .parse()
        .map_err(|e| format!("sentinel at {at} named {ip:?}: {e}"))?;
    node_at(test, parsed)
        .ok_or_else(|| format!("sentinel at {at} named {ip}:{port}, no node of the test"))
}

/// The current primary's node, as the Sentinels (asked from `first` on) say;
/// the first node without Sentinel.
pub async fn current_primary(test: &Test, first: &str) -> Result<String, String> {
    if RedisOptions::of(test).failover == Failover::None {
        return test
            .nodes
            .first()
            .cloned()
            .ok_or_else(|| "the test has no nodes".to_string());
    }
    let mut order: Vec<&str> = vec![first];
    order.extend(
        test.nodes
            .iter()
            .map(String::as_str)
            .filter(|n| *n != first),
    );
    let mut why = Vec::new();
    for n in order {
        match ask_sentinel(test, n).await {
            Ok(p) => return Ok(p),
            Err(e) => why.push(format!("{n}: {e}")),
        }
    }
    Err(format!("no sentinel answered ({})", why.join("; ")))
}

impl Conn {
    /// The response timeout of this test's links: under core's op timeout,
    /// so that a slow answer drops the link before the op is given up.
    fn response(test: &Test) -> Duration {
        op_timeout(test).mul_f64(0.8)
    }

    async fn link(test: &Test, node: &str) -> Result<Link, OpError> {
        let addr = test
            .addrs
            .client(node)
            .map_err(|e| not_connected("find the node's client address", e))?;
        let conn = dial(addr, Self::response(test))
            .await
            .map_err(|e| not_connected(&format!("connect to redis on {node} at {addr}"), e))?;
        Ok(Link {
            node: node.to_string(),
            conn,
        })
    }

    /// Marks the start of an op (see `busy`).
    pub fn begin(&mut self) {
        if self.busy {
            self.lost();
        }
        self.busy = true;
    }

    /// Marks the end of an op; an error that may mean the primary moved or
    /// the connection is broken drops the links.
    pub fn end<T>(&mut self, done: Result<T, redis::RedisError>) -> Result<T, OpError> {
        self.busy = false;
        done.map_err(|e| {
            if e.is_io_error()
                || e.is_timeout()
                || e.is_connection_dropped()
                || e.to_string().contains("READONLY")
            {
                self.lost();
            }
            classify(&e)
        })
    }

    /// Forgets both links: the next op looks for the primary afresh.
    pub fn lost(&mut self) {
        self.primary = None;
        self.replica = None;
    }

    /// The connection to the current primary (found and dialled if need be;
    /// failing that, nothing was sent: `NotApplied`). A clone: it shares the
    /// link's socket.
    async fn primary(&mut self, test: &Test) -> Result<MultiplexedConnection, OpError> {
        if self.primary.is_none() {
            let node = current_primary(test, &self.node)
                .await
                .map_err(|e| not_connected("find the primary", e))?;
            self.primary = Some(Self::link(test, &node).await?);
        }
        Ok(self.primary.as_ref().expect("set above").conn.clone())
    }

    /// Where reads go: the worker's own node with `--read-from replica`.
    async fn reader(&mut self, test: &Test) -> Result<MultiplexedConnection, OpError> {
        if self.options.read_from == ReadFrom::Primary {
            return self.primary(test).await;
        }
        if self.replica.is_none() {
            self.replica = Some(Self::link(test, &self.node).await?);
        }
        Ok(self.replica.as_ref().expect("set above").conn.clone())
    }

    /// Runs `q` on the primary (`Target::Primary`) or where reads go. A read
    /// that fails on a link the server has closed (a primary that Sentinel
    /// demotes drops its clients: the next op meets a broken pipe) is tried
    /// once more on a fresh link: a read has no effect, so trying again
    /// changes nothing but the chance of an answer. A write is never tried
    /// twice: the first may have been applied.
    pub async fn run<T: FromRedisValue>(
        &mut self,
        test: &Test,
        target: Target,
        q: Query<'_>,
    ) -> Result<T, OpError> {
        let first = self.run_once(test, target, q).await;
        let unlinked = self.primary.is_none() && self.replica.is_none();
        match first {
            Err(_) if target == Target::Reads && unlinked => self.run_once(test, target, q).await,
            done => done,
        }
    }

    async fn run_once<T: FromRedisValue>(
        &mut self,
        test: &Test,
        target: Target,
        q: Query<'_>,
    ) -> Result<T, OpError> {
        self.begin();
        let conn = match target {
            Target::Primary => self.primary(test).await,
            Target::Reads => self.reader(test).await,
        };
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) => {
                self.busy = false;
                return Err(e);
            }
        };
        let done = match q {
            Query::Cmd(c) => c.query_async(&mut conn).await,
            Query::Pipe(p) => p.query_async(&mut conn).await,
        };
        self.end(done)
    }

    /// After a write that took effect on the primary: `WAIT` for
    /// `--wait-replicas` replicas (half the op timeout at most). Fewer, or no
    /// answer, and the write is neither proven lost nor proven kept: `Unknown`.
    pub async fn replicated(&mut self, test: &Test) -> Result<(), OpError> {
        let want = self.options.wait_replicas;
        if want == 0 {
            return Ok(());
        }
        let ms = (op_timeout(test).as_millis() / 2) as u64;
        let wait = redis::cmd("WAIT").arg(want).arg(ms).clone();
        let acked: Result<i64, OpError> = self.run(test, Target::Primary, Query::Cmd(&wait)).await;
        match acked {
            Ok(n) if n >= i64::from(want) => Ok(()),
            Ok(n) => Err(OpError::Unknown(format!(
                "written on the primary; WAIT: {n} of {want} replicas acknowledged in {ms} ms"
            ))),
            Err(e) => Err(OpError::Unknown(format!(
                "written on the primary; WAIT failed: {e}"
            ))),
        }
    }

    /// The primary's node name, when linked.
    pub fn primary_node(&self) -> Option<&str> {
        self.primary.as_ref().map(|l| l.node.as_str())
    }
}

#[async_trait]
impl Connector for RedisConnector {
    type Conn = Conn;

    async fn connect(&self, test: &Test, node: &str) -> Result<Conn, ClientError> {
        test.addrs.client(node).map_err(|e| ClientError {
            node: node.to_string(),
            action: "find the node's client address".into(),
            message: e.to_string(),
        })?;
        Ok(Conn {
            node: node.to_string(),
            options: RedisOptions::of(test),
            primary: None,
            replica: None,
            busy: false,
        })
    }
}
