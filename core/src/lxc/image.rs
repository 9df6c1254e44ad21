//! The base image: one stopped Debian container per package set, built once by
//! `lxc-create -t debian` and cloned (overlay snapshots) for every node.
//!
//! Containers cannot reach a package mirror (the bridge routes nowhere), so what
//! the nodes run is baked in at build time; the image is named after a hash of
//! its release and package list, so asking for other packages builds another
//! image and an unchanged list reuses the cache (4 s instead of a minute). After
//! the template, the rootfs is fitted for test nodes: no etcd service of its own
//! (the adapter runs etcd), sshd that takes many sessions per connection, and a
//! static `eth0` (LXC sets the address; no DHCP client to wait for). An image
//! is never started and never changed while clones exist.

use super::cmd::{lxc, require_lxc};
use super::LxcSpec;
use crate::cluster::ClusterError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `image list` shows, kept in `rjepsen-image.json` beside the container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub name: String,
    pub release: String,
    pub packages: Vec<String>,
    /// Seconds `lxc-create` took.
    pub build_secs: f64,
    /// Clones of it that exist now (filled in by `list`).
    #[serde(default)]
    pub clones: usize,
}

const INFO_FILE: &str = "rjepsen-image.json";

/// Lines added to the nodes' sshd: the control node multiplexes every worker
/// over one connection, so the default of 10 sessions is far too few.
const SSHD_CONF: &str = "# written by rjepsen cluster image build\nMaxSessions 1000\nMaxStartups 200\nUseDNS no\nPermitRootLogin prohibit-password\n";

/// No DHCP on the bridge: LXC gives `eth0` its address before init runs.
const INTERFACES: &str = "auto lo\niface lo inet loopback\n\niface eth0 inet manual\n";

/// The image name for `spec`'s release and packages (FNV-1a of both).
pub fn image_name(spec: &LxcSpec) -> String {
    let text = format!("{}\n{}", spec.release, spec.package_set().join(","));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    // Unprivileged containers need a rootfs owned by the mapped ids (LXC maps
    // ids at mount time only for plain directories, not overlay clones).
    let suffix = if spec.privileged { "" } else { "-u" };
    format!("rjepsen-{:012x}{suffix}", h >> 16)
}

fn info_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name).join(INFO_FILE)
}

/// The image for `spec`, built unless a complete one is cached; the flag says
/// whether it was built now.
pub async fn build(spec: &LxcSpec) -> Result<(ImageInfo, bool), ClusterError> {
    spec.validate()?;
    require_lxc()?;
    let name = image_name(spec);
    let what = format!("build LXC image {name}");
    if let Some(info) = read_info(&spec.image_dir, &name)? {
        return Ok((info, false));
    }
    std::fs::create_dir_all(&spec.image_dir)
        .map_err(|e| ClusterError::io(&what, &spec.image_dir, e))?;
    let dir = spec.image_dir.to_string_lossy().into_owned();
    if spec.image_dir.join(&name).exists() {
        // A build that died half-way: start again.
        lxc(&what, "lxc-destroy", &["-P", &dir, "-n", &name]).await?;
    }
    let conf = spec.image_dir.join(format!("{name}.conf"));
    let text = "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n";
    std::fs::write(&conf, text).map_err(|e| ClusterError::io(&what, &conf, e))?;
    let (mirror, packages) = (
        format!("--mirror={}", spec.mirror),
        format!("--packages={}", spec.package_set().join(",")),
    );
    let started = Instant::now();
    let conf_s = conf.to_string_lossy().into_owned();
    let args = [
        "-P",
        &dir,
        "-n",
        &name,
        "-f",
        &conf_s,
        "-t",
        "debian",
        "--",
        "-r",
        &spec.release,
        &mirror,
        &packages,
    ];
    let made = lxc(&what, "lxc-create", &args).await;
    let _ = std::fs::remove_file(&conf);
    made?;
    let build_secs = started.elapsed().as_secs_f64();
    let rootfs = spec.image_dir.join(&name).join("rootfs");
    // The template exits 0 even when its `apt-get update` failed.
    let status = std::fs::read_to_string(rootfs.join("var/lib/dpkg/status")).unwrap_or_default();
    let missing = not_installed(&status, &spec.package_set());
    if !missing.is_empty() {
        let _ = lxc(&what, "lxc-destroy", &["-P", &dir, "-n", &name]).await;
        return Err(ClusterError::other(
            what,
            format!(
                "the template did not install {} (is {} reachable? debian-distro-info installed?)",
                missing.join(", "),
                spec.mirror
            ),
        ));
    }
    fit_rootfs(&rootfs).map_err(|(p, e)| ClusterError::io(&what, p, e))?;
    if !spec.privileged {
        let (start, _) = super::container::ID_RANGE;
        shift_ids(&rootfs, start).map_err(|(p, e)| ClusterError::io(&what, p, e))?;
        // The mapped root must reach the rootfs (lower dir) through its 0770 parent.
        let dir = spec.image_dir.join(&name);
        let perms = std::os::unix::fs::PermissionsExt::from_mode(0o771);
        std::fs::set_permissions(&dir, perms).map_err(|e| ClusterError::io(&what, &dir, e))?;
    }
    let info = ImageInfo {
        name: name.clone(),
        release: spec.release.clone(),
        packages: spec.package_set(),
        build_secs,
        clones: 0,
    };
    let path = info_path(&spec.image_dir, &name);
    let json = serde_json::to_string_pretty(&info).expect("image info serializes");
    std::fs::write(&path, json + "\n").map_err(|e| ClusterError::io(&what, &path, e))?;
    Ok((info, true))
}

/// The packages that dpkg's status file does not list as installed.
fn not_installed(status: &str, packages: &[String]) -> Vec<String> {
    let installed: Vec<&str> = status
        .split("\n\n")
        .filter(|s| s.lines().any(|l| l == "Status: install ok installed"))
        .filter_map(|s| s.lines().find_map(|l| l.strip_prefix("Package: ")))
        .collect();
    packages
        .iter()
        .filter(|p| !installed.contains(&p.as_str()))
        .cloned()
        .collect()
}

/// Makes the template's rootfs a test node's (see the module documentation).
fn fit_rootfs(rootfs: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    let at = |p: &Path| {
        let p = p.to_path_buf();
        move |e| (p.clone(), e)
    };
    for wants in ["multi-user.target.wants", "default.target.wants"] {
        let link = rootfs
            .join("etc/systemd/system")
            .join(wants)
            .join("etcd.service");
        match std::fs::remove_file(&link) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err((link, e)),
            _ => {}
        }
    }
    let conf_d = rootfs.join("etc/ssh/sshd_config.d");
    std::fs::create_dir_all(&conf_d).map_err(at(&conf_d))?;
    let sshd = conf_d.join("rjepsen.conf");
    std::fs::write(&sshd, SSHD_CONF).map_err(at(&sshd))?;
    let ifaces = rootfs.join("etc/network/interfaces");
    std::fs::write(&ifaces, INTERFACES).map_err(at(&ifaces))?;
    Ok(())
}

/// Adds `by` to the owner and group of every file under `root` (not following
/// symlinks), keeping setuid/setgid bits that `chown` clears.
fn shift_ids(root: &Path, by: u32) -> Result<(), (PathBuf, std::io::Error)> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).map_err(|e| (p.clone(), e))?;
        if meta.uid() >= by {
            continue; // shifted already (a rerun)
        }
        std::os::unix::fs::lchown(&p, Some(meta.uid() + by), Some(meta.gid() + by))
            .map_err(|e| (p.clone(), e))?;
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.mode() & 0o6000 != 0 {
            let perms = std::fs::Permissions::from_mode(meta.mode() & 0o7777);
            std::fs::set_permissions(&p, perms).map_err(|e| (p.clone(), e))?;
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&p).map_err(|e| (p.clone(), e))? {
                stack.push(entry.map_err(|e| (p.clone(), e))?.path());
            }
        }
    }
    Ok(())
}

fn read_info(dir: &Path, name: &str) -> Result<Option<ImageInfo>, ClusterError> {
    let path = info_path(dir, name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ClusterError::io("read an LXC image's record", &path, e)),
    };
    let mut info: ImageInfo = serde_json::from_str(&text).map_err(|e| {
        ClusterError::other(
            "read an LXC image's record",
            format!("{}: {e}", path.display()),
        )
    })?;
    info.clones = clones(dir, name).len();
    Ok(Some(info))
}

/// The snapshot clones LXC records for `name` (`lxc_snapshots`: pairs of lines,
/// lxcpath then container).
fn clones(dir: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(name).join("lxc_snapshots")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.chunks(2).map(|c| c.join("/")).collect()
}

/// The images in `dir`, by name.
pub fn list(dir: &Path) -> Result<Vec<ImageInfo>, ClusterError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(info) = read_info(dir, &name)? {
            out.push(info);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Removes image `name`; refused while clones of it exist.
pub async fn remove(dir: &Path, name: &str) -> Result<bool, ClusterError> {
    let what = format!("remove LXC image {name}");
    if !dir.join(name).join("config").exists() {
        return Ok(false);
    }
    let users = clones(dir, name);
    if !users.is_empty() {
        return Err(ClusterError::other(
            what,
            format!(
                "clones of it exist ({}); run `rjepsen cluster down --provider lxc` first",
                users.join(", ")
            ),
        ));
    }
    require_lxc()?;
    let d = dir.to_string_lossy().into_owned();
    lxc(&what, "lxc-destroy", &["-P", &d, "-n", name]).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_follows_the_package_set() {
        let a = LxcSpec::default();
        let mut b = a.clone();
        b.packages.reverse();
        b.packages.push("procps".into());
        assert_eq!(
            image_name(&a),
            image_name(&b),
            "order and duplicates do not matter"
        );
        b.packages.push("redis-server".into());
        assert_ne!(image_name(&a), image_name(&b));
        assert!(image_name(&a).starts_with("rjepsen-") && image_name(&a).len() == 20);
        let u = LxcSpec {
            privileged: false,
            ..a.clone()
        };
        assert_eq!(image_name(&u), format!("{}-u", image_name(&a)));
    }

    #[test]
    fn installed_packages_from_dpkg_status() {
        let status = "Package: etcd-server\nStatus: install ok installed\n\nPackage: procps\nStatus: deinstall ok config-files\n";
        let want = vec![
            "etcd-server".to_string(),
            "procps".to_string(),
            "iptables".to_string(),
        ];
        assert_eq!(not_installed(status, &want), ["procps", "iptables"]);
    }

    #[test]
    fn clones_are_read_from_lxc_snapshots() {
        let dir = std::env::temp_dir().join(format!("rjepsen-img-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("img")).unwrap();
        assert!(clones(&dir, "img").is_empty());
        std::fs::write(
            dir.join("img/lxc_snapshots"),
            "/var/c\nrjlxc-n1\n/var/c\nrjlxc-n2\n",
        )
        .unwrap();
        assert_eq!(clones(&dir, "img"), ["/var/c/rjlxc-n1", "/var/c/rjlxc-n2"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
