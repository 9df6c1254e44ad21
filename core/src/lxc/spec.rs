//! What LXC cluster to build: nodes, network, where containers and images live,
//! what the image holds, privileged or not, and limits. Images are shared by every
//! cluster on the host (a test cluster reuses the user's cache); containers,
//! key and state belong to one cluster (`state_dir`).

use crate::cluster::ClusterError;
use crate::provider::NodeLimits;
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// What the nodes need, baked into the image (containers reach no mirror):
/// etcd, the firewall and qdiscs of partitions and packet faults, `ps`/`pkill`.
pub const DEFAULT_PACKAGES: [&str; 6] = [
    "etcd-server",
    "etcd-client",
    "iptables",
    "iproute2",
    "procps",
    "psmisc",
];

/// An LXC cluster to bring up (or down: `down` reads `state_dir`).
#[derive(Clone, Debug, PartialEq)]
pub struct LxcSpec {
    pub nodes: Vec<String>,
    /// The nodes' network; the bridge takes `.1`, node i `first_host + i`.
    pub subnet: Ipv4Addr,
    pub prefix_len: u8,
    pub first_host: u32,
    /// Our own bridge (no `lxcbr0`: there is no `lxc-net` without systemd).
    pub bridge: String,
    /// Containers are named `{prefix}{node}`.
    pub prefix: String,
    /// This cluster's containers (an lxcpath), key and state file.
    pub state_dir: PathBuf,
    /// The images' lxcpath, shared by clusters.
    pub image_dir: PathBuf,
    /// Debian packages baked into the image (besides the template's own).
    pub packages: Vec<String>,
    pub release: String,
    pub mirror: String,
    /// Privileged (root in the container is root) or with a uid map.
    pub privileged: bool,
    pub limits: NodeLimits,
}

impl Default for LxcSpec {
    fn default() -> Self {
        LxcSpec {
            nodes: (1..=5).map(|i| format!("n{i}")).collect(),
            subnet: Ipv4Addr::new(10, 65, 0, 0),
            prefix_len: 24,
            first_host: 11,
            bridge: "rjlxc0".into(),
            prefix: "rjlxc-".into(),
            state_dir: PathBuf::from("/var/lib/rjepsen-lxc/cluster"),
            image_dir: PathBuf::from("/var/lib/rjepsen-lxc/images"),
            packages: DEFAULT_PACKAGES.iter().map(|s| s.to_string()).collect(),
            release: "bookworm".into(),
            mirror: host_mirror(),
            privileged: true,
            limits: NodeLimits::default(),
        }
    }
}

/// The host's Debian mirror (first `http` URI of its apt sources), else
/// deb.debian.org: the template downloads from it.
pub fn host_mirror() -> String {
    let texts = [
        "/etc/apt/sources.list.d/debian.sources",
        "/etc/apt/sources.list",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(p).ok());
    for text in texts {
        let uri = text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.trim_end_matches('/').ends_with("/debian"));
        if let Some(u) = uri {
            return u.trim_end_matches('/').to_string();
        }
    }
    "http://deb.debian.org/debian".into()
}

impl LxcSpec {
    pub fn with_nodes(nodes: Vec<String>) -> LxcSpec {
        LxcSpec {
            nodes,
            ..LxcSpec::default()
        }
    }

    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("cluster.json")
    }

    pub fn bridge_address(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + 1)
    }

    pub fn node_address(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.subnet) + self.first_host + i as u32)
    }

    /// Tags this cluster's `/etc/hosts` lines and iptables rules.
    pub fn marker(&self) -> String {
        format!("rjepsen-lxc:{}", self.bridge)
    }

    /// Host end of node i's veth (at most 15 bytes).
    pub(crate) fn veth(&self, i: usize) -> String {
        format!("{}-{i}", self.bridge)
    }

    /// The packages, sorted and without duplicates: the image's identity.
    pub fn package_set(&self) -> Vec<String> {
        let mut p: Vec<String> = self.packages.iter().map(|s| s.trim().to_string()).collect();
        p.retain(|s| !s.is_empty());
        p.sort();
        p.dedup();
        p
    }

    /// Checks names and addresses as the namespace nodes do, plus the names
    /// LXC adds (container prefix, package names).
    pub fn validate(&self) -> Result<(), ClusterError> {
        let what = "check the LXC cluster spec";
        let ns = crate::cluster::ClusterSpec {
            nodes: self.nodes.clone(),
            subnet: self.subnet,
            prefix_len: self.prefix_len,
            first_host: self.first_host,
            bridge: self.bridge.clone(),
            netns_prefix: self.prefix.clone(),
            state_dir: self.state_dir.clone(),
        };
        ns.validate().map_err(|e| {
            let text = e.to_string();
            let msg = text
                .strip_prefix("failed to check the local cluster spec: ")
                .unwrap_or(&text);
            ClusterError::other(what, msg)
        })?;
        let plain = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        };
        if let Some(p) = self.packages.iter().find(|p| p.is_empty() || !plain(p)) {
            return Err(ClusterError::other(what, format!("bad package name {p:?}")));
        }
        if !self.image_dir.is_absolute() {
            return Err(ClusterError::other(what, "image dir must be absolute"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let s = LxcSpec::default();
        s.validate().unwrap();
        assert_eq!(s.node_address(0), Ipv4Addr::new(10, 65, 0, 11));
        assert_eq!(s.bridge_address(), Ipv4Addr::new(10, 65, 0, 1));
        assert_eq!(s.veth(2), "rjlxc0-2");
        let mut p = s.clone();
        p.packages = vec!["b".into(), "a".into(), "b".into()];
        assert_eq!(p.package_set(), ["a", "b"]);
        p.packages.push("x;rm".into());
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("bad package name"));
        let dup = LxcSpec::with_nodes(vec!["n1".into(), "n1".into()]);
        let err = dup.validate().unwrap_err().to_string();
        assert_eq!(
            err,
            "failed to check the LXC cluster spec: node n1 is given twice"
        );
    }
}
