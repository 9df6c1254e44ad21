//! The `proxy-partition` package: a partition at the fault proxies. The same
//! shapes as `partition` (majority, one, ring, bridge; grudges from
//! [`crate::grudge`]), but each cut is a blackhole (`timeout 0`) on the
//! node-to-node links through the proxies instead of an iptables rule, so it
//! needs no root on the nodes and takes effect on every link in one step.

use crate::grudge::{grudge_for, PartitionMode};
use crate::link_fault::{build_link, needs_ports, LinkFault, Plan};
use crate::package::{Built, FaultPackage, PackageContext};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_proxy::Fault;
use serde_json::Value;

pub(crate) struct ProxyPartition;

/// The modes a `start-proxy-partition` may carry.
pub(crate) fn start_values() -> Vec<Value> {
    ["majority", "one", "ring", "bridge"]
        .into_iter()
        .map(Value::from)
        .collect()
}

pub(crate) struct Cut;

impl LinkFault for Cut {
    /// A node that drops traffic from another loses every connection between
    /// them, both ways: the grudge `n1 drops n2` blackholes the link n2 → n1.
    fn plan(&self, value: &Value, nodes: &[String], rng: &mut ChaCha8Rng) -> Result<Plan, String> {
        let name = value.as_str().unwrap_or("majority");
        let mode = PartitionMode::parse(name)
            .filter(|m| *m != PartitionMode::Primary)
            .ok_or_else(|| format!("failed to start a proxy partition: unknown mode {name:?}"))?;
        let grudge = grudge_for(mode, nodes, &[], rng)?;
        let mut links: Vec<(String, String)> = grudge
            .iter()
            .flat_map(|(dst, srcs)| srcs.iter().map(move |src| (src.clone(), dst.clone())))
            .collect();
        links.sort();
        Ok(Plan {
            links,
            fault: Fault::Timeout { timeout: 0 },
            chosen: Value::from(mode.as_str()),
        })
    }
}

impl FaultPackage for ProxyPartition {
    fn spec(&self) -> FaultSpec {
        builtin_spec("proxy-partition").expect("proxy-partition is built in")
    }

    fn uses_proxies(&self) -> bool {
        true
    }

    fn missing_ability(&self, db: &dyn Db) -> Option<&'static str> {
        needs_ports(db)
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        build_link(self.spec(), ctx, Cut, start_values())
    }
}
