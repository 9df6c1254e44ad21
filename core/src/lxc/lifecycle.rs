//! `up`, `status` and `down` of an LXC cluster, in the order the pieces are made
//! and unmade: image (cached), key, bridge, FORWARD rules, clones, hosts lines,
//! start, SSH. As for namespace nodes, the plan is saved before anything is made,
//! a failed `up` calls `down`, and `down` goes through every step, treats what
//! is gone as done and reports all failures together.

use super::cmd::{require_lxc, state};
use super::state::LxcState;
use super::{container, image, LxcSpec};
use crate::cluster::lifecycle::{check_logins, ssh_error};
use crate::cluster::net::{self, link_exists};
use crate::cluster::node::{ensure_key, wait_for_banner};
use crate::cluster::sys::is_root;
use crate::cluster::{preflight, ClusterError};
use crate::control::on_nodes;
use crate::provider::NodeState;
use std::net::SocketAddr;
use std::time::Duration;

/// The recorded state of `spec`'s cluster (`None` when none is up).
pub fn info(spec: &LxcSpec) -> Result<Option<LxcState>, ClusterError> {
    LxcState::load(&spec.state_file())
}

fn need_root(what: &str) -> Result<(), ClusterError> {
    if is_root() {
        Ok(())
    } else {
        Err(ClusterError::NotRoot { what: what.into() })
    }
}

/// Brings up `spec`'s nodes (building the image if it is not cached) and
/// returns once each answers SSH with the cluster's key.
pub async fn up(spec: &LxcSpec) -> Result<LxcState, ClusterError> {
    let what = "bring up LXC nodes";
    spec.validate()?;
    need_root(what)?;
    require_lxc()?;
    if let Some(old) = info(spec)? {
        for n in &old.nodes {
            if state(&old.lxcpath(), &n.container)
                .await
                .is_some_and(|s| s != "STOPPED")
            {
                return Err(ClusterError::other(
                    what,
                    format!(
                        "an LXC cluster is already up (state in {}); run `rjepsen cluster down --provider lxc` first",
                        spec.state_file().display()
                    ),
                ));
            }
        }
        tracing::info!("removing a stopped LXC cluster before up");
        down(spec).await?;
    }
    preflight::check_names_and_subnet(&spec.marker(), &spec.nodes, spec.subnet, spec.prefix_len)
        .await
        .map_err(|e| ClusterError::other(what, e.to_string()))?;
    let (img, _) = image::build(spec).await?;
    if !spec.privileged {
        ensure_id_range()?;
    }
    let st = LxcState::planned(spec, &img.name);
    std::fs::create_dir_all(&st.containers_dir)
        .map_err(|e| ClusterError::io(what, &st.containers_dir, e))?;
    st.save()?;
    let mut st = st;
    match build(&mut st).await {
        Ok(()) => Ok(st),
        Err(e) => {
            if let Err(undo) = down(spec).await {
                tracing::warn!("cleaning up after a failed LXC up: {undo}");
            }
            Err(e)
        }
    }
}

async fn build(st: &mut LxcState) -> Result<(), ClusterError> {
    ensure_key(&st.private_key).await?;
    if link_exists(&st.bridge) {
        return Err(ClusterError::other(
            format!("create bridge {}", st.bridge),
            "an interface of that name exists already (run `rjepsen cluster down --provider lxc`, or pick another bridge)",
        ));
    }
    net::create_bridge_at(&st.bridge, st.bridge_address, st.prefix_len).await?;
    for rule in net::forward_rules(&st.bridge, &st.marker) {
        st.forward_rules.push(rule.clone());
        st.save()?;
        net::add_forward_rule(&rule).await?;
    }
    let names = st.node_names();
    let shared: &LxcState = st;
    let made = on_nodes(&names, |n| async move {
        container::create(shared, shared.node(&n)?).await
    })
    .await;
    for (_, r) in made {
        r?;
    }
    let lines: Vec<String> = st
        .nodes
        .iter()
        .map(|n| format!("{}\t{}", n.address, n.name))
        .collect();
    net::rewrite_hosts(&st.marker, &lines)?;
    let shared: &LxcState = st;
    let started = on_nodes(&names, |n| async move { start_and_wait(shared, &n).await }).await;
    for (_, r) in started {
        r?;
    }
    check_logins(
        st.ssh_remote(st.ssh_options()),
        &st.node_names(),
        "LXC node",
    )
    .await
}

/// Starts one node and waits for its sshd's banner.
pub(crate) async fn start_and_wait(st: &LxcState, name: &str) -> Result<(), ClusterError> {
    let node = st.node(name)?;
    container::start(st, node).await?;
    let addr = SocketAddr::from((node.address, 22));
    wait_for_banner(addr, Duration::from_secs(20))
        .await
        .map_err(|last| {
            let log = st.containers_dir.join(format!("{}.log", node.container));
            ClusterError::other(
                format!("reach sshd on node {name} ({addr})"),
                format!("{last} after 20s; LXC log: {}", log.display()),
            )
        })
}

/// Unprivileged containers map root to a range root must own.
fn ensure_id_range() -> Result<(), ClusterError> {
    let (start, count) = container::ID_RANGE;
    for file in ["/etc/subuid", "/etc/subgid"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let line = format!("root:{start}:{count}");
        if !text.lines().any(|l| l.trim() == line) {
            let new = format!(
                "{text}{}{line}\n",
                if text.is_empty() || text.ends_with('\n') {
                    ""
                } else {
                    "\n"
                }
            );
            std::fs::write(file, new).map_err(|e| {
                ClusterError::io("give root a uid range for unprivileged containers", file, e)
            })?;
        }
    }
    Ok(())
}

/// Each node: address, container state, whether SSH answers.
pub async fn status(spec: &LxcSpec) -> Result<Vec<NodeState>, ClusterError> {
    let Some(st) = info(spec)? else {
        return Ok(Vec::new());
    };
    let remote = st.ssh_remote(st.ssh_options());
    let results = on_nodes(&st.node_names(), |name| {
        let (remote, st) = (&remote, &st);
        async move {
            let n = st.node(&name).expect("node of this cluster");
            let s = state(&st.lxcpath(), &n.container)
                .await
                .unwrap_or_else(|| "ABSENT".into());
            let error = ssh_error(remote, &name, 5).await;
            NodeState {
                name: name.clone(),
                address: Some(n.address),
                state: s.to_lowercase(),
                detail: format!("container {}", n.container),
                ssh_ok: error.is_none(),
                error,
            }
        }
    })
    .await;
    remote.close_all().await;
    Ok(results.into_iter().map(|(_, s)| s).collect())
}

/// Removes everything `up` made for `spec`: containers (and their overlays),
/// FORWARD rules, bridge, hosts lines, key, state. Keeps the image. Safe twice.
pub async fn down(spec: &LxcSpec) -> Result<Vec<String>, ClusterError> {
    let what = "bring down LXC nodes";
    need_root(what)?;
    let st = match info(spec)? {
        Some(s) => s,
        None => LxcState::planned(spec, &image::image_name(spec)),
    };
    let mut done = Vec::new();
    let mut errors = Vec::new();
    if st.containers_dir.exists() {
        require_lxc()?;
        for n in discovered(&st) {
            match container::destroy(&st, &n).await {
                Ok(true) => done.push(format!("container {}", n.container)),
                Ok(false) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    for rule in net::forward_rules(&st.bridge, &st.marker) {
        if let Err(e) = net::delete_forward_rule(&rule).await {
            errors.push(e.to_string());
        }
    }
    if link_exists(&st.bridge) {
        match net::delete_bridge(&st.bridge).await {
            Ok(()) => done.push(format!("bridge {}", st.bridge)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if let Err(e) = net::rewrite_hosts(&st.marker, &[]) {
        errors.push(e.to_string());
    }
    remove_files(&st, &mut done, &mut errors);
    if errors.is_empty() {
        Ok(done)
    } else {
        Err(ClusterError::other(what, errors.join("; ")))
    }
}

/// The recorded nodes plus any container in the clones' lxcpath (a killed `up`).
fn discovered(st: &LxcState) -> Vec<super::state::LxcNode> {
    let mut nodes = st.nodes.clone();
    for entry in std::fs::read_dir(&st.containers_dir)
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().join("config").exists() && !nodes.iter().any(|n| n.container == name) {
            nodes.push(super::state::LxcNode {
                name: name.clone(),
                container: name,
                address: st.bridge_address,
                veth: String::new(),
            });
        }
    }
    nodes
}

fn remove_files(st: &LxcState, done: &mut Vec<String>, errors: &mut Vec<String>) {
    let key_pub = st.private_key.with_extension("pub");
    for f in [&st.private_key, &key_pub, &st.state_file()] {
        if f.exists() {
            match std::fs::remove_file(f) {
                Ok(()) => done.push(f.display().to_string()),
                Err(e) => {
                    errors.push(ClusterError::io("remove an LXC cluster file", f, e).to_string())
                }
            }
        }
    }
    // Only if empty: a container that could not be destroyed stays visible.
    if std::fs::remove_dir(&st.containers_dir).is_ok() {
        done.push(st.containers_dir.display().to_string());
    }
    let _ = std::fs::remove_dir(&st.state_dir);
}
