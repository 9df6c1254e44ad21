//! A real 3-node etcd on loopback behind the proxies: partitions, heal, per-link
//! counters, restart, delay. Each test starts its own playground (about 1 s).

use super::common::{node, start};
use etcd_client::{Client, GetOptions};
use rjepsen_playground::{faults, spec};
use std::time::{Duration, Instant};

const SETTLE: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partitioned_leader_loses_leadership_the_others_elect_one_and_heal_restores_one() {
    let mut r = start("partition").await;
    let old = r.leader().await;
    let names = r.pg.names();
    r.pg.add(faults::partition(&names, &old, &[]).unwrap())
        .await
        .unwrap();
    let o = old.clone();
    r.until(
        SETTLE,
        "the isolated node has no leader, the others elect one",
        |s| {
            let others: Vec<_> = s.iter().filter(|n| n.name != o).collect();
            node(s, &o).leader.is_none()
                && others
                    .iter()
                    .all(|n| n.leader.is_some() && n.leader != Some(o.clone()))
                && others[0].leader == others[1].leader
        },
    )
    .await;
    r.pg.heal().await.unwrap();
    r.pg.wait_healthy(SETTLE)
        .await
        .expect("one leader after heal");
    let s = r.pg.status().await.unwrap();
    assert!(
        s.iter()
            .all(|n| n.leader == s[0].leader && n.faults.is_empty()),
        "{s:#?}"
    );
    r.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_way_partition_stops_bytes_on_that_link_only() {
    let mut r = start("oneway").await;
    let leader = r.leader().await;
    let names = r.pg.names();
    let followers: Vec<String> = names.iter().filter(|n| **n != leader).cloned().collect();
    let (a, b) = (&followers[0], &followers[1]);
    let peer = |n: &str| faults::proxy_name(n, true);
    let cut = (a.clone(), peer(&leader));
    let before = r.pg.links().await.unwrap();
    assert!(
        before
            .get(&cut)
            .is_some_and(|c| c.upstream + c.downstream > 0),
        "{before:?}"
    );
    // Only connections a dials into the leader's peer port.
    let toxics = faults::partition(&names, &leader, std::slice::from_ref(a)).unwrap();
    assert_eq!(toxics.len(), 1);
    r.pg.add(toxics).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t0 = r.pg.links().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t1 = r.pg.links().await.unwrap();
    let grew = |k: &(String, String)| {
        let (x, y) = (t0.get(k).copied(), t1.get(k).copied());
        let sum =
            |c: Option<rjepsen_proxy::LinkBytes>| c.map(|c| c.upstream + c.downstream).unwrap_or(0);
        sum(y) - sum(x)
    };
    assert_eq!(
        grew(&cut),
        0,
        "bytes flowed on the cut link {cut:?}: {t0:?} -> {t1:?}"
    );
    for k in [(leader.clone(), peer(b)), (b.clone(), peer(&leader))] {
        assert!(grew(&k) > 0, "no bytes on {k:?}: {t0:?} -> {t1:?}");
    }
    // The leader keeps its quorum through b, so the cluster keeps its leader.
    let s = r.pg.status().await.unwrap();
    assert_eq!(
        node(&s, b).leader.as_deref(),
        Some(leader.as_str()),
        "{s:#?}"
    );
    r.close().await;
}

async fn get_local(c: &mut Client, key: &str) -> Option<String> {
    let opts = GetOptions::new().with_serializable();
    let r = c.get(key, Some(opts)).await.ok()?;
    r.kvs()
        .first()
        .map(|kv| kv.value_str().unwrap_or("").to_string())
}

/// The median of five serializable reads through `c`.
async fn read_latency(c: &mut Client) -> Duration {
    let mut v = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        get_local(c, "k").await.expect("read");
        v.push(t.elapsed());
    }
    v.sort();
    v[2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_data_and_a_delay_shows_in_latency_through_the_node() {
    let mut r = start("restart").await;
    let n1 = r.pg.state().node("n1").unwrap().client;
    let mut c = Client::connect([format!("http://{n1}")], None)
        .await
        .unwrap();
    c.put("k", "before-restart", None).await.unwrap();
    let t = Instant::now();
    while get_local(&mut c, "k").await.as_deref() != Some("before-restart") {
        assert!(t.elapsed() < SETTLE, "n1 never applied the write");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let old_pid = node(&r.pg.status().await.unwrap(), "n1").pid;
    let after = r.pg.restart("n1").await.unwrap();
    assert!(
        after.answered && after.pid.is_some() && after.pid != old_pid,
        "{after:?}"
    );
    assert_eq!(
        get_local(&mut c, "k").await.as_deref(),
        Some("before-restart")
    );

    let base = read_latency(&mut c).await;
    let args: Vec<String> = [
        "--latency",
        "200",
        "--direction",
        "down",
        "--port",
        "client",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let toxics = spec::parse_fault(&r.pg.names(), "n1", "latency", &args).unwrap();
    r.pg.add(toxics).await.unwrap();
    let delayed = read_latency(&mut c).await;
    assert!(
        delayed >= Duration::from_millis(200) && delayed < Duration::from_millis(600),
        "200 ms delay: reads took {delayed:?} (before {base:?})"
    );
    r.pg.heal().await.unwrap();
    let healed = read_latency(&mut c).await;
    assert!(healed < Duration::from_millis(100), "after heal {healed:?}");
    r.close().await;
}

/// The state letter of `pid` in /proc (`T` stopped, `S`/`R` running).
fn proc_state(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .next()?
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_stops_the_process_resume_continues_it_and_kill_ends_it() {
    let mut r = start("pause").await;
    let paused = r.pg.pause("n2").await.unwrap();
    let pid = paused.pid.expect("n2 runs");
    assert_eq!(paused.state, "paused");
    // kill(2) returns before a process running on another CPU has stopped.
    let until = Instant::now() + Duration::from_secs(1);
    while proc_state(pid).as_deref() != Some("T") && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(proc_state(pid).as_deref(), Some("T"), "SIGSTOP");
    let s = r.pg.status().await.unwrap();
    assert!(!node(&s, "n2").answered, "a paused etcd answered: {s:#?}");
    let resumed = r.pg.resume("n2").await.unwrap();
    assert_eq!(resumed.state, "running");
    assert_ne!(proc_state(pid).as_deref(), Some("T"));
    r.until(SETTLE, "n2 answers again", |s| node(s, "n2").answered)
        .await;

    let n3 = node(&r.pg.status().await.unwrap(), "n3")
        .pid
        .expect("n3 runs");
    let killed = r.pg.kill("n3").await.unwrap();
    assert_eq!((killed.pid, killed.state.as_str()), (None, "killed"));
    assert!(
        !rjepsen_playground::alive(n3),
        "n3's process {n3} still runs"
    );
    let e = r.pg.pause("n3").await.unwrap_err().to_string();
    assert!(e.contains("n3") && e.contains("not running"), "{e}");
    let e = r.pg.kill("n7").await.unwrap_err().to_string();
    assert!(e.contains("\"n7\"") && e.contains("n1, n2, n3"), "{e}");
    let back = r.pg.restart("n3").await.unwrap();
    assert!(back.answered, "{back:?}");
    r.pg.wait_healthy(SETTLE)
        .await
        .expect("healthy after restart");
    r.close().await;
}
