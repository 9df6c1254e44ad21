//! The `proxy-bandwidth` package: every link of some nodes limited to a rate
//! (KB/s), both ways, at the fault proxies.

use crate::link_fault::{
    build_link, links_of, needs_ports, param, targeted, targets_of, LinkFault, Plan,
};
use crate::package::{Built, FaultPackage, PackageContext};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_proxy::Fault;
use serde_json::{json, Value};

pub(crate) struct ProxyBandwidth;

/// `{"targets": ..., "rate": KB/s}`: 10 or 100 KB/s.
pub(crate) fn start_values() -> Vec<Value> {
    targeted(&[json!({"rate": 10}), json!({"rate": 100})])
}

pub(crate) struct Throttle;

impl LinkFault for Throttle {
    fn plan(&self, value: &Value, nodes: &[String], rng: &mut ChaCha8Rng) -> Result<Plan, String> {
        let targets = targets_of(value, nodes, rng)?;
        let rate = param(value, "rate", 100);
        if rate == 0 {
            return Err("failed to limit bandwidth: rate must be > 0 KB/s".into());
        }
        Ok(Plan {
            links: links_of(&targets, nodes),
            fault: Fault::Bandwidth { rate },
            chosen: json!({ "targets": targets }),
        })
    }
}

impl FaultPackage for ProxyBandwidth {
    fn spec(&self) -> FaultSpec {
        builtin_spec("proxy-bandwidth").expect("proxy-bandwidth is built in")
    }

    fn uses_proxies(&self) -> bool {
        true
    }

    fn missing_ability(&self, db: &dyn Db) -> Option<&'static str> {
        needs_ports(db)
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        build_link(self.spec(), ctx, Throttle, start_values())
    }
}
