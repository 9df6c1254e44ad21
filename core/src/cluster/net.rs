//! The nodes' network: one bridge on the host with the control node's address, one
//! veth pair per node into its network namespace, FORWARD rules that let bridged
//! node-to-node traffic pass (br_netfilter sends it through iptables) and stop
//! anything leaving the bridge, and names in `/etc/hosts`.
//!
//! Nodes get no default route, so they reach only the bridge's subnet: their own
//! peers and the control node.

use super::sys::{run, succeeds};
use super::{ClusterError, ClusterInfo, NodeInfo};
use std::path::Path;

const HOSTS: &str = "/etc/hosts";

pub(crate) fn link_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

pub(crate) fn netns_exists(name: &str) -> bool {
    Path::new("/run/netns").join(name).exists()
}

/// Makes the bridge and gives it the control node's address.
pub(crate) async fn create_bridge(info: &ClusterInfo) -> Result<(), ClusterError> {
    let what = format!("create bridge {}", info.bridge);
    if link_exists(&info.bridge) {
        return Err(ClusterError::other(
            what,
            "an interface of that name exists already (run `rjepsen cluster down`, or pick another bridge)",
        ));
    }
    create_bridge_at(&info.bridge, info.bridge_address, info.prefix_len).await
}

/// Makes bridge `br` with the control node's address `addr/prefix_len`.
pub(crate) async fn create_bridge_at(
    br: &str,
    addr: std::net::Ipv4Addr,
    prefix_len: u8,
) -> Result<(), ClusterError> {
    let what = format!("create bridge {br}");
    let addr = format!("{addr}/{prefix_len}");
    run(&what, "ip", &["link", "add", br, "type", "bridge"]).await?;
    run(&what, "ip", &["addr", "add", &addr, "dev", br]).await?;
    run(&what, "ip", &["link", "set", br, "up"]).await?;
    Ok(())
}

/// Makes the node's network namespace and plugs it into the bridge as `eth0`.
pub(crate) async fn create_node_net(
    info: &ClusterInfo,
    node: &NodeInfo,
) -> Result<(), ClusterError> {
    let what = format!("create the network of node {}", node.name);
    let (ns, veth) = (node.netns.as_str(), node.veth.as_str());
    if netns_exists(ns) || link_exists(veth) {
        return Err(ClusterError::other(
            what,
            format!("netns {ns} or link {veth} exists already (run `rjepsen cluster down`)"),
        ));
    }
    let addr = format!("{}/{}", node.address, info.prefix_len);
    run(&what, "ip", &["netns", "add", ns]).await?;
    run(
        &what,
        "ip",
        &[
            "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns,
        ],
    )
    .await?;
    run(
        &what,
        "ip",
        &["link", "set", veth, "master", &info.bridge, "up"],
    )
    .await?;
    run(
        &what,
        "ip",
        &["-n", ns, "addr", "add", &addr, "dev", "eth0"],
    )
    .await?;
    run(&what, "ip", &["-n", ns, "link", "set", "eth0", "up"]).await?;
    run(&what, "ip", &["-n", ns, "link", "set", "lo", "up"]).await?;
    Ok(())
}

/// Removes a node's namespace (its veth pair goes with it); absent is fine.
pub(crate) async fn delete_node_net(node: &NodeInfo) -> Result<(), ClusterError> {
    let what = format!("remove the network of node {}", node.name);
    if netns_exists(&node.netns) {
        run(&what, "ip", &["netns", "del", &node.netns]).await?;
    }
    // The host end goes with the namespace, but not always at once.
    for _ in 0..50 {
        if !link_exists(&node.veth) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    match run(&what, "ip", &["link", "del", &node.veth]).await {
        Err(ClusterError::Command { stderr, .. }) if stderr.contains("Cannot find device") => {
            Ok(())
        }
        other => other.map(|_| ()),
    }
}

pub(crate) async fn delete_bridge(bridge: &str) -> Result<(), ClusterError> {
    if link_exists(bridge) {
        run(
            &format!("remove bridge {bridge}"),
            "ip",
            &["link", "del", bridge],
        )
        .await?;
    }
    Ok(())
}

/// FORWARD rules for the bridge: pass traffic between its ports, drop the rest
/// that would be routed in or out of it.
pub(crate) fn forward_rules(bridge: &str, marker: &str) -> Vec<Vec<String>> {
    let tail = ["-m", "comment", "--comment", marker];
    let rules: [&[&str]; 3] = [
        &["-i", bridge, "-o", bridge, "-j", "ACCEPT"],
        &["-i", bridge, "!", "-o", bridge, "-j", "DROP"],
        &["!", "-i", bridge, "-o", bridge, "-j", "DROP"],
    ];
    rules
        .iter()
        .map(|r| r.iter().chain(tail.iter()).map(|s| s.to_string()).collect())
        .collect()
}

/// Inserts a FORWARD rule at the top of the chain.
pub(crate) async fn add_forward_rule(rule: &[String]) -> Result<(), ClusterError> {
    let mut args = vec!["-w", "-I", "FORWARD", "1"];
    args.extend(rule.iter().map(String::as_str));
    run("allow traffic between local nodes", "iptables", &args).await?;
    Ok(())
}

/// Deletes every copy of a FORWARD rule; absent is fine.
pub(crate) async fn delete_forward_rule(rule: &[String]) -> Result<(), ClusterError> {
    let with = |op: &'static str| {
        let mut args = vec!["-w", op, "FORWARD"];
        args.extend(rule.iter().map(String::as_str));
        args
    };
    for _ in 0..16 {
        if !succeeds("iptables", &with("-C")).await {
            return Ok(());
        }
        run("remove a local-node FORWARD rule", "iptables", &with("-D")).await?;
    }
    Ok(())
}

/// `/etc/hosts` without this cluster's lines, plus `lines`.
pub(crate) fn hosts_with(text: &str, marker: &str, lines: &[String]) -> String {
    let tag = format!("# {marker}");
    let mut out: String = text
        .lines()
        .filter(|l| !l.trim_end().ends_with(&tag))
        .map(|l| format!("{l}\n"))
        .collect();
    for l in lines {
        out.push_str(&format!("{l}\t{tag}\n"));
    }
    out
}

/// Puts the nodes' names into `/etc/hosts` (replacing earlier lines of ours).
pub(crate) fn write_hosts(info: &ClusterInfo) -> Result<(), ClusterError> {
    let lines: Vec<String> = info
        .nodes
        .iter()
        .map(|n| format!("{}\t{}", n.address, n.name))
        .collect();
    rewrite_hosts(&info.marker, &lines)
}

/// Removes this cluster's lines from `/etc/hosts`.
pub(crate) fn clear_hosts(marker: &str) -> Result<(), ClusterError> {
    rewrite_hosts(marker, &[])
}

pub(crate) fn rewrite_hosts(marker: &str, lines: &[String]) -> Result<(), ClusterError> {
    use std::io::{Read, Seek, Write};
    use std::os::fd::AsRawFd;
    let io = |what: &str, e| ClusterError::io(what, HOSTS, e);
    // Written in place, not renamed over: /etc/hosts is often a bind mount. Several
    // clusters may come and go at once (parallel tests), so the read-modify-write
    // holds an exclusive flock on the file itself; every writer is this function.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(HOSTS)
        .map_err(|e| io("open the hosts file", e))?;
    // SAFETY: flock(2) on a descriptor we own; it is released when `file` closes.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io("lock the hosts file", std::io::Error::last_os_error()));
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| io("read the hosts file", e))?;
    let new = hosts_with(&text, marker, lines);
    if new != text {
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(new.as_bytes()))
            .and_then(|_| file.flush())
            .map_err(|e| io("update the hosts file", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lines_are_replaced_and_removed() {
        let base = "127.0.0.1 localhost\n10.9.9.9 other # rjepsen-local:elsewhere\n";
        let lines = vec!["10.77.0.11\tn1".to_string()];
        let up = hosts_with(base, "rjepsen-local:rjepsen0", &lines);
        assert_eq!(
            up,
            format!("{base}10.77.0.11\tn1\t# rjepsen-local:rjepsen0\n")
        );
        // Idempotent, and removal leaves other clusters' lines alone.
        assert_eq!(hosts_with(&up, "rjepsen-local:rjepsen0", &lines), up);
        assert_eq!(hosts_with(&up, "rjepsen-local:rjepsen0", &[]), base);
    }

    #[test]
    fn forward_rules_are_tagged() {
        let rules = forward_rules("br9", "rjepsen-local:br9");
        assert_eq!(rules.len(), 3);
        for r in &rules {
            assert_eq!(
                r[r.len() - 2..],
                ["--comment".to_string(), "rjepsen-local:br9".to_string()]
            );
        }
        assert_eq!(rules[0][..6].join(" "), "-i br9 -o br9 -j ACCEPT");
    }
}
