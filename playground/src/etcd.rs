//! etcd as a playground node: its command line and its view of the leader.
//!
//! The playground builds its own command line (not the test adapter's, which runs
//! etcd over SSH on a node) because here every URL differs: the process listens on
//! its real loopback ports and advertises the proxy's, for clients and for peers,
//! so every byte between nodes and from clients crosses a proxy. Election timing is
//! etcd's default ratio (heartbeat 100 ms, election 1 s) halved to reach a
//! leader quickly without spurious elections on a loaded two-core machine; pre-vote
//! is on (etcd 3.5's default), so a node cut off one way cannot depose the leader.

use crate::state::NodeInfo;
use etcd_client::{Client, ConnectOptions};
use std::path::Path;
use std::time::Duration;

pub const HEARTBEAT_MS: u64 = 50;
pub const ELECTION_MS: u64 = 500;

/// The arguments of node `me` of cluster `all`.
pub fn args(me: &NodeInfo, all: &[NodeInfo], token: &str) -> Vec<String> {
    let initial: Vec<String> = all
        .iter()
        .map(|n| format!("{}=http://{}", n.name, n.peer))
        .collect();
    let data = me.data_dir.display().to_string();
    [
        ("--name", me.name.clone()),
        ("--data-dir", data),
        ("--listen-client-urls", format!("http://{}", me.real_client)),
        ("--advertise-client-urls", format!("http://{}", me.client)),
        ("--listen-peer-urls", format!("http://{}", me.real_peer)),
        (
            "--initial-advertise-peer-urls",
            format!("http://{}", me.peer),
        ),
        ("--initial-cluster", initial.join(",")),
        ("--initial-cluster-state", "new".into()),
        ("--initial-cluster-token", token.into()),
        ("--heartbeat-interval", HEARTBEAT_MS.to_string()),
        ("--election-timeout", ELECTION_MS.to_string()),
        ("--logger", "zap".into()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_string(), v])
    // A boolean flag takes its value after `=` only.
    .chain(["--pre-vote=true".to_string()])
    .collect()
}

/// The command for `binary` (stdio and process setup are the caller's).
pub fn command(
    binary: &Path,
    me: &NodeInfo,
    all: &[NodeInfo],
    token: &str,
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(binary);
    c.args(args(me, all, token));
    c
}

/// Waits until the node serves HTTP on its real peer port (an answer to
/// `GET /version`), or `within` passes; returns whether it does.
///
/// Why: a new etcd asks each peer whether it was bootstrapped before, with a 1 s
/// timeout per peer. A peer that is listening but not yet serving makes that cost
/// the full second; one that is not listening yet, or serving, answers at once. So
/// the daemon starts nodes one after another, each once the previous one serves,
/// which turns about 2 s of a 3-node start into a few tens of ms.
pub async fn wait_serving(peer: std::net::SocketAddr, within: Duration) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        let probe = async {
            let mut s = tokio::net::TcpStream::connect(peer).await.ok()?;
            s.write_all(b"GET /version HTTP/1.0\r\n\r\n").await.ok()?;
            let mut buf = [0u8; 16];
            let n = s.read(&mut buf).await.ok()?;
            buf[..n].starts_with(b"HTTP/").then_some(())
        };
        if let Ok(Some(())) = tokio::time::timeout(Duration::from_millis(200), probe).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// What one node said about itself: its member id and its leader's (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub member: u64,
    pub leader: u64,
}

/// Asks the node at its real client address (past the proxy, so a fault on its
/// links does not hide its own view).
pub async fn view(client: &mut Client) -> Result<View, String> {
    let s = client.status().await.map_err(|e| match e {
        etcd_client::Error::GRpcStatus(s) => s.message().to_string(),
        e => e.to_string(),
    })?;
    let member = s.header().map(|h| h.member_id()).unwrap_or(0);
    Ok(View {
        member,
        leader: s.leader(),
    })
}

/// A client for `addr` with short timeouts, so a paused node answers "no" quickly.
pub async fn client(addr: std::net::SocketAddr) -> Result<Client, String> {
    let opts = ConnectOptions::new()
        .with_connect_timeout(Duration::from_millis(500))
        .with_timeout(Duration::from_millis(700));
    Client::connect([format!("http://{addr}")], Some(opts))
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(i: u16) -> NodeInfo {
        let a = |p: u16| format!("127.0.0.1:{p}").parse().unwrap();
        NodeInfo {
            name: format!("n{i}"),
            client: a(1000 + i),
            peer: a(2000 + i),
            real_client: a(3000 + i),
            real_peer: a(4000 + i),
            data_dir: format!("/pg/n{i}/data").into(),
            log: format!("/pg/n{i}/etcd.log").into(),
        }
    }

    #[test]
    fn a_node_listens_on_its_real_ports_and_advertises_the_proxies() {
        let all = [node(1), node(2)];
        let a = args(&all[1], &all, "tok");
        let flag = |f: &str| a[a.iter().position(|x| x == f).unwrap() + 1].clone();
        assert_eq!(flag("--listen-client-urls"), "http://127.0.0.1:3002");
        assert_eq!(flag("--advertise-client-urls"), "http://127.0.0.1:1002");
        assert_eq!(flag("--listen-peer-urls"), "http://127.0.0.1:4002");
        assert_eq!(
            flag("--initial-advertise-peer-urls"),
            "http://127.0.0.1:2002"
        );
        assert_eq!(
            flag("--initial-cluster"),
            "n1=http://127.0.0.1:2001,n2=http://127.0.0.1:2002"
        );
        assert_eq!(flag("--data-dir"), "/pg/n2/data");
    }
}
