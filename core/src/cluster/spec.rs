//! What local cluster to build: node names, addresses, and the names of the things
//! made on the host, all overridable so that a test cluster can run beside a real one.

use super::ClusterError;
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// A local cluster to bring up (or the one to bring down: `down` and `status` use
/// only `state_dir`, plus `bridge`/`netns_prefix` when the state file is missing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Node names: hostnames inside the nodes and names in `/etc/hosts`.
    pub nodes: Vec<String>,
    /// Network address of the nodes' subnet; the bridge takes `.1`.
    pub subnet: Ipv4Addr,
    pub prefix_len: u8,
    /// Host part of the first node's address (node i gets `first_host + i`).
    pub first_host: u32,
    /// Name of the Linux bridge (at most 15 bytes).
    pub bridge: String,
    /// Network namespaces are named `{netns_prefix}{node}`.
    pub netns_prefix: String,
    /// Keys, per-node directories and the state file live here.
    pub state_dir: PathBuf,
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            nodes: (1..=5).map(|i| format!("n{i}")).collect(),
            subnet: Ipv4Addr::new(10, 77, 0, 0),
            prefix_len: 24,
            first_host: 11,
            bridge: "rjepsen0".into(),
            netns_prefix: "rjepsen-".into(),
            state_dir: PathBuf::from("/var/lib/rjepsen-nodes"),
        }
    }
}

impl ClusterSpec {
    /// The default spec with these nodes.
    pub fn with_nodes(nodes: Vec<String>) -> ClusterSpec {
        ClusterSpec {
            nodes,
            ..ClusterSpec::default()
        }
    }

    /// The path of the state file that `up` writes and `down`/`status` read.
    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("cluster.json")
    }

    /// The control node's address on the bridge.
    pub fn bridge_address(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + 1)
    }

    /// The address of the `i`-th node (from 0).
    pub fn node_address(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + self.first_host + i as u32)
    }

    /// The marker that ends this cluster's `/etc/hosts` lines and iptables comments.
    pub fn marker(&self) -> String {
        format!("rjepsen-local:{}", self.bridge)
    }

    pub(crate) fn netns(&self, node: &str) -> String {
        format!("{}{node}", self.netns_prefix)
    }

    /// Host end of a node's veth pair; interface names hold at most 15 bytes.
    pub(crate) fn veth(&self, i: usize, node: &str) -> String {
        let named = format!("{}-{node}", self.bridge);
        if named.len() <= 15 {
            named
        } else {
            format!("{}-{i}", self.bridge)
        }
    }

    /// Checks names and addresses before anything is made.
    pub fn validate(&self) -> Result<(), ClusterError> {
        let what = "check the local cluster spec";
        if self.nodes.is_empty() {
            return Err(ClusterError::other(what, "no nodes given"));
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let ok = !n.is_empty()
                && n.len() <= 32
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !n.starts_with('-');
            if !ok {
                return Err(ClusterError::other(
                    what,
                    format!("node name {n:?} must be letters, digits and '-' (at most 32)"),
                ));
            }
            if self.nodes[..i].contains(n) {
                return Err(ClusterError::other(
                    what,
                    format!("node {n} is given twice"),
                ));
            }
        }
        if self.bridge.is_empty() || self.bridge.len() > 11 || !is_plain(&self.bridge) {
            return Err(ClusterError::other(
                what,
                format!("bridge name {:?} must be 1-11 letters/digits", self.bridge),
            ));
        }
        if !is_plain(&self.netns_prefix) {
            return Err(ClusterError::other(
                what,
                "netns prefix must be letters, digits, '-'",
            ));
        }
        self.validate_addresses(what)?;
        if !self.state_dir.is_absolute() || self.state_dir.components().count() < 3 {
            return Err(ClusterError::other(
                what,
                format!(
                    "state dir {} must be absolute and at least two levels deep",
                    self.state_dir.display()
                ),
            ));
        }
        Ok(())
    }

    fn validate_addresses(&self, what: &str) -> Result<(), ClusterError> {
        if !(8..=30).contains(&self.prefix_len) {
            return Err(ClusterError::other(what, "prefix length must be 8..=30"));
        }
        let host_bits = 32 - u32::from(self.prefix_len);
        let mask = u32::MAX << host_bits;
        if u32::from(self.subnet) & !mask != 0 {
            return Err(ClusterError::other(
                what,
                format!(
                    "{}/{} is not a network address",
                    self.subnet, self.prefix_len
                ),
            ));
        }
        let last = self.first_host as u64 + self.nodes.len() as u64 - 1;
        if self.first_host < 2 || last >= (1u64 << host_bits) - 1 {
            return Err(ClusterError::other(
                what,
                format!(
                    "{} nodes from host {} do not fit in {}/{}",
                    self.nodes.len(),
                    self.first_host,
                    self.subnet,
                    self.prefix_len
                ),
            ));
        }
        Ok(())
    }
}

fn is_plain(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_addresses() {
        let s = ClusterSpec::default();
        s.validate().unwrap();
        assert_eq!(s.bridge_address(), Ipv4Addr::new(10, 77, 0, 1));
        assert_eq!(s.node_address(0), Ipv4Addr::new(10, 77, 0, 11));
        assert_eq!(s.node_address(4), Ipv4Addr::new(10, 77, 0, 15));
        assert_eq!(s.netns("n1"), "rjepsen-n1");
        assert_eq!(s.veth(0, "n1"), "rjepsen0-n1");
        assert_eq!(s.veth(3, "a-long-name"), "rjepsen0-3");
        assert_eq!(
            s.state_file(),
            PathBuf::from("/var/lib/rjepsen-nodes/cluster.json")
        );
    }

    #[test]
    fn rejects_bad_specs() {
        let bad = [
            ClusterSpec::with_nodes(vec![]),
            ClusterSpec::with_nodes(vec!["n1".into(), "n1".into()]),
            ClusterSpec::with_nodes(vec!["n 1".into()]),
            ClusterSpec::with_nodes(vec!["-x".into()]),
            ClusterSpec {
                bridge: "much-too-long-bridge".into(),
                ..ClusterSpec::default()
            },
            ClusterSpec {
                subnet: Ipv4Addr::new(10, 77, 0, 5),
                ..ClusterSpec::default()
            },
            ClusterSpec {
                first_host: 252,
                ..ClusterSpec::default()
            },
            ClusterSpec {
                state_dir: "/var".into(),
                ..ClusterSpec::default()
            },
            ClusterSpec {
                state_dir: "rel/a/b".into(),
                ..ClusterSpec::default()
            },
        ];
        for spec in bad {
            let err = spec.validate().unwrap_err().to_string();
            assert!(
                err.starts_with("failed to check the local cluster spec"),
                "{err}"
            );
        }
    }
}
