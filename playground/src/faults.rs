//! Link faults of the playground as proxy fault sets: partition, delay and any
//! fault of the proxy's table on a node's links, built from what a person types.
//!
//! Each node has two proxies, `n1.client` and `n1.peer`. A link fault is a toxic on
//! one of them, optionally only for connections from one source node (which the
//! proxy tells by the socket's owner, see `owner.rs`). Toxic names say where they
//! act (`delay:n1.peer<-n2`), so adding a fault of the same kind on the same link
//! replaces it, and `status` can show them per node. Everything is checked before
//! anything is sent: an unknown node, fault or parameter changes nothing.

use crate::state::unknown_node;
use crate::PlaygroundError;
use rjepsen_proxy::{Direction, Fault, FaultSet, Link, Toxic};

/// Which of a node's proxies a fault acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Client,
    Peer,
    Both,
}

/// The proxy of `node` for `port` (`Client` or `Peer`).
pub fn proxy_name(node: &str, peer: bool) -> String {
    format!("{node}.{}", if peer { "peer" } else { "client" })
}

/// The node a proxy belongs to (`n1.peer` → `n1`).
pub fn node_of_proxy(proxy: &str) -> &str {
    proxy.rsplit_once('.').map(|(n, _)| n).unwrap_or(proxy)
}

fn proxies(node: &str, port: Port) -> Vec<String> {
    match port {
        Port::Client => vec![proxy_name(node, false)],
        Port::Peer => vec![proxy_name(node, true)],
        Port::Both => vec![proxy_name(node, false), proxy_name(node, true)],
    }
}

/// Where a fault goes: a node's proxies, from some sources (empty: any source).
#[derive(Debug, Clone)]
pub struct Target {
    pub node: String,
    pub from: Vec<String>,
    pub port: Port,
}

impl Target {
    /// Checks the node and sources exist (and a source is not the node itself).
    pub fn checked(self, nodes: &[String]) -> Result<Target, PlaygroundError> {
        for n in std::iter::once(&self.node).chain(&self.from) {
            if !nodes.contains(n) {
                return Err(unknown_node(n, nodes));
            }
        }
        if self.from.contains(&self.node) {
            let msg = format!(
                "--from {}: a node's links from itself do not exist",
                self.node
            );
            return Err(PlaygroundError::BadFault(msg));
        }
        Ok(self)
    }

    fn links(&self) -> Vec<Link> {
        let mut out = Vec::new();
        for p in proxies(&self.node, self.port) {
            if self.from.is_empty() {
                out.push(Link::into(&p));
            }
            for f in &self.from {
                out.push(Link::between(f, &p));
            }
        }
        out
    }
}

fn name(kind: &str, l: &Link) -> String {
    format!("{kind}:{}<-{}", l.to, l.from.as_deref().unwrap_or("*"))
}

/// Isolates `node` from its peers: without `from`, every peer connection into it and
/// every one it makes; with `from`, only connections from those nodes into it.
pub fn partition(
    nodes: &[String],
    node: &str,
    from: &[String],
) -> Result<Vec<Toxic>, PlaygroundError> {
    let t = Target {
        node: node.to_string(),
        from: from.to_vec(),
        port: Port::Peer,
    }
    .checked(nodes)?;
    let mut links = t.links();
    if from.is_empty() {
        for other in nodes.iter().filter(|n| *n != node) {
            links.push(Link::between(node, &proxy_name(other, true)));
        }
    }
    Ok(FaultSet::partition(&links).toxics)
}

/// One fault on every link of `target`, in `directions`, on a `toxicity` share.
pub fn toxics(
    target: &Target,
    fault: Fault,
    directions: &[Direction],
    toxicity: f64,
) -> Vec<Toxic> {
    target
        .links()
        .iter()
        .map(|l| Toxic {
            name: name(fault.type_name(), l),
            fault: fault.clone(),
            link: l.clone(),
            directions: directions.to_vec(),
            toxicity,
        })
        .collect()
}

/// `up`, `down` or `both`.
pub fn parse_direction(s: &str) -> Result<Vec<Direction>, PlaygroundError> {
    match s {
        "up" | "upstream" => Ok(vec![Direction::Upstream]),
        "down" | "downstream" => Ok(vec![Direction::Downstream]),
        "both" => Ok(vec![Direction::Upstream, Direction::Downstream]),
        _ => Err(PlaygroundError::BadFault(format!(
            "--direction {s:?}: expected up, down or both"
        ))),
    }
}

/// `client`, `peer` or `both`.
pub fn parse_port(s: &str) -> Result<Port, PlaygroundError> {
    match s {
        "client" => Ok(Port::Client),
        "peer" => Ok(Port::Peer),
        "both" => Ok(Port::Both),
        _ => Err(PlaygroundError::BadFault(format!(
            "--port {s:?}: expected client, peer or both"
        ))),
    }
}

/// `set` with `new` added; a toxic of the same name is replaced.
pub fn merge(mut set: FaultSet, new: Vec<Toxic>) -> FaultSet {
    set.toxics.retain(|t| !new.iter().any(|n| n.name == t.name));
    set.toxics.extend(new);
    set
}

/// The toxics of `set` on `node`'s links: into its proxies or from it.
pub fn on_node<'a>(set: &'a FaultSet, node: &str) -> Vec<&'a Toxic> {
    set.toxics
        .iter()
        .filter(|t| node_of_proxy(&t.link.to) == node || t.link.from.as_deref() == Some(node))
        .collect()
}

/// A short description of a toxic for `status`: `partition:n1.peer<-*` plus the
/// parameters that differ from a plain one.
pub fn describe(t: &Toxic) -> String {
    let params = match &t.fault {
        Fault::Latency { latency, jitter } => format!(" {latency}ms±{jitter}"),
        Fault::Bandwidth { rate } => format!(" {rate}KB/s"),
        Fault::SlowClose { delay } => format!(" {delay}ms"),
        Fault::Timeout { timeout: 0 } => " hold".to_string(),
        Fault::Timeout { timeout } | Fault::ResetPeer { timeout } => format!(" {timeout}ms"),
        Fault::Slicer {
            average_size,
            size_variation,
            delay,
        } => format!(" {average_size}±{size_variation}B/{delay}us"),
        Fault::LimitData { bytes } => format!(" {bytes}B"),
        Fault::Down => String::new(),
    };
    let dirs = match t.directions.as_slice() {
        [Direction::Upstream] => " up",
        [Direction::Downstream] => " down",
        _ => "",
    };
    let share = if t.toxicity < 1.0 {
        format!(" p={}", t.toxicity)
    } else {
        String::new()
    };
    format!("{}{params}{dirs}{share}", t.name)
}
