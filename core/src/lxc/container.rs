//! One node's container: an overlay snapshot clone of the image (`lxc-copy -s -B
//! overlay`), given its own address, veth name, hostname, hosts file and the
//! cluster's key before it starts; then started, stopped, frozen, limited and
//! destroyed with LXC's tools.
//!
//! A clone keeps the image's network settings, so its config is rewritten: every
//! `lxc.net.0.*` and `lxc.uts.name` line is ours. Files go into the clone's
//! overlay upper directory, so the image itself never changes.

use super::cmd::{lxc, state};
use super::state::{LxcNode, LxcState};
use crate::cluster::ClusterError;
use crate::provider::NodeLimits;
use std::path::{Path, PathBuf};

/// uid/gid range of unprivileged containers (must be in /etc/subuid, subgid).
pub(crate) const ID_RANGE: (u32, u32) = (100_000, 65_536);

/// A clone's config: the copied lines minus network, name and limits, plus ours.
pub(crate) fn config_text(copied: &str, st: &LxcState, node: &LxcNode) -> String {
    let ours = [
        "lxc.net.",
        "lxc.uts.name",
        "lxc.cgroup.",
        "lxc.idmap",
        "lxc.rootfs.options",
        "lxc.start.auto",
    ];
    let mut out: String = copied
        .lines()
        .filter(|l| !ours.iter().any(|p| l.trim_start().starts_with(p)))
        .map(|l| format!("{l}\n"))
        .collect();
    let o = node.address.octets();
    let broadcast = std::net::Ipv4Addr::from(u32::from(node.address) | (u32::MAX >> st.prefix_len));
    out.push_str(&format!(
        "# rjepsen node {name}\nlxc.uts.name = {name}\nlxc.start.auto = 0\n\
         lxc.net.0.type = veth\nlxc.net.0.link = {br}\nlxc.net.0.flags = up\nlxc.net.0.name = eth0\n\
         lxc.net.0.veth.pair = {veth}\nlxc.net.0.hwaddr = 02:00:{:02x}:{:02x}:{:02x}:{:02x}\n\
         lxc.net.0.ipv4.address = {addr}/{len} {broadcast}\n",
        o[0],
        o[1],
        o[2],
        o[3],
        name = node.name,
        br = st.bridge,
        veth = node.veth,
        addr = node.address,
        len = st.prefix_len,
    ));
    for (key, value) in st.limits.cgroup_v1() {
        out.push_str(&format!("lxc.cgroup.{key} = {value}\n"));
    }
    if !st.privileged {
        let (start, count) = ID_RANGE;
        out.push_str(&format!(
            "lxc.idmap = u 0 {start} {count}\nlxc.idmap = g 0 {start} {count}\n"
        ));
    }
    out
}

/// The node's `/etc/hosts`: every node by name (etcd finds its peers by name).
pub(crate) fn hosts_text(st: &LxcState) -> String {
    let mut s = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    for n in &st.nodes {
        s.push_str(&format!("{}\t{}\n", n.address, n.name));
    }
    s
}

/// The clone's overlay upper directory, from `lxc.rootfs.path = overlay:LOWER:UPPER`.
fn upper_dir(config: &str) -> Option<PathBuf> {
    let line = config
        .lines()
        .find(|l| l.trim_start().starts_with("lxc.rootfs.path"))?;
    let value = line.split_once('=')?.1.trim();
    value
        .strip_prefix("overlay:")
        .and_then(|v| v.rsplit(':').next())
        .map(PathBuf::from)
}

/// Clones the image for `node` and fits the clone (config, files, key).
pub(crate) async fn create(st: &LxcState, node: &LxcNode) -> Result<(), ClusterError> {
    let what = format!("create the container of node {}", node.name);
    let (images, lxcpath) = (st.image_dir.to_string_lossy().into_owned(), st.lxcpath());
    let args = [
        "-P",
        &images,
        "-n",
        &st.image,
        "-p",
        &lxcpath,
        "-N",
        &node.container,
        "-s",
        "-B",
        "overlay",
    ];
    lxc(&what, "lxc-copy", &args).await?;
    let dir = st.containers_dir.join(&node.container);
    let io = |p: &Path, e| ClusterError::io(&what, p, e);
    let conf = dir.join("config");
    let copied = std::fs::read_to_string(&conf).map_err(|e| io(&conf, e))?;
    let upper = upper_dir(&copied).ok_or_else(|| {
        ClusterError::other(&what, format!("no overlay rootfs in {}", conf.display()))
    })?;
    std::fs::write(&conf, config_text(&copied, st, node)).map_err(|e| io(&conf, e))?;
    let key = std::fs::read_to_string(st.private_key.with_extension("pub"))
        .map_err(|e| io(&st.private_key, e))?;
    let files = [
        ("etc/hostname", format!("{}\n", node.name), 0o644),
        ("etc/hosts", hosts_text(st), 0o644),
        ("root/.ssh/authorized_keys", key, 0o600),
    ];
    for (rel, text, mode) in files {
        let path = upper.join(rel);
        let parent = path.parent().expect("has a parent");
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
        set_mode(&path, mode).map_err(|e| io(&path, e))?;
    }
    let ssh_dir = upper.join("root/.ssh");
    set_mode(&ssh_dir, 0o700).map_err(|e| io(&ssh_dir, e))?;
    if !st.privileged {
        shift_owner(&dir, &upper).map_err(|(p, e)| io(&p, e))?;
    }
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

/// Unprivileged: the clone's directory and overlay (upper and work dirs, and
/// everything we wrote there) belong to the mapped root, who mounts the overlay.
fn shift_owner(dir: &Path, upper: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    let (id, _) = ID_RANGE;
    let mut todo = vec![dir.to_path_buf()];
    if let Some(overlay) = upper.parent().filter(|o| o.starts_with(dir)) {
        todo.push(overlay.to_path_buf());
    }
    let written = [
        "etc",
        "etc/hostname",
        "etc/hosts",
        "root",
        "root/.ssh",
        "root/.ssh/authorized_keys",
    ];
    todo.extend(written.map(|r| upper.join(r)));
    while let Some(p) = todo.pop() {
        std::os::unix::fs::lchown(&p, Some(id), Some(id)).map_err(|e| (p.clone(), e))?;
        // The overlay's own directories (work, upper) are walked; the upper
        // dir's contents are only what we wrote (listed above).
        let in_overlay = p != dir && p.starts_with(dir) && !p.starts_with(upper);
        if in_overlay && p.is_dir() {
            for e in std::fs::read_dir(&p).map_err(|e| (p.clone(), e))?.flatten() {
                todo.push(e.path());
            }
        }
    }
    Ok(())
}

/// Starts the container (LXC daemonizes it).
pub(crate) async fn start(st: &LxcState, node: &LxcNode) -> Result<(), ClusterError> {
    let what = format!("start the container of node {}", node.name);
    let lxcpath = st.lxcpath();
    let log = st.containers_dir.join(format!("{}.log", node.container));
    let log = log.to_string_lossy().into_owned();
    let args = [
        "-P",
        &lxcpath,
        "-n",
        &node.container,
        "-o",
        &log,
        "-l",
        "INFO",
    ];
    crate::cluster::sys::run_detached(&what, "lxc-start", &args)
        .await
        .map(|_| ())
        .map_err(|e| {
            // LXC's own reason is in its log, not on stderr.
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let errors: Vec<&str> = text
                .lines()
                .filter(|l| l.contains(" ERROR "))
                .take(3)
                .collect();
            ClusterError::other(&what, format!("{e}; LXC log {log}: {}", errors.join(" | ")))
        })
}

/// Stops the container at once (thawing it first: a frozen one cannot stop).
pub(crate) async fn stop(st: &LxcState, node: &LxcNode) -> Result<bool, ClusterError> {
    let what = format!("stop the container of node {}", node.name);
    let lxcpath = st.lxcpath();
    match state(&lxcpath, &node.container).await.as_deref() {
        None | Some("STOPPED") => return Ok(false),
        Some("FROZEN") => {
            lxc(
                &what,
                "lxc-unfreeze",
                &["-P", &lxcpath, "-n", &node.container],
            )
            .await?;
        }
        _ => {}
    }
    lxc(
        &what,
        "lxc-stop",
        &["-P", &lxcpath, "-n", &node.container, "-k"],
    )
    .await?;
    Ok(true)
}

/// Stops and destroys the clone (its overlay goes with it); absent is fine.
pub(crate) async fn destroy(st: &LxcState, node: &LxcNode) -> Result<bool, ClusterError> {
    let what = format!("destroy the container of node {}", node.name);
    stop(st, node).await?;
    let lxcpath = st.lxcpath();
    if !st
        .containers_dir
        .join(&node.container)
        .join("config")
        .exists()
    {
        return Ok(false);
    }
    lxc(
        &what,
        "lxc-destroy",
        &["-P", &lxcpath, "-n", &node.container],
    )
    .await?;
    let _ = std::fs::remove_file(st.containers_dir.join(format!("{}.log", node.container)));
    Ok(true)
}

/// `lxc-freeze` or `lxc-unfreeze` of the whole container.
pub(crate) async fn set_frozen(
    st: &LxcState,
    node: &LxcNode,
    frozen: bool,
) -> Result<(), ClusterError> {
    let tool = if frozen { "lxc-freeze" } else { "lxc-unfreeze" };
    let what = format!(
        "{} node {}",
        if frozen { "freeze" } else { "unfreeze" },
        node.name
    );
    lxc(&what, tool, &["-P", &st.lxcpath(), "-n", &node.container]).await?;
    Ok(())
}

/// Sets cgroup limits on the running container (`lxc-cgroup`).
pub(crate) async fn set_limits(
    st: &LxcState,
    node: &LxcNode,
    limits: &NodeLimits,
) -> Result<(), ClusterError> {
    let what = format!("limit the resources of node {}", node.name);
    for (key, value) in limits.cgroup_v1() {
        lxc(
            &what,
            "lxc-cgroup",
            &["-P", &st.lxcpath(), "-n", &node.container, key, &value],
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lxc::LxcSpec;

    #[test]
    fn clone_config_is_rewritten() {
        let mut spec = LxcSpec::with_nodes(vec!["n1".into(), "n2".into()]);
        spec.limits = NodeLimits {
            memory_bytes: Some(1 << 29),
            cpus: None,
        };
        let st = LxcState::planned(&spec, "img");
        let copied = "lxc.net.0.type = empty\nlxc.rootfs.path = overlay:/i/rootfs:/c/rjlxc-n2/overlay/delta\nlxc.uts.name = rjlxc-n2\nlxc.arch = amd64\n";
        let text = config_text(copied, &st, &st.nodes[1]);
        assert!(
            !text.contains("type = empty") && !text.contains("rjlxc-n2\n"),
            "{text}"
        );
        for want in [
            "lxc.arch = amd64\n",
            "lxc.uts.name = n2\n",
            "lxc.net.0.link = rjlxc0\n",
            "lxc.net.0.veth.pair = rjlxc0-1\n",
            "lxc.net.0.hwaddr = 02:00:0a:41:00:0c\n",
            "lxc.net.0.ipv4.address = 10.65.0.12/24 10.65.0.255\n",
            "lxc.cgroup.memory.limit_in_bytes = 536870912\n",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        assert!(!text.contains("idmap"));
        assert_eq!(
            upper_dir(copied),
            Some(PathBuf::from("/c/rjlxc-n2/overlay/delta"))
        );
        assert_eq!(hosts_text(&st).lines().nth(3), Some("10.65.0.12\tn2"));
    }
}
