//! rjepsen-proxy: a TCP proxy in front of each node's advertised address that
//! injects faults per link (n1 → n2 only), per direction, on a seeded share of
//! connections, and applies a whole fault set to all proxies atomically.
//!
//! It is a library first ([`ProxyGroup`]) so that the playground and the proxy
//! nemeses drive it in-process; [`http`] adds toxiproxy's HTTP API as a
//! compatibility subset and a read-only status page for tools outside, and
//! [`grpc`] the control service (`proto/control.proto`) the playground CLI uses.

mod conn;
mod events;
mod fault;
mod group;
pub mod grpc;
pub mod http;
pub mod http1;
mod source;
mod table;

pub use events::{Event, EventKind, LinkBytes};
pub use fault::{Direction, Fault, FaultSet, Link, Toxic};
pub use group::{ProxyGroup, ProxySpec};
pub use http1::{HttpEvent, HttpEventKind, HttpProxy};
pub use source::{Anonymous, IpMap, SourceLookup};

use std::net::SocketAddr;

/// Failures of the proxy library.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("failed to bind proxy {name} on {addr}: {source}")]
    Bind {
        name: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("failed to add proxy {0}: a proxy of that name exists")]
    Exists(String),
    #[error("failed to find proxy {0}")]
    NoProxy(String),
    #[error("failed to accept fault: {0}")]
    BadFault(String),
}
