//! Which node provider a command uses: the one place that knows the kinds
//! (`netns`, `lxc`, `static`) and turns options into a provider. Everything
//! below gets a `dyn NodeProvider` or the remote it hands out.

use crate::cli::{LimitArgs, NodeArgs};
use crate::config::BadArgs;
use rjepsen_core::cluster::ClusterSpec;
use rjepsen_core::control::{Remote, SshOptions};
use rjepsen_core::lxc::{LxcNodes, LxcSpec};
use rjepsen_core::provider::{
    parse_cpus, parse_memory, Machines, NetnsNodes, NodeEndpoint, NodeLimits, NodeProvider,
};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The kinds `--provider` takes.
pub const KINDS: [&str; 3] = ["netns", "lxc", "static"];

/// A provider as chosen on the command line, validated but not yet built.
#[derive(Clone, Debug)]
pub struct ProviderChoice {
    pub kind: String,
    pub state_dir: Option<PathBuf>,
    pub bridge: Option<String>,
    pub subnet: Option<Ipv4Addr>,
    /// The static provider's machines (from `--nodes-file`).
    pub machines: Vec<NodeEndpoint>,
    /// `--nodes-file` as given (kept for the rerun command).
    pub nodes_file: Option<PathBuf>,
    pub limits: NodeLimits,
}

/// Reads `--nodes-file` (`NAME [HOST]` per line).
pub fn read_nodes_file(file: &Path) -> Result<Vec<NodeEndpoint>, BadArgs> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        BadArgs(format!(
            "failed to read --nodes-file {}: {e}",
            file.display()
        ))
    })?;
    Machines::parse(file, &text).map_err(|e| BadArgs(format!("bad --nodes-file: {e}")))
}

/// `--node-memory` and `--node-cpus` as numbers.
pub fn limits(a: &LimitArgs) -> Result<NodeLimits, BadArgs> {
    let memory_bytes = a
        .node_memory
        .as_deref()
        .map(parse_memory)
        .transpose()
        .map_err(|e| BadArgs(format!("--node-memory: {e}")))?;
    let cpus = a
        .node_cpus
        .as_deref()
        .map(parse_cpus)
        .transpose()
        .map_err(|e| BadArgs(format!("--node-cpus: {e}")))?;
    Ok(NodeLimits { memory_bytes, cpus })
}

fn check_kind(kind: &str) -> Result<(), BadArgs> {
    if KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(BadArgs(format!(
            "unknown --provider {kind:?} (known: {})",
            KINDS.join(", ")
        )))
    }
}

impl ProviderChoice {
    /// From `rjepsen test`'s node options: `--nodes-file` alone means `static`.
    pub fn from_node_args(a: &NodeArgs) -> Result<ProviderChoice, BadArgs> {
        let kind = match (&a.provider, &a.nodes_file) {
            (Some(k), _) => k.clone(),
            (None, Some(_)) => "static".into(),
            (None, None) => "netns".into(),
        };
        check_kind(&kind)?;
        let machines = match (&a.nodes_file, kind.as_str()) {
            (Some(f), "static") => read_nodes_file(f)?,
            _ => Vec::new(),
        };
        let limits = limits(&a.limits)?;
        if !limits.is_empty() && kind != "lxc" {
            return Err(BadArgs(format!(
                "--node-memory/--node-cpus need nodes that can be limited (--provider lxc), not {kind}"
            )));
        }
        Ok(ProviderChoice {
            kind,
            state_dir: a.state_dir.clone(),
            bridge: None,
            subnet: None,
            machines,
            nodes_file: a.nodes_file.clone(),
            limits,
        })
    }

    /// The namespace nodes' spec with these options.
    pub fn netns_spec(&self, nodes: Vec<String>) -> ClusterSpec {
        let mut spec = ClusterSpec::default();
        if !nodes.is_empty() {
            spec.nodes = nodes;
        }
        if let Some(d) = &self.state_dir {
            spec.state_dir = d.clone();
        }
        if let Some(b) = &self.bridge {
            spec.bridge = b.clone();
            spec.netns_prefix = format!("{b}-");
        }
        if let Some(s) = self.subnet {
            spec.subnet = s;
        }
        spec
    }

    /// The LXC spec with these options (containers are `<bridge>-<node>`).
    pub fn lxc_spec(&self, nodes: Vec<String>) -> LxcSpec {
        let mut spec = LxcSpec::default();
        if !nodes.is_empty() {
            spec.nodes = nodes;
        }
        if let Some(d) = &self.state_dir {
            spec.state_dir = d.clone();
        }
        if let Some(b) = &self.bridge {
            spec.bridge = b.clone();
            spec.prefix = format!("{b}-");
        }
        if let Some(s) = self.subnet {
            spec.subnet = s;
        }
        spec.limits = self.limits;
        spec
    }

    /// The provider, for `nodes` (empty: the kind's default nodes).
    pub fn build(&self, nodes: Vec<String>, ssh: &SshOptions) -> Box<dyn NodeProvider> {
        match self.kind.as_str() {
            "lxc" => Box::new(LxcNodes {
                spec: self.lxc_spec(nodes),
            }),
            "static" => Box::new(Machines {
                nodes: self.machines.clone(),
                ssh: ssh.clone(),
            }),
            _ => Box::new(NetnsNodes {
                spec: self.netns_spec(nodes),
            }),
        }
    }
}

/// The remote a test reaches `nodes` with, from the chosen provider, after
/// setting `--node-memory`/`--node-cpus` on each node through it.
pub async fn remote_for(
    choice: &ProviderChoice,
    nodes: &[String],
    ssh: &SshOptions,
) -> anyhow::Result<Arc<dyn Remote>> {
    let provider = choice.build(nodes.to_vec(), ssh);
    if !choice.limits.is_empty() {
        let Some(l) = provider.as_limits() else {
            return Err(BadArgs(format!("{} nodes cannot be limited", provider.name())).into());
        };
        for n in nodes {
            l.set_limits(n, &choice.limits).await?;
        }
        eprintln!(
            "limits on {}: {}",
            nodes.join(", "),
            describe(&choice.limits)
        );
    }
    Ok(provider.remote(ssh)?)
}

fn describe(l: &NodeLimits) -> String {
    let mem = l.memory_bytes.map(|m| format!("memory {} MiB", m >> 20));
    let cpu = l.cpus.map(|c| format!("{c} CPUs"));
    [mem, cpu]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}
