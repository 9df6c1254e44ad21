//! One gRPC connection to one etcd node, and what etcd's errors prove.
//!
//! The rule that turns an error into `fail` or `info` is core's
//! (`rjepsen_core::op_client`); what only etcd knows is which of its errors
//! prove that a request never reached raft ([`during_write`] says
//! [`OpError::NotApplied`] for those, [`OpError::Unknown`] for the rest).

use etcd_client::{Client as GrpcClient, ConnectOptions, Error as GrpcError};
use rjepsen_core::client::ClientError;
use rjepsen_core::db::DbOptions;
use rjepsen_core::op_client::{op_timeout, OpError};
use rjepsen_core::test::Test;
use serde_json::Value;
use std::time::Duration;

/// The etcd client port on every node (what the address book is built with).
pub const CLIENT_PORT: u16 = 2379;
/// How long to wait for a TCP connection to a node.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The error of a request that cannot have changed anything (a read, or the
/// reading half of a read-then-commit operation).
pub fn before_write(e: GrpcError) -> OpError {
    OpError::NotApplied(e.to_string())
}

/// The error of a request that may have written: `Unknown` unless the error
/// proves the request never reached the state machine.
pub fn during_write(e: GrpcError) -> OpError {
    let text = e.to_string();
    if is_definite(&text) {
        OpError::NotApplied(text)
    } else {
        OpError::Unknown(text)
    }
}

/// True when an error text proves that etcd did not apply the request: the
/// connection was never made, or the server refused it before proposing it to raft.
pub(crate) fn is_definite(text: &str) -> bool {
    const DEFINITE: [&str; 7] = [
        "tcp connect error",
        "connection refused",
        "error trying to connect",
        "etcdserver: too many requests",
        "etcdserver: no leader",
        "raft proposal dropped",
        "etcdserver: not capable",
    ];
    let lower = text.to_ascii_lowercase();
    DEFINITE.iter().any(|d| lower.contains(d))
}

/// The URL a client dials for `node`: its client address in the test's address
/// book (a proxy's, when one stands in front of the node).
pub fn endpoint(test: &Test, node: &str) -> Result<String, ClientError> {
    test.addrs
        .client(node)
        .map(|a| format!("http://{a}"))
        .map_err(|e| ClientError {
            node: node.to_string(),
            action: "find the node's client address".into(),
            message: e.to_string(),
        })
}

/// A connection to one node's client port.
#[derive(Clone)]
pub struct Conn {
    pub node: String,
    pub client: GrpcClient,
    /// Serializable (possibly stale, served locally) reads instead of linearizable.
    pub serializable: bool,
}

impl Conn {
    /// Opens a channel to `node`. tonic connects lazily, so this does not fail when
    /// the node is down; the first request does, within the connect timeout.
    pub async fn open(test: &Test, node: &str) -> Result<Conn, ClientError> {
        let options = ConnectOptions::new()
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(op_timeout(test))
            .with_keep_alive(Duration::from_secs(5), Duration::from_secs(5));
        let url = endpoint(test, node)?;
        let client = GrpcClient::connect([url.as_str()], Some(options))
            .await
            .map_err(|e| ClientError {
                node: node.to_string(),
                action: format!("connect to etcd at {url}"),
                message: e.to_string(),
            })?;
        Ok(Conn {
            node: node.to_string(),
            client,
            serializable: crate::EtcdOptions::of(test).serializable_reads,
        })
    }

    /// Options for a read: serializable when the test asks for stale reads.
    pub fn read_options(&self) -> etcd_client::GetOptions {
        let opts = etcd_client::GetOptions::new();
        if self.serializable {
            opts.with_serializable()
        } else {
            opts
        }
    }

    /// Reads every key under `prefix` (the set and the bank live under one each),
    /// honouring `read_options`; a failed read never wrote anything.
    pub async fn read_prefix(&mut self, prefix: &str) -> Result<etcd_client::GetResponse, OpError> {
        let opts = self.read_options().with_prefix();
        self.client
            .get(prefix, Some(opts))
            .await
            .map_err(before_write)
    }
}

/// A key or value as etcd text: strings as they are, anything else as JSON.
pub fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses an integer stored as decimal text.
pub fn parse_int(bytes: &[u8], key: &str) -> Result<i64, OpError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            OpError::NotApplied(format!(
                "failed to parse value of {key} as an integer: {:?}",
                String::from_utf8_lossy(bytes)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_errors_are_recognised() {
        let table = [
            ("transport error: tcp connect error: Connection refused (os error 111)", true),
            ("grpc request error: status: Unavailable, message: \"etcdserver: no leader\"", true),
            ("grpc request error: status: Unavailable, message: \"etcdserver: request timed out\"", false),
            ("grpc request error: status: Unavailable, message: \"etcdserver: leader changed\"", false),
            ("grpc request error: status: Cancelled, message: \"Timeout expired\"", false),
        ];
        for (text, definite) in table {
            assert_eq!(is_definite(text), definite, "{text}");
        }
    }

    /// The URL is the book's, whatever the node is called; a node the book
    /// lacks is an error naming it.
    #[test]
    fn endpoints_come_from_the_address_book() {
        use rjepsen_core::addr::{AddrBook, NodeAddrs};
        let mut test = test_with(Value::Null);
        let proxied = NodeAddrs {
            client: "10.60.0.1:40001".parse().unwrap(),
            ..NodeAddrs::at("n1", "10.60.0.11:2379".parse().unwrap(), 2380)
        };
        test.addrs = AddrBook::new(vec![proxied]);
        assert_eq!(endpoint(&test, "n1").unwrap(), "http://10.60.0.1:40001");
        let err = endpoint(&test, "n2").unwrap_err().to_string();
        assert!(err.contains("n2"), "{err}");
    }

    fn test_with(v: Value) -> Test {
        Test {
            name: "t".into(),
            nodes: vec![],
            concurrency: 1,
            seed: 0,
            remote: std::sync::Arc::new(rjepsen_core::control::LocalRemote::new()),
            store_dir: std::env::temp_dir(),
            addrs: Default::default(),
            options: [("op-timeout".to_string(), v)].into_iter().collect(),
        }
    }

    #[test]
    fn keys_and_ints() {
        assert_eq!(key_text(&Value::from(3)), "3");
        assert_eq!(key_text(&Value::from("x")), "x");
        assert_eq!(parse_int(b"42", "k"), Ok(42));
        assert!(matches!(parse_int(b"x", "k"), Err(OpError::NotApplied(_))));
    }
}
