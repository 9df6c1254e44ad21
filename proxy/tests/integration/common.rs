//! A real echo server and helpers to dial through a proxy from a chosen source IP.

use rjepsen_proxy::{IpMap, ProxyGroup, ProxySpec};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// Starts an echo server on 127.0.0.1; it echoes until EOF, then closes.
pub async fn echo_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    addr
}

pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// Sources n1..n3 are 127.0.0.11..13.
pub fn nodes() -> IpMap {
    IpMap::new()
        .with(ip(11), "n1")
        .with(ip(12), "n2")
        .with(ip(13), "n3")
}

/// A group with proxies n1, n2 (both to their own echo server) on ephemeral ports.
pub async fn group(seed: u64) -> (ProxyGroup, Vec<SocketAddr>) {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let book = vec![
        ProxySpec::new("n1", any, echo_server().await),
        ProxySpec::new("n2", any, echo_server().await),
    ];
    let g = ProxyGroup::start(&book, seed, nodes()).await.unwrap();
    let addrs = g.proxies().iter().map(|p| p.listen).collect();
    (g, addrs)
}

/// Connects to `to` from source IP `from`.
pub async fn dial_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::new(from, 0))?;
    let c = s.connect(to).await?;
    c.set_nodelay(true)?;
    Ok(c)
}

/// Sends `msg` and reads the same number of bytes back; returns the round-trip time.
pub async fn round_trip(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<Duration> {
    let t = Instant::now();
    s.write_all(msg).await?;
    let mut back = vec![0; msg.len()];
    s.read_exact(&mut back).await?;
    assert_eq!(back, msg, "echo came back altered");
    Ok(t.elapsed())
}

/// A round trip that must not finish within `d`.
pub async fn blocked_for(s: &mut TcpStream, msg: &[u8], d: Duration) -> bool {
    tokio::time::timeout(d, round_trip(s, msg)).await.is_err()
}
