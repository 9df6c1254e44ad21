//! `up`, `status` and `down`: the order in which the pieces are made and unmade.
//!
//! `up` records its plan in the state file before making anything and saves again
//! after each step, so that a failed `up` can call `down` and leave nothing behind.
//! `down` is best effort: it goes through every step even when one fails, treats
//! anything already gone as done, and reports all failures together.

use super::net::{self, netns_exists};
use super::node::{self, PRIVATE_DIRS};
use super::preflight;
use super::sys::{self, is_root};
use super::{ClusterError, ClusterInfo, ClusterSpec, NodeInfo, NodeStatus, ProcId};
use crate::control::{on_nodes, SshRemote};
use std::path::Path;
use std::time::{Duration, Instant};

/// Reads the state of the cluster `spec` points at (`None` when none is up).
pub fn info(spec: &ClusterSpec) -> Result<Option<ClusterInfo>, ClusterError> {
    ClusterInfo::load(&spec.state_file())
}

/// Brings up the nodes of `spec` and returns once each answers SSH with the key.
pub async fn up(spec: &ClusterSpec) -> Result<ClusterInfo, ClusterError> {
    let what = "bring up local nodes";
    spec.validate()?;
    if !is_root() {
        return Err(ClusterError::NotRoot { what: what.into() });
    }
    if let Some(old) = info(spec)? {
        let running = old
            .nodes
            .iter()
            .filter_map(|n| n.init)
            .any(|p| sys::alive(&p));
        if running {
            return Err(ClusterError::other(
                what,
                format!(
                    "a local cluster is already up (state in {}); run `rjepsen cluster down` first",
                    spec.state_file().display()
                ),
            ));
        }
        // Left by a reboot or a killed `up`: nothing of it runs, so clear it away.
        tracing::info!("removing a stale local cluster (no node running) before up");
        down(spec).await?;
    }
    preflight::check(spec).await?;
    let sshd = node::find_sshd()?;
    for dir in [&spec.state_dir, &spec.state_dir.join("nodes")] {
        std::fs::create_dir_all(dir).map_err(|e| ClusterError::io(what, dir, e))?;
    }
    let mut info = ClusterInfo::planned(spec);
    info.save()?;
    match build(&mut info, &sshd).await {
        Ok(()) => Ok(info),
        Err(e) => {
            if let Err(undo) = down(spec).await {
                tracing::warn!("cleaning up after a failed cluster up: {undo}");
            }
            Err(e)
        }
    }
}

async fn build(info: &mut ClusterInfo, sshd: &Path) -> Result<(), ClusterError> {
    node::ensure_key(&info.private_key).await?;
    let privsep = Path::new("/run/sshd");
    std::fs::create_dir_all(privsep)
        .map_err(|e| ClusterError::io("create sshd's privilege-separation dir", privsep, e))?;
    for m in PRIVATE_DIRS.iter().map(Path::new).filter(|m| !m.exists()) {
        std::fs::create_dir_all(m)
            .map_err(|e| ClusterError::io("create a mount point for local nodes", m, e))?;
        info.created_dirs.push(m.to_path_buf());
    }
    info.save()?;
    net::create_bridge(info).await?;
    for rule in net::forward_rules(&info.bridge, &info.marker) {
        info.forward_rules.push(rule.clone());
        info.save()?;
        net::add_forward_rule(&rule).await?;
    }
    for n in &info.nodes {
        net::create_node_net(info, n).await?;
        node::prepare(info, n).await?;
    }
    for i in 0..info.nodes.len() {
        let (launcher, init) = node::start(&info.nodes[i], sshd).await?;
        info.nodes[i].launcher = Some(launcher);
        info.nodes[i].init = Some(init);
        info.save()?;
    }
    net::write_hosts(info)?;
    let nodes = info.node_names();
    let waits = on_nodes(&nodes, |name| {
        let n = info
            .nodes
            .iter()
            .find(|n| n.name == name)
            .expect("node of this cluster");
        node::wait_for_sshd(n, Duration::from_secs(10))
    })
    .await;
    for (_, r) in waits {
        r?;
    }
    check_logins(
        SshRemote::new(info.ssh_options()),
        &info.node_names(),
        "node",
    )
    .await
}

/// Logs in to every node with the control key through `remote`, as the runner
/// will; `kind` names the nodes in the error ("node", "LXC node"). Shared by the
/// netns and LXC providers.
pub(crate) async fn check_logins(
    remote: SshRemote,
    nodes: &[String],
    kind: &str,
) -> Result<(), ClusterError> {
    let results = on_nodes(nodes, |n| {
        let remote = &remote;
        async move { remote.check(&n).await }
    })
    .await;
    remote.close_all().await;
    for (node, r) in results {
        r.map_err(|e| {
            ClusterError::other(format!("log in to {kind} {node} over SSH"), e.to_string())
        })?;
    }
    Ok(())
}

/// Why `node` does not answer SSH through `remote` within `secs` seconds, or
/// `None` when it does (for `status`; shared with the LXC provider).
pub(crate) async fn ssh_error(remote: &SshRemote, node: &str, secs: u64) -> Option<String> {
    match tokio::time::timeout(Duration::from_secs(secs), remote.check(node)).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!(
            "failed to connect to {node}: no answer within {secs}s"
        )),
    }
}

/// How each node of the running cluster is doing (empty when none is up).
pub async fn status(spec: &ClusterSpec) -> Result<Vec<NodeStatus>, ClusterError> {
    let Some(info) = info(spec)? else {
        return Ok(Vec::new());
    };
    let remote = SshRemote::new(info.ssh_options());
    let results = on_nodes(&info.node_names(), |name| {
        let (remote, info) = (&remote, &info);
        async move {
            let n = info
                .nodes
                .iter()
                .find(|n| n.name == name)
                .expect("node of this cluster");
            let sshd_alive = n
                .init
                .as_ref()
                .is_some_and(|p| sys::alive(p) && sys::comm(p.pid).as_deref() == Some("sshd"));
            let error = ssh_error(remote, &n.name, 10).await;
            NodeStatus {
                name: n.name.clone(),
                address: n.address,
                netns: n.netns.clone(),
                pid: n.init.map(|p| p.pid),
                sshd_alive,
                ssh_ok: error.is_none(),
                error,
            }
        }
    })
    .await;
    remote.close_all().await;
    Ok(results.into_iter().map(|(_, s)| s).collect())
}

/// Removes everything `up` made for `spec` (from its state file, or by name when
/// the state file is gone). Safe to repeat. Returns what it removed, one noun
/// phrase each (`netns rjepsen-n1`, `process 4242 (killed)`, a path), for a
/// caller to print as `removed {line}`; empty when nothing was up.
pub async fn down(spec: &ClusterSpec) -> Result<Vec<String>, ClusterError> {
    let what = "bring down local nodes";
    if !is_root() {
        return Err(ClusterError::NotRoot { what: what.into() });
    }
    let info = match info(spec)? {
        Some(i) => i,
        None => discovered(spec),
    };
    let mut done = Vec::new();
    let mut errors = Vec::new();
    stop_nodes(&info, &mut done).await;
    for n in &info.nodes {
        let existed = netns_exists(&n.netns);
        match net::delete_node_net(n).await {
            Ok(()) if existed => done.push(format!("netns {}", n.netns)),
            Ok(()) => {}
            Err(e) => errors.push(e.to_string()),
        }
    }
    for rule in net::forward_rules(&info.bridge, &info.marker) {
        if let Err(e) = net::delete_forward_rule(&rule).await {
            errors.push(e.to_string());
        }
    }
    if Path::new("/sys/class/net").join(&info.bridge).exists() {
        done.push(format!("bridge {}", info.bridge));
    }
    if let Err(e) = net::delete_bridge(&info.bridge).await {
        errors.push(e.to_string());
    }
    if let Err(e) = net::clear_hosts(&info.marker) {
        errors.push(e.to_string());
    }
    remove_files(&info, &mut done, &mut errors);
    if errors.is_empty() {
        Ok(done)
    } else {
        Err(ClusterError::other(what, errors.join("; ")))
    }
}

/// The cluster to remove when there is no state file: the spec's nodes plus any
/// network namespace carrying the spec's prefix.
fn discovered(spec: &ClusterSpec) -> ClusterInfo {
    let mut info = ClusterInfo::planned(spec);
    let names = std::fs::read_dir("/run/netns")
        .into_iter()
        .flatten()
        .flatten();
    for entry in names {
        let ns = entry.file_name().to_string_lossy().into_owned();
        if let Some(name) = ns.strip_prefix(&spec.netns_prefix) {
            if !info.nodes.iter().any(|n| n.netns == ns) {
                let i = info.nodes.len();
                info.nodes.push(NodeInfo {
                    name: name.to_string(),
                    address: spec.node_address(i),
                    netns: ns.clone(),
                    veth: spec.veth(i, name),
                    dir: spec.state_dir.join("nodes").join(name),
                    launcher: None,
                    init: None,
                });
            }
        }
    }
    info
}

/// Kills each node's init (ending its PID namespace) and launcher, then whatever
/// else still sits in the node's network namespace (entered by `ip netns exec`).
async fn stop_nodes(info: &ClusterInfo, done: &mut Vec<String>) {
    let recorded: Vec<ProcId> = info
        .nodes
        .iter()
        .flat_map(|n| [n.init, n.launcher])
        .flatten()
        .collect();
    for p in &recorded {
        if sys::kill(p) {
            done.push(format!("process {} (killed)", p.pid));
        }
    }
    sys::wait_gone(&recorded, Duration::from_secs(5)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    for n in info.nodes.iter().filter(|n| netns_exists(&n.netns)) {
        loop {
            let pids = sys::run("list processes", "ip", &["netns", "pids", &n.netns])
                .await
                .unwrap_or_default();
            let left: Vec<ProcId> = pids
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .filter_map(sys::proc_id)
                .collect();
            if left.is_empty() || Instant::now() >= deadline {
                break;
            }
            for p in &left {
                if sys::kill(p) {
                    done.push(format!(
                        "process {} left in netns {} (killed)",
                        p.pid, n.netns
                    ));
                }
            }
            sys::wait_gone(&left, Duration::from_secs(1)).await;
        }
    }
}

/// Removes node directories, the key, created mount points and the state file.
fn remove_files(info: &ClusterInfo, done: &mut Vec<String>, errors: &mut Vec<String>) {
    let nodes_dir = info.state_dir.join("nodes");
    for n in &info.nodes {
        if n.dir.starts_with(&nodes_dir) && n.dir.exists() {
            match std::fs::remove_dir_all(&n.dir) {
                Ok(()) => done.push(n.dir.display().to_string()),
                Err(e) => {
                    errors.push(ClusterError::io("remove a node's files", &n.dir, e).to_string())
                }
            }
        }
    }
    for d in &info.created_dirs {
        // Only if empty: something else may have put files there since.
        if std::fs::remove_dir(d).is_ok() {
            done.push(d.display().to_string());
        }
    }
    let key_pub = info.private_key.with_extension("pub");
    for f in [&info.private_key, &key_pub, &info.state_file()] {
        if f.exists() {
            match std::fs::remove_file(f) {
                Ok(()) => done.push(f.display().to_string()),
                Err(e) => {
                    errors.push(ClusterError::io("remove a local-node file", f, e).to_string())
                }
            }
        }
    }
    let _ = std::fs::remove_dir(&nodes_dir);
    let _ = std::fs::remove_dir(&info.state_dir);
}

/// Stops one node: kills its init (ending everything in its PID namespace) and
/// launcher; its network namespace and files stay, so [`start_node`] can bring
/// it back.
pub async fn stop_node(spec: &ClusterSpec, name: &str) -> Result<(), ClusterError> {
    let what = format!("stop local node {name}");
    let mut info =
        info(spec)?.ok_or_else(|| ClusterError::other(&what, "no local cluster is up"))?;
    let n = info
        .nodes
        .iter_mut()
        .find(|n| n.name == name)
        .ok_or_else(|| ClusterError::other(&what, "not a node of this cluster"))?;
    let procs: Vec<ProcId> = [n.init.take(), n.launcher.take()]
        .into_iter()
        .flatten()
        .collect();
    for p in &procs {
        sys::kill(p);
    }
    let left = sys::wait_gone(&procs, Duration::from_secs(5)).await;
    info.save()?;
    if !left.is_empty() {
        return Err(ClusterError::other(
            what,
            format!("still running after SIGKILL: {left:?}"),
        ));
    }
    Ok(())
}

/// Starts a stopped node again and waits until it answers SSH.
pub async fn start_node(spec: &ClusterSpec, name: &str) -> Result<(), ClusterError> {
    let what = format!("start local node {name}");
    let mut info =
        info(spec)?.ok_or_else(|| ClusterError::other(&what, "no local cluster is up"))?;
    let i = info
        .nodes
        .iter()
        .position(|n| n.name == name)
        .ok_or_else(|| ClusterError::other(&what, "not a node of this cluster"))?;
    if info.nodes[i].init.as_ref().is_some_and(sys::alive) {
        return Ok(());
    }
    let (launcher, init) = node::start(&info.nodes[i], &node::find_sshd()?).await?;
    info.nodes[i].launcher = Some(launcher);
    info.nodes[i].init = Some(init);
    info.save()?;
    node::wait_for_sshd(&info.nodes[i], Duration::from_secs(10)).await
}
