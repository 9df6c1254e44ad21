//! The project's own nemeses against a real three-node etcd on local namespace
//! nodes (root only): each test injects one kind of fault through
//! `rjepsen-nemesis` — never hand-written rules — and asserts an effect on etcd
//! or on the nodes' traffic that a broken nemesis would not produce.
//!
//! Each test has its own cluster (nodes, bridge, subnet 10.95–10.99.0.0/24, state
//! dir), so nextest may run them side by side, and brings it down whatever
//! happens (see [`with_cluster`]). What is observed is asked of the nodes
//! themselves over SSH (`etcdctl endpoint status` on the node, `pgrep`, `/proc`,
//! `iptables -S`), so the test sees what etcd and the kernel see, not what the
//! nemesis says it did.

use super::db::{
    can_run, etcd_procs, register_op, setup_all, spec, wait_for_one_leader, wait_until,
    with_cluster,
};
use rjepsen_core::db::Db;
use rjepsen_core::nemesis::Nemesis;
use rjepsen_core::op::{Op, OpType, Process};
use rjepsen_core::test::Test;
use rjepsen_db::db_for;
use rjepsen_nemesis::partition::PartitionNemesis;
use rjepsen_nemesis::{package, NetemSupport, PacketNemesis, ProcessFault, ProcessNemesis};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs one nemesis op and returns its completion, which must name no failed node.
async fn nemesis_op(nemesis: &dyn Nemesis, test: &Test, f: &str, value: Value) -> Op {
    let started = Instant::now();
    let done = nemesis
        .invoke(test, &Op::invoke(Process::Nemesis, f, value.clone()))
        .await;
    eprintln!(
        "nemesis {f} {value}: {} in {:?}",
        done.value,
        started.elapsed()
    );
    assert_eq!(done.kind, OpType::Info, "{f}: {done:?}");
    assert!(done.error.is_none(), "failed to {f} on some node: {done:?}");
    done
}

/// `(member id, leader id)` (0: no leader) as etcd on `node` reports them, asked on the node
/// itself (the control node's own view could differ); `None` if it does not answer.
async fn status(test: &Test, node: &str) -> Option<(u64, u64)> {
    let cmd = "ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=1s \
               --command-timeout=2s endpoint status -w json";
    let out = test.remote.exec_unchecked(node, cmd).await.ok()?;
    let v: Value = serde_json::from_str(out.stdout.trim()).ok()?;
    let s = &v[0]["Status"];
    // Without a leader, etcd leaves the (zero) field out and lists "no leader"
    // among `errors`.
    let leader = s["leader"].as_u64().unwrap_or(0);
    Some((s["header"]["member_id"].as_u64()?, leader))
}

/// Statuses of `nodes`, in order; a node that does not answer is `None`.
async fn statuses(test: &Test, nodes: &[String]) -> Vec<Option<(u64, u64)>> {
    let mut out = Vec::new();
    for n in nodes {
        out.push(status(test, n).await);
    }
    out
}

/// The leader id every one of `nodes` reports, if they all answer and agree on
/// one that is a member among them.
async fn agreed_leader(test: &Test, nodes: &[String]) -> Option<u64> {
    let all = statuses(test, nodes).await;
    let all: Vec<(u64, u64)> = all.into_iter().collect::<Option<_>>()?;
    let leader = all[0].1;
    let agree = all.iter().all(|(_, l)| *l == leader);
    (agree && all.iter().any(|(me, _)| *me == leader)).then_some(leader)
}

/// The node that the grudge of a `one` partition cuts off: it drops every other.
fn isolated_node(grudge: &Value, nodes: &[String]) -> String {
    let map = grudge.as_object().expect("a grudge is an object");
    let alone: Vec<&String> = map
        .iter()
        .filter(|(_, dropped)| dropped.as_array().map_or(0, Vec::len) == nodes.len() - 1)
        .map(|(n, _)| n)
        .collect();
    assert_eq!(alone.len(), 1, "not a one-node partition: {grudge}");
    alone[0].clone()
}

fn db_and_test(mut test: Test) -> (Arc<dyn Db>, Test) {
    // Short op timeouts keep the ops that must fail inside the test's budget.
    test.options.insert("op-timeout".into(), json!(3));
    (db_for("etcd").unwrap(), test)
}

/// Isolates one node: it loses its leader, the majority keeps (or elects) one of
/// its own and takes writes, the isolated node does not; healed, all agree again.
#[test]
fn partition_one_cuts_a_node_off_etcd() {
    if !can_run("partition_one_cuts_a_node_off_etcd") {
        return;
    }
    let limit = Duration::from_secs(200);
    with_cluster(spec("fpart", 3, 95), limit, |test, _| async move {
        let (db, test) = db_and_test(test);
        eprintln!("etcd setup: {:?}", setup_all(&db, &test).await);
        let before = wait_for_one_leader(&test, db.as_primary().unwrap()).await;
        let nemesis = PartitionNemesis::new(Some(db.clone()));
        nemesis.setup(&test).await.unwrap();
        let cut = Instant::now();
        let done = nemesis_op(&nemesis, &test, "start-partition", json!("one")).await;
        let alone = isolated_node(&done.value, &test.nodes);
        let majority: Vec<String> = test
            .nodes
            .iter()
            .filter(|n| **n != alone)
            .cloned()
            .collect();
        eprintln!("leader before: {before}; isolated: {alone}");
        wait_until(
            "the isolated node has no leader",
            Duration::from_secs(15),
            || async { matches!(status(&test, &alone).await, Some((_, 0))) },
        )
        .await;
        eprintln!("isolated node lost its leader after {:?}", cut.elapsed());
        wait_until(
            "the majority agrees on a leader of its own",
            Duration::from_secs(15),
            || async { agreed_leader(&test, &majority).await.is_some() },
        )
        .await;
        eprintln!("majority has a leader of its own after {:?}", cut.elapsed());
        let (w, _) = timed(register_op(&test, &majority[0], "write", json!([1, 11]))).await;
        assert_eq!(
            w.kind,
            OpType::Ok,
            "write via majority node {}: {w:?}",
            majority[0]
        );
        let (w, took) = timed(register_op(&test, &alone, "write", json!([1, 12]))).await;
        eprintln!(
            "write via isolated {alone}: {:?} {:?} after {took:?}",
            w.kind, w.error
        );
        assert_ne!(
            w.kind,
            OpType::Ok,
            "a write went through isolated {alone}: {w:?}"
        );
        let r = register_op(&test, &majority[1], "read", json!([1, null])).await;
        assert_eq!(r.value, json!([1, 11]), "read via {}: {r:?}", majority[1]);
        let healed = Instant::now();
        nemesis_op(&nemesis, &test, "stop-partition", json!(null)).await;
        wait_until(
            "all three agree on one leader",
            Duration::from_secs(20),
            || async { agreed_leader(&test, &test.nodes).await.is_some() },
        )
        .await;
        eprintln!("one leader for all after healing: {:?}", healed.elapsed());
        isolate_the_leader(&nemesis, &db, &test).await;
        nemesis.teardown(&test).await.unwrap();
    });
}

/// `start-partition "primary"` cuts the leader off: it steps down (etcd's check
/// quorum) and the other two elect a leader among themselves.
async fn isolate_the_leader(nemesis: &PartitionNemesis, db: &Arc<dyn Db>, test: &Test) {
    let leader = wait_for_one_leader(test, db.as_primary().unwrap()).await;
    let cut = Instant::now();
    let done = nemesis_op(nemesis, test, "start-partition", json!("primary")).await;
    assert_eq!(isolated_node(&done.value, &test.nodes), leader, "{done:?}");
    let others: Vec<String> = test
        .nodes
        .iter()
        .filter(|n| **n != leader)
        .cloned()
        .collect();
    wait_until(
        "the cut-off leader steps down",
        Duration::from_secs(15),
        || async { matches!(status(test, &leader).await, Some((_, 0))) },
    )
    .await;
    eprintln!(
        "cut-off leader {leader} stepped down after {:?}",
        cut.elapsed()
    );
    wait_until(
        "the other two elect one of theirs",
        Duration::from_secs(15),
        || async { agreed_leader(test, &others).await.is_some() },
    )
    .await;
    eprintln!("new leader among {others:?} after {:?}", cut.elapsed());
    let healed = Instant::now();
    nemesis_op(nemesis, test, "stop-partition", json!(null)).await;
    wait_until(
        "all three agree on one leader",
        Duration::from_secs(20),
        || async { agreed_leader(test, &test.nodes).await.is_some() },
    )
    .await;
    eprintln!("one leader for all after healing: {:?}", healed.elapsed());
}

async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = f.await;
    (out, started.elapsed())
}

/// Kills one random node: its etcd is gone; started again, it serves a
/// linearizable read of a value written while it was down.
#[test]
fn kill_one_and_start_again() {
    if !can_run("kill_one_and_start_again") {
        return;
    }
    let limit = Duration::from_secs(200);
    with_cluster(spec("fkill", 3, 96), limit, |test, _| async move {
        let (db, test) = db_and_test(test);
        eprintln!("etcd setup: {:?}", setup_all(&db, &test).await);
        wait_for_one_leader(&test, db.as_primary().unwrap()).await;
        let nemesis = ProcessNemesis::new(ProcessFault::Kill, db.clone());
        let done = nemesis_op(&nemesis, &test, "kill", json!("one")).await;
        let killed: Vec<&String> = done.value.as_object().unwrap().keys().collect();
        assert_eq!(killed.len(), 1, "kill one: {done:?}");
        let killed = killed[0].clone();
        assert_eq!(done.value[&killed], json!("killed"), "{done:?}");
        let pgrep = test
            .remote
            .exec_unchecked(&killed, "pgrep -x etcd")
            .await
            .unwrap();
        assert!(
            pgrep.stdout.trim().is_empty(),
            "etcd on {killed}: {}",
            pgrep.stdout
        );
        assert!(
            etcd_procs(&test, &killed).await.is_empty(),
            "etcd left on {killed}"
        );
        let other = test.nodes.iter().find(|n| **n != killed).unwrap().clone();
        let wrote = Instant::now();
        wait_until(
            "the survivors take a write",
            Duration::from_secs(20),
            || async {
                register_op(&test, &other, "write", json!([2, 22]))
                    .await
                    .kind
                    == OpType::Ok
            },
        )
        .await;
        eprintln!(
            "write via {other} with {killed} down: {:?}",
            wrote.elapsed()
        );
        let down = register_op(&test, &killed, "read", json!([2, null])).await;
        assert_ne!(down.kind, OpType::Ok, "a killed node answered: {down:?}");
        let started = Instant::now();
        let done = nemesis_op(&nemesis, &test, "start", json!("all")).await;
        assert_eq!(done.value[&killed], json!("started"), "{done:?}");
        let pgrep = test
            .remote
            .exec_unchecked(&killed, "pgrep -x etcd")
            .await
            .unwrap();
        assert_eq!(
            pgrep.stdout.lines().count(),
            1,
            "etcd on {killed}: {}",
            pgrep.stdout
        );
        wait_until(
            "the restarted node reads what was written",
            Duration::from_secs(30),
            || async {
                let r = register_op(&test, &killed, "read", json!([2, null])).await;
                r.kind == OpType::Ok && r.value == json!([2, 22])
            },
        )
        .await;
        eprintln!(
            "{killed} serves the new value {:?} after start",
            started.elapsed()
        );
    });
}

/// Whether no etcd process on `node` is stopped and one runs.
async fn running(test: &Test, node: &str) -> bool {
    let procs = etcd_procs(test, node).await;
    procs.len() == 1 && procs[0].1 != "T"
}

/// Builds the package for every kind etcd serves, applies `faults` (op `f`,
/// value) all at once, and tears the package down; then checks that nothing of
/// ours is left in any node's iptables, every etcd runs unpaused, and the three
/// agree on a leader again. Returns the teardown's own result.
async fn teardown_heals(
    db: &Arc<dyn Db>,
    test: &Test,
    faults: &[(&str, Value)],
) -> Result<(), String> {
    let nemesis = package(&["all".to_string()], 5.0, db.clone())
        .unwrap()
        .nemesis;
    nemesis.setup(test).await.unwrap();
    for (f, value) in faults {
        nemesis_op(nemesis.as_ref(), test, f, value.clone()).await;
    }
    let started = Instant::now();
    let torn = nemesis.teardown(test).await.map_err(|e| e.to_string());
    eprintln!("package teardown: {:?}: {torn:?}", started.elapsed());
    for n in &test.nodes {
        let rules = "iptables -w -S; iptables -w -t mangle -S";
        let rules = test.remote.exec(n, rules).await.unwrap().stdout;
        assert!(!rules.contains("RJEPSEN"), "rules left on {n}:\n{rules}");
        assert!(
            running(test, n).await,
            "etcd on {n} not running after teardown"
        );
    }
    wait_until(
        "all three agree on one leader",
        Duration::from_secs(30),
        || async { agreed_leader(test, &test.nodes).await.is_some() },
    )
    .await;
    eprintln!(
        "one leader for all {:?} after teardown began",
        started.elapsed()
    );
    torn
}

/// Pauses a node: `T` while paused (and it answers no read), running after
/// resume; then leaves a pause, a partition and packet loss in place and shows
/// that the package's teardown heals all of them.
#[test]
fn pause_resume_and_package_teardown_heals() {
    if !can_run("pause_resume_and_package_teardown_heals") {
        return;
    }
    let limit = Duration::from_secs(200);
    with_cluster(spec("fpause", 3, 97), limit, |test, _| async move {
        let (db, test) = db_and_test(test);
        eprintln!("etcd setup: {:?}", setup_all(&db, &test).await);
        wait_for_one_leader(&test, db.as_primary().unwrap()).await;
        let nemesis = ProcessNemesis::new(ProcessFault::Pause, db.clone());
        let done = nemesis_op(&nemesis, &test, "pause", json!("one")).await;
        let paused = done
            .value
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        let procs = etcd_procs(&test, &paused).await;
        assert!(
            procs.len() == 1 && procs[0].1 == "T",
            "{paused} paused: {procs:?}"
        );
        let (r, took) = timed(register_op(&test, &paused, "read", json!([5, null]))).await;
        eprintln!("read via paused {paused}: {:?} after {took:?}", r.kind);
        assert_ne!(r.kind, OpType::Ok, "paused {paused} answered: {r:?}");
        nemesis_op(&nemesis, &test, "resume", json!("all")).await;
        assert!(running(&test, &paused).await, "{paused} did not resume");
        let r = register_op(&test, &paused, "read", json!([5, null])).await;
        assert_eq!(r.kind, OpType::Ok, "read via resumed {paused}: {r:?}");
        let faults = [
            ("start-partition", json!("majority")),
            (
                "start-packet",
                json!({"targets": "all", "behaviour": "loss"}),
            ),
            ("pause", json!([test.nodes[0]])),
        ];
        teardown_heals(&db, &test, &faults).await.unwrap();
    });
}

/// The package's teardown with one node killed and another paused: it must
/// resume and start everything and report success.
#[test]
fn package_teardown_heals_a_killed_node() {
    if !can_run("package_teardown_heals_a_killed_node") {
        return;
    }
    let limit = Duration::from_secs(200);
    with_cluster(spec("fkillp", 3, 99), limit, |test, _| async move {
        let (db, test) = db_and_test(test);
        eprintln!("etcd setup: {:?}", setup_all(&db, &test).await);
        wait_for_one_leader(&test, db.as_primary().unwrap()).await;
        let faults = [
            ("pause", json!([test.nodes[0]])),
            ("kill", json!([test.nodes[1]])),
        ];
        teardown_heals(&db, &test, &faults).await.unwrap();
    });
}

/// `probes` TCP connects from `from` to `to`'s etcd peer port, each given 0.8 s:
/// a lost SYN or SYN-ACK is only retried after 1 s, while a healthy connect over
/// the bridge takes well under a millisecond (the margin is for a loaded
/// machine). Returns how many failed. The connects run ten at a time (the loss
/// is drawn per packet, so concurrent probes are as independent as sequential
/// ones), so that a phase at 50 % loss waits about 3 s instead of 16 s.
async fn failed_connects(test: &Test, from: &str, to: &str, probes: u32) -> u32 {
    const AT_ONCE: u32 = 10;
    let cmd = format!(
        "for i in $(seq {probes}); do \
         (timeout 0.8 bash -c 'exec 3<>/dev/tcp/{to}/2380' 2>/dev/null \
         && echo ok || echo lost) & [ $((i % {AT_ONCE})) -eq 0 ] && wait; done; wait"
    );
    let out = test.remote.exec(from, &cmd).await.unwrap().stdout;
    assert_eq!(
        out.lines().count() as u32,
        probes,
        "probes from {from}: {out}"
    );
    out.lines().filter(|l| *l == "lost").count() as u32
}

/// Packet loss (emulated with iptables where the kernel has no netem) drops a
/// share of the connects from the shaped node to a peer, and none after healing.
#[test]
fn packet_loss_drops_traffic_between_nodes() {
    if !can_run("packet_loss_drops_traffic_between_nodes") {
        return;
    }
    let limit = Duration::from_secs(200);
    with_cluster(spec("fpkt", 3, 98), limit, |test, _| async move {
        let (db, test) = db_and_test(test);
        eprintln!("etcd setup: {:?}", setup_all(&db, &test).await);
        let (from, to) = (test.nodes[0].clone(), test.nodes[1].clone());
        let nemesis = PacketNemesis::new(NetemSupport::default());
        nemesis.setup(&test).await.unwrap();
        let probes = 40;
        assert_eq!(
            failed_connects(&test, &from, &to, probes).await,
            0,
            "loss before"
        );
        let loss = json!({"targets": [from], "behaviour": {"loss_pct": 50.0}});
        nemesis_op(&nemesis, &test, "start-packet", loss).await;
        let lost = failed_connects(&test, &from, &to, probes).await;
        eprintln!("50% loss on {from}: {lost}/{probes} connects to {to} lost");
        assert!((8..=32).contains(&lost), "{lost}/{probes} lost at 50%");
        let back = failed_connects(&test, &to, &from, probes).await;
        eprintln!("{to} → {from} (SYN-ACKs leave {from}): {back}/{probes} lost");
        assert!(
            (8..=32).contains(&back),
            "{back}/{probes} lost {to} → {from}"
        );
        let (w, took) = timed(register_op(&test, &from, "write", json!([4, 44]))).await;
        eprintln!("write via {from} under loss: {:?} in {took:?}", w.kind);
        nemesis_op(&nemesis, &test, "stop-packet", json!(null)).await;
        let rules = "iptables -w -S; iptables -w -t mangle -S; tc qdisc show";
        let rules = test.remote.exec(&from, rules).await.unwrap().stdout;
        assert!(
            !rules.contains("RJEPSEN") && !rules.contains("netem"),
            "{rules}"
        );
        assert_eq!(
            failed_connects(&test, &from, &to, probes).await,
            0,
            "loss after"
        );
        nemesis.teardown(&test).await.unwrap();
    });
}
