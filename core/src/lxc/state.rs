//! What `up` made, as JSON in the cluster's state file: `down`, `status` and the
//! freeze nemesis (another process) read it, and `down` removes exactly that.

use super::LxcSpec;
use crate::cluster::state::{load_record, save_record};
use crate::cluster::ClusterError;
use crate::control::{SshOptions, SshRemote};
use crate::provider::NodeLimits;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// One LXC node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LxcNode {
    pub name: String,
    /// The container's name in `containers_dir`.
    pub container: String,
    pub address: Ipv4Addr,
    /// Host end of its veth pair.
    pub veth: String,
}

/// A running LXC cluster, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LxcState {
    pub bridge: String,
    pub bridge_address: Ipv4Addr,
    pub prefix_len: u8,
    pub marker: String,
    pub private_key: PathBuf,
    pub state_dir: PathBuf,
    /// The lxcpath of the clones.
    pub containers_dir: PathBuf,
    pub image_dir: PathBuf,
    pub image: String,
    pub privileged: bool,
    pub limits: NodeLimits,
    pub nodes: Vec<LxcNode>,
    /// Rules `up` inserted into the host's FORWARD chain.
    pub forward_rules: Vec<Vec<String>>,
}

impl LxcState {
    pub(crate) fn planned(spec: &LxcSpec, image: &str) -> LxcState {
        let nodes = spec
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| LxcNode {
                name: n.clone(),
                container: format!("{}{n}", spec.prefix),
                address: spec.node_address(i),
                veth: spec.veth(i),
            })
            .collect();
        LxcState {
            bridge: spec.bridge.clone(),
            bridge_address: spec.bridge_address(),
            prefix_len: spec.prefix_len,
            marker: spec.marker(),
            private_key: spec.state_dir.join("id_ed25519"),
            state_dir: spec.state_dir.clone(),
            containers_dir: spec.state_dir.join("containers"),
            image_dir: spec.image_dir.clone(),
            image: image.to_string(),
            privileged: spec.privileged,
            limits: spec.limits,
            nodes,
            forward_rules: Vec::new(),
        }
    }

    pub fn node(&self, name: &str) -> Result<&LxcNode, ClusterError> {
        self.nodes.iter().find(|n| n.name == name).ok_or_else(|| {
            ClusterError::other(
                format!("find LXC node {name}"),
                "not a node of this cluster",
            )
        })
    }

    pub fn node_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    pub(crate) fn lxcpath(&self) -> String {
        self.containers_dir.to_string_lossy().into_owned()
    }

    /// root, the cluster's key, no host-key checks (clones share the image's).
    pub fn ssh_options(&self) -> SshOptions {
        SshOptions {
            username: "root".into(),
            private_key: Some(self.private_key.clone()),
            strict_host_key_checking: false,
            port: 22,
            connect_timeout: 5,
        }
    }

    /// An SSH remote that dials each node at its address (so no name lookup on
    /// the control node is needed), with `opts`.
    pub fn ssh_remote(&self, opts: SshOptions) -> SshRemote {
        let hosts = self
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.address.to_string()));
        SshRemote::new(opts).with_hosts(hosts.collect())
    }

    pub(crate) fn state_file(&self) -> PathBuf {
        self.state_dir.join("cluster.json")
    }

    pub(crate) fn save(&self) -> Result<(), ClusterError> {
        save_record(self, &self.state_file(), "the LXC cluster state")
    }

    pub fn load(path: &Path) -> Result<Option<LxcState>, ClusterError> {
        load_record(path, "the LXC cluster state")
    }
}
