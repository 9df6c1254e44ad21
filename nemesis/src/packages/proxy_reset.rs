//! The `proxy-reset` package: connections on every link of some nodes are
//! closed with a TCP RST (`reset_peer`), at once or after a while, and so is
//! every connection opened on them until the fault is lifted.

use crate::link_fault::{
    build_link, links_of, needs_ports, param, targeted, targets_of, LinkFault, Plan,
};
use crate::package::{Built, FaultPackage, PackageContext};
use rand_chacha::ChaCha8Rng;
use rjepsen_core::db::Db;
use rjepsen_core::fault::{builtin_spec, FaultSpec};
use rjepsen_proxy::Fault;
use serde_json::{json, Value};

pub(crate) struct ProxyReset;

/// `{"targets": ..., "timeout": ms}`: reset at once, or 500 ms into a connection.
pub(crate) fn start_values() -> Vec<Value> {
    targeted(&[json!({"timeout": 0}), json!({"timeout": 500})])
}

pub(crate) struct Reset;

impl LinkFault for Reset {
    fn plan(&self, value: &Value, nodes: &[String], rng: &mut ChaCha8Rng) -> Result<Plan, String> {
        let targets = targets_of(value, nodes, rng)?;
        Ok(Plan {
            links: links_of(&targets, nodes),
            fault: Fault::ResetPeer {
                timeout: param(value, "timeout", 0),
            },
            chosen: json!({ "targets": targets }),
        })
    }
}

impl FaultPackage for ProxyReset {
    fn spec(&self) -> FaultSpec {
        builtin_spec("proxy-reset").expect("proxy-reset is built in")
    }

    fn uses_proxies(&self) -> bool {
        true
    }

    fn missing_ability(&self, db: &dyn Db) -> Option<&'static str> {
        needs_ports(db)
    }

    fn build(&self, ctx: &PackageContext) -> Built {
        build_link(self.spec(), ctx, Reset, start_values())
    }
}
