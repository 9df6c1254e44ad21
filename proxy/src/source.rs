//! Who is on the other end of a connection: the source node of a link.
//!
//! In local-node mode every node has its own IP address, so the peer address tells
//! the node ([`IpMap`]). In the playground every node is a process on 127.0.0.1 and
//! the answer needs the socket's owner (its port → inode → which node's PID holds
//! it); that lookup is another [`SourceLookup`], added without touching the engine.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// Maps a connection's addresses to the node it comes from, if known.
pub trait SourceLookup: Send + Sync + 'static {
    /// `peer` is the connecting socket's address, `local` the proxy's end of it.
    fn source_of(&self, peer: SocketAddr, local: SocketAddr) -> Option<String>;
}

/// Source identity by the peer's IP address.
#[derive(Debug, Clone, Default)]
pub struct IpMap {
    nodes: HashMap<IpAddr, String>,
}

impl IpMap {
    pub fn new() -> IpMap {
        IpMap::default()
    }

    pub fn with(mut self, ip: IpAddr, node: &str) -> IpMap {
        self.nodes.insert(ip, node.to_string());
        self
    }
}

impl SourceLookup for IpMap {
    fn source_of(&self, peer: SocketAddr, _local: SocketAddr) -> Option<String> {
        self.nodes.get(&peer.ip()).cloned()
    }
}

/// No source identity: only whole-node links (`from: None`) match.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anonymous;

impl SourceLookup for Anonymous {
    fn source_of(&self, _peer: SocketAddr, _local: SocketAddr) -> Option<String> {
        None
    }
}
