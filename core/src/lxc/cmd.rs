//! Running LXC's tools: a missing tool is one clear error that says how to get
//! it, and every failure names the command and what it printed.

use crate::cluster::sys::run;
use crate::cluster::ClusterError;
use std::path::Path;

/// The host tools LXC nodes need, and where Debian's template lives.
const TOOLS: [&str; 9] = [
    "lxc-create",
    "lxc-copy",
    "lxc-start",
    "lxc-stop",
    "lxc-destroy",
    "lxc-info",
    "lxc-freeze",
    "lxc-cgroup",
    "debootstrap",
];
const TEMPLATE: &str = "/usr/share/lxc/templates/lxc-debian";

fn on_path(tool: &str) -> bool {
    let path = std::env::var("PATH").unwrap_or_default();
    ["/usr/sbin", "/usr/bin", "/sbin"]
        .iter()
        .map(Path::new)
        .map(Path::to_path_buf)
        .chain(std::env::split_paths(&path))
        .any(|d| d.join(tool).is_file())
}

/// Fails with "lxc not installed: run scripts/setup.sh --lxc" when a tool or
/// the Debian template is missing.
pub(crate) fn require_lxc() -> Result<(), ClusterError> {
    let missing: Vec<&str> = TOOLS.iter().copied().filter(|t| !on_path(t)).collect();
    let template = Path::new(TEMPLATE).is_file();
    if missing.is_empty() && template && on_path("debian-distro-info") {
        return Ok(());
    }
    let mut what: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
    if !template {
        what.push(TEMPLATE.to_string());
    }
    if !on_path("debian-distro-info") {
        what.push("debian-distro-info".into());
    }
    Err(ClusterError::other(
        "use LXC nodes",
        format!(
            "lxc not installed (missing {}): run scripts/setup.sh --lxc",
            what.join(", ")
        ),
    ))
}

/// Runs an LXC tool; its stdout on success.
pub(crate) async fn lxc(what: &str, tool: &str, args: &[&str]) -> Result<String, ClusterError> {
    run(what, tool, args).await
}

/// `lxc-info -s`: RUNNING, STOPPED, FROZEN, ...; `None` when there is no such
/// container.
pub(crate) async fn state(lxcpath: &str, name: &str) -> Option<String> {
    let out = run(
        "ask LXC",
        "lxc-info",
        &["-P", lxcpath, "-n", name, "-s", "-H"],
    )
    .await;
    out.ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
