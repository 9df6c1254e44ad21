//! One node's processes: the control key, the node's files (backing directories,
//! host key, sshd config), and its init, which is `sshd -D` as pid 1 of the node's
//! PID namespace.
//!
//! The node starts as `setsid -f sh -c '...; exec ip netns exec NS unshare --uts
//! --pid --mount --fork --mount-proc --kill-child sh -c SETUP'`: detached from the
//! caller (it outlives `cluster up`), in the node's network namespace, with new UTS,
//! PID and mount namespaces. SETUP sets the hostname, bind-mounts the private
//! directories and execs sshd, so sshd is the node's init: everything later started
//! over SSH (etcd, ...) lives in that PID namespace, and killing sshd from the host
//! ends all of it at once. sshd reaps orphans (it waits for any child).

use super::sys::{first_child, proc_id, run, run_detached};
use super::{ClusterError, ClusterInfo, NodeInfo, ProcId};
use crate::control::shell_quote;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// Directories each node sees as its own, by mount point. `/root` is private too:
/// it keeps the control node's dotfiles out of the nodes (a `.bashrc` that runs
/// `pyenv init` made every command over SSH take 300 ms; sshd runs each command
/// through root's login shell, and bash reads `.bashrc` when started by sshd).
pub(crate) const PRIVATE_DIRS: [&str; 5] = [
    "/var/lib/rjepsen",
    "/opt/rjepsen",
    "/var/log/rjepsen",
    "/tmp",
    "/root",
];

/// The backing directory of a private mount point inside a node's directory.
fn backing(node: &NodeInfo, mount_point: &str) -> PathBuf {
    node.dir
        .join("fs")
        .join(mount_point.trim_start_matches('/').replace('/', "-"))
}

/// Makes the control key pair if it is missing.
pub(crate) async fn ensure_key(key: &Path) -> Result<(), ClusterError> {
    if key.exists() {
        return Ok(());
    }
    let path = key.to_str().expect("state dir is UTF-8");
    let args = [
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        "rjepsen-local-control",
        "-f",
        path,
    ];
    run("create the control node's SSH key", "ssh-keygen", &args).await?;
    Ok(())
}

/// Where sshd is: `/usr/sbin/sshd` or on `PATH`.
pub(crate) fn find_sshd() -> Result<PathBuf, ClusterError> {
    let path_var = std::env::var("PATH").unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/sbin"))
        .chain(std::env::split_paths(&path_var))
        .map(|d| d.join("sshd"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            ClusterError::other(
                "find sshd",
                "not installed (apt-get install openssh-server)",
            )
        })
}

/// Writes the node's directories, host key and sshd config.
pub(crate) async fn prepare(info: &ClusterInfo, node: &NodeInfo) -> Result<(), ClusterError> {
    let what = format!("prepare the files of node {}", node.name);
    let mkdir = |p: &Path| std::fs::create_dir_all(p).map_err(|e| ClusterError::io(&what, p, e));
    for m in PRIVATE_DIRS {
        mkdir(&backing(node, m))?;
    }
    for (m, mode) in [("/tmp", 0o1777), ("/root", 0o700)] {
        let dir = backing(node, m);
        set_mode(&dir, mode).map_err(|e| ClusterError::io(&what, &dir, e))?;
    }
    let host_key = node.dir.join("ssh_host_ed25519_key");
    if !host_key.exists() {
        let path = host_key.to_str().expect("state dir is UTF-8");
        run(
            &what,
            "ssh-keygen",
            &[
                "-q", "-t", "ed25519", "-N", "", "-C", &node.name, "-f", path,
            ],
        )
        .await?;
    }
    let config = sshd_config(info, node);
    let path = node.dir.join("sshd_config");
    std::fs::write(&path, config).map_err(|e| ClusterError::io(&what, &path, e))?;
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

/// sshd for a test node: root by key only, many sessions per connection (the
/// control node multiplexes every worker over one), no DNS lookups, no PAM.
fn sshd_config(info: &ClusterInfo, node: &NodeInfo) -> String {
    let auth = info.private_key.with_extension("pub");
    format!(
        "# sshd of local node {name}, written by rjepsen cluster up\n\
         Port 22\n\
         ListenAddress 0.0.0.0\n\
         HostKey {key}\n\
         PidFile none\n\
         PermitRootLogin prohibit-password\n\
         AuthorizedKeysFile {auth}\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         UsePAM no\n\
         StrictModes no\n\
         UseDNS no\n\
         MaxSessions 1000\n\
         MaxStartups 200\n\
         LogLevel INFO\n\
         Subsystem sftp internal-sftp\n",
        name = node.name,
        key = node.dir.join("ssh_host_ed25519_key").display(),
        auth = auth.display(),
    )
}

/// The script run inside the new namespaces: hostname, private mounts, sshd as init.
fn setup_script(node: &NodeInfo, sshd: &Path) -> String {
    let mut s = format!("set -e\nhostname {}\n", shell_quote(&node.name));
    for m in PRIVATE_DIRS {
        let src = backing(node, m);
        s.push_str(&format!(
            "mount --bind {} {}\n",
            shell_quote(&src.to_string_lossy()),
            m
        ));
    }
    let dir = node.dir.to_string_lossy();
    s.push_str(&format!(
        "exec {} -D -f {} -E {}\n",
        shell_quote(&sshd.to_string_lossy()),
        shell_quote(&format!("{dir}/sshd_config")),
        shell_quote(&format!("{dir}/sshd.log")),
    ));
    s
}

/// Starts the node; returns (launcher, init) once its init process exists.
pub(crate) async fn start(node: &NodeInfo, sshd: &Path) -> Result<(ProcId, ProcId), ClusterError> {
    let what = format!("start node {}", node.name);
    let dir = node.dir.to_string_lossy();
    let pid_file = node.dir.join("launcher.pid");
    let _ = std::fs::remove_file(&pid_file);
    let outer = format!(
        "echo $$ > {pidf}; exec >>{console} 2>&1 </dev/null; \
         exec ip netns exec {ns} unshare --uts --pid --mount --fork --mount-proc \
         --propagation private --kill-child sh -c {script}",
        pidf = shell_quote(&pid_file.to_string_lossy()),
        console = shell_quote(&format!("{dir}/console.log")),
        ns = shell_quote(&node.netns),
        script = shell_quote(&setup_script(node, sshd)),
    );
    run_detached(&what, "setsid", &["-f", "sh", "-c", &outer]).await?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let launcher = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
            .and_then(proc_id);
        if let Some(l) = launcher {
            if let Some(init) = first_child(l.pid).and_then(proc_id) {
                return Ok((l, init));
            }
        }
        if Instant::now() >= deadline {
            let console = std::fs::read_to_string(node.dir.join("console.log")).unwrap_or_default();
            return Err(ClusterError::other(
                what,
                format!(
                    "its init did not appear within 5s; console: {}",
                    console.trim()
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the node's sshd sends its banner on port 22.
pub(crate) async fn wait_for_sshd(node: &NodeInfo, limit: Duration) -> Result<(), ClusterError> {
    let addr = SocketAddr::from((node.address, 22));
    let Err(last) = wait_for_banner(addr, limit).await else {
        return Ok(());
    };
    let log = std::fs::read_to_string(node.dir.join("sshd.log")).unwrap_or_default();
    let console = std::fs::read_to_string(node.dir.join("console.log")).unwrap_or_default();
    Err(ClusterError::other(
        format!("reach sshd on node {} ({addr})", node.name),
        format!(
            "{last} after {}s; sshd.log: {} console: {}",
            limit.as_secs(),
            log.trim(),
            console.trim()
        ),
    ))
}

/// Waits up to `limit` until an SSH server at `addr` sends its banner; else
/// what the last attempt saw.
pub(crate) async fn wait_for_banner(addr: SocketAddr, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        match banner(addr).await {
            Ok(b) if b.starts_with("SSH-") => return Ok(()),
            Ok(b) => last = format!("unexpected banner {b:?}"),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(last)
}

async fn banner(addr: SocketAddr) -> std::io::Result<String> {
    let connect = tokio::net::TcpStream::connect(addr);
    let mut s = tokio::time::timeout(Duration::from_millis(500), connect).await??;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await??;
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterSpec;

    #[test]
    fn setup_script_mounts_private_dirs_and_execs_sshd() {
        let spec = ClusterSpec::with_nodes(vec!["n1".into()]);
        let info = ClusterInfo::planned(&spec);
        let s = setup_script(&info.nodes[0], Path::new("/usr/sbin/sshd"));
        assert!(s.starts_with("set -e\nhostname 'n1'\n"), "{s}");
        assert!(
            s.contains("mount --bind '/var/lib/rjepsen-nodes/nodes/n1/fs/tmp' /tmp\n"),
            "{s}"
        );
        assert!(s.contains("mount --bind '/var/lib/rjepsen-nodes/nodes/n1/fs/var-lib-rjepsen' /var/lib/rjepsen\n"), "{s}");
        assert!(
            s.contains("mount --bind '/var/lib/rjepsen-nodes/nodes/n1/fs/root' /root\n"),
            "{s}"
        );
        assert!(s.ends_with("exec '/usr/sbin/sshd' -D -f '/var/lib/rjepsen-nodes/nodes/n1/sshd_config' -E '/var/lib/rjepsen-nodes/nodes/n1/sshd.log'\n"), "{s}");
        let c = sshd_config(&info, &info.nodes[0]);
        assert!(
            c.contains("AuthorizedKeysFile /var/lib/rjepsen-nodes/id_ed25519.pub\n"),
            "{c}"
        );
        assert!(c.contains("MaxSessions 1000\n"), "{c}");
    }
}
