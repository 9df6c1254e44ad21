//! `rjepsen cluster up|status|start|stop|heal|down|image`: local nodes of the chosen
//! provider (namespaces: docs/local-nodes.md; LXC: docs/lxc.md).

use crate::cli::{ClusterAction, ClusterArgs, ImageAction};
use crate::config::{comma_list, expand_nodes, BadArgs};
use crate::providers::{limits, ProviderChoice};
use rjepsen_core::control::SshOptions;
use rjepsen_core::lxc::{self, image, LxcSpec};
use rjepsen_core::provider::{NodeLimits, NodeProvider};
use std::time::Instant;

/// The provider named by the options; `cluster` makes local nodes only.
fn choice(args: &ClusterArgs, limits: NodeLimits) -> Result<ProviderChoice, BadArgs> {
    if !["netns", "lxc"].contains(&args.provider.as_str()) {
        return Err(BadArgs(format!(
            "unknown --provider {:?} for local nodes (known: netns, lxc)",
            args.provider
        )));
    }
    if !limits.is_empty() && args.provider != "lxc" {
        return Err(BadArgs(
            "--node-memory/--node-cpus need --provider lxc (namespace nodes share the host's cgroup)".into(),
        ));
    }
    Ok(ProviderChoice {
        kind: args.provider.clone(),
        state_dir: args.state_dir.clone(),
        bridge: args.bridge.clone(),
        subnet: args.subnet,
        machines: Vec::new(),
        nodes_file: None,
        limits,
    })
}

/// The LXC spec of these options, with `--packages` and `--image-dir`.
fn lxc_spec(args: &ClusterArgs, c: &ProviderChoice, nodes: Vec<String>) -> LxcSpec {
    let mut spec = c.lxc_spec(nodes);
    if let Some(p) = &args.packages {
        spec.packages = comma_list(p);
    }
    if let Some(d) = &args.image_dir {
        spec.image_dir = d.clone();
    }
    spec
}

fn provider(
    args: &ClusterArgs,
    c: &ProviderChoice,
    nodes: Vec<String>,
    privileged: bool,
) -> Box<dyn NodeProvider> {
    if c.kind == "lxc" {
        let mut spec = lxc_spec(args, c, nodes);
        spec.privileged = privileged;
        Box::new(lxc::LxcNodes { spec })
    } else {
        c.build(nodes, &SshOptions::default())
    }
}

pub fn run(args: &ClusterArgs) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Runtime::new()?;
    // The cluster that is up: its provider needs no node list.
    let existing = || -> Result<Box<dyn NodeProvider>, BadArgs> {
        Ok(provider(
            args,
            &choice(args, NodeLimits::default())?,
            Vec::new(),
            true,
        ))
    };
    match &args.action {
        ClusterAction::Up {
            nodes,
            unprivileged,
            limits: l,
            ..
        } => up(&rt, args, nodes, *unprivileged, l),
        ClusterAction::Status => status(&rt, &*existing()?),
        ClusterAction::Start { node } => {
            let started = Instant::now();
            rt.block_on(existing()?.start(node))?;
            eprintln!(
                "{node} started, answering SSH, in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        ClusterAction::Stop { node } => {
            let started = Instant::now();
            rt.block_on(existing()?.stop(node))?;
            eprintln!("{node} stopped in {:.1}s", started.elapsed().as_secs_f64());
            Ok(0)
        }
        ClusterAction::Heal { db } => crate::cmd::heal::cluster_heal(&*existing()?, db),
        ClusterAction::Down => {
            let p = existing()?;
            let removed = rt.block_on(p.destroy())?;
            if removed.is_empty() {
                eprintln!("nothing to remove: no {} cluster was up", p.name());
            }
            for r in removed {
                eprintln!("removed {r}");
            }
            Ok(0)
        }
        ClusterAction::Image { action } => {
            let c = choice(args, NodeLimits::default())?;
            images(&rt, &lxc_spec(args, &c, Vec::new()), action)
        }
    }
}

/// `cluster up`: makes the nodes and prints `name<TAB>address` for each.
fn up(
    rt: &tokio::runtime::Runtime,
    args: &ClusterArgs,
    nodes: &[String],
    unprivileged: bool,
    l: &crate::cli::LimitArgs,
) -> anyhow::Result<i32> {
    let mut names = Vec::new();
    for spec in nodes {
        names.extend(expand_nodes(spec)?);
    }
    if names.is_empty() {
        return Err(BadArgs("no nodes given".into()).into());
    }
    if unprivileged && args.provider != "lxc" {
        return Err(BadArgs("--unprivileged needs --provider lxc".into()).into());
    }
    let c = choice(args, limits(l)?)?;
    let p = provider(args, &c, names, !unprivileged);
    let started = Instant::now();
    let nodes = rt.block_on(p.create())?;
    eprintln!(
        "{} {} nodes up, all answering SSH, in {:.1}s",
        nodes.len(),
        p.name(),
        started.elapsed().as_secs_f64()
    );
    for n in &nodes {
        let addr = n.address.map_or("-".to_string(), |a| a.to_string());
        println!("{}\t{addr}", n.name);
    }
    Ok(0)
}

fn status(rt: &tokio::runtime::Runtime, p: &dyn NodeProvider) -> anyhow::Result<i32> {
    let statuses = rt.block_on(p.status())?;
    if statuses.is_empty() {
        println!("no {} cluster is up", p.name());
        return Ok(0);
    }
    println!("node\taddress\tstate\twhere\tssh");
    let mut all_ok = true;
    for s in statuses {
        all_ok &= s.ssh_ok;
        let ssh = match (&s.ssh_ok, &s.error) {
            (true, _) => "ok".to_string(),
            (false, Some(e)) => format!("FAILED: {e}"),
            (false, None) => "FAILED".to_string(),
        };
        let addr = s.address.map_or("-".to_string(), |a| a.to_string());
        println!("{}\t{addr}\t{}\t{}\t{ssh}", s.name, s.state, s.detail);
    }
    Ok(if all_ok { 0 } else { crate::exit::INTERNAL })
}

/// `cluster image build|list|rm` (LXC's base images).
fn images(
    rt: &tokio::runtime::Runtime,
    spec: &LxcSpec,
    action: &ImageAction,
) -> anyhow::Result<i32> {
    match action {
        ImageAction::Build => {
            let started = Instant::now();
            let (info, built) = rt.block_on(image::build(spec))?;
            let how = if built { "built" } else { "cached" };
            eprintln!(
                "image {} {how} in {:.1}s",
                info.name,
                started.elapsed().as_secs_f64()
            );
            println!("{}\t{}", info.name, info.packages.join(","));
        }
        ImageAction::List => {
            println!("image\trelease\tbuild s\tclones\tpackages");
            for i in image::list(&spec.image_dir)? {
                println!(
                    "{}\t{}\t{:.1}\t{}\t{}",
                    i.name,
                    i.release,
                    i.build_secs,
                    i.clones,
                    i.packages.join(",")
                );
            }
        }
        ImageAction::Rm { name } => {
            let name = name.clone().unwrap_or_else(|| image::image_name(spec));
            if rt.block_on(image::remove(&spec.image_dir, &name))? {
                eprintln!("removed image {name}");
            } else {
                eprintln!("nothing to remove: no image {name}");
            }
        }
    }
    Ok(0)
}
