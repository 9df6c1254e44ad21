//! Node providers: where a test's nodes come from, and what they offer.
//!
//! A test only needs to reach its nodes (a [`Remote`]); how they came to exist —
//! namespaces on this machine, LXC containers, real machines someone else runs, a
//! cloud API tomorrow — is one [`NodeProvider`] per kind, picked by the binary.
//! Nothing else in the code knows which: DB adapters and nemeses see the
//! `Remote`, and the abilities a kind has beyond SSH are separate small traits
//! ([`Freeze`], [`Limits`]) that a provider offers or not, as a `Db` offers
//! `Kill`. The remote a provider hands out carries those abilities along
//! ([`NodeRemote`]), so a nemesis asks `test.remote.as_freeze()` and a provider
//! that cannot freeze simply does not answer.

mod limits;
pub mod machines;
pub mod netns;

pub use limits::{parse_cpus, parse_memory, NodeLimits};
pub use machines::Machines;
pub use netns::NetnsNodes;

use crate::cluster::ClusterError;
use crate::control::{ControlError, LineStream, Output, Remote, SshOptions};
use async_trait::async_trait;
use serde::Serialize;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

/// One node as its provider knows it: the name tests use, the host SSH dials,
/// and the node's own address (what its peers and clients reach it at).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeEndpoint {
    pub name: String,
    pub ssh_host: String,
    pub address: Option<Ipv4Addr>,
}

/// How one node is doing, as `cluster status` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeState {
    pub name: String,
    pub address: Option<Ipv4Addr>,
    /// `running`, `stopped`, `frozen`, `dead`, ... in the provider's words.
    pub state: String,
    /// Something to find the node by on the host (a pid, a container name).
    pub detail: String,
    /// Whether a login with the provider's key runs `true`.
    pub ssh_ok: bool,
    /// What went wrong when `ssh_ok` is false.
    pub error: Option<String>,
}

/// A kind of node, shaped like its lifecycle. Every method names the nodes in
/// its errors; `destroy` is safe to repeat.
#[async_trait]
pub trait NodeProvider: Send + Sync {
    /// The name `--provider` takes.
    fn name(&self) -> &'static str;

    /// Makes every node and starts it; returns once each answers SSH. Refuses
    /// (saying why) when the nodes are up already.
    async fn create(&self) -> Result<Vec<NodeEndpoint>, ClusterError>;

    /// Starts one stopped node and waits until it answers SSH.
    async fn start(&self, node: &str) -> Result<(), ClusterError> {
        Err(self.unsupported(&format!("start node {node}")))
    }

    /// Stops one node: every process on it ends; its disk stays.
    async fn stop(&self, node: &str) -> Result<(), ClusterError> {
        Err(self.unsupported(&format!("stop node {node}")))
    }

    /// Removes everything `create` made; returns what it removed, one noun
    /// phrase each (empty when nothing was up).
    async fn destroy(&self) -> Result<Vec<String>, ClusterError>;

    /// How each node is doing (empty when none are up).
    async fn status(&self) -> Result<Vec<NodeState>, ClusterError>;

    /// The nodes that are up, as recorded (empty when none are).
    fn endpoints(&self) -> Result<Vec<NodeEndpoint>, ClusterError>;

    /// A remote that reaches the nodes over SSH with `given` (the provider fills
    /// in its own key when none was given) and carries the provider's abilities.
    fn remote(&self, given: &SshOptions) -> Result<Arc<dyn Remote>, ClusterError>;

    /// Freezing a whole node (every process on it), if this kind can.
    fn as_freeze(&self) -> Option<Arc<dyn Freeze>> {
        None
    }

    /// Memory and CPU limits per node, if this kind can set them.
    fn as_limits(&self) -> Option<&dyn Limits> {
        None
    }

    /// The error of an operation this kind does not offer.
    fn unsupported(&self, what: &str) -> ClusterError {
        ClusterError::other(what, format!("{} nodes do not offer that", self.name()))
    }
}

/// Freezing a node from outside it: all its processes stop at once, as if the
/// machine hung (not one process, as `pause` does), and thaw together.
#[async_trait]
pub trait Freeze: Send + Sync {
    async fn freeze(&self, node: &str) -> Result<(), ClusterError>;
    async fn unfreeze(&self, node: &str) -> Result<(), ClusterError>;
    /// Whether the node is frozen now (for the leftover sweep).
    async fn frozen(&self, node: &str) -> Result<bool, ClusterError>;
}

/// Per-node resource limits (cgroups), set on running nodes.
#[async_trait]
pub trait Limits: Send + Sync {
    async fn set_limits(&self, node: &str, limits: &NodeLimits) -> Result<(), ClusterError>;
}

/// A [`Remote`] plus the abilities of the nodes behind it: wraps the remote a
/// provider builds, so that a nemesis holding only `test.remote` can freeze.
pub struct NodeRemote {
    pub inner: Arc<dyn Remote>,
    pub freeze: Option<Arc<dyn Freeze>>,
}

#[async_trait]
impl Remote for NodeRemote {
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        self.inner.exec_unchecked(node, cmd).await
    }

    async fn stream_lines(&self, node: &str, cmd: &str) -> Result<LineStream, ControlError> {
        self.inner.stream_lines(node, cmd).await
    }

    async fn upload(
        &self,
        node: &str,
        local: &Path,
        remote_path: &str,
    ) -> Result<(), ControlError> {
        self.inner.upload(node, local, remote_path).await
    }

    async fn download(
        &self,
        node: &str,
        remote_path: &str,
        local: &Path,
    ) -> Result<(), ControlError> {
        self.inner.download(node, remote_path, local).await
    }

    fn as_freeze(&self) -> Option<&dyn Freeze> {
        self.freeze.as_deref()
    }
}
