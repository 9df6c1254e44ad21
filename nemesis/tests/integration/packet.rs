//! Packet faults on real namespaces: the shaping is on the node during the fault
//! and acts on its traffic, and is gone after healing. With netem in the kernel
//! that is a netem qdisc; without it, the iptables/tbf emulation of loss,
//! duplication and rate, while delay and reorder are refused with a clear error.

use super::netns::{cluster_or_skip, Cluster, HUB_IP};
use rjepsen_core::nemesis::Nemesis;
use rjepsen_core::op::{Op, Process};
use rjepsen_nemesis::PacketNemesis;
use serde_json::{json, Value};
use std::time::Duration;

/// Whether this kernel has netem (probed on the loopback of `node`).
fn kernel_has_netem(c: &Cluster, node: &str) -> bool {
    let out = c.sh(node, "tc qdisc add dev lo root netem delay 1ms && echo yes; tc qdisc del dev lo root 2>/dev/null");
    out.contains("yes")
}

/// Median TCP connect time from `from` to `to` over a few tries.
fn median_connect(c: &Cluster, from: &str, to: &str) -> Duration {
    let mut v: Vec<Duration> = (0..5)
        .map(|_| {
            c.connect(from, &c.addr(to), Duration::from_secs(2))
                .expect("connects")
        })
        .collect();
    v.sort();
    v[2]
}

fn start(value: Value) -> Op {
    Op::invoke(Process::Nemesis, "start-packet", value)
}

/// Everything a node shows of packet shaping: qdiscs and our chains.
fn shaping(c: &Cluster, node: &str) -> String {
    c.sh(node, "tc qdisc show dev eth0; iptables -S RJEPSEN-PKT 2>/dev/null; iptables -t mangle -S RJEPSEN-PKT 2>/dev/null")
}

fn is_shaped(s: &str) -> bool {
    s.contains("netem") || s.contains("tbf") || s.contains("RJEPSEN-PKT")
}

#[tokio::test]
async fn delay_is_applied_with_netem_and_refused_without() {
    let Some(c) = cluster_or_skip(2) else { return };
    let test = c.test(&["n1", "n2"]);
    let nemesis = PacketNemesis::default();
    let before = median_connect(&c, "n1", "n2");
    let op = start(json!({"targets": ["n1"], "behaviour": {"delay_ms": 100, "jitter_ms": 0}}));
    let done = nemesis.invoke(&test, &op).await;
    if !kernel_has_netem(&c, "n1") {
        let err = done
            .error
            .expect("delay without netem is an error")
            .to_string();
        assert!(err.contains("n1") && err.contains("sch_netem"), "{err}");
        assert!(!is_shaped(&shaping(&c, "n1")));
        eprintln!("SKIPPED delay measurement: this kernel has no netem (refused: {err})");
        return;
    }
    assert!(done.error.is_none(), "{done:?}");
    assert_eq!(
        done.value["nodes"]["n1"], "eth0: netem delay 100ms",
        "{done:?}"
    );
    assert!(
        done.value["nodes"].get("n2").is_none(),
        "only the target is shaped"
    );
    let qdisc = c.sh("n1", "tc qdisc show dev eth0");
    assert!(
        qdisc.contains("netem") && qdisc.contains("delay 100ms"),
        "{qdisc}"
    );
    let during = median_connect(&c, "n1", "n2");
    assert!(
        during >= Duration::from_millis(95),
        "SYN held 100 ms: {during:?}"
    );
    let healed = nemesis
        .invoke(
            &test,
            &Op::invoke(Process::Nemesis, "stop-packet", Value::Null),
        )
        .await;
    assert!(healed.error.is_none(), "{healed:?}");
    assert!(!is_shaped(&shaping(&c, "n1")));
    let after = median_connect(&c, "n1", "n2");
    assert!(after < Duration::from_millis(50), "{after:?}");
    eprintln!(
        "connect n1->n2: before {before:?}, with 100ms netem {during:?}, after heal {after:?}"
    );
}

#[tokio::test]
async fn total_loss_cuts_peers_and_heals() {
    let Some(c) = cluster_or_skip(3) else { return };
    let test = c.test(&["n1", "n2", "n3"]);
    let nemesis = PacketNemesis::default();
    let netem = kernel_has_netem(&c, "n1");
    let done = nemesis
        .invoke(
            &test,
            &start(json!({"targets": ["n1"], "behaviour": {"loss_pct": 100.0}})),
        )
        .await;
    assert!(done.error.is_none(), "{done:?}");
    assert!(is_shaped(&shaping(&c, "n1")), "{}", shaping(&c, "n1"));
    assert!(
        !c.reaches("n1", "n2") && !c.reaches("n1", "n3"),
        "n1 sends nothing to peers"
    );
    assert!(c.reaches("n2", "n3"), "others unaffected");
    if !netem {
        let control = c.connect("n1", HUB_IP, Duration::from_secs(1));
        assert!(control.is_some(), "emulated loss spares the control node");
    }
    nemesis.teardown(&test).await.unwrap();
    assert!(!is_shaped(&shaping(&c, "n1")), "{}", shaping(&c, "n1"));
    assert!(c.reaches("n1", "n2") && c.reaches("n1", "n3"), "healed");
}

#[tokio::test]
async fn every_preset_installs_or_says_why_and_heals() {
    let Some(c) = cluster_or_skip(3) else { return };
    let test = c.test(&["n1", "n2", "n3"]);
    let nemesis = PacketNemesis::default();
    let netem = kernel_has_netem(&c, "n1");
    for behaviour in rjepsen_nemesis::packet::BEHAVIOURS {
        let op = start(json!({"targets": "majority", "behaviour": behaviour}));
        let done = nemesis.invoke(&test, &op).await;
        let nodes = done.value["nodes"].as_object().unwrap().clone();
        assert_eq!(nodes.len(), 2, "a majority of 3: {done:?}");
        let refused = !netem && (behaviour == "delay" || behaviour == "reorder");
        for node in nodes.keys() {
            if refused {
                assert!(done.error.as_ref().unwrap()[node]
                    .as_str()
                    .unwrap()
                    .contains("sch_netem"));
            } else {
                assert!(done.error.is_none(), "{behaviour}: {done:?}");
                assert!(is_shaped(&shaping(&c, node)), "{behaviour} on {node}");
            }
        }
    }
    nemesis.teardown(&test).await.unwrap();
    for node in ["n1", "n2", "n3"] {
        assert!(
            !is_shaped(&shaping(&c, node)),
            "{node}: {}",
            shaping(&c, node)
        );
    }
}
