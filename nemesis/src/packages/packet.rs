//! The `packet` package: delay, loss, duplication, reordering and rate limits
//! with tc netem ([`PacketNemesis`]). The nemesis and its schedule share what
//! the nemesis learns of netem (`NetemSupport`), so that the schedule offers only
//! the behaviours the nodes' kernels can apply. Its sweep removes a root qdisc
//! and packet chains wherever one was left.

use super::sweep_lines;
use crate::nodes::on_nodes;
use crate::package::{Built, FaultPackage, Leftovers, PackageContext};
use crate::packet::{self, NetemSupport, PacketNemesis, BEHAVIOURS};
use crate::schedule::{targets, FaultCycle};
use async_trait::async_trait;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_core::test::Test;
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) struct Packet;

/// Every `{targets, behaviour}` a `start-packet` may carry (no `primaries`).
pub(crate) fn start_values() -> Vec<Value> {
    let mut v = Vec::new();
    for t in targets(false) {
        for b in BEHAVIOURS {
            v.push(json!({"targets": t, "behaviour": b}));
        }
    }
    v
}

#[async_trait]
impl FaultPackage for Packet {
    fn spec(&self) -> FaultSpec {
        builtin_spec("packet").expect("packet is built in")
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        let netem = NetemSupport::default();
        let offers = netem.clone();
        let cycle = FaultCycle::new(
            &self.spec(),
            self.heal_value(),
            start_values(),
            ctx.interval_secs,
        )
        .offering(move |v| offers.offers(v))
        .paced(ctx.fixed);
        Built {
            nemesis: Box::new(PacketNemesis::new(netem)),
            schedule: Box::new(cycle),
        }
    }

    async fn sweep(&self, test: &Test, _db: Arc<dyn Db>) -> Leftovers {
        let test_ = test.clone();
        let results = on_nodes(&test.nodes, "look for packet faults left", |node| {
            let test = test_.clone();
            async move { packet::sweep_node(&test, &node).await }
        })
        .await;
        sweep_lines("heal packet faults left by an earlier run", results)
    }
}
