//! LXC nodes: each node a Debian container with its own init, package database,
//! sshd and firewall, as Jepsen's own LXC set-up and its TiKV test use.
//!
//! Namespace nodes share the host's `/usr` and `/etc`; containers do not, so a
//! test that installs or configures something on one node touches that node
//! only, and a whole node can be frozen (`lxc-freeze`) or limited (cgroups).
//! The price is an image: one `lxc-create -t debian` per package set, kept
//! stopped and shared by every cluster ([`image`]), and cloned per node as an
//! overlay snapshot in half a second ([`container`]). The host has no `lxc-net`
//! (no systemd), so the cluster brings its own bridge, subnet and FORWARD rules,
//! like namespace nodes do. See `docs/lxc.md`.

mod cmd;
pub mod container;
pub mod image;
mod lifecycle;
mod spec;
mod state;

pub use image::ImageInfo;
pub use lifecycle::{down, info, status, up};
pub use spec::{host_mirror, LxcSpec, DEFAULT_PACKAGES};
pub use state::{LxcNode, LxcState};

use crate::cluster::ClusterError;
use crate::control::{Remote, SshOptions};
use crate::provider::{
    Freeze, Limits, NodeEndpoint, NodeLimits, NodeProvider, NodeRemote, NodeState,
};
use async_trait::async_trait;
use std::sync::Arc;

/// The `lxc` provider: the cluster of `spec`.
pub struct LxcNodes {
    pub spec: LxcSpec,
}

impl LxcNodes {
    fn running(&self) -> Result<LxcState, ClusterError> {
        info(&self.spec)?.ok_or_else(|| {
            ClusterError::other(
                "reach LXC nodes",
                format!(
                    "no LXC cluster is up (no {}); run `rjepsen cluster up --provider lxc`",
                    self.spec.state_file().display()
                ),
            )
        })
    }
}

fn endpoints(st: &LxcState) -> Vec<NodeEndpoint> {
    st.nodes
        .iter()
        .map(|n| NodeEndpoint {
            name: n.name.clone(),
            ssh_host: n.address.to_string(),
            address: Some(n.address),
        })
        .collect()
}

#[async_trait]
impl NodeProvider for LxcNodes {
    fn name(&self) -> &'static str {
        "lxc"
    }

    async fn create(&self) -> Result<Vec<NodeEndpoint>, ClusterError> {
        Ok(endpoints(&up(&self.spec).await?))
    }

    async fn start(&self, node: &str) -> Result<(), ClusterError> {
        lifecycle::start_and_wait(&self.running()?, node).await
    }

    async fn stop(&self, node: &str) -> Result<(), ClusterError> {
        let st = self.running()?;
        container::stop(&st, st.node(node)?).await.map(|_| ())
    }

    async fn destroy(&self) -> Result<Vec<String>, ClusterError> {
        down(&self.spec).await
    }

    async fn status(&self) -> Result<Vec<NodeState>, ClusterError> {
        status(&self.spec).await
    }

    fn endpoints(&self) -> Result<Vec<NodeEndpoint>, ClusterError> {
        Ok(info(&self.spec)?.map(|s| endpoints(&s)).unwrap_or_default())
    }

    fn remote(&self, given: &SshOptions) -> Result<Arc<dyn Remote>, ClusterError> {
        let st = self.running()?;
        let mut opts = given.clone();
        opts.private_key = opts.private_key.or(Some(st.private_key.clone()));
        Ok(Arc::new(NodeRemote {
            inner: Arc::new(st.ssh_remote(opts)),
            freeze: self.as_freeze(),
        }))
    }

    fn as_freeze(&self) -> Option<Arc<dyn Freeze>> {
        Some(Arc::new(LxcFreeze {
            spec: self.spec.clone(),
        }))
    }

    fn as_limits(&self) -> Option<&dyn Limits> {
        Some(self)
    }
}

/// `lxc-freeze` of whole nodes; reads the state file on each call, so that it
/// works from any process and after the cluster was made again.
struct LxcFreeze {
    spec: LxcSpec,
}

impl LxcFreeze {
    fn state(&self) -> Result<LxcState, ClusterError> {
        LxcNodes {
            spec: self.spec.clone(),
        }
        .running()
    }
}

#[async_trait]
impl Freeze for LxcFreeze {
    async fn freeze(&self, node: &str) -> Result<(), ClusterError> {
        let st = self.state()?;
        container::set_frozen(&st, st.node(node)?, true).await
    }

    async fn unfreeze(&self, node: &str) -> Result<(), ClusterError> {
        let st = self.state()?;
        let n = st.node(node)?;
        if cmd::state(&st.lxcpath(), &n.container).await.as_deref() != Some("FROZEN") {
            return Ok(());
        }
        container::set_frozen(&st, n, false).await
    }

    async fn frozen(&self, node: &str) -> Result<bool, ClusterError> {
        let st = self.state()?;
        let n = st.node(node)?;
        Ok(cmd::state(&st.lxcpath(), &n.container).await.as_deref() == Some("FROZEN"))
    }
}

#[async_trait]
impl Limits for LxcNodes {
    async fn set_limits(&self, node: &str, limits: &NodeLimits) -> Result<(), ClusterError> {
        let st = self.running()?;
        container::set_limits(&st, st.node(node)?, limits).await
    }
}
