//! `heal_leftovers` over scripted nodes: what each package's sweep prints is
//! reported per node, in heal-rank order; a paused DB is resumed and reported;
//! a node that fails is named while the others are still healed.

use super::*;
use rjepsen_core::control::{ControlError, Output, Remote};
use rjepsen_core::db::{DbError, Pause};
use rjepsen_core::op::{Op, Process};
use std::path::Path;
use std::sync::Mutex;

/// Answers the partition sweep on n1 as a node with our chain would; n3 is
/// unreachable when `broken`. Everything else prints nothing.
struct Scripted {
    broken: bool,
}

#[async_trait]
impl Remote for Scripted {
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        if self.broken && node == "n3" {
            return Err(ControlError::Session {
                node: node.into(),
                cmd: cmd.into(),
                message: "connection refused".into(),
            });
        }
        let stdout = if node == "n1" && cmd.contains("DROP rule(s)") {
            "iptables chain RJEPSEN with 2 DROP rule(s)\n".to_string()
        } else {
            String::new()
        };
        Ok(Output {
            stdout,
            stderr: String::new(),
            code: 0,
        })
    }
    async fn upload(&self, _: &str, _: &Path, _: &str) -> Result<(), ControlError> {
        Ok(())
    }
    async fn download(&self, _: &str, _: &str, _: &Path) -> Result<(), ControlError> {
        Ok(())
    }
}

/// A DB paused on n2 only; records what was resumed.
#[derive(Default)]
struct PausedOnN2 {
    resumed: Mutex<Vec<String>>,
}

#[async_trait]
impl Db for PausedOnN2 {
    async fn setup(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn teardown(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    fn as_pause(&self) -> Option<&dyn Pause> {
        Some(self)
    }
}

#[async_trait]
impl Pause for PausedOnN2 {
    async fn pause(&self, _: &Test, _: &str) -> Result<(), DbError> {
        Ok(())
    }
    async fn resume(&self, _: &Test, node: &str) -> Result<(), DbError> {
        self.resumed.lock().unwrap().push(node.to_string());
        Ok(())
    }
    async fn paused(&self, _: &Test, node: &str) -> Result<Option<bool>, DbError> {
        Ok(Some(node == "n2"))
    }
}

fn test(broken: bool) -> Test {
    let mut options = serde_json::Map::new();
    options.insert("netem-interface".into(), Value::from("eth0"));
    Test {
        name: "t".into(),
        nodes: vec!["n1".into(), "n2".into(), "n3".into()],
        concurrency: 1,
        seed: 1,
        remote: Arc::new(Scripted { broken }),
        store_dir: std::env::temp_dir(),
        addrs: rjepsen_core::addr::AddrBook::direct(
            &[
                ("n1".into(), "10.9.0.1".parse().unwrap()),
                ("n2".into(), "10.9.0.2".parse().unwrap()),
                ("n3".into(), "10.9.0.3".parse().unwrap()),
            ],
            rjepsen_core::addr::Ports::NONE,
        ),
        options,
    }
}

#[tokio::test]
async fn reports_what_each_sweep_healed_in_rank_order() {
    let db = Arc::new(PausedOnN2::default());
    let found = heal_leftovers(&test(false), db.clone()).await;
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(
        found.healed,
        [
            "n1: iptables chain RJEPSEN with 2 DROP rule(s)",
            "n2: resumed the paused DB process (SIGCONT)"
        ]
    );
    let mut resumed = db.resumed.lock().unwrap().clone();
    resumed.sort();
    assert_eq!(
        resumed,
        ["n1", "n2", "n3"],
        "resuming is harmless, so all are"
    );
}

#[tokio::test]
async fn a_failing_node_is_named_and_the_others_still_healed() {
    let found = heal_leftovers(&test(true), Arc::new(PausedOnN2::default())).await;
    assert!(found
        .healed
        .contains(&"n1: iptables chain RJEPSEN with 2 DROP rule(s)".to_string()));
    assert!(!found.errors.is_empty());
    assert!(
        found.errors.iter().all(|e| e.to_string().contains("n3")),
        "{:?}",
        found.errors
    );
}

/// Nodes that can be frozen, as LXC's are: a frozen node answers no command.
#[derive(Default)]
struct Freezable {
    frozen: Mutex<std::collections::BTreeSet<String>>,
}

#[async_trait]
impl rjepsen_core::provider::Freeze for Freezable {
    async fn freeze(&self, node: &str) -> Result<(), rjepsen_core::cluster::ClusterError> {
        self.frozen.lock().unwrap().insert(node.to_string());
        Ok(())
    }
    async fn unfreeze(&self, node: &str) -> Result<(), rjepsen_core::cluster::ClusterError> {
        self.frozen.lock().unwrap().remove(node);
        Ok(())
    }
    async fn frozen(&self, node: &str) -> Result<bool, rjepsen_core::cluster::ClusterError> {
        Ok(self.frozen.lock().unwrap().contains(node))
    }
}

struct FreezableRemote(Arc<Freezable>);

#[async_trait]
impl Remote for FreezableRemote {
    async fn exec_unchecked(&self, node: &str, cmd: &str) -> Result<Output, ControlError> {
        if self.0.frozen.lock().unwrap().contains(node) {
            return Err(ControlError::Connect {
                node: node.into(),
                message: format!("timed out during banner exchange ({cmd})"),
            });
        }
        Ok(Output::default())
    }
    async fn upload(&self, _: &str, _: &Path, _: &str) -> Result<(), ControlError> {
        Ok(())
    }
    async fn download(&self, _: &str, _: &str, _: &Path) -> Result<(), ControlError> {
        Ok(())
    }
    fn as_freeze(&self) -> Option<&dyn rjepsen_core::provider::Freeze> {
        Some(&*self.0)
    }
}

#[tokio::test]
async fn a_frozen_node_is_thawed_before_any_other_sweep_reaches_it() {
    let nodes = Arc::new(Freezable::default());
    nodes.frozen.lock().unwrap().insert("n2".into());
    let mut t = test(false);
    t.remote = Arc::new(FreezableRemote(nodes.clone()));
    let found = heal_leftovers(&t, Arc::new(PausedOnN2::default())).await;
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(found.healed[0], "n2: unfroze the frozen node");
    assert!(nodes.frozen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn freeze_needs_nodes_that_can_freeze_and_teardown_thaws_all() {
    let pkg = package(&["freeze".into()], 1.0, Arc::new(PausedOnN2::default())).unwrap();
    let err = pkg
        .nemesis
        .setup(&test(false))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot be frozen") && err.contains("--provider lxc"),
        "{err}"
    );
    let nodes = Arc::new(Freezable::default());
    let mut t = test(false);
    t.remote = Arc::new(FreezableRemote(nodes.clone()));
    pkg.nemesis.setup(&t).await.unwrap();
    let op = Op::invoke(Process::Nemesis, "freeze", Value::from("majority"));
    let done = pkg.nemesis.invoke(&t, &op).await;
    assert_eq!(done.value.as_object().unwrap().len(), 2, "{:?}", done.value);
    assert_eq!(nodes.frozen.lock().unwrap().len(), 2);
    pkg.nemesis.teardown(&t).await.unwrap();
    assert!(nodes.frozen.lock().unwrap().is_empty());
    let all = resolve(&["all".into()], &PausedOnN2::default()).unwrap();
    assert!(
        all.iter().all(|p| p.spec().name != "freeze"),
        "all leaves freeze out"
    );
}
