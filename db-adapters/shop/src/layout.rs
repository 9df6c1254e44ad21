//! Where each part of the shop runs, and what it dials: a table from the
//! test's nodes and address book, never from node names (STYLE.md, habit 16).
//!
//! The book gives every node a client and a peer address. The shop uses them
//! by who dials what: the two front services (`orders`, `consign`), which the
//! workload's clients call, listen on client addresses; PostgreSQL and the two
//! back services (`inventory`, `payments`), which other services call, listen
//! on peer addresses. So a proxy that rewrites the book stands on every hop,
//! workload → front, front → back and service → database alike.

use rjepsen_core::addr::{AddrBook, NodeAddrs, NotInBook};
use rjepsen_core::test::Test;
use std::net::SocketAddr;

/// One part of the shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Postgres,
    Inventory,
    Payments,
    Orders,
    Consign,
}

/// The databases PostgreSQL holds: one per stateful service.
pub const DATABASES: [&str; 3] = ["orders", "inventory", "payments"];

/// How many nodes the shop needs: PostgreSQL alone on the first, then two
/// nodes with a back and a front service each.
pub const MIN_NODES: usize = 3;

impl Role {
    /// The service's name (`python -m shop NAME`, `OTEL_SERVICE_NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Postgres => "postgres",
            Role::Inventory => "inventory",
            Role::Payments => "payments",
            Role::Orders => "orders",
            Role::Consign => "consign",
        }
    }

    /// Whether this part listens on its node's client address (the fronts).
    fn on_client_port(self) -> bool {
        matches!(self, Role::Orders | Role::Consign)
    }

    /// Its database, if it has one.
    pub fn database(self) -> Option<&'static str> {
        match self {
            Role::Orders => Some("orders"),
            Role::Inventory => Some("inventory"),
            Role::Payments => Some("payments"),
            Role::Postgres | Role::Consign => None,
        }
    }
}

/// The parts on the test's nodes, in node order.
#[derive(Clone, Debug)]
pub struct Layout {
    parts: Vec<(String, Role)>,
}

impl Layout {
    /// The layout over `nodes`; extra nodes beyond the third host nothing.
    pub fn of(nodes: &[String]) -> Result<Layout, String> {
        if nodes.len() < MIN_NODES {
            return Err(format!(
                "the shop needs at least {MIN_NODES} nodes (PostgreSQL, then a back and a front service on each of two), got {}",
                nodes.len()
            ));
        }
        let parts = vec![
            (nodes[0].clone(), Role::Postgres),
            (nodes[1].clone(), Role::Inventory),
            (nodes[1].clone(), Role::Orders),
            (nodes[2].clone(), Role::Payments),
            (nodes[2].clone(), Role::Consign),
        ];
        Ok(Layout { parts })
    }

    /// The layout of `test`'s nodes.
    pub fn of_test(test: &Test) -> Result<Layout, String> {
        Layout::of(&test.nodes)
    }

    /// The parts on `node`.
    pub fn on(&self, node: &str) -> Vec<Role> {
        self.parts
            .iter()
            .filter(|(n, _)| n == node)
            .map(|(_, r)| *r)
            .collect()
    }

    /// The node `role` runs on.
    pub fn node_of(&self, role: Role) -> &str {
        self.parts
            .iter()
            .find(|(_, r)| *r == role)
            .map(|(n, _)| n.as_str())
            .expect("every role is placed")
    }

    /// Where `role` listens (its node's own address).
    pub fn listen(&self, book: &AddrBook, role: Role) -> Result<SocketAddr, NotInBook> {
        let a = book.get(self.node_of(role))?;
        Ok(pick(a, role, true))
    }

    /// What the others dial to reach `role` (a proxy's address, when proxied).
    pub fn dial(&self, book: &AddrBook, role: Role) -> Result<SocketAddr, NotInBook> {
        let a = book.get(self.node_of(role))?;
        Ok(pick(a, role, false))
    }
}

fn pick(a: &NodeAddrs, role: Role, listen: bool) -> SocketAddr {
    match (role.on_client_port(), listen) {
        (true, true) => a.listen_client,
        (true, false) => a.client,
        (false, true) => a.listen_peer,
        (false, false) => a.peer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rjepsen_core::addr::Ports;

    #[test]
    fn fronts_on_client_addresses_backs_and_db_on_peer_addresses() {
        let nodes: Vec<String> = (1..=3).map(|i| format!("s{i}")).collect();
        let ips: Vec<(String, std::net::IpAddr)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), format!("10.71.0.{}", 11 + i).parse().unwrap()))
            .collect();
        let book = AddrBook::direct(
            &ips,
            Ports {
                client: 8080,
                peer: 8081,
            },
        );
        let l = Layout::of(&nodes).unwrap();
        assert_eq!(l.on("s1"), vec![Role::Postgres]);
        assert_eq!(l.on("s2"), vec![Role::Inventory, Role::Orders]);
        assert_eq!(
            l.dial(&book, Role::Postgres).unwrap().to_string(),
            "10.71.0.11:8081"
        );
        assert_eq!(
            l.dial(&book, Role::Orders).unwrap().to_string(),
            "10.71.0.12:8080"
        );
        assert_eq!(
            l.listen(&book, Role::Payments).unwrap().to_string(),
            "10.71.0.13:8081"
        );
        assert!(Layout::of(&nodes[..2]).unwrap_err().contains("at least 3"));
    }
}
