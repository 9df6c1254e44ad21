//! `heal_leftovers` over scripted nodes: what each package's sweep prints is
//! reported per node, in heal-rank order; a paused DB is resumed and reported;
//! a node that fails is named while the others are still healed.

use super::*;
use rjepsen_core::control::{ControlError, Output, Remote};
use rjepsen_core::db::{DbError, Pause};
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
