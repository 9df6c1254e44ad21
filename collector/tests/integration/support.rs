//! Helpers: a receiver on ephemeral loopback ports in a fresh directory, and a
//! raw HTTP/1.1 POST (so the bytes on the wire are exactly the test's).

use rjepsen_collector::{Receiver, ReceiverConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rjepsen-collector-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub async fn receiver(name: &str) -> Receiver {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let config = ReceiverConfig {
        out: fresh_dir(name),
        grpc: Some(any),
        http: Some(any),
    };
    Receiver::start(&config).await.expect("receiver starts")
}

/// POSTs `body` to `path` with the given extra header lines; (status, headers, body).
pub async fn post(
    addr: SocketAddr,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status = head[9..12].parse().unwrap();
    (status, head, out[split + 4..].to_vec())
}
