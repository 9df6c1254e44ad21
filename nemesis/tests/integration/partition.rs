//! Partitions on real namespaces: rules present and traffic blocked during the
//! fault, the control node's side never cut, everything gone after healing.

use super::netns::{cluster_or_skip, HUB_IP};
use rjepsen_core::nemesis::Nemesis;
use rjepsen_core::op::{Op, OpType, Process};
use rjepsen_nemesis::grudge::complete_grudge;
use rjepsen_nemesis::partition::apply_grudge;
use rjepsen_nemesis::PartitionNemesis;
use serde_json::json;
use std::time::Duration;

fn invoke(f: &str, value: serde_json::Value) -> Op {
    Op::invoke(Process::Nemesis, f, value)
}

#[tokio::test]
async fn grudge_rules_block_exactly_the_grudged_pairs() {
    let Some(c) = cluster_or_skip(3) else { return };
    let test = c.test(&["n1", "n2", "n3"]);
    for (a, b) in [("n1", "n2"), ("n2", "n1"), ("n1", "n3"), ("n3", "n2")] {
        assert!(c.reaches(a, b), "{a} -> {b} before the partition");
    }
    // n1 alone; n2 and n3 together.
    let grudge = complete_grudge(&[vec!["n1".into()], vec!["n2".into(), "n3".into()]]);
    let results = apply_grudge(&test, &grudge).await.unwrap();
    assert!(results.iter().all(|(_, r)| r.is_ok()), "{results:?}");
    let rules = c.sh("n1", "iptables -S RJEPSEN");
    assert!(
        rules.contains("-A RJEPSEN -s 10.79.0.2/32 -j DROP"),
        "{rules}"
    );
    assert!(
        rules.contains("-A RJEPSEN -s 10.79.0.3/32 -j DROP"),
        "{rules}"
    );
    assert!(c.sh("n1", "iptables -S INPUT").contains("-j RJEPSEN"));
    for (a, b) in [("n1", "n2"), ("n2", "n1"), ("n3", "n1"), ("n1", "n3")] {
        assert!(!c.reaches(a, b), "{a} -> {b} during the partition");
    }
    assert!(
        c.reaches("n2", "n3") && c.reaches("n3", "n2"),
        "the majority still talks"
    );
    let to_control = c.connect("n1", HUB_IP, Duration::from_secs(1));
    assert!(to_control.is_some(), "the control node is never cut off");

    let nemesis = PartitionNemesis::new(None);
    let done = nemesis
        .invoke(&test, &invoke("stop-partition", json!(null)))
        .await;
    assert_eq!(done.kind, OpType::Info);
    assert!(done.error.is_none(), "{done:?}");
    assert_eq!(
        done.value,
        json!({"n1": "healed", "n2": "healed", "n3": "healed"})
    );
    for node in ["n1", "n2", "n3"] {
        assert_eq!(
            c.sh(node, "iptables -S | grep -c RJEPSEN").trim(),
            "0",
            "{node} keeps no rule"
        );
    }
    assert!(c.reaches("n1", "n2") && c.reaches("n3", "n1"), "healed");
}

#[tokio::test]
async fn start_partition_applies_the_grudge_it_reports() {
    let Some(c) = cluster_or_skip(3) else { return };
    let test = c.test(&["n1", "n2", "n3"]);
    let nemesis = PartitionNemesis::new(None);
    nemesis.setup(&test).await.unwrap();
    for mode in ["majority", "one", "ring", "bridge"] {
        let done = nemesis
            .invoke(&test, &invoke("start-partition", json!(mode)))
            .await;
        assert_eq!(done.kind, OpType::Info);
        assert!(done.error.is_none(), "{mode}: {done:?}");
        let grudge = done.value.as_object().expect("the grudge as an object");
        assert!(!grudge.is_empty(), "{mode}: something is cut");
        for a in &test.nodes {
            for b in test.nodes.iter().filter(|b| *b != a) {
                // b's packets reach a unless a holds a grudge against b.
                let dropped = grudge
                    .get(a)
                    .is_some_and(|d| d.as_array().unwrap().contains(&json!(b)));
                let reverse = grudge
                    .get(b)
                    .is_some_and(|d| d.as_array().unwrap().contains(&json!(a)));
                assert_eq!(
                    c.reaches(b, a),
                    !dropped && !reverse,
                    "{mode}: {b} -> {a} with {grudge:?}"
                );
            }
        }
    }
    let bad = nemesis
        .invoke(&test, &invoke("start-partition", json!("sideways")))
        .await;
    assert!(bad.error.unwrap().to_string().contains("unknown mode"));
    let primary = nemesis
        .invoke(&test, &invoke("start-partition", json!("primary")))
        .await;
    assert!(primary
        .error
        .unwrap()
        .to_string()
        .contains("does not offer Primary"));
    nemesis.teardown(&test).await.unwrap();
    nemesis
        .teardown(&test)
        .await
        .expect("teardown is idempotent");
    assert!(c.reaches("n1", "n2") && c.reaches("n2", "n3") && c.reaches("n3", "n1"));
    assert_eq!(c.sh("n2", "iptables -S | grep -c RJEPSEN").trim(), "0");
}
