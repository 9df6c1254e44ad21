//! The HTTP-mode proxies of `--nemesis interleave`: one `HttpProxy` per shop
//! service, on the control node's address toward the service's node, forwarding
//! to where the service listens. The address book is rewritten so that what
//! everyone dials for that service is the proxy: the workload's clients reach
//! the fronts through it (client → orders, client → consign), and the services'
//! `SHOP_*_URL`, written from the book's dial addresses at set-up, send every
//! service-to-service hop through it too (orders → inventory, orders →
//! payments, consign → inventory). PostgreSQL is not HTTP and stays direct.
//!
//! The proxies live in the control process and stop with the run; they must be
//! started before the shop is set up, since the services read their peers'
//! addresses then.

use crate::layout::{Layout, Role};
use rjepsen_core::addr::{control_address_toward, AddrBook};
use rjepsen_proxy::{HttpProxy, ProxySpec};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

/// The shop's HTTP services, each behind its own proxy.
pub const HTTP_ROLES: [Role; 4] = [Role::Orders, Role::Consign, Role::Inventory, Role::Payments];

/// Why the proxies could not be started.
#[derive(Debug, thiserror::Error)]
pub enum HopError {
    #[error("failed to lay the shop out: {0}")]
    Layout(String),
    #[error("failed to find {role}'s node in the address book: {source}")]
    Book {
        role: &'static str,
        source: rjepsen_core::addr::NotInBook,
    },
    #[error("failed to find the control node's address toward {role} ({ip}): {source}")]
    Route {
        role: &'static str,
        ip: std::net::IpAddr,
        source: std::io::Error,
    },
    #[error("failed to start the HTTP proxy in front of {role}: {source}")]
    Start {
        role: &'static str,
        source: rjepsen_proxy::ProxyError,
    },
}

/// The proxies and the book whose dial addresses are theirs.
pub struct HopProxies {
    pub proxies: Vec<HttpProxy>,
    pub book: AddrBook,
}

impl HopProxies {
    /// Starts one proxy per HTTP service of the shop laid out over `nodes`.
    pub async fn start(
        nodes: &[String],
        direct: &AddrBook,
        epoch: Instant,
    ) -> Result<HopProxies, HopError> {
        let layout = Layout::of(nodes).map_err(HopError::Layout)?;
        let mut proxies = Vec::new();
        let mut dial: BTreeMap<String, (SocketAddr, SocketAddr)> = BTreeMap::new();
        for role in HTTP_ROLES {
            let name = role.name();
            let upstream = layout
                .listen(direct, role)
                .map_err(|source| HopError::Book { role: name, source })?;
            let node = layout.node_of(role);
            let entry = direct
                .get(node)
                .map_err(|source| HopError::Book { role: name, source })?;
            let hub = control_address_toward(upstream.ip()).map_err(|source| HopError::Route {
                role: name,
                ip: upstream.ip(),
                source,
            })?;
            let spec = ProxySpec::new(name, SocketAddr::new(hub, 0), upstream);
            let p = HttpProxy::start(&spec, epoch)
                .await
                .map_err(|source| HopError::Start { role: name, source })?;
            let at = dial
                .entry(node.to_string())
                .or_insert((entry.client, entry.peer));
            if upstream == entry.listen_client {
                at.0 = p.addr();
            } else {
                at.1 = p.addr();
            }
            proxies.push(p);
        }
        Ok(HopProxies {
            proxies,
            book: direct.proxied(&dial),
        })
    }

    /// Stops every proxy (requests in flight are cut).
    pub fn stop(&self) {
        for p in &self.proxies {
            p.stop();
        }
    }
}
