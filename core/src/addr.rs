//! The test's address book: for every node, where SSH goes, where the node itself
//! listens, and what a client and the other nodes dial to reach it.
//!
//! Clients, DB set-up and nemeses read addresses from here and never build them
//! from a node's name (STYLE.md, habit 16), so that something can stand between
//! a dialer and a node without the adapter knowing: the fault proxy of
//! `rjepsen-proxy` rewrites a book's `client` and `peer` addresses to its own
//! listeners ([`AddrBook::proxied`]) while `listen_*` stay the node's own. The book
//! is resolved once per test, before anything dials (`resolve`, behind the
//! `control` feature), carried in `Test::addrs` and written into `test.json`, so
//! a run says exactly which address each part used.
//!
//! The ports are the DB's (`Db::ports`); the book knows no database.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

#[cfg(feature = "control")]
mod resolve;
#[cfg(feature = "control")]
pub use resolve::{control_address_toward, resolve, AddrError};

/// The TCP ports a DB serves on every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ports {
    /// What clients connect to (etcd: 2379).
    pub client: u16,
    /// What the other nodes connect to (etcd: 2380).
    pub peer: u16,
}

impl Ports {
    /// No ports: the book of a DB that serves nothing over the network (test
    /// doubles, `Db::ports` returning `None`).
    pub const NONE: Ports = Ports { client: 0, peer: 0 };
}

/// One node's addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAddrs {
    /// The node's name, as `Test::nodes` has it.
    pub node: String,
    /// The host SSH connects to.
    pub ssh: String,
    /// Where the node's DB listens for clients (its own address).
    pub listen_client: SocketAddr,
    /// Where the node's DB listens for its peers (its own address).
    pub listen_peer: SocketAddr,
    /// What a client dials, and what the node advertises to clients.
    pub client: SocketAddr,
    /// What the other nodes dial, and what the node advertises to its peers.
    pub peer: SocketAddr,
}

impl NodeAddrs {
    /// A node reached directly at `ip` (no proxy): dial addresses are the
    /// listening ones.
    pub fn direct(node: &str, ip: IpAddr, ports: Ports) -> NodeAddrs {
        NodeAddrs::at(node, SocketAddr::new(ip, ports.client), ports.peer)
    }

    /// A node whose client address is `client` (a node named `127.0.0.1:23790`,
    /// as tests against one local DB name it); its peer port is on the same IP.
    pub fn at(node: &str, client: SocketAddr, peer_port: u16) -> NodeAddrs {
        let peer = SocketAddr::new(client.ip(), peer_port);
        NodeAddrs {
            node: node.to_string(),
            ssh: node.to_string(),
            listen_client: client,
            listen_peer: peer,
            client,
            peer,
        }
    }

    /// The node's own IP address (where it listens).
    pub fn ip(&self) -> IpAddr {
        self.listen_peer.ip()
    }
}

/// Every node's addresses, in node order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrBook {
    nodes: Vec<NodeAddrs>,
}

/// What a node was asked for that the book does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to find {node} in the test's address book (nodes: {known})")]
pub struct NotInBook {
    pub node: String,
    pub known: String,
}

impl AddrBook {
    pub fn new(nodes: Vec<NodeAddrs>) -> AddrBook {
        AddrBook { nodes }
    }

    /// Nodes reached directly at their IPs with `ports`.
    pub fn direct(resolved: &[(String, IpAddr)], ports: Ports) -> AddrBook {
        AddrBook::new(
            resolved
                .iter()
                .map(|(n, ip)| NodeAddrs::direct(n, *ip, ports))
                .collect(),
        )
    }

    pub fn nodes(&self) -> &[NodeAddrs] {
        &self.nodes
    }

    /// The entry of `node`.
    pub fn get(&self, node: &str) -> Result<&NodeAddrs, NotInBook> {
        self.nodes
            .iter()
            .find(|n| n.node == node)
            .ok_or_else(|| NotInBook {
                node: node.to_string(),
                known: self
                    .nodes
                    .iter()
                    .map(|n| n.node.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// What a client dials to reach `node`.
    pub fn client(&self, node: &str) -> Result<SocketAddr, NotInBook> {
        self.get(node).map(|n| n.client)
    }

    /// What the other nodes dial to reach `node`.
    pub fn peer(&self, node: &str) -> Result<SocketAddr, NotInBook> {
        self.get(node).map(|n| n.peer)
    }

    /// The node whose own (listening) IP is `ip`, if any.
    pub fn node_at(&self, ip: IpAddr) -> Option<&str> {
        self.nodes
            .iter()
            .find(|n| n.ip() == ip)
            .map(|n| n.node.as_str())
    }

    /// The same book with some nodes' dial addresses replaced (`node → (client,
    /// peer)`), as a proxy standing in front of them gives: what the nodes listen
    /// on does not change, what everyone dials does. Nodes not in `dial` keep
    /// theirs.
    pub fn proxied(&self, dial: &BTreeMap<String, (SocketAddr, SocketAddr)>) -> AddrBook {
        let nodes = self
            .nodes
            .iter()
            .map(|n| match dial.get(&n.node) {
                Some((client, peer)) => NodeAddrs {
                    client: *client,
                    peer: *peer,
                    ..n.clone()
                },
                None => n.clone(),
            })
            .collect();
        AddrBook { nodes }
    }

    /// Whether any node is dialled somewhere other than where it listens.
    pub fn is_proxied(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| n.client != n.listen_client || n.peer != n.listen_peer)
    }
}

#[cfg(test)]
mod tests;
