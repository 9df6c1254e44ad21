//! What `up` made, kept as JSON in the state file so that `down` and `status` work
//! from any later process, and so that `down` kills only the processes `up` started.

use super::{ClusterError, ClusterSpec};
use crate::control::SshOptions;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Writes a provider's state record to `path` as JSON: a temporary file, then a
/// rename, so that a reader never sees half a record. `what` names the record
/// in errors ("the cluster state"). Shared by the netns and LXC providers.
pub(crate) fn save_record<T: Serialize>(
    record: &T,
    path: &Path,
    what: &str,
) -> Result<(), ClusterError> {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(record).expect("state serializes");
    std::fs::write(&tmp, text + "\n")
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| ClusterError::io(format!("write {what}"), path, e))
}

/// Reads the record at `path`; `None` when there is none.
pub(crate) fn load_record<T: DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<Option<T>, ClusterError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ClusterError::io(format!("read {what}"), path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        ClusterError::other(format!("read {what}"), format!("{}: {e}", path.display()))
    })
}

/// A process started by `up`: its pid and its start time (field 22 of
/// `/proc/PID/stat`), so a recycled pid is never mistaken for ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcId {
    pub pid: i32,
    pub start_time: u64,
}

/// One local node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    pub address: Ipv4Addr,
    /// Network namespace name (`ip netns exec NETNS ...`).
    pub netns: String,
    /// Host end of the veth pair.
    pub veth: String,
    /// Backing directories, sshd config, host key and logs of this node.
    pub dir: PathBuf,
    /// The `unshare` process that holds the namespaces.
    pub launcher: Option<ProcId>,
    /// The node's init (its sshd, pid 1 inside the node), seen from the host.
    pub init: Option<ProcId>,
}

/// A running local cluster, as recorded in the state file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub bridge: String,
    /// The control node's address on the bridge (never partitioned).
    pub bridge_address: Ipv4Addr,
    pub prefix_len: u8,
    pub netns_prefix: String,
    /// Private key the nodes' sshd accept for root.
    pub private_key: PathBuf,
    pub state_dir: PathBuf,
    /// Ends this cluster's `/etc/hosts` lines and tags its iptables rules.
    pub marker: String,
    pub nodes: Vec<NodeInfo>,
    /// Host directories `up` created as mount points (removed by `down` if empty).
    pub created_dirs: Vec<PathBuf>,
    /// Rules `up` inserted into the host's FORWARD chain.
    pub forward_rules: Vec<Vec<String>>,
}

/// How one node is doing, as `cluster status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeStatus {
    pub name: String,
    pub address: Ipv4Addr,
    pub netns: String,
    /// Host pid of the node's sshd (its init).
    pub pid: Option<i32>,
    /// Whether that sshd process is alive.
    pub sshd_alive: bool,
    /// Whether `ssh root@NODE true` works with the cluster's key.
    pub ssh_ok: bool,
    /// What went wrong when `ssh_ok` is false.
    pub error: Option<String>,
}

impl ClusterInfo {
    /// An empty record for `spec`, before anything is made.
    pub(crate) fn planned(spec: &ClusterSpec) -> ClusterInfo {
        let nodes = spec
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodeInfo {
                name: n.clone(),
                address: spec.node_address(i),
                netns: spec.netns(n),
                veth: spec.veth(i, n),
                dir: spec.state_dir.join("nodes").join(n),
                launcher: None,
                init: None,
            })
            .collect();
        ClusterInfo {
            bridge: spec.bridge.clone(),
            bridge_address: spec.bridge_address(),
            prefix_len: spec.prefix_len,
            netns_prefix: spec.netns_prefix.clone(),
            private_key: spec.state_dir.join("id_ed25519"),
            state_dir: spec.state_dir.clone(),
            marker: spec.marker(),
            nodes,
            created_dirs: Vec::new(),
            forward_rules: Vec::new(),
        }
    }

    /// Node names, in order.
    pub fn node_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    /// The book of these nodes at their addresses on the bridge, with `ports`.
    pub fn addr_book(&self, ports: crate::addr::Ports) -> crate::addr::AddrBook {
        let resolved: Vec<(String, std::net::IpAddr)> = self
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.address.into()))
            .collect();
        crate::addr::AddrBook::direct(&resolved, ports)
    }

    /// SSH options that reach these nodes: root, the cluster's key, no host key
    /// checks (node host keys are made anew on every `up`).
    pub fn ssh_options(&self) -> SshOptions {
        SshOptions {
            username: "root".into(),
            private_key: Some(self.private_key.clone()),
            strict_host_key_checking: false,
            port: 22,
            connect_timeout: 5,
        }
    }

    pub(crate) fn state_file(&self) -> PathBuf {
        self.state_dir.join("cluster.json")
    }

    /// Writes the record (write to a temporary file, then rename).
    pub(crate) fn save(&self) -> Result<(), ClusterError> {
        save_record(self, &self.state_file(), "the cluster state")
    }

    /// Reads the record at `path`; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<ClusterInfo>, ClusterError> {
        load_record(path, "the cluster state")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_json() {
        let dir = std::env::temp_dir().join(format!("rjepsen-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = ClusterSpec {
            nodes: vec!["a".into(), "b".into()],
            state_dir: dir.clone(),
            ..ClusterSpec::default()
        };
        let mut info = ClusterInfo::planned(&spec);
        info.nodes[1].init = Some(ProcId {
            pid: 42,
            start_time: 7,
        });
        info.save().unwrap();
        let back = ClusterInfo::load(&spec.state_file()).unwrap().unwrap();
        assert_eq!(back, info);
        assert_eq!(back.nodes[1].address, Ipv4Addr::new(10, 77, 0, 12));
        assert_eq!(back.ssh_options().private_key, Some(dir.join("id_ed25519")));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(ClusterInfo::load(&spec.state_file()).unwrap(), None);
    }
}
