//! The etcd `Db` on local namespace nodes (root only): setup of a cluster, leader,
//! kill and restart, pause and resume, teardown. Each test brings its own cluster
//! up under names and a subnet of its own, and always brings it down again.

use super::local_etcd::{test_for, ETCD};
use rjepsen_core::cluster::{ClusterInfo, ClusterSpec};
use rjepsen_core::control::SshRemote;
use rjepsen_core::db::Db;
use rjepsen_core::op::{Op, OpType, Process};
use rjepsen_core::test::Test;
use rjepsen_db::etcd::Etcd;
use rjepsen_db::{client_for, db_for};
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use rjepsen_testkit::{setup_all, spec};

pub(crate) fn can_run(name: &str) -> bool {
    let root = rjepsen_testkit::is_root();
    if !root {
        eprintln!("SKIPPED {name}: local nodes need root");
    } else if !std::path::Path::new(ETCD).exists() {
        eprintln!("SKIPPED {name}: {ETCD} is not installed");
    }
    root && std::path::Path::new(ETCD).exists()
}

/// Brings `spec` up, runs `body` under `limit` on a test of etcd's
/// (`test_for`), and brings the cluster down whatever happened.
pub(crate) fn with_cluster<F, Fut>(spec: ClusterSpec, limit: Duration, body: F)
where
    F: FnOnce(Test, ClusterInfo) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let make_test = |info: &ClusterInfo| {
        let mut test = test_for(info.node_names(), json!({}));
        test.remote = Arc::new(SshRemote::new(info.ssh_options()));
        test.addrs = info.addr_book(Etcd::default().ports().unwrap());
        test
    };
    rjepsen_testkit::with_cluster(spec, limit, make_test, body);
}

/// Waits (at most 20 s) until exactly one node claims to lead, and returns it.
pub(crate) async fn wait_for_one_leader(
    test: &Test,
    primary: &dyn rjepsen_core::db::Primary,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let leaders = primary.primaries(test).await.unwrap();
        if leaders.len() == 1 {
            return leaders[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "no single leader within 20s: {leaders:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Pids of etcd processes on `node` with their states (`R`, `S`, `T`, ...).
pub(crate) async fn etcd_procs(test: &Test, node: &str) -> Vec<(u32, String)> {
    let script = "for d in /proc/[0-9]*; do case \"$(readlink $d/exe 2>/dev/null)\" in */etcd) \
                  echo \"${d#/proc/} $(sed 's/.*) //' $d/stat | cut -c1)\";; esac; done";
    let out = test.remote.exec(node, script).await.unwrap().stdout;
    out.lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(p, s)| (p.parse().unwrap(), s.to_string()))
        .filter(|(_, s)| s != "Z")
        .collect()
}

pub(crate) async fn wait_until<Fut: Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut f: impl FnMut() -> Fut,
) {
    let deadline = Instant::now() + limit;
    while !f().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn write_read(test: &Test, node: &str, k: i64, v: i64) -> Op {
    let mut c = client_for("etcd", "register")
        .unwrap()
        .open(test, node)
        .await
        .unwrap();
    let w = c
        .invoke(
            test,
            &Op::invoke(Process::Client(0), "write", json!([k, v])),
        )
        .await;
    assert_eq!(w.kind, OpType::Ok, "write via {node}: {w:?}");
    c.invoke(
        test,
        &Op::invoke(Process::Client(0), "read", json!([k, null])),
    )
    .await
}

#[test]
fn etcd_on_three_local_nodes() {
    if !can_run("etcd_on_three_local_nodes") {
        return;
    }
    let limit = Duration::from_secs(240);
    with_cluster(spec("ea", 3, 93), limit, |test, _info| async move {
        let db = db_for("etcd").unwrap();
        eprintln!("etcd setup on 3 nodes: {:?}", setup_all(&db, &test).await);
        assert_eq!(write_read(&test, "ea1", 1, 7).await.value, json!([1, 7]));
        kill_leader_and_restart(&db, &test).await;
        pause_a_follower(&db, &test).await;
        unreachable_client_port(&test).await;
        let logs = db.as_log_files().unwrap().log_files(&test, "ea1");
        let size = format!("wc -c < {}", logs[0]);
        let size = test.remote.exec("ea1", &size).await.unwrap().stdout;
        assert!(
            size.trim().parse::<u64>().unwrap() > 0,
            "empty log {}",
            logs[0]
        );
        teardown_leaves_nothing(&db, &test).await;
    });
}

/// Opens a register client on `node` and runs one op.
pub(crate) async fn register_op(test: &Test, node: &str, f: &str, value: serde_json::Value) -> Op {
    let template = client_for("etcd", "register").unwrap();
    let mut c = template.open(test, node).await.unwrap();
    c.invoke(test, &Op::invoke(Process::Client(0), f, value))
        .await
}

/// Kills the leader: its process is gone, pause says it is not running, the others
/// elect a new leader; started again it serves the data it had.
async fn kill_leader_and_restart(db: &Arc<dyn Db>, test: &Test) {
    let primary = db.as_primary().unwrap();
    let leader = wait_for_one_leader(test, primary).await;
    eprintln!("leader: {leader}");
    let kill = db.as_kill().unwrap();
    let procs = etcd_procs(test, &leader).await;
    assert_eq!(procs.len(), 1, "etcd processes on {leader}: {procs:?}");
    kill.kill(test, &leader).await.unwrap();
    assert!(
        etcd_procs(test, &leader).await.is_empty(),
        "etcd survived kill on {leader}"
    );
    let err = db
        .as_pause()
        .unwrap()
        .pause(test, &leader)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not running"), "{err}");
    kill.kill(test, &leader).await.unwrap(); // killing a dead node is fine
    let started = Instant::now();
    wait_until(
        "a new leader is elected",
        Duration::from_secs(20),
        || async {
            let l = primary.primaries(test).await.unwrap();
            l.len() == 1 && l[0] != leader
        },
    )
    .await;
    eprintln!("new leader after kill: {:?}", started.elapsed());
    kill.start(test, &leader).await.unwrap();
    kill.start(test, &leader).await.unwrap(); // a no-op when running
    assert_eq!(etcd_procs(test, &leader).await.len(), 1);
    let started = Instant::now();
    wait_until(
        "the restarted node serves",
        Duration::from_secs(30),
        || async {
            let r = register_op(test, &leader, "read", json!([1, null])).await;
            r.kind == OpType::Ok && r.value == json!([1, 7])
        },
    )
    .await;
    eprintln!(
        "restarted node serves its data after {:?}",
        started.elapsed()
    );
}

/// Pauses a follower: its process is stopped (`T`) while the others serve writes;
/// resumed, it runs again.
async fn pause_a_follower(db: &Arc<dyn Db>, test: &Test) {
    let leader = wait_for_one_leader(test, db.as_primary().unwrap()).await;
    let paused = test.nodes.iter().find(|n| **n != leader).unwrap().clone();
    let pause = db.as_pause().unwrap();
    pause.pause(test, &paused).await.unwrap();
    let procs = etcd_procs(test, &paused).await;
    assert!(
        procs.len() == 1 && procs[0].1 == "T",
        "after pause: {procs:?}"
    );
    let other = test.nodes.iter().find(|n| **n != paused).unwrap();
    wait_until(
        "the others serve writes",
        Duration::from_secs(20),
        || async { register_op(test, other, "write", json!([2, 9])).await.kind == OpType::Ok },
    )
    .await;
    pause.resume(test, &paused).await.unwrap();
    let procs = etcd_procs(test, &paused).await;
    assert!(
        procs.len() == 1 && procs[0].1 != "T",
        "after resume: {procs:?}"
    );
}

/// A fresh client to a node whose client port drops packets: the write cannot
/// have been sent (`fail`), and both ops end at the connect timeout.
async fn unreachable_client_port(test: &Test) {
    let rule = "INPUT -p tcp --dport 2379 -j DROP";
    test.remote
        .exec("ea3", &format!("iptables -I {rule}"))
        .await
        .unwrap();
    let started = Instant::now();
    let w = register_op(test, "ea3", "write", json!([3, 1])).await;
    let r = register_op(test, "ea3", "read", json!([3, null])).await;
    let took = started.elapsed();
    test.remote
        .exec("ea3", &format!("iptables -D {rule}"))
        .await
        .unwrap();
    eprintln!(
        "write to a dropping port: {:?} {:?} after {took:?}",
        w.kind, w.error
    );
    // Both give up at the 2 s connect timeout, before anything was sent: `fail`.
    assert_eq!(w.kind, OpType::Fail, "{w:?}");
    assert_eq!(r.kind, OpType::Fail, "{r:?}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

/// Teardown on every node leaves no etcd process, data dir, pidfile or log.
async fn teardown_leaves_nothing(db: &Arc<dyn Db>, test: &Test) {
    for n in &test.nodes {
        db.teardown(test, n).await.unwrap();
    }
    let ls = "ls -d /var/lib/rjepsen/etcd-data /var/lib/rjepsen/etcd.pid \
              /var/log/rjepsen/etcd.log 2>/dev/null; true";
    for n in &test.nodes {
        assert!(etcd_procs(test, n).await.is_empty(), "etcd left on {n}");
        let left = test.remote.exec(n, ls).await.unwrap().stdout;
        assert!(left.trim().is_empty(), "left on {n}: {left}");
    }
}

/// Setup (with `--db-binary`) and teardown on five nodes, timed for the runner's
/// budget; then a node that cannot start is named by every setup.
#[test]
fn etcd_setup_on_five_local_nodes() {
    if !can_run("etcd_setup_on_five_local_nodes") {
        return;
    }
    let limit = Duration::from_secs(180);
    with_cluster(spec("eb", 5, 94), limit, |mut test, _info| async move {
        // Upload the binary rather than use the one on PATH: the --db-binary path.
        test.options.insert("db-binary".into(), json!(ETCD));
        let db = db_for("etcd").unwrap();
        eprintln!("etcd setup on 5 nodes: {:?}", setup_all(&db, &test).await);
        let leaders = db.as_primary().unwrap().primaries(&test).await.unwrap();
        assert_eq!(leaders.len(), 1, "leaders: {leaders:?}");
        let exe = "readlink /proc/$(cat /var/lib/rjepsen/etcd.pid)/exe";
        let exe = test.remote.exec("eb2", exe).await.unwrap().stdout;
        assert_eq!(exe.trim(), rjepsen_db::etcd::UPLOADED_BINARY);
        assert_eq!(write_read(&test, "eb5", 3, 4).await.value, json!([3, 4]));
        let started = Instant::now();
        for n in &test.nodes {
            db.teardown(&test, n).await.unwrap();
        }
        eprintln!("etcd teardown on 5 nodes: {:?}", started.elapsed());
        for n in &test.nodes {
            assert!(etcd_procs(&test, n).await.is_empty(), "etcd left on {n}");
        }
        broken_node_is_named(test).await;
    });
}

/// A node whose etcd cannot start (its data dir is a file): its own setup fails at
/// once with the log's tail, and every other node's setup names it.
async fn broken_node_is_named(test: Test) {
    let db: Arc<dyn Db> = Arc::new(Etcd {
        setup_timeout: Duration::from_secs(4),
    });
    let broken = test.nodes[4].clone();
    let cmd = "mkdir -p /var/lib/rjepsen && touch /var/lib/rjepsen/etcd-data";
    test.remote.exec(&broken, cmd).await.unwrap();
    let errors: Vec<String> = rjepsen_testkit::setup_each(&db, &test)
        .await
        .into_iter()
        .map(|r| r.expect_err("a setup beside a broken node succeeded"))
        .collect();
    assert!(errors[4].contains("exited at once"), "{}", errors[4]);
    assert!(errors[4].contains(&broken), "{}", errors[4]);
    let named = format!("{broken} did not serve");
    assert!(
        errors[0].contains(&named) && errors[0].contains("etcd.log"),
        "{}",
        errors[0]
    );
    eprintln!(
        "setup error on a healthy node: {}",
        errors[0].lines().next().unwrap()
    );
    for n in &test.nodes {
        db.teardown(&test, n).await.unwrap();
    }
    for n in &test.nodes {
        assert!(etcd_procs(&test, n).await.is_empty(), "etcd left on {n}");
    }
}
