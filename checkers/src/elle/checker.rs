//! [`ElleChecker`]: the [`Checker`] that ties the Elle pieces together.
//!
//! Flatten the history, run the workload's analysis (edges plus cycle-free
//! anomalies), add process and realtime edges when a requested model needs them,
//! trim the graph to its cyclic core, split it into strongly connected components,
//! search each for named cycles, explain everything, and map the anomaly names to
//! the consistency models they rule out. The time budget is checked throughout;
//! running out makes the answer `Unknown`, with whatever was found so far.

use super::cycles::{classify, search_component, Budget, Cycle};
use super::explain::{explain_cycle, Analysis, Anomaly, Explain};
use super::graph::{process_edges, realtime_edges, sccs, Graph};
use super::{append, models, raw, register, svg, txn};
use rjepsen_core::checker::CheckContext;
use rjepsen_core::{CheckResult, Checker, History, Valid};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Instances kept per anomaly type in the result (the count is always complete).
const KEEP: usize = 32;
/// Cycle SVGs written per anomaly type.
const SVGS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    ListAppend,
    RwRegister,
}

/// Elle-style checker for list-append and rw-register transaction histories.
pub struct ElleChecker {
    workload: Workload,
    models: Vec<&'static str>,
    prohibited: std::collections::BTreeSet<&'static str>,
    process: bool,
    realtime: bool,
}

impl ElleChecker {
    /// `workload` is `"list-append"` or `"rw-register"`; `consistency_models` the
    /// models to check (Elle's names); empty means strict-serializable.
    pub fn new(workload: &str, consistency_models: &[String]) -> Result<ElleChecker, String> {
        let workload = match workload.trim_start_matches(':') {
            "list-append" | "append" => Workload::ListAppend,
            "rw-register" | "wr-register" => Workload::RwRegister,
            other => {
                return Err(format!(
                    "failed to build the Elle checker: unknown workload {other:?} (list-append or rw-register)"
                ))
            }
        };
        let mut chosen = Vec::new();
        for m in consistency_models {
            chosen.push(
                models::canonical(m)
                    .map_err(|e| format!("failed to build the Elle checker: {e}"))?,
            );
        }
        if chosen.is_empty() {
            chosen.push("strict-serializable");
        }
        let prohibited = models::prohibited(&chosen);
        Ok(ElleChecker {
            workload,
            process: prohibited.iter().any(|a| a.ends_with("-process")),
            realtime: prohibited.iter().any(|a| a.ends_with("-realtime")),
            models: chosen,
            prohibited,
        })
    }
}

impl Checker for ElleChecker {
    fn check(&self, ctx: &CheckContext, history: &History) -> CheckResult {
        let start = Instant::now();
        match txn::from_history(history, self.workload == Workload::ListAppend) {
            Ok(t) => self.check_txns(ctx, t, start),
            Err(e) => CheckResult::unknown(e.to_string()),
        }
    }
}

impl ElleChecker {
    /// Checks a history file without first building a [`History`]: JSON Lines are
    /// streamed straight into the compact form, which is what keeps a
    /// million-transaction check within memory. Other formats (`.edn`) go through
    /// the core reader. A file that cannot be read is `Unknown`, with the reason.
    pub fn check_file(&self, ctx: &CheckContext, path: &Path) -> CheckResult {
        self.try_check_file(ctx, path)
            .unwrap_or_else(CheckResult::unknown)
    }

    /// As [`ElleChecker::check_file`], but a file that cannot be read (a malformed
    /// line, named with its number) is an error rather than a verdict.
    pub fn try_check_file(&self, ctx: &CheckContext, path: &Path) -> Result<CheckResult, String> {
        let start = Instant::now();
        let lists = self.workload == Workload::ListAppend;
        let txns = if path.extension().is_some_and(|e| e == "edn") {
            let ops = rjepsen_core::history::read_history(path).map_err(|e| e.to_string())?;
            txn::from_history(&History::new(ops), lists)
        } else {
            raw::read_jsonl(path, lists)
        };
        Ok(self.check_txns(ctx, txns.map_err(|e| e.to_string())?, start))
    }

    fn check_txns(&self, ctx: &CheckContext, txns: txn::Txns, start: Instant) -> CheckResult {
        let mut budget = Budget {
            deadline: ctx.time_limit.map(|d| start + d),
            exhausted: false,
        };
        let mut phases = Map::new();
        let mut lap = start;
        let mut mark = |name: &str| {
            phases.insert(name.into(), json!(lap.elapsed().as_millis() as u64));
            lap = Instant::now();
        };
        if txns.txns.is_empty() {
            return empty(&self.models);
        }
        mark("read");
        let Analysis {
            mut edges,
            mut anomalies,
            explainer,
        } = match self.workload {
            Workload::ListAppend => append::analyze(&txns),
            Workload::RwRegister => register::analyze(&txns),
        };
        mark("analyze");
        if self.process {
            process_edges(&txns, &mut edges);
        }
        if self.realtime {
            realtime_edges(&txns, &mut edges);
        }
        let estimate = (edges.len() * 12 + txns.txns.len() * 64 + txns.elems.len() * 8) as u64;
        if ctx.memory_limit.is_some_and(|m| estimate > m) {
            return CheckResult::unknown(format!(
                "failed to check within the memory budget: the graph needs about {estimate} bytes"
            ));
        }
        if edges.is_empty() && anomalies.is_empty() {
            return empty(&self.models);
        }
        mark("order-edges");
        let g = Graph::new(txns.txns.len(), edges);
        mark("graph");
        let core = g.cyclic_core();
        let nodes: Vec<u32> = (0..g.n as u32).filter(|&v| core[v as usize]).collect();
        mark("trim");
        let (cycles, scc_count) = find_cycles(&g, &nodes, &mut budget);
        mark("search");
        let svgs = explain_all(ctx, &txns, explainer.as_ref(), &cycles, &mut anomalies);
        let stats = json!({
            "txn-count": txns.txns.len(),
            "edge-count": g.edge_count(),
            "scc-count": scc_count,
            "cyclic-core": nodes.len(),
            "elapsed-ms": start.elapsed().as_millis() as u64,
            "phases-ms": phases,
        });
        self.verdict(anomalies, budget.exhausted, svgs, stats)
    }
}

impl ElleChecker {
    fn verdict(
        &self,
        anomalies: Vec<Anomaly>,
        timed_out: bool,
        svgs: Vec<Value>,
        stats: Value,
    ) -> CheckResult {
        let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for a in anomalies {
            *counts.entry(a.kind.clone()).or_insert(0) += 1;
            let list = by_type.entry(a.kind).or_default();
            if list.len() < KEEP {
                list.push(a.evidence);
            }
        }
        let mut types: Vec<String> = by_type.keys().cloned().collect();
        let (not, also_not) = models::boundary(&types);
        let bad = types.iter().any(|t| self.prohibited.contains(t.as_str()));
        let valid = if bad {
            Valid::Invalid
        } else if timed_out {
            Valid::Unknown
        } else {
            Valid::Valid
        };
        if timed_out {
            types.push("cycle-search-timeout".into());
        }
        let mut r = CheckResult::new(valid)
            .with("anomaly-types", json!(types))
            .with(
                "anomalies",
                Value::Object(
                    by_type
                        .into_iter()
                        .map(|(k, v)| (k, Value::Array(v)))
                        .collect::<Map<_, _>>(),
                ),
            )
            .with("anomaly-counts", json!(counts))
            .with("not", json!(not))
            .with("also-not", json!(also_not))
            .with("consistency-models", json!(self.models))
            .with("stats", stats);
        if !svgs.is_empty() {
            r = r.with("cycle-svgs", Value::Array(svgs));
        }
        r
    }
}

/// Cycles of the strongly connected components among `nodes`, and how many
/// components there were; stops early when the budget runs out.
fn find_cycles(g: &Graph, nodes: &[u32], budget: &mut Budget) -> (Vec<Cycle>, usize) {
    let components = sccs(g, nodes, 0xff);
    let mut cycles: Vec<Cycle> = Vec::new();
    if budget.deadline.is_some_and(|d| Instant::now() > d) {
        budget.exhausted = true;
    }
    for scc in &components {
        if budget.exhausted {
            break;
        }
        cycles.extend(search_component(g, scc, budget));
    }
    (cycles, components.len())
}

/// Explains each cycle into `anomalies`, drawing the first few of each type into
/// the output directory; returns the names of the SVG files written.
fn explain_all(
    ctx: &CheckContext,
    txns: &txn::Txns,
    explainer: &dyn Explain,
    cycles: &[Cycle],
    anomalies: &mut Vec<Anomaly>,
) -> Vec<Value> {
    let mut svgs = Vec::new();
    let mut written: BTreeMap<String, usize> = BTreeMap::new();
    for c in cycles {
        let mut a = explain_cycle(txns, explainer, c);
        if let Some(dir) = &ctx.out_dir {
            let n = written.entry(a.kind.clone()).or_insert(0);
            if *n < SVGS {
                let file = format!("elle-{}-{}.svg", classify(c), *n);
                *n += 1;
                if std::fs::write(dir.join(&file), svg::render(txns, &a.kind, c)).is_ok() {
                    a.evidence["svg"] = Value::String(file.clone());
                    svgs.push(Value::String(file));
                }
            }
        }
        anomalies.push(a);
    }
    svgs
}

/// Nothing to check: Elle's `empty-transaction-graph`, which is unknown.
fn empty(models: &[&str]) -> CheckResult {
    CheckResult::new(Valid::Unknown)
        .with("anomaly-types", json!(["empty-transaction-graph"]))
        .with("anomalies", json!({}))
        .with("not", json!([]))
        .with("also-not", json!([]))
        .with("consistency-models", json!(models))
}
