//! Kill and pause routed to a fake DB that records calls, and the composed
//! package's teardown: heals everything, never invoked or not, and tries every
//! node even when one is unreachable.

use super::netns::cluster_or_skip;
use async_trait::async_trait;
use rjepsen_core::db::{Db, DbError, Kill, Pause};
use rjepsen_core::nemesis::Nemesis;
use rjepsen_core::op::{Op, OpType, Process};
use rjepsen_core::test::Test;
use rjepsen_nemesis::grudge::complete_grudge;
use rjepsen_nemesis::partition::apply_grudge;
use rjepsen_nemesis::{package, ProcessFault, ProcessNemesis};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// Records `"kill n1"`-style calls; fails every call on `broken`; offers Pause
/// only when `pause` is set.
#[derive(Default)]
struct FakeDb {
    calls: Mutex<Vec<String>>,
    broken: Option<String>,
    pause: bool,
}

impl FakeDb {
    fn record(&self, what: &str, node: &str) -> Result<(), DbError> {
        self.calls.lock().unwrap().push(format!("{what} {node}"));
        if self.broken.as_deref() == Some(node) {
            return Err(DbError::Other {
                node: node.into(),
                action: what.into(),
                message: "boom".into(),
            });
        }
        Ok(())
    }
    fn calls(&self) -> Vec<String> {
        let mut v = self.calls.lock().unwrap().clone();
        v.sort();
        v
    }
}

#[async_trait]
impl Db for FakeDb {
    async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    fn as_kill(&self) -> Option<&dyn Kill> {
        Some(self)
    }
    fn as_pause(&self) -> Option<&dyn Pause> {
        self.pause.then_some(self as &dyn Pause)
    }
}

#[async_trait]
impl Kill for FakeDb {
    async fn kill(&self, _: &Test, node: &str) -> Result<(), DbError> {
        self.record("kill", node)
    }
    async fn start(&self, _: &Test, node: &str) -> Result<(), DbError> {
        self.record("start", node)
    }
}

#[async_trait]
impl Pause for FakeDb {
    async fn pause(&self, _: &Test, node: &str) -> Result<(), DbError> {
        self.record("pause", node)
    }
    async fn resume(&self, _: &Test, node: &str) -> Result<(), DbError> {
        self.record("resume", node)
    }
}

fn nemesis_op(f: &str, value: serde_json::Value) -> Op {
    Op::invoke(Process::Nemesis, f, value)
}

#[tokio::test]
async fn kill_and_start_reach_the_db_with_per_node_results() {
    let Some(c) = cluster_or_skip(3) else { return };
    let test = c.test(&["n1", "n2", "n3"]);
    let db = Arc::new(FakeDb {
        broken: Some("n3".into()),
        ..FakeDb::default()
    });
    let nemesis = ProcessNemesis::new(ProcessFault::Kill, db.clone());
    let done = nemesis
        .invoke(&test, &nemesis_op("kill", json!(["n1", "n3"])))
        .await;
    assert_eq!(done.kind, OpType::Info);
    assert_eq!(done.value["n1"], "killed");
    assert!(
        done.value["n3"].as_str().unwrap().contains("boom"),
        "{done:?}"
    );
    assert!(done.error.as_ref().unwrap()["n3"]
        .as_str()
        .unwrap()
        .contains("n3"));
    assert_eq!(db.calls(), ["kill n1", "kill n3"]);
    let done = nemesis
        .invoke(&test, &nemesis_op("kill", json!("majority")))
        .await;
    assert_eq!(done.value.as_object().unwrap().len(), 2, "{done:?}");
    db.calls.lock().unwrap().clear();
    let done = nemesis
        .invoke(&test, &nemesis_op("start", json!("all")))
        .await;
    assert_eq!(done.value["n2"], "started");
    assert_eq!(db.calls(), ["start n1", "start n2", "start n3"]);
    let none = nemesis
        .invoke(&test, &nemesis_op("pause", json!("one")))
        .await;
    assert!(none.error.unwrap().to_string().contains("not a kill op"));

    let pauser = ProcessNemesis::new(ProcessFault::Pause, db.clone());
    let refused = pauser
        .invoke(&test, &nemesis_op("pause", json!("one")))
        .await;
    assert!(
        refused
            .error
            .clone()
            .unwrap()
            .to_string()
            .contains("does not offer Pause"),
        "{refused:?}"
    );
    let err = package(&["pause".to_string()], 5.0, db.clone())
        .err()
        .unwrap();
    assert!(err.contains("Pause ability"), "{err}");
}

#[tokio::test]
async fn package_teardown_heals_everything_and_tolerates_unreachable_nodes() {
    let Some(c) = cluster_or_skip(3) else { return };
    let db = Arc::new(FakeDb {
        pause: true,
        ..FakeDb::default()
    });
    let kinds: Vec<String> = vec!["all".into()];
    let pkg = package(&kinds, 5.0, db.clone()).unwrap();
    assert_eq!(pkg.kinds, ["partition", "kill", "pause", "packet"]);
    // Faults left behind by hand: nothing was invoked through this nemesis.
    let test = c.test(&["n1", "n2", "n3"]);
    let grudge = complete_grudge(&[vec!["n1".into()], vec!["n2".into(), "n3".into()]]);
    apply_grudge(&test, &grudge).await.unwrap();
    c.sh("n2", "tc qdisc replace dev eth0 root netem delay 20ms");
    assert!(!c.reaches("n2", "n1"));

    // n4 has no namespace: it stands for a node that does not answer.
    let with_ghost = c.test(&["n1", "n2", "n3", "n4"]);
    let err = pkg
        .nemesis
        .teardown(&with_ghost)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("n4"), "the unreachable node is named: {err}");
    assert!(
        c.reaches("n2", "n1") && c.reaches("n1", "n3"),
        "the others are healed anyway"
    );
    assert!(!c.sh("n2", "tc qdisc show dev eth0").contains("netem"));
    let calls = db.calls();
    for node in ["n1", "n2", "n3", "n4"] {
        assert!(calls.contains(&format!("resume {node}")), "{calls:?}");
        assert!(calls.contains(&format!("start {node}")), "{calls:?}");
    }
    let order = db.calls.lock().unwrap().clone();
    let last_resume = order.iter().rposition(|c| c.starts_with("resume")).unwrap();
    let first_start = order.iter().position(|c| c.starts_with("start")).unwrap();
    assert!(
        last_resume < first_start,
        "resumed before started: {order:?}"
    );
    pkg.nemesis
        .teardown(&test)
        .await
        .expect("a clean cluster tears down without error");
}
