//! `rjepsen cluster up|status|heal|down`: local nodes (see docs/local-nodes.md).

use crate::cli::{ClusterAction, ClusterArgs};
use crate::config::{expand_nodes, BadArgs};
use rjepsen_core::cluster::{self, ClusterSpec};
use std::time::Instant;

/// The spec named by the options, with `nodes`.
fn spec(args: &ClusterArgs, nodes: Vec<String>) -> ClusterSpec {
    let mut spec = ClusterSpec::default();
    if !nodes.is_empty() {
        spec.nodes = nodes;
    }
    if let Some(d) = &args.state_dir {
        spec.state_dir = d.clone();
    }
    if let Some(b) = &args.bridge {
        spec.bridge = b.clone();
        spec.netns_prefix = format!("{b}-");
    }
    if let Some(s) = args.subnet {
        spec.subnet = s;
    }
    spec
}

pub fn run(args: &ClusterArgs) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Runtime::new()?;
    match &args.action {
        ClusterAction::Up { nodes } => {
            let mut names = Vec::new();
            for spec in nodes {
                names.extend(expand_nodes(spec)?);
            }
            if names.is_empty() {
                return Err(BadArgs("no nodes given".into()).into());
            }
            let spec = spec(args, names);
            let started = Instant::now();
            let info = rt.block_on(cluster::up(&spec))?;
            eprintln!(
                "{} local nodes up in {:.1}s (bridge {} at {}, key {})",
                info.nodes.len(),
                started.elapsed().as_secs_f64(),
                info.bridge,
                info.bridge_address,
                info.private_key.display()
            );
            for n in &info.nodes {
                println!("{}\t{}", n.name, n.address);
            }
            Ok(0)
        }
        ClusterAction::Status => {
            let statuses = rt.block_on(cluster::status(&spec(args, Vec::new())))?;
            if statuses.is_empty() {
                println!("no local cluster is up");
                return Ok(0);
            }
            println!("node\taddress\tsshd pid\tsshd\tssh");
            let mut all_ok = true;
            for s in statuses {
                all_ok &= s.ssh_ok;
                let ssh = match (&s.ssh_ok, &s.error) {
                    (true, _) => "ok".to_string(),
                    (false, Some(e)) => format!("FAILED: {e}"),
                    (false, None) => "FAILED".to_string(),
                };
                let pid = s.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
                let sshd = if s.sshd_alive { "alive" } else { "DEAD" };
                println!("{}\t{}\t{}\t{sshd}\t{}", s.name, s.address, pid, ssh);
            }
            Ok(if all_ok { 0 } else { crate::exit::INTERNAL })
        }
        ClusterAction::Heal { db } => crate::cmd::heal::cluster_heal(&spec(args, Vec::new()), db),
        ClusterAction::Down => {
            let removed = rt.block_on(cluster::down(&spec(args, Vec::new())))?;
            if removed.is_empty() {
                eprintln!("nothing to remove: no local cluster was up");
            }
            for r in removed {
                eprintln!("removed {r}");
            }
            Ok(0)
        }
    }
}
