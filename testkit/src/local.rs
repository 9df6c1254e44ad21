//! A cluster around a test body, and the pieces the bodies share.

use rjepsen_core::addr::Ports;
use rjepsen_core::cluster::{self, ClusterInfo, ClusterSpec};
use rjepsen_core::control::SshRemote;
use rjepsen_core::db::Db;
use rjepsen_core::test::Test;
use std::future::Future;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `n` nodes `PREFIX1..PREFIXn` on 10.SUBNET.0.0/24 (hosts from .11), bridge
/// `rjPREFIX0`, namespaces `rjPREFIX-*`, state in /var/lib/rjepsen-nodes-PREFIX:
/// names and a subnet no other test uses, so that tests never meet.
pub fn spec(prefix: &str, n: usize, subnet: u8) -> ClusterSpec {
    ClusterSpec {
        nodes: (1..=n).map(|i| format!("{prefix}{i}")).collect(),
        subnet: Ipv4Addr::new(10, subnet, 0, 0),
        prefix_len: 24,
        first_host: 11,
        bridge: format!("rj{prefix}0"),
        netns_prefix: format!("rj{prefix}-"),
        state_dir: format!("/var/lib/rjepsen-nodes-{prefix}").into(),
    }
}

/// Whether this process runs as root (local nodes need it).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A test named `name` on the cluster's nodes: SSH to them as the cluster's
/// key allows, the address book from the database's `ports`, one worker a
/// node, seed 0, no options, the store in the temp dir.
pub fn local_test(info: &ClusterInfo, name: &str, ports: Ports) -> Test {
    let nodes = info.node_names();
    Test {
        name: name.into(),
        concurrency: nodes.len(),
        nodes,
        seed: 0,
        remote: Arc::new(SshRemote::new(info.ssh_options())),
        store_dir: std::env::temp_dir(),
        addrs: info.addr_book(ports),
        options: Default::default(),
    }
}

/// Brings `spec` up (after bringing down a stale one of the same name), makes
/// the test with `make_test`, runs `body` under `limit`, and brings the cluster
/// down whatever happened: a panic in `body` is resumed after the teardown, a
/// timeout panics naming `limit`.
pub fn with_cluster<M, F, Fut>(spec: ClusterSpec, limit: Duration, make_test: M, body: F)
where
    M: FnOnce(&ClusterInfo) -> Test + Send + 'static,
    F: FnOnce(Test, ClusterInfo) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let rt = tokio::runtime::Runtime::new().expect("start a tokio runtime");
    rt.block_on(cluster::down(&spec))
        .expect("failed to bring a stale cluster down");
    let task = rt.spawn({
        let spec = spec.clone();
        async move {
            let started = Instant::now();
            let info = cluster::up(&spec)
                .await
                .expect("failed to bring local nodes up");
            let n = spec.nodes.len();
            eprintln!("cluster up of {n} nodes: {:?}", started.elapsed());
            let test = make_test(&info);
            tokio::time::timeout(limit, body(test, info)).await
        }
    });
    let outcome = rt.block_on(task);
    let down = rt.block_on(cluster::down(&spec));
    match outcome {
        Ok(timed) => timed.unwrap_or_else(|_| panic!("the test body took over {limit:?}")),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
    down.expect("failed to bring local nodes down");
}

/// Sets `db` up on every node at once (a node's setup may wait for the
/// others'), and panics naming each node whose setup failed.
pub async fn setup_all(db: &Arc<dyn Db>, test: &Test) -> Duration {
    let started = Instant::now();
    let errors: Vec<String> = test
        .nodes
        .iter()
        .zip(setup_each(db, test).await)
        .filter_map(|(n, r)| r.err().map(|e| format!("setup on {n}: {e}")))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    started.elapsed()
}

/// Sets `db` up on every node at once and returns each node's outcome, in
/// the order of `test.nodes` (for tests whose setup is meant to fail).
pub async fn setup_each(db: &Arc<dyn Db>, test: &Test) -> Vec<Result<(), String>> {
    let tasks: Vec<_> = test
        .nodes
        .iter()
        .map(|n| {
            let (db, test, n) = (db.clone(), test.clone(), n.clone());
            tokio::spawn(async move { db.setup(&test, &n).await.map_err(|e| e.to_string()) })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("a setup task panicked"));
    }
    outcomes
}
