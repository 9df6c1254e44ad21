//! The `partition` package: grudges as iptables rules ([`PartitionNemesis`]),
//! cycling through the partition modes; `primary` only where the DB offers the
//! `Primary` ability. Its sweep removes our chain wherever one was left.

use super::sweep_lines;
use crate::nodes::on_nodes;
use crate::package::{Built, FaultPackage, Leftovers, PackageContext};
use crate::partition::{self, PartitionNemesis};
use crate::schedule::FaultCycle;
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_core::test::Test;
use serde_json::Value;
use std::sync::Arc;

pub(crate) struct Partition;

/// The modes a `start-partition` may carry.
pub(crate) fn modes(primary: bool) -> Vec<Value> {
    let mut modes = vec!["majority", "one", "ring", "bridge"];
    if primary {
        modes.push("primary");
    }
    modes.into_iter().map(Value::from).collect()
}

#[async_trait]
impl FaultPackage for Partition {
    fn spec(&self) -> FaultSpec {
        builtin_spec("partition").expect("partition is built in")
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        let values = modes(ctx.db.as_primary().is_some());
        Built {
            nemesis: Box::new(PartitionNemesis::new(Some(ctx.db.clone()))),
            schedule: Box::new(
                FaultCycle::new(&self.spec(), self.heal_value(), values, ctx.interval_secs)
                    .paced(ctx.fixed),
            ),
        }
    }

    async fn sweep(&self, test: &Test, _db: Arc<dyn Db>) -> Leftovers {
        let remote = test.remote.clone();
        let results = on_nodes(&test.nodes, "look for partitions left", |node| {
            let remote = remote.clone();
            async move {
                remote
                    .exec(&node, &partition::sweep_command())
                    .await
                    .map(|o| o.stdout)
                    .map_err(|e| e.to_string())
            }
        })
        .await;
        sweep_lines("heal partitions left by an earlier run", results)
    }
}
