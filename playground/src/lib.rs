//! rjepsen-playground: a local etcd cluster on loopback, every node behind fault
//! proxies, that a person (or a test) pokes while it runs.
//!
//! No root and no namespaces: every node is a child process of one daemon, on
//! 127.0.0.1 with its own ports and data directory under `--dir`, and advertises
//! its proxies' addresses (client and peer), never its own, so every byte between
//! nodes and from clients crosses a proxy. Which node a connection comes from is
//! read from the kernel (the socket's owner, [`SocketOwners`]), so a fault can cut
//! n2 → n1 only. The daemon ([`Daemon`]) owns the proxies and the processes; other
//! commands reach it over gRPC ([`Playground`]), so faults act on the running cluster.
//! `--db shop` runs the shop (PostgreSQL and four services) the same way ([`shop`]).

mod client;
mod daemon;
mod diag;
mod error;
pub mod etcd;
pub mod faults;
mod nodes;
mod owner;
mod service;
pub mod shop;
pub mod spec;
mod state;

/// The generated messages, client and server of `proto/playground.proto`.
pub mod pb {
    tonic::include_proto!("rjepsen.playground.v1");
}

pub use client::{unhealthy, NodeStatus, Playground};
pub use daemon::{Daemon, DaemonConfig, DbChoice};
pub use error::PlaygroundError;
pub use owner::{socket_inode, SocketOwners};
pub use state::{alive, default_dir, running_daemon, NodeInfo, State, PID_FILE, STATE_FILE};
