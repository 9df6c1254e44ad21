//! Source identity on loopback: which node's process holds the connecting socket.
//!
//! In the playground every node is a process on 127.0.0.1, so a connection's source
//! address names no node. The kernel does: the connecting socket's entry in
//! `/proc/net/tcp` (or `tcp6`), matched by its local and remote address, gives its
//! inode, and exactly one process holds `socket:[inode]` among its descriptors.
//! The inode is asked of netlink `sock_diag` by the exact address pair first
//! (`diag.rs`: `/proc/net/tcp` lists the whole namespace, 100 ms a read on a
//! busy machine), `/proc` as the fallback; a handful of node processes makes the
//! descriptor scan cheap.

use rjepsen_proxy::SourceLookup;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, RwLock};

/// Node name → PID of its process; updated as nodes are killed and restarted.
#[derive(Debug, Clone, Default)]
pub struct SocketOwners {
    pids: Arc<RwLock<BTreeMap<String, u32>>>,
}

impl SocketOwners {
    pub fn new() -> SocketOwners {
        SocketOwners::default()
    }

    /// Records (or, with `None`, forgets) the process of `node`.
    pub fn set(&self, node: &str, pid: Option<u32>) {
        let mut pids = self.pids.write().expect("pid map poisoned");
        match pid {
            Some(p) => pids.insert(node.to_string(), p),
            None => pids.remove(node),
        };
    }

    /// The node whose process holds the socket with this inode.
    pub fn owner_of_inode(&self, inode: u64) -> Option<String> {
        let want = format!("socket:[{inode}]");
        let pids = self.pids.read().expect("pid map poisoned");
        pids.iter()
            .find(|(_, pid)| holds(**pid, &want))
            .map(|(n, _)| n.clone())
    }
}

impl SourceLookup for SocketOwners {
    fn source_of(&self, peer: SocketAddr, local: SocketAddr) -> Option<String> {
        let inode = socket_inode(peer, local)?;
        self.owner_of_inode(inode)
    }
}

/// The inode of the socket whose local address is `local` and remote is `remote`:
/// asked by exact lookup (`diag.rs`), else found in `/proc/net/tcp{,6}`.
pub fn socket_inode(local: SocketAddr, remote: SocketAddr) -> Option<u64> {
    let (local, remote) = (unmap(local), unmap(remote));
    crate::diag::inode(local, remote).or_else(|| proc_inode(local, remote))
}

/// The same from `/proc` (IPv6, or a kernel without `sock_diag`).
pub(crate) fn proc_inode(local: SocketAddr, remote: SocketAddr) -> Option<u64> {
    let (local, remote) = (unmap(local), unmap(remote));
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().find_map(|f| {
        let text = std::fs::read_to_string(f).ok()?;
        text.lines().skip(1).find_map(|line| {
            let (l, r, inode) = parse_line(line)?;
            (unmap(l) == local && unmap(r) == remote && inode != 0).then_some(inode)
        })
    })
}

/// One line of `/proc/net/tcp{,6}`: local address, remote address, inode.
fn parse_line(line: &str) -> Option<(SocketAddr, SocketAddr, u64)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let inode = f.get(9)?.parse().ok()?;
    Some((parse_addr(f.get(1)?)?, parse_addr(f.get(2)?)?, inode))
}

/// `0100007F:1F90` (IPv4) or 32 hex digits (IPv6): the kernel prints each 32-bit word
/// of the address as a native-endian integer, and the port in big-endian hex.
fn parse_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        Some(
            u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16)
                .ok()?
                .to_ne_bytes(),
        )
    };
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// An IPv4-mapped IPv6 address as the IPv4 one, so both tables compare alike.
fn unmap(a: SocketAddr) -> SocketAddr {
    match a.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), a.port()),
            None => a,
        },
        IpAddr::V4(_) => a,
    }
}

/// Whether process `pid` has a descriptor pointing at `want` (`socket:[N]`).
fn holds(pid: u32, want: &str) -> bool {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    dir.flatten().any(|e| {
        std::fs::read_link(e.path())
            .map(|t| t.as_os_str() == want)
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_the_kernel_prints_them() {
        let v4 = "0100007F:1F90";
        let want: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(parse_addr(v4), Some(want));
            let v6 = "0000000000000000FFFF00000100007F:0050";
            assert_eq!(
                parse_addr(v6).map(unmap),
                Some("127.0.0.1:80".parse().unwrap())
            );
        }
        for bad in ["", "0100007F", "zz:1F90", "0100007F:zz", "01007F:0050"] {
            assert_eq!(parse_addr(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_line_gives_both_addresses_and_the_inode() {
        let line = "   3: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 20 4 30 10 -1";
        let (l, r, inode) = parse_line(line).unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(l, "127.0.0.1:41394".parse().unwrap());
            assert_eq!(r, "127.0.0.1:8080".parse().unwrap());
        }
        assert_eq!(inode, 123456);
        assert_eq!(parse_line("  sl  local_address rem_address"), None);
    }
}
