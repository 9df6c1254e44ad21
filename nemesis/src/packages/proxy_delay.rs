//! The `proxy-delay` package: latency (± jitter) on every link of some nodes
//! (one, a minority, a majority or all), both ways, at the fault proxies.

use crate::link_fault::{
    build_link, links_of, needs_ports, param, targeted, targets_of, LinkFault, Plan,
};
use crate::package::{Built, FaultPackage, PackageContext};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_proxy::Fault;
use serde_json::{json, Value};

pub(crate) struct ProxyDelay;

/// `{"targets": ..., "latency": ms, "jitter": ms}`: 50 ± 10 ms or 200 ± 50 ms.
pub(crate) fn start_values() -> Vec<Value> {
    targeted(&[
        json!({"latency": 50, "jitter": 10}),
        json!({"latency": 200, "jitter": 50}),
    ])
}

pub(crate) struct Delay;

impl LinkFault for Delay {
    fn plan(&self, value: &Value, nodes: &[String], rng: &mut ChaCha8Rng) -> Result<Plan, String> {
        let targets = targets_of(value, nodes, rng)?;
        Ok(Plan {
            links: links_of(&targets, nodes),
            fault: Fault::Latency {
                latency: param(value, "latency", 50),
                jitter: param(value, "jitter", 0),
            },
            chosen: json!({ "targets": targets }),
        })
    }
}

impl FaultPackage for ProxyDelay {
    fn spec(&self) -> FaultSpec {
        builtin_spec("proxy-delay").expect("proxy-delay is built in")
    }

    fn uses_proxies(&self) -> bool {
        true
    }

    fn missing_ability(&self, db: &dyn Db) -> Option<&'static str> {
        needs_ports(db)
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        build_link(self.spec(), ctx, Delay, start_values())
    }
}
