//! The test's fault proxies: one `rjepsen-proxy` listener per node and port on
//! the control node, standing in front of every node's client and peer address.
//!
//! `rjepsen test` starts them when a proxy nemesis is chosen, before the DB is
//! set up, and hands the resulting address book to everything that dials, so
//! each node advertises (to clients and to its peers) the proxy's address while
//! listening on its own; the proxy then sees every byte between two nodes, and
//! knows the source node by the connecting IP (each node has its own). The
//! proxies live in the control process: when it ends, they end, so nothing is
//! left on any node (the DB's teardown and the next set-up reconfigure etcd).
//!
//! Several proxy nemeses share one proxy group, whose fault set is one whole
//! state; each kind owns a slice of it ([`TestProxies::set`]) and the union is
//! applied atomically, so one kind healing never lifts another's fault.
//!
//! The proxy nemeses see the proxies only through [`LinkProxies`] (nodes, set a
//! kind's fault on some links, bytes per link), so the same packages act on a
//! running playground's proxies (`rjepsen test --playground`) over its gRPC
//! control, without knowing which proxies they drive.

use async_trait::async_trait;
use rjepsen_core::addr::{control_address_toward, AddrBook};
use rjepsen_proxy::{
    Fault, FaultSet, IpMap, Link, LinkBytes, ProxyError, ProxyGroup, ProxySpec, Toxic,
};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::sync::Mutex;

/// Why the proxies could not be started or a fault set applied.
#[derive(Debug, thiserror::Error)]
pub enum ProxiesError {
    #[error("failed to find the control node's address toward {node} ({ip}): {source}")]
    Route {
        node: String,
        ip: std::net::IpAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Proxy(#[from] ProxyError),
}

/// The name of the proxy in front of `node`'s client port.
pub fn client_proxy(node: &str) -> String {
    format!("{node}:client")
}

/// The name of the proxy in front of `node`'s peer port.
pub fn peer_proxy(node: &str) -> String {
    format!("{node}:peer")
}

/// A directed link between two nodes: connections `src` opens to `dst`'s peer
/// port (bytes flow both ways on them).
pub type NodeLink = (String, String);

/// The proxies a proxy nemesis acts through: the seam between the fault
/// packages and whichever proxies stand in front of the nodes (the test's own,
/// [`TestProxies`], or a running playground's).
#[async_trait]
pub trait LinkProxies: Send + Sync {
    /// The nodes, in order.
    fn nodes(&self) -> &[String];

    /// Replaces `kind`'s faults by `fault` on each of `links` (connections
    /// `src` opens to `dst`'s peer port), leaving other kinds' faults alone.
    /// Returns the proxies' ns at which it took effect.
    async fn set_links(&self, kind: &str, links: &[NodeLink], fault: &Fault)
        -> Result<u64, String>;

    /// Lifts `kind`'s faults (others stay); returns the ns it took effect.
    async fn clear(&self, kind: &str) -> Result<u64, String>;

    /// Bytes forwarded so far on each node-to-node link, both ways summed;
    /// every pair of distinct nodes is present.
    async fn peer_bytes(&self) -> Result<BTreeMap<NodeLink, u64>, String>;
}

/// One toxic per link, named `kind:src->dst`, on `dst`'s peer proxy as
/// `peer_name` names it.
pub fn link_toxics(
    kind: &str,
    links: &[NodeLink],
    fault: &Fault,
    peer_name: impl Fn(&str) -> String,
) -> Vec<Toxic> {
    links
        .iter()
        .map(|(src, dst)| {
            let name = format!("{kind}:{src}->{dst}");
            Toxic::new(&name, fault.clone(), Link::between(src, &peer_name(dst)))
        })
        .collect()
}

/// The proxies of one test and the fault slices of the kinds using them.
pub struct TestProxies {
    group: ProxyGroup,
    book: AddrBook,
    nodes: Vec<String>,
    slices: Mutex<BTreeMap<String, Vec<Toxic>>>,
}

impl TestProxies {
    /// Starts a client and a peer proxy per node of `direct`, each on the
    /// control node's address toward that node (a free port), forwarding to
    /// where the node listens. Returns them with the proxied book.
    pub async fn start(direct: &AddrBook, seed: u64) -> Result<TestProxies, ProxiesError> {
        let mut sources = IpMap::new();
        for n in direct.nodes() {
            sources = sources.with(n.ip(), &n.node);
        }
        let group = ProxyGroup::new(seed, sources);
        let mut dial = BTreeMap::new();
        for n in direct.nodes() {
            let hub = control_address_toward(n.ip()).map_err(|e| ProxiesError::Route {
                node: n.node.clone(),
                ip: n.ip(),
                source: e,
            })?;
            let at = SocketAddr::new(hub, 0);
            let client = group
                .add(ProxySpec::new(&client_proxy(&n.node), at, n.listen_client))
                .await?;
            let peer = group
                .add(ProxySpec::new(&peer_proxy(&n.node), at, n.listen_peer))
                .await?;
            dial.insert(n.node.clone(), (client, peer));
        }
        Ok(TestProxies {
            group,
            book: direct.proxied(&dial),
            nodes: direct.nodes().iter().map(|n| n.node.clone()).collect(),
            slices: Mutex::default(),
        })
    }

    /// The address book with the proxies' addresses as what everyone dials.
    pub fn book(&self) -> &AddrBook {
        &self.book
    }

    pub fn group(&self) -> &ProxyGroup {
        &self.group
    }

    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// Replaces `kind`'s toxics and applies the union of every kind's at once;
    /// returns the proxy clock's ns at which it took effect.
    pub async fn set(&self, kind: &str, toxics: Vec<Toxic>) -> Result<u64, ProxiesError> {
        let mut slices = self.slices.lock().await;
        let mut next = slices.clone();
        if toxics.is_empty() {
            next.remove(kind);
        } else {
            next.insert(kind.to_string(), toxics);
        }
        let all = FaultSet {
            toxics: next.values().flatten().cloned().collect(),
        };
        let ns = self.group.apply(all).await?;
        *slices = next;
        Ok(ns)
    }

    /// Bytes forwarded so far on each node-to-node link, both directions summed.
    pub fn peer_bytes(&self) -> BTreeMap<NodeLink, u64> {
        peer_link_bytes(&self.group.bytes(), &self.nodes, peer_proxy)
    }
}

#[async_trait]
impl LinkProxies for TestProxies {
    fn nodes(&self) -> &[String] {
        &self.nodes
    }

    async fn set_links(
        &self,
        kind: &str,
        links: &[NodeLink],
        fault: &Fault,
    ) -> Result<u64, String> {
        let toxics = link_toxics(kind, links, fault, peer_proxy);
        self.set(kind, toxics).await.map_err(|e| e.to_string())
    }

    async fn clear(&self, kind: &str) -> Result<u64, String> {
        self.set(kind, Vec::new()).await.map_err(|e| e.to_string())
    }

    async fn peer_bytes(&self) -> Result<BTreeMap<NodeLink, u64>, String> {
        Ok(TestProxies::peer_bytes(self))
    }
}

/// Node-to-node byte counts from the group's per-proxy counters: `(src,
/// peer_name(dst))` becomes `(src, dst)`; every pair of distinct nodes is present.
pub fn peer_link_bytes(
    bytes: &BTreeMap<(String, String), LinkBytes>,
    nodes: &[String],
    peer_name: impl Fn(&str) -> String,
) -> BTreeMap<NodeLink, u64> {
    let mut out = BTreeMap::new();
    for src in nodes {
        for dst in nodes.iter().filter(|d| *d != src) {
            let b = bytes
                .get(&(src.clone(), peer_name(dst)))
                .map_or(0, |b| b.upstream + b.downstream);
            out.insert((src.clone(), dst.clone()), b);
        }
    }
    out
}
