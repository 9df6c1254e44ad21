//! The `netns` provider: local nodes made of Linux namespaces ([`crate::cluster`]),
//! the default. Each node runs the host's binaries, so there is nothing to
//! freeze or limit that would not also touch the host: it offers SSH only.

use super::{NodeEndpoint, NodeProvider, NodeState};
use crate::cluster::{self, ClusterError, ClusterInfo, ClusterSpec};
use crate::control::{Remote, SshOptions, SshRemote};
use async_trait::async_trait;
use std::sync::Arc;

/// Namespace nodes of `spec` (state in `spec.state_dir`).
pub struct NetnsNodes {
    pub spec: ClusterSpec,
}

fn endpoints(info: &ClusterInfo) -> Vec<NodeEndpoint> {
    info.nodes
        .iter()
        .map(|n| NodeEndpoint {
            name: n.name.clone(),
            ssh_host: n.name.clone(),
            address: Some(n.address),
        })
        .collect()
}

#[async_trait]
impl NodeProvider for NetnsNodes {
    fn name(&self) -> &'static str {
        "netns"
    }

    async fn create(&self) -> Result<Vec<NodeEndpoint>, ClusterError> {
        Ok(endpoints(&cluster::up(&self.spec).await?))
    }

    async fn start(&self, node: &str) -> Result<(), ClusterError> {
        cluster::start_node(&self.spec, node).await
    }

    async fn stop(&self, node: &str) -> Result<(), ClusterError> {
        cluster::stop_node(&self.spec, node).await
    }

    async fn destroy(&self) -> Result<Vec<String>, ClusterError> {
        cluster::down(&self.spec).await
    }

    async fn status(&self) -> Result<Vec<NodeState>, ClusterError> {
        let statuses = cluster::status(&self.spec).await?;
        Ok(statuses
            .into_iter()
            .map(|s| NodeState {
                name: s.name,
                address: Some(s.address),
                state: if s.sshd_alive { "running" } else { "dead" }.into(),
                detail: s.pid.map_or("-".into(), |p| format!("sshd pid {p}")),
                ssh_ok: s.ssh_ok,
                error: s.error,
            })
            .collect())
    }

    fn endpoints(&self) -> Result<Vec<NodeEndpoint>, ClusterError> {
        Ok(cluster::info(&self.spec)?
            .map(|i| endpoints(&i))
            .unwrap_or_default())
    }

    /// With no key given: the cluster's, when one is up (else ssh's own), so
    /// that the same options also reach real machines named on the command line.
    fn remote(&self, given: &SshOptions) -> Result<Arc<dyn Remote>, ClusterError> {
        let mut opts = given.clone();
        if opts.private_key.is_none() {
            // A state file that cannot be read counts as no cluster.
            opts.private_key = cluster::info(&self.spec)
                .ok()
                .flatten()
                .map(|i| i.private_key);
        }
        Ok(Arc::new(SshRemote::new(opts)))
    }
}
