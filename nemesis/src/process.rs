//! Process faults through the DB's abilities: kill/start and pause/resume.
//!
//! The nemesis knows no process names or signals; it asks the `Db` for its
//! [`Kill`](rjepsen_core::db::Kill) or [`Pause`](rjepsen_core::db::Pause) ability,
//! so each adapter decides how its process dies and comes back. A DB without the
//! ability gets an error in the completion (and [`crate::package`] refuses the
//! kind up front).
//!
//! The op's value picks targets: `"one"`, `"minority"`, `"majority"`, `"all"`,
//! `"primaries"` or a list of nodes; `start` and `resume` default to all nodes.
//! The completion's value maps each target to what happened to it.

use crate::nodes::{
    on_nodes_within, pick_targets, results_json, teardown_result, LazyRng, NodeResult, DB_TIMEOUT,
};
use crate::package::{Built, PackageContext};
use crate::schedule::{targets, FaultCycle};
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::fault::FaultSpec;
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use serde_json::Value;
use std::sync::Arc;

/// Which pair of DB abilities a [`ProcessNemesis`] drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessFault {
    /// `kill` (SIGKILL) and `start`.
    Kill,
    /// `pause` (SIGSTOP) and `resume` (SIGCONT).
    Pause,
}

impl ProcessFault {
    /// The op `f`s: the fault, then its cure.
    pub fn fs(self) -> [&'static str; 2] {
        match self {
            ProcessFault::Kill => ["kill", "start"],
            ProcessFault::Pause => ["pause", "resume"],
        }
    }

    /// Whether `db` offers the ability this fault needs.
    pub fn supported_by(self, db: &dyn Db) -> bool {
        match self {
            ProcessFault::Kill => db.as_kill().is_some(),
            ProcessFault::Pause => db.as_pause().is_some(),
        }
    }

    fn ability(self) -> &'static str {
        match self {
            ProcessFault::Kill => "Kill",
            ProcessFault::Pause => "Pause",
        }
    }
}

/// Kills/starts or pauses/resumes DB processes; see the module documentation.
pub struct ProcessNemesis {
    fault: ProcessFault,
    db: Arc<dyn Db>,
    rng: LazyRng,
}

impl ProcessNemesis {
    pub fn new(fault: ProcessFault, db: Arc<dyn Db>) -> ProcessNemesis {
        let salt = match fault {
            ProcessFault::Kill => 0x6b69_6c6c,
            ProcessFault::Pause => 0x7061_7573,
        };
        ProcessNemesis {
            fault,
            db,
            rng: LazyRng::new(salt),
        }
    }

    async fn targets(&self, test: &Test, spec: &Value) -> Result<Vec<String>, String> {
        let primaries = matches!(spec.as_str(), Some("primaries" | "primary" | ":primaries"));
        if !primaries {
            return self
                .rng
                .with(test, |rng| pick_targets(spec, &test.nodes, rng));
        }
        let Some(p) = self.db.as_primary() else {
            return Err("failed to pick targets: the DB does not offer Primary".into());
        };
        let found = p.primaries(test).await.map_err(|e| e.to_string())?;
        if found.is_empty() {
            return Err("failed to pick targets: the DB reports no primary".into());
        }
        Ok(found)
    }

    /// Runs the fault (`cure = false`) or its cure on `nodes`.
    async fn act(&self, test: &Test, nodes: &[String], cure: bool) -> Vec<(String, NodeResult)> {
        let (fault, f) = (self.fault, self.fault.fs()[usize::from(cure)]);
        let done = match f {
            "kill" => "killed",
            "start" => "started",
            "pause" => "paused",
            _ => "resumed",
        };
        let what = format!("{f} the DB");
        on_nodes_within(DB_TIMEOUT, nodes, &what, |node| {
            let (db, test, what) = (self.db.clone(), test.clone(), what.clone());
            async move {
                let r = match (fault, cure) {
                    (ProcessFault::Kill, false) => db.as_kill().map(|k| k.kill(&test, &node)),
                    (ProcessFault::Kill, true) => db.as_kill().map(|k| k.start(&test, &node)),
                    (ProcessFault::Pause, false) => db.as_pause().map(|p| p.pause(&test, &node)),
                    (ProcessFault::Pause, true) => db.as_pause().map(|p| p.resume(&test, &node)),
                };
                match r {
                    None => Err(format!(
                        "failed to {what} on {node}: the DB does not offer {}",
                        fault.ability()
                    )),
                    Some(fut) => fut
                        .await
                        .map(|()| done.to_string())
                        .map_err(|e| e.to_string()),
                }
            }
        })
        .await
    }
}

#[async_trait]
impl Nemesis for ProcessNemesis {
    async fn invoke(&self, test: &Test, op: &Op) -> Op {
        let [fault_f, cure_f] = self.fault.fs();
        let cure = if op.f == fault_f {
            false
        } else if op.f == cure_f {
            true
        } else {
            return op.info(format!("failed to route {}: not a {} op", op.f, fault_f));
        };
        if !self.fault.supported_by(self.db.as_ref()) {
            return op.info(format!(
                "failed to {}: the DB does not offer {}",
                op.f,
                self.fault.ability()
            ));
        }
        let spec = match (&op.value, cure) {
            (Value::Null, false) => Value::from("one"),
            (v, _) => v.clone(),
        };
        let targets = match self.targets(test, &spec).await {
            Ok(t) => t,
            Err(e) => return op.info(e),
        };
        let results = self.act(test, &targets, cure).await;
        let (value, error) = results_json(&results);
        let mut done = op.complete(OpType::Info, value);
        done.error = error;
        done
    }

    /// Starts (or resumes) the DB on every node: a no-op where it runs.
    async fn teardown(&self, test: &Test) -> Result<(), NemesisError> {
        if !self.fault.supported_by(self.db.as_ref()) {
            return Ok(());
        }
        let action = format!("{} every node", self.fault.fs()[1]);
        teardown_result(&action, self.act(test, &test.nodes, true).await)
    }

    fn fs(&self) -> Vec<String> {
        self.fault.fs().iter().map(|s| s.to_string()).collect()
    }
}

/// The nemesis and schedule of a process package (`kill`, `pause`): the fault
/// against the DB, cycling over the node targets the DB allows, healed by `heal`.
pub(crate) fn process_package(
    fault: ProcessFault,
    spec: &FaultSpec,
    heal: Value,
    ctx: &PackageContext,
) -> Built {
    let values = targets(ctx.db.as_primary().is_some());
    Built {
        nemesis: Box::new(ProcessNemesis::new(fault, ctx.db.clone())),
        schedule: Box::new(
            FaultCycle::new(
                spec,
                heal,
                values.into_iter().map(Value::from).collect(),
                ctx.interval_secs,
            )
            .paced(ctx.fixed),
        ),
    }
}
