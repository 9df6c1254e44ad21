//! Measures fault removal under load: a client streams 10 MB/s through a proxy to a
//! sink; N times, a partition of the proxy's node is applied for 50 ms and removed.
//! Prints how long the removing `apply` took to return and how long until bytes
//! flowed again (from the link's counters). Used by `scripts/bench-proxy.sh`.
//!
//! `cargo run --release -p rjepsen-proxy --example removal -- [N]`

use rjepsen_proxy::{Anonymous, FaultSet, Link, ProxyGroup, ProxySpec};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn sink() -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    addr
}

/// Writes 64 KiB every 6.5 ms: 10 MB/s.
async fn load(to: std::net::SocketAddr) {
    let mut s = TcpStream::connect(to).await.unwrap();
    let chunk = vec![1u8; 65_536];
    let mut tick = tokio::time::interval(Duration::from_micros(6_554));
    loop {
        tick.tick().await;
        if s.write_all(&chunk).await.is_err() {
            return;
        }
    }
}

fn upstream_bytes(g: &ProxyGroup) -> u64 {
    g.bytes().values().map(|b| b.upstream).sum()
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p) as usize]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let any = "127.0.0.1:0".parse().unwrap();
    let g = ProxyGroup::start(&[ProxySpec::new("n1", any, sink().await)], 1, Anonymous)
        .await
        .unwrap();
    tokio::spawn(load(g.proxies()[0].listen));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut ret, mut flow) = (Vec::new(), Vec::new());
    for _ in 0..n {
        g.apply(FaultSet::partition(&[Link::into("n1")]))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = upstream_bytes(&g);
        let t = Instant::now();
        g.apply(FaultSet::none()).await.unwrap();
        ret.push(t.elapsed());
        while upstream_bytes(&g) == before && t.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_micros(100)).await;
        }
        flow.push(t.elapsed());
    }
    let within = flow.iter().filter(|d| **d < Duration::from_secs(1)).count();
    println!(
        "fault removal under 10 MB/s: apply returned p50 {:?} max {:?}; bytes flowing again p50 {:?} max {:?}; {within}/{n} within 1 s",
        pct(&mut ret, 0.5),
        pct(&mut ret, 1.0),
        pct(&mut flow, 0.5),
        pct(&mut flow, 1.0)
    );
}
