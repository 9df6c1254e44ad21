//! The `pause` package: SIGSTOP and SIGCONT the DB through its `Pause` ability.
//! Its sweep asks the DB which nodes are paused now (`Pause::paused`) and
//! resumes them; where the DB cannot tell, it resumes anyway (resuming a running
//! process does nothing) without claiming to have healed anything.

use crate::nodes::{on_nodes_within, DB_TIMEOUT};
use crate::package::{Built, FaultPackage, Leftovers, PackageContext};
use crate::process::{process_package, ProcessFault};
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_core::test::Test;
use serde_json::Value;
use std::sync::Arc;

pub(crate) struct Pause;

#[async_trait]
impl FaultPackage for Pause {
    fn spec(&self) -> FaultSpec {
        builtin_spec("pause").expect("pause is built in")
    }

    fn missing_ability(&self, db: &dyn Db) -> Option<&'static str> {
        (!ProcessFault::Pause.supported_by(db)).then_some("Pause")
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        process_package(ProcessFault::Pause, &self.spec(), self.heal_value(), ctx)
    }

    fn heal_value(&self) -> Value {
        Value::from("all")
    }

    async fn sweep(&self, test: &Test, db: Arc<dyn Db>) -> Leftovers {
        let test_ = Arc::new(test.clone());
        let results = on_nodes_within(DB_TIMEOUT, &test.nodes, "resume paused DBs", |node| {
            let (db, test) = (db.clone(), test_.clone());
            async move {
                let Some(p) = db.as_pause() else {
                    return Ok(String::new());
                };
                let paused = p.paused(&test, &node).await.map_err(|e| e.to_string())?;
                p.resume(&test, &node).await.map_err(|e| e.to_string())?;
                Ok(match paused {
                    Some(true) => "resumed the paused DB process (SIGCONT)".to_string(),
                    _ => String::new(),
                })
            }
        })
        .await;
        super::sweep_lines("resume DBs left paused by an earlier run", results)
    }
}
