//! The `static` provider: real machines someone else runs, listed in a file
//! (`--nodes-file`). Nothing is made or removed; `create` and `status` check
//! that each machine answers SSH.
//!
//! The file has one machine per line: `NAME [HOST]` (HOST, a name or address,
//! is what ssh dials; default NAME), `#` comments and blank lines skipped.

use super::{NodeEndpoint, NodeProvider, NodeState};
use crate::cluster::ClusterError;
use crate::control::{on_nodes, Remote, SshOptions, SshRemote};
use async_trait::async_trait;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A fixed list of machines reached with `ssh`.
pub struct Machines {
    pub nodes: Vec<NodeEndpoint>,
    pub ssh: SshOptions,
}

impl Machines {
    /// Parses a nodes file; a bad line is an error naming the file and line.
    pub fn parse(path: &Path, text: &str) -> Result<Vec<NodeEndpoint>, String> {
        let mut out: Vec<NodeEndpoint> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let body = line.split('#').next().unwrap_or("").trim();
            if body.is_empty() {
                continue;
            }
            let at = || format!("{}:{}", path.display(), i + 1);
            let fields: Vec<&str> = body.split_whitespace().collect();
            if fields.len() > 2 {
                return Err(format!("{}: expected `NAME [HOST]`, got {body:?}", at()));
            }
            let (name, host) = (fields[0], fields.get(1).copied().unwrap_or(fields[0]));
            if out.iter().any(|n| n.name == name) {
                return Err(format!("{}: node {name} is listed twice", at()));
            }
            out.push(NodeEndpoint {
                name: name.to_string(),
                ssh_host: host.to_string(),
                address: host.parse().ok(),
            });
        }
        Ok(out)
    }

    fn ssh(&self, given: &SshOptions) -> SshRemote {
        let hosts: HashMap<String, String> = self
            .nodes
            .iter()
            .filter(|n| n.ssh_host != n.name)
            .map(|n| (n.name.clone(), n.ssh_host.clone()))
            .collect();
        SshRemote::new(given.clone()).with_hosts(hosts)
    }
}

#[async_trait]
impl NodeProvider for Machines {
    fn name(&self) -> &'static str {
        "static"
    }

    async fn create(&self) -> Result<Vec<NodeEndpoint>, ClusterError> {
        for s in self.status().await? {
            if let Some(e) = s.error {
                return Err(ClusterError::other(format!("reach machine {}", s.name), e));
            }
        }
        Ok(self.nodes.clone())
    }

    async fn destroy(&self) -> Result<Vec<String>, ClusterError> {
        Ok(Vec::new())
    }

    async fn status(&self) -> Result<Vec<NodeState>, ClusterError> {
        let remote = self.ssh(&self.ssh);
        let names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        let results = on_nodes(&names, |n| {
            let remote = &remote;
            async move {
                match tokio::time::timeout(Duration::from_secs(15), remote.check(&n)).await {
                    Ok(r) => r.map_err(|e| e.to_string()),
                    Err(_) => Err(format!("failed to connect to {n}: no answer within 15s")),
                }
            }
        })
        .await;
        remote.close_all().await;
        Ok(self
            .nodes
            .iter()
            .zip(results)
            .map(|(n, (_, r))| NodeState {
                name: n.name.clone(),
                address: n.address,
                state: "machine".into(),
                detail: n.ssh_host.clone(),
                ssh_ok: r.is_ok(),
                error: r.err(),
            })
            .collect())
    }

    fn endpoints(&self) -> Result<Vec<NodeEndpoint>, ClusterError> {
        Ok(self.nodes.clone())
    }

    fn remote(&self, given: &SshOptions) -> Result<Arc<dyn Remote>, ClusterError> {
        Ok(Arc::new(self.ssh(given)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_file_lines() {
        let p = Path::new("nodes.txt");
        let text = "# machines\nn1 10.0.0.5\n\nn2   db2.example # second\nn3\n";
        let nodes = Machines::parse(p, text).unwrap();
        let got: Vec<(&str, &str, bool)> = nodes
            .iter()
            .map(|n| (n.name.as_str(), n.ssh_host.as_str(), n.address.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                ("n1", "10.0.0.5", true),
                ("n2", "db2.example", false),
                ("n3", "n3", false)
            ]
        );
        let err = Machines::parse(p, "n1\nn2 a b\n").unwrap_err();
        assert_eq!(err, "nodes.txt:2: expected `NAME [HOST]`, got \"n2 a b\"");
        let err = Machines::parse(p, "n1\nn1 x\n").unwrap_err();
        assert_eq!(err, "nodes.txt:2: node n1 is listed twice");
    }
}
