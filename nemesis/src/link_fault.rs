//! One nemesis for every proxy fault kind: it turns a start op into a set of
//! node-to-node links and one proxy fault, puts that fault on those links (in
//! its kind's slice of the shared proxies), and lifts it on stop.
//!
//! What differs between kinds — which links, which fault — is a [`LinkFault`],
//! the one thing a proxy package writes. The completions carry the per-link
//! detail the history, the report and `results.json` show: the start's value
//! lists each faulted link as `[src, dst]` (connections `src` opens to `dst`,
//! bytes both ways), and the stop's value gives the bytes that crossed every
//! node-to-node link while the fault was in force, so a partition can be seen
//! to have stopped its links and left the others flowing.

use crate::nodes::LazyRng;
use crate::proxies::{LinkProxies, NodeLink};
use async_trait::async_trait;
use rand_chacha::ChaCha8Rng;
use rjepsen_core::fault::FaultSpec;
use rjepsen_core::nemesis::{Nemesis, NemesisError};
use rjepsen_core::op::{Op, OpType};
use rjepsen_core::test::Test;
use rjepsen_proxy::Fault;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What a start op means for one proxy fault kind.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The links to fault, `(src, dst)`.
    pub links: Vec<NodeLink>,
    pub fault: Fault,
    /// How the links were chosen (mode, targets), for the op's value.
    pub chosen: Value,
}

/// A proxy fault kind: from a start op's value (and the nemesis's seeded RNG),
/// the links and the fault. Pure, so schedules and plans are unit tested.
pub(crate) trait LinkFault: Send + Sync + 'static {
    fn plan(&self, value: &Value, nodes: &[String], rng: &mut ChaCha8Rng) -> Result<Plan, String>;
}

/// Every link touching one of `targets`, both ways, in node order.
pub(crate) fn links_of(targets: &[String], nodes: &[String]) -> Vec<NodeLink> {
    let mut out = Vec::new();
    for src in nodes {
        for dst in nodes.iter().filter(|d| *d != src) {
            if targets.contains(src) || targets.contains(dst) {
                out.push((src.clone(), dst.clone()));
            }
        }
    }
    out
}

/// `[[src, dst], ...]`.
pub(crate) fn links_json(links: &[NodeLink]) -> Value {
    links.iter().map(|(s, d)| json!([s, d])).collect()
}

/// The nemesis of one proxy fault kind.
pub(crate) struct LinkNemesis<F> {
    spec: FaultSpec,
    proxies: Option<Arc<dyn LinkProxies>>,
    fault: F,
    rng: LazyRng,
    /// The bytes per link when the current fault started.
    started: Mutex<Option<BTreeMap<NodeLink, u64>>>,
}

impl<F: LinkFault> LinkNemesis<F> {
    pub(crate) fn new(spec: FaultSpec, proxies: Option<Arc<dyn LinkProxies>>, fault: F) -> Self {
        let salt = crate::nodes::salt(&spec.name);
        LinkNemesis {
            spec,
            proxies,
            fault,
            rng: LazyRng::new(salt),
            started: Mutex::new(None),
        }
    }

    fn proxies(&self) -> Result<&dyn LinkProxies, String> {
        self.proxies.as_deref().ok_or_else(|| {
            format!(
                "failed to {}: the test has no proxies (rjepsen test starts them for proxy nemeses)",
                self.spec.name
            )
        })
    }

    async fn start(&self, test: &Test, op: &Op) -> Result<Value, String> {
        let proxies = self.proxies()?;
        let plan = self
            .rng
            .with(test, |rng| self.fault.plan(&op.value, proxies.nodes(), rng))?;
        let ns = proxies
            .set_links(&self.spec.name, &plan.links, &plan.fault)
            .await?;
        let bytes = proxies.peer_bytes().await?;
        *self.started.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes);
        Ok(json!({
            "chosen": plan.chosen,
            "fault": plan.fault,
            "links": links_json(&plan.links),
            "proxy-ns": ns,
        }))
    }

    async fn stop(&self) -> Result<Value, String> {
        let proxies = self.proxies()?;
        let now = proxies.peer_bytes().await?;
        let before = self
            .started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let ns = proxies.clear(&self.spec.name).await?;
        let mut value = json!({ "healed": true, "proxy-ns": ns });
        if let Some(before) = before {
            value["window-bytes"] = window_bytes(&before, &now);
        }
        Ok(value)
    }
}

/// Bytes per link between two snapshots, as `{"n2->n1": 0, ...}`.
pub(crate) fn window_bytes(
    before: &BTreeMap<NodeLink, u64>,
    after: &BTreeMap<NodeLink, u64>,
) -> Value {
    let map: Map<String, Value> = after
        .iter()
        .map(|(link, b)| {
            let was = before.get(link).copied().unwrap_or(0);
            (
                format!("{}->{}", link.0, link.1),
                json!(b.saturating_sub(was)),
            )
        })
        .collect();
    Value::Object(map)
}

#[async_trait]
impl<F: LinkFault> Nemesis for LinkNemesis<F> {
    async fn invoke(&self, test: &Test, op: &Op) -> Op {
        let result = if self.spec.start.contains(&op.f) {
            self.start(test, op).await
        } else if self.spec.stop.contains(&op.f) {
            self.stop().await
        } else {
            Err(format!(
                "failed to route {}: not a {} op",
                op.f, self.spec.name
            ))
        };
        match result {
            Ok(value) => op.complete(OpType::Info, value),
            Err(e) => op.info(e),
        }
    }

    async fn teardown(&self, _test: &Test) -> Result<(), NemesisError> {
        let Some(proxies) = self.proxies.as_deref() else {
            return Ok(());
        };
        proxies
            .clear(&self.spec.name)
            .await
            .map(|_| ())
            .map_err(|message| NemesisError {
                action: format!("heal {}", self.spec.name),
                message,
            })
    }

    fn fs(&self) -> Vec<String> {
        self.spec
            .start
            .iter()
            .chain(&self.spec.stop)
            .cloned()
            .collect()
    }
}

/// What every proxy package builds: a [`LinkNemesis`] of `fault` on the test's
/// proxies, cycling `values` as start values.
pub(crate) fn build_link(
    spec: FaultSpec,
    ctx: &crate::package::PackageContext,
    fault: impl LinkFault,
    values: Vec<Value>,
) -> crate::package::Built {
    let schedule = crate::schedule::FaultCycle::new(&spec, Value::Null, values, ctx.interval_secs)
        .paced(ctx.fixed);
    crate::package::Built {
        nemesis: Box::new(LinkNemesis::new(spec, ctx.proxies.clone(), fault)),
        schedule: Box::new(schedule),
    }
}

/// Start values `{"targets": t, ...extra}` for every target choice and extra.
pub(crate) fn targeted(extras: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in crate::schedule::targets(false) {
        for e in extras {
            let mut v = e.clone();
            v["targets"] = Value::from(t);
            out.push(v);
        }
    }
    out
}

/// The nodes a targeted start value names (`"one"`, `"majority"`, a list...).
pub(crate) fn targets_of(
    value: &Value,
    nodes: &[String],
    rng: &mut ChaCha8Rng,
) -> Result<Vec<String>, String> {
    crate::nodes::pick_targets(value.get("targets").unwrap_or(&Value::Null), nodes, rng)
}

/// An unsigned parameter of a start value, or `default`.
pub(crate) fn param(value: &Value, name: &str, default: u64) -> u64 {
    value.get(name).and_then(Value::as_u64).unwrap_or(default)
}

/// Proxies stand in front of the ports the DB serves (`Db::ports`); a DB that
/// names none cannot be proxied.
pub(crate) fn needs_ports(db: &dyn rjepsen_core::db::Db) -> Option<&'static str> {
    db.ports().is_none().then_some("Ports")
}

#[cfg(test)]
mod tests;
