//! One socket's inode by its exact address pair, asked of the kernel over
//! netlink `sock_diag` (`NETLINK_SOCK_DIAG`, `SOCK_DIAG_BY_FAMILY` without
//! `NLM_F_DUMP`: an exact lookup, which needs no privileges).
//!
//! Why, beside `/proc/net/tcp`: that file lists every TCP socket of the
//! network namespace, and the kernel formats all of it on every read. On a
//! machine holding some 12,000 sockets (TIME_WAIT of other programs) one read
//! took 100 ms, paid on every connection a proxy accepts; the shop opens a
//! connection per hop, so requests took seconds. The exact lookup costs one
//! round trip whatever the table's size. IPv4 only (the playground is on
//! 127.0.0.1); `None` sends the caller back to `/proc`.

use std::net::{IpAddr, SocketAddr};

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const HDR: usize = 16;
/// `inet_diag_req_v2`: family, protocol, ext, pad, states, then the id.
const REQ: usize = 8 + ID;
/// `inet_diag_sockid`: sport, dport, src[4], dst[4], if, cookie[2].
const ID: usize = 4 + 16 + 16 + 4 + 8;
/// `inet_diag_msg`'s inode: after family..retrans (4), id, expires, rqueue,
/// wqueue and uid (4 each).
const INODE_AT: usize = 4 + ID + 16;

/// The inode of the TCP socket whose local address is `local` and remote is `remote`.
pub(crate) fn inode(local: SocketAddr, remote: SocketAddr) -> Option<u64> {
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (local.ip(), remote.ip()) else {
        return None;
    };
    let mut msg = vec![0u8; HDR + REQ];
    msg[0..4].copy_from_slice(&((HDR + REQ) as u32).to_ne_bytes());
    msg[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    msg[6..8].copy_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
    let r = &mut msg[HDR..];
    r[0] = libc::AF_INET as u8;
    r[1] = libc::IPPROTO_TCP as u8;
    r[4..8].copy_from_slice(&u32::MAX.to_ne_bytes());
    let id = &mut r[8..];
    id[0..2].copy_from_slice(&local.port().to_be_bytes());
    id[2..4].copy_from_slice(&remote.port().to_be_bytes());
    id[4..8].copy_from_slice(&src.octets());
    id[20..24].copy_from_slice(&dst.octets());
    // No cookie: INET_DIAG_NOCOOKIE in both words.
    id[40..48].copy_from_slice(&[0xff; 8]);
    let reply = exchange(&msg)?;
    let ty = u16::from_ne_bytes(reply.get(4..6)?.try_into().ok()?);
    if ty == NLMSG_ERROR || ty != SOCK_DIAG_BY_FAMILY {
        return None;
    }
    let at = HDR + INODE_AT;
    let inode = u32::from_ne_bytes(reply.get(at..at + 4)?.try_into().ok()?);
    (inode != 0).then_some(u64::from(inode))
}

/// Sends `msg` on a fresh `NETLINK_SOCK_DIAG` socket and returns the reply.
fn exchange(msg: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: plain socket calls on a descriptor this function owns and closes;
    // the buffers outlive the calls and their lengths are passed with them.
    unsafe {
        let fd = libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            libc::NETLINK_SOCK_DIAG,
        );
        if fd < 0 {
            return None;
        }
        let tv = libc::timeval {
            tv_sec: 1,
            tv_usec: 0,
        };
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        );
        let mut out = None;
        if libc::send(fd, msg.as_ptr().cast(), msg.len(), 0) == msg.len() as isize {
            let mut buf = vec![0u8; 1024];
            let n = libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0);
            if n > 0 {
                buf.truncate(n as usize);
                out = Some(buf);
            }
        }
        libc::close(fd);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_both_ends_of_a_loopback_connection_and_not_a_made_up_one() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        let (a, b) = (c.local_addr().unwrap(), c.peer_addr().unwrap());
        let ours = inode(a, b).expect("the client's socket");
        let theirs = inode(b, a).expect("the accepted socket");
        assert_ne!(ours, theirs);
        assert_eq!(Some(ours), crate::owner::proc_inode(a, b));
        let nobody: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(inode(a, nobody), None);
        drop((c, s));
    }
}
