//! The `freeze` package: the whole node stops — every process, the DB, its sshd
//! sessions — as if the machine hung, and thaws later (`lxc-freeze` /
//! `lxc-unfreeze` on LXC nodes). Unlike `pause`, which stops one DB process, a
//! frozen node cannot even notice it was frozen.
//!
//! It needs the nodes' [`Freeze`](rjepsen_core::provider::Freeze) ability, which
//! the provider hands over with the remote (`test.remote.as_freeze()`), not a DB
//! ability: so `--nemesis all` leaves it out, and naming it on nodes that cannot
//! freeze fails at setup, saying so. Targets are as for kill and pause; the heal
//! op and teardown thaw every node; the sweep thaws nodes a killed run left
//! frozen.

use crate::nodes::{on_nodes, pick_targets, results_json, teardown_result, LazyRng, NodeResult};
use crate::package::{Built, FaultPackage, Leftovers, PackageContext};
use crate::schedule::{targets, FaultCycle};
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use serde_json::Value;
use std::sync::Arc;

pub(crate) struct Freeze;

const NO_FREEZE: &str = "these nodes cannot be frozen: their provider offers no Freeze \
                         ability (LXC nodes do: --provider lxc)";

#[async_trait]
impl FaultPackage for Freeze {
    fn spec(&self) -> FaultSpec {
        builtin_spec("freeze").expect("freeze is built in")
    }

    fn in_all(&self) -> bool {
        false
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        let values = targets(false).into_iter().map(Value::from).collect();
        Built {
            nemesis: Box::new(FreezeNemesis {
                rng: LazyRng::new(0x6672_6565),
            }),
            schedule: Box::new(
                FaultCycle::new(&self.spec(), self.heal_value(), values, ctx.interval_secs)
                    .paced(ctx.fixed),
            ),
        }
    }

    fn heal_value(&self) -> Value {
        Value::from("all")
    }

    async fn sweep(&self, test: &Test, _db: Arc<dyn Db>) -> Leftovers {
        if test.remote.as_freeze().is_none() {
            return Leftovers::default();
        }
        let results = act(test, &test.nodes, Act::Sweep).await;
        super::sweep_lines("thaw nodes left frozen by an earlier run", results)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Act {
    Freeze,
    Unfreeze,
    /// Thaw if frozen, saying so; silent otherwise.
    Sweep,
}

/// Freezes or thaws `nodes` at once, through the remote's Freeze ability.
async fn act(test: &Test, nodes: &[String], how: Act) -> Vec<(String, NodeResult)> {
    let what = match how {
        Act::Freeze => "freeze the node",
        _ => "unfreeze the node",
    };
    on_nodes(nodes, what, |node| {
        let remote = test.remote.clone();
        async move {
            let Some(f) = remote.as_freeze() else {
                return Err(format!("failed to {what} {node}: {NO_FREEZE}"));
            };
            let r = match how {
                Act::Freeze => f.freeze(&node).await.map(|()| "frozen".to_string()),
                Act::Unfreeze => f.unfreeze(&node).await.map(|()| "unfrozen".to_string()),
                Act::Sweep => match f.frozen(&node).await {
                    Ok(true) => f
                        .unfreeze(&node)
                        .await
                        .map(|()| "unfroze the frozen node".into()),
                    Ok(false) => Ok(String::new()),
                    Err(e) => Err(e),
                },
            };
            r.map_err(|e| e.to_string())
        }
    })
    .await
}

struct FreezeNemesis {
    rng: LazyRng,
}

#[async_trait]
impl Nemesis for FreezeNemesis {
    async fn setup(&self, test: &Test) -> Result<(), NemesisError> {
        match test.remote.as_freeze() {
            Some(_) => Ok(()),
            None => Err(NemesisError {
                action: "set up the freeze nemesis".into(),
                message: NO_FREEZE.into(),
            }),
        }
    }

    async fn invoke(&self, test: &Test, op: &Op) -> Op {
        let how = match op.f.as_str() {
            "freeze" => Act::Freeze,
            "unfreeze" => Act::Unfreeze,
            f => return op.info(format!("failed to route {f}: not a freeze op")),
        };
        let spec = match (&op.value, how) {
            (Value::Null, Act::Freeze) => Value::from("one"),
            (v, _) => v.clone(),
        };
        let targets = match self
            .rng
            .with(test, |rng| pick_targets(&spec, &test.nodes, rng))
        {
            Ok(t) => t,
            Err(e) => return op.info(e),
        };
        let results = act(test, &targets, how).await;
        let (value, error) = results_json(&results);
        let mut done = op.complete(OpType::Info, value);
        done.error = error;
        done
    }

    /// Thaws every node (thawing a running node does nothing).
    async fn teardown(&self, test: &Test) -> Result<(), NemesisError> {
        if test.remote.as_freeze().is_none() {
            return Ok(());
        }
        teardown_result(
            "unfreeze every node",
            act(test, &test.nodes, Act::Unfreeze).await,
        )
    }

    fn fs(&self) -> Vec<String> {
        vec!["freeze".into(), "unfreeze".into()]
    }
}
