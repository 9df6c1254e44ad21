//! Resolving node names into an address book, once per test, on the control node.
//!
//! The control node's view decides because it is the control node that dials
//! clients and (with a proxy) stands between the nodes. A name it cannot resolve
//! is asked of another node (`getent ahostsv4`), as a cluster known only to its
//! own DNS needs; loopback answers are skipped, since a node's `127.0.1.1` says
//! nothing about where the others reach it.

use super::{AddrBook, NodeAddrs, Ports};
use crate::control::{shell_quote, Remote};
use std::net::{IpAddr, SocketAddr, UdpSocket};

/// Why a node's address could not be found.
#[derive(Debug, thiserror::Error)]
#[error("failed to resolve node {node}: {message}")]
pub struct AddrError {
    pub node: String,
    pub message: String,
}

/// The book of `nodes` with `ports`: each name taken as a literal address
/// (`10.0.0.1`, or `127.0.0.1:23790` for a node that is one local DB), else
/// resolved on the control node, else by `getent` on another node over `remote`.
pub async fn resolve(
    nodes: &[String],
    remote: &dyn Remote,
    ports: Ports,
) -> Result<AddrBook, AddrError> {
    let mut out = Vec::with_capacity(nodes.len());
    for name in nodes {
        if let Ok(sa) = name.parse::<SocketAddr>() {
            out.push(NodeAddrs::at(name, sa, ports.peer));
            continue;
        }
        let ip = match on_control(name).await {
            Some(ip) => ip,
            None => {
                let via = nodes.iter().find(|n| *n != name).unwrap_or(name);
                on_node(remote, via, name).await?
            }
        };
        out.push(NodeAddrs::direct(name, ip, ports));
    }
    Ok(AddrBook::new(out))
}

/// A literal IP, or the first non-loopback IPv4 address the control node's
/// resolver (`/etc/hosts`, DNS) gives.
async fn on_control(name: &str) -> Option<IpAddr> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(ip);
    }
    let addrs = tokio::net::lookup_host((name, 0)).await.ok()?;
    addrs
        .map(|a| a.ip())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
}

async fn on_node(remote: &dyn Remote, via: &str, name: &str) -> Result<IpAddr, AddrError> {
    let cmd = format!(
        "getent ahostsv4 {} | awk '$1 !~ /^127\\./ {{print $1; exit}}'",
        shell_quote(name)
    );
    let err = |message: String| AddrError {
        node: name.to_string(),
        message,
    };
    let out = remote
        .exec(via, &cmd)
        .await
        .map_err(|e| err(format!("the control node cannot, and asking {via}: {e}")))?;
    out.stdout.trim().parse().map_err(|_| {
        err(format!(
            "the control node cannot, and `{cmd}` on {via} printed {:?}",
            out.stdout.trim()
        ))
    })
}

/// The control node's own address on the way to `ip` (the source address the
/// kernel picks for it; on local namespace nodes, the bridge's address). Sends
/// nothing: connecting a UDP socket only chooses a route.
pub fn control_address_toward(ip: IpAddr) -> std::io::Result<IpAddr> {
    let any: SocketAddr = if ip.is_ipv4() {
        "0.0.0.0:0".parse().expect("literal")
    } else {
        "[::]:0".parse().expect("literal")
    };
    let socket = UdpSocket::bind(any)?;
    socket.connect(SocketAddr::new(ip, 9))?;
    Ok(socket.local_addr()?.ip())
}
