//! Checks made before `up` touches anything, for the mistakes that would otherwise
//! surface later as a confusing SSH failure: node names that `/etc/hosts` already
//! maps elsewhere (the first line wins, so SSH would go to the wrong address), a
//! subnet some interface already uses, and a locked root account (sshd without PAM
//! refuses every login to it, keys included).

use super::sys::run;
use super::{ClusterError, ClusterSpec};
use std::net::Ipv4Addr;

const WHAT: &str = "bring up local nodes";

/// Runs every check; the first failure names what to change.
pub(crate) async fn check(spec: &ClusterSpec) -> Result<(), ClusterError> {
    check_names_and_subnet(&spec.marker(), &spec.nodes, spec.subnet, spec.prefix_len).await?;
    let shadow = std::fs::read_to_string("/etc/shadow").unwrap_or_default();
    if root_locked(&shadow) {
        return Err(ClusterError::other(
            WHAT,
            "root's account is locked (its /etc/shadow password starts with '!'), and the \
             nodes' sshd refuses logins to locked accounts; unlock it without a password: \
             usermod -p '*' root",
        ));
    }
    Ok(())
}

/// Node names another `/etc/hosts` line maps, and a subnet in use on the host:
/// the checks every local kind of node (namespaces, LXC) needs.
pub(crate) async fn check_names_and_subnet(
    marker: &str,
    nodes: &[String],
    subnet: Ipv4Addr,
    prefix_len: u8,
) -> Result<(), ClusterError> {
    let hosts = std::fs::read_to_string("/etc/hosts")
        .map_err(|e| ClusterError::io("read the hosts file", "/etc/hosts", e))?;
    if let Some((name, line)) = hosts_conflict(&hosts, marker, nodes) {
        return Err(ClusterError::other(
            WHAT,
            format!("node name {name} is already in /etc/hosts (`{line}`); remove that line or choose other names"),
        ));
    }
    let addrs = run(
        "list the host's addresses",
        "ip",
        &["-4", "-o", "addr", "show"],
    )
    .await?;
    if let Some(line) = subnet_in_use(&addrs, subnet, prefix_len) {
        return Err(ClusterError::other(
            WHAT,
            format!(
                "{subnet}/{prefix_len} is in use on this host (`{}`); choose another subnet",
                line.trim()
            ),
        ));
    }
    Ok(())
}

/// The first node name that a hosts line not of this cluster maps, with that line.
fn hosts_conflict<'a>(
    text: &'a str,
    marker: &str,
    names: &'a [String],
) -> Option<(&'a str, &'a str)> {
    let tag = format!("# {marker}");
    for line in text.lines() {
        if line.trim_end().ends_with(&tag) {
            continue;
        }
        let body = line.split('#').next().unwrap_or("");
        for field in body.split_whitespace().skip(1) {
            if let Some(n) = names.iter().find(|n| n.as_str() == field) {
                return Some((n.as_str(), line.trim()));
            }
        }
    }
    None
}

/// The `ip -4 -o addr show` line of an address inside `subnet/prefix_len`.
fn subnet_in_use(addrs: &str, subnet: Ipv4Addr, prefix_len: u8) -> Option<&str> {
    let mask = u32::MAX << (32 - u32::from(prefix_len));
    addrs.lines().find(|line| {
        let mut fields = line.split_whitespace().skip_while(|f| *f != "inet");
        let Some(cidr) = fields.nth(1) else {
            return false;
        };
        let ip = cidr
            .split('/')
            .next()
            .and_then(|a| a.parse::<Ipv4Addr>().ok());
        ip.is_some_and(|ip| u32::from(ip) & mask == u32::from(subnet) & mask)
    })
}

/// Whether root's password field marks the account as locked.
fn root_locked(shadow: &str) -> bool {
    shadow
        .lines()
        .find_map(|l| l.strip_prefix("root:"))
        .is_some_and(|rest| rest.starts_with('!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_foreign_hosts_lines_only() {
        let names = vec!["n1".to_string(), "n2".to_string()];
        let text = "127.0.0.1 localhost\n10.77.0.11\tn1\t# rjepsen-local:rjepsen0\n# 1.2.3.4 n2\n";
        assert_eq!(hosts_conflict(text, "rjepsen-local:rjepsen0", &names), None);
        let other = "10.9.0.5 box n2 # mine\n";
        assert_eq!(
            hosts_conflict(other, "rjepsen-local:rjepsen0", &names),
            Some(("n2", "10.9.0.5 box n2 # mine"))
        );
        let cluster = "10.78.0.11\tn1\t# rjepsen-local:rjtest0\n";
        assert!(hosts_conflict(cluster, "rjepsen-local:rjepsen0", &names).is_some());
    }

    #[test]
    fn finds_a_subnet_in_use() {
        let addrs = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n\
                     2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n";
        let net = |a, b, c| Ipv4Addr::new(a, b, c, 0);
        assert_eq!(subnet_in_use(addrs, net(10, 77, 0), 24), None);
        assert!(subnet_in_use(addrs, net(192, 0, 2), 24)
            .unwrap()
            .contains("eth0"));
        assert!(subnet_in_use(addrs, Ipv4Addr::new(127, 0, 0, 0), 8).is_some());
    }

    #[test]
    fn reads_root_lock() {
        assert!(root_locked("daemon:*:1\nroot:!:19000:0:99999:7:::\n"));
        assert!(!root_locked("root:*:19000:0:99999:7:::\n"));
        assert!(!root_locked("root:$y$j9T$abc:19000::::::\n"));
        assert!(!root_locked(""));
    }
}
