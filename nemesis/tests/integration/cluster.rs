//! The packaged nemesis on real local nodes, over SSH, names from /etc/hosts:
//! partitions cut node-to-node TCP but never the control node's SSH, packet
//! shaping appears and goes, and teardown leaves nothing of ours.
//!
//! Uses its own cluster (nodes m1..m3, bridge rjnem0, subnet 10.80.0.0/24, state
//! in /var/lib/rjepsen-nodes-nemtest) so it can run beside `rjepsen cluster up`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rjepsen_core::cluster::{self, ClusterSpec};
use rjepsen_core::control::{Remote, SshRemote};
use rjepsen_core::db::{Db, DbError};
use rjepsen_core::generator::{Context, GenOp, Generator};
use rjepsen_core::op::{Op, Process};
use rjepsen_core::test::Test;
use rjepsen_nemesis::package;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn spec() -> ClusterSpec {
    ClusterSpec {
        nodes: vec!["m1".into(), "m2".into(), "m3".into()],
        subnet: Ipv4Addr::new(10, 80, 0, 0),
        prefix_len: 24,
        first_host: 11,
        bridge: "rjnem0".into(),
        netns_prefix: "rjnem-".into(),
        state_dir: "/var/lib/rjepsen-nodes-nemtest".into(),
    }
}

/// A DB with no abilities: this test is about the network.
struct NoDb;

#[async_trait::async_trait]
impl Db for NoDb {
    async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
}

#[test]
fn package_on_local_nodes_over_ssh() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED package_on_local_nodes_over_ssh: local nodes need root");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let spec = spec();
    rt.block_on(cluster::down(&spec)).unwrap();
    let task = rt.spawn({
        let spec = spec.clone();
        async move { tokio::time::timeout(Duration::from_secs(150), exercise(&spec)).await }
    });
    let outcome = rt.block_on(task);
    let down = rt.block_on(cluster::down(&spec));
    match outcome {
        Ok(timed) => timed.expect("nemesis cluster test took over 150 s"),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
    down.expect("cluster down");
}

/// Whether `from` reaches `to`'s sshd (port 22) over the bridge.
async fn reaches(remote: &SshRemote, from: &str, to: &str) -> bool {
    let cmd = format!("timeout 2 bash -c 'exec 3<>/dev/tcp/{to}/22; head -c 4 <&3'");
    let out = remote.exec_unchecked(from, &cmd).await.unwrap();
    out.stdout == "SSH-"
}

fn nemesis_op(f: &str, value: Value) -> Op {
    Op::invoke(Process::Nemesis, f, value)
}

async fn exercise(spec: &ClusterSpec) {
    let t = Instant::now();
    let info = cluster::up(spec).await.expect("cluster up");
    eprintln!("cluster up of 3 nodes: {:?}", t.elapsed());
    let remote = Arc::new(SshRemote::new(info.ssh_options()));
    let test = Test {
        name: "nemesis-local-nodes".into(),
        nodes: info.node_names(),
        concurrency: 1,
        seed: 7,
        remote: remote.clone(),
        store_dir: std::env::temp_dir(),
        addrs: info.addr_book(rjepsen_core::addr::Ports::NONE),
        options: Map::new(),
    };
    let kinds = vec!["partition".to_string(), "packet".to_string()];
    let pkg = package(&kinds, 5.0, Arc::new(NoDb)).unwrap();
    let nemesis = pkg.nemesis;
    nemesis
        .setup(&test)
        .await
        .expect("setup heals a clean cluster");
    schedule_fits_the_kernel(&remote, pkg.generator).await;

    let t = Instant::now();
    let done = nemesis
        .invoke(&test, &nemesis_op("start-partition", json!("one")))
        .await;
    eprintln!("start-partition one on 3 nodes over SSH: {:?}", t.elapsed());
    assert!(done.error.is_none(), "{done:?}");
    let grudge = done.value.as_object().unwrap();
    let lonely = grudge
        .iter()
        .find(|(_, v)| v.as_array().unwrap().len() == 2)
        .map(|(k, _)| k.clone())
        .expect("one node drops both others");
    let others: Vec<&String> = test.nodes.iter().filter(|n| **n != lonely).collect();
    let rules = remote
        .exec(&lonely, "iptables -w -S RJEPSEN")
        .await
        .unwrap()
        .stdout;
    assert_eq!(rules.matches("-j DROP").count(), 2, "{rules}");
    assert!(
        !reaches(&remote, others[0], &lonely).await,
        "{} -> {lonely}",
        others[0]
    );
    assert!(
        !reaches(&remote, &lonely, others[1]).await,
        "{lonely} -> {}",
        others[1]
    );
    assert!(
        reaches(&remote, others[0], others[1]).await,
        "the majority talks"
    );
    let ssh = remote
        .exec(&lonely, "hostname")
        .await
        .expect("the control node is never cut off");
    assert_eq!(ssh.stdout.trim(), lonely);

    let t = Instant::now();
    let healed = nemesis
        .invoke(&test, &nemesis_op("stop-partition", Value::Null))
        .await;
    eprintln!("stop-partition on 3 nodes over SSH: {:?}", t.elapsed());
    assert!(healed.error.is_none(), "{healed:?}");
    assert!(reaches(&remote, others[0], &lonely).await, "healed");

    let loss = json!({"targets": "all", "behaviour": "loss"});
    let shaped = nemesis
        .invoke(&test, &nemesis_op("start-packet", loss))
        .await;
    assert!(shaped.error.is_none(), "{shaped:?}");
    let show = "tc qdisc show dev eth0; iptables -w -S RJEPSEN-PKT 2>/dev/null";
    for node in &test.nodes {
        let s = remote.exec(node, show).await.unwrap().stdout;
        assert!(
            s.contains("netem") || s.contains("RJEPSEN-PKT"),
            "{node}: {s}"
        );
    }
    // Leave a partition and the loss in place: teardown must remove both.
    nemesis
        .invoke(&test, &nemesis_op("start-partition", json!("majority")))
        .await;
    let t = Instant::now();
    nemesis.teardown(&test).await.expect("teardown");
    eprintln!(
        "teardown (partition + packet) on 3 nodes: {:?}",
        t.elapsed()
    );
    for node in &test.nodes {
        let left = remote
            .exec(
                node,
                "iptables -w -S; iptables -w -t mangle -S; tc qdisc show dev eth0",
            )
            .await
            .unwrap()
            .stdout;
        assert!(
            !left.contains("RJEPSEN") && !left.contains("netem"),
            "{node}: {left}"
        );
    }
    assert!(reaches(&remote, "m1", "m2").await && reaches(&remote, "m2", "m3").await);
    remote.close_all().await;
}

/// After setup probed the nodes, the schedule offers delay and reorder only if
/// the nodes' kernel has netem.
async fn schedule_fits_the_kernel(remote: &SshRemote, mut gen: Box<dyn Generator>) {
    let probe =
        "tc qdisc add dev lo root netem delay 0ms 2>&1; tc qdisc del dev lo root 2>/dev/null";
    let out = remote.exec_unchecked("m1", probe).await.unwrap();
    let has_netem = !out.stdout.contains("kind is unknown");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let free = [Process::Nemesis];
    let mut behaviours = BTreeSet::new();
    for step in 0..3000u64 {
        let mut ctx = Context {
            time: step * 100_000_000,
            free: &free,
            workers: &[],
            rng: &mut rng,
        };
        if let GenOp::Op(op) = gen.op(&mut ctx) {
            if op.f == "start-packet" {
                behaviours.insert(op.value["behaviour"].as_str().unwrap().to_string());
            }
        }
    }
    let needs_netem = behaviours.contains("delay") || behaviours.contains("reorder");
    assert_eq!(
        needs_netem, has_netem,
        "kernel has netem: {has_netem}; offered {behaviours:?}"
    );
    eprintln!("netem in the kernel: {has_netem}; schedule offered {behaviours:?}");
}
