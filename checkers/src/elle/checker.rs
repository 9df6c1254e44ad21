//! [`ElleChecker`]: the [`Checker`] that ties the Elle pieces together.
//!
//! Flatten the history, run the workload's analysis (edges plus cycle-free
//! anomalies), add process and realtime edges when a requested model needs them,
//! trim the graph to its cyclic core, split it into strongly connected components,
//! search each for named cycles, explain everything, and map the anomaly names to
//! the consistency models they rule out. The time budget is checked throughout;
//! running out makes the answer `Unknown`, with whatever was found so far.

use super::cycles::{classify, fallback, search_component, Budget, Cycle};
use super::exists;
use super::explain::{explain_cycle, Analysis, Anomaly, Explain};
use super::graph::{process_edges, realtime_edges, sccs, Graph, PROCESS, REALTIME};
use super::{append, models, raw, register, svg, txn, versions};
use rjepsen_core::checker::{CheckContext, FileCheck};
use rjepsen_core::{CheckResult, Checker, History, Valid};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
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

/// What to check for, as Elle's options: `consistency_models` (`None` is Elle's
/// `:consistency-models nil`: no model, only `anomalies`; an empty list means
/// the default, strict-serializable), `anomalies` (Elle's `:anomalies`: these
/// types fail the check too), and the rw-register version-order inferences
/// (`:wfr-keys?`, `:linearizable-keys?`, `:sequential-keys?`).
#[derive(Clone, Debug, Default)]
pub struct ElleOptions {
    pub consistency_models: Option<Vec<String>>,
    pub anomalies: Vec<String>,
    pub wfr_keys: bool,
    pub linearizable_keys: bool,
    pub sequential_keys: bool,
    /// Elle's `:cycle-search-timeout`: how long each strongly connected
    /// component may be searched before it is reported as cut. `None` (ours):
    /// only the check's own time limit applies; Elle's default is 1 s.
    pub cycle_search_timeout: Option<std::time::Duration>,
}

/// Elle-style checker for list-append and rw-register transaction histories.
pub struct ElleChecker {
    workload: Workload,
    models: Vec<&'static str>,
    prohibited: BTreeSet<&'static str>,
    reportable: BTreeSet<&'static str>,
    /// The process or realtime edge kind added to the graph, or 0.
    extra: u8,
    register: versions::Inference,
    cycle_search_timeout: Option<std::time::Duration>,
}

impl ElleChecker {
    /// `workload` is `"list-append"` or `"rw-register"`; `consistency_models` the
    /// models to check (Elle's names); empty means strict-serializable.
    pub fn new(workload: &str, consistency_models: &[String]) -> Result<ElleChecker, String> {
        let opts = ElleOptions {
            consistency_models: Some(consistency_models.to_vec()),
            ..ElleOptions::default()
        };
        ElleChecker::with_options(workload, &opts)
    }

    /// A checker for `workload` with all of Elle's options.
    pub fn with_options(workload: &str, opts: &ElleOptions) -> Result<ElleChecker, String> {
        let fail = |e: String| format!("failed to build the Elle checker: {e}");
        let workload = match workload.trim_start_matches(':') {
            "list-append" | "append" => Workload::ListAppend,
            "rw-register" | "wr-register" => Workload::RwRegister,
            other => {
                return Err(fail(format!(
                    "unknown workload {other:?} (list-append or rw-register)"
                )))
            }
        };
        let mut chosen = Vec::new();
        for m in opts.consistency_models.iter().flatten() {
            chosen.push(models::canonical(m).map_err(fail)?);
        }
        if chosen.is_empty() && opts.consistency_models.is_some() {
            chosen.push("strict-serializable");
        }
        let mut extra = Vec::new();
        for a in &opts.anomalies {
            extra.push(models::anomaly(a).map_err(fail)?);
        }
        let prohibited = models::prohibited(&chosen, &extra);
        let mut reportable = prohibited.clone();
        reportable.extend(models::UNKNOWN_TYPES);
        // Elle adds realtime edges when a reportable anomaly needs them (process
        // order is then implied), else process edges when one needs those.
        let extra = if reportable
            .iter()
            .any(|a| is_cycle(a) && a.ends_with("-realtime"))
        {
            REALTIME
        } else if reportable
            .iter()
            .any(|a| is_cycle(a) && a.ends_with("-process"))
        {
            PROCESS
        } else {
            0
        };
        Ok(ElleChecker {
            workload,
            extra,
            models: chosen,
            prohibited,
            reportable,
            register: versions::Inference {
                wfr: opts.wfr_keys,
                linearizable: opts.linearizable_keys,
                sequential: opts.sequential_keys,
            },
            cycle_search_timeout: opts.cycle_search_timeout,
        })
    }
}

/// A cycle anomaly type Elle searches for (its `cycle-types`).
fn is_cycle(a: &str) -> bool {
    let base = a.trim_end_matches("-realtime").trim_end_matches("-process");
    matches!(
        base,
        "G0" | "G1c"
            | "G-single"
            | "G-single-item"
            | "G-nonadjacent"
            | "G-nonadjacent-item"
            | "G2-item"
            | "G2"
    )
}

impl Checker for ElleChecker {
    fn check(&self, ctx: &CheckContext, history: &History) -> CheckResult {
        let start = Instant::now();
        match txn::from_history(history, self.workload == Workload::ListAppend) {
            Ok(t) => self.check_txns(ctx, t, start),
            Err(e) => CheckResult::unknown(e.to_string()),
        }
    }

    fn as_file_check(&self) -> Option<&dyn FileCheck> {
        Some(self)
    }
}

impl FileCheck for ElleChecker {
    fn check_file(&self, ctx: &CheckContext, path: &Path) -> Result<CheckResult, String> {
        self.try_check_file(ctx, path)
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
        let mut budget = Budget::new(ctx.time_limit.map(|d| start + d), self.cycle_search_timeout);
        let mut phases = Map::new();
        let mut lap = start;
        let mut mark = |name: &str| {
            phases.insert(name.into(), json!(lap.elapsed().as_millis() as u64));
            lap = Instant::now();
        };
        mark("read");
        let Analysis {
            mut edges,
            mut anomalies,
            explainer,
        } = match self.workload {
            Workload::ListAppend => append::analyze(&txns),
            Workload::RwRegister => register::analyze(&txns, self.register),
        };
        mark("analyze");
        match self.extra {
            PROCESS => process_edges(&txns, &mut edges),
            REALTIME => realtime_edges(&txns, &mut edges),
            _ => {}
        }
        let estimate = (edges.len() * 12 + txns.txns.len() * 64 + txns.elems.len() * 8) as u64;
        if ctx.memory_limit.is_some_and(|m| estimate > m) {
            return CheckResult::unknown(format!(
                "failed to check within the memory budget: the graph needs about {estimate} bytes"
            ));
        }
        if edges.iter().all(|e| e.0 == e.1) {
            // Elle's rule: a graph without edges is reported, whatever else is.
            anomalies.push(Anomaly::new(
                "empty-transaction-graph",
                "no transaction depends on another: there is nothing to order".into(),
                json!({}),
            ));
        }
        mark("order-edges");
        let g = Graph::new(txns.txns.len(), edges);
        mark("graph");
        let core = g.cyclic_core();
        let nodes: Vec<u32> = (0..g.n as u32).filter(|&v| core[v as usize]).collect();
        mark("trim");
        let (cycles, scc_count) =
            find_cycles(&g, &txns, &nodes, self.extra, &mut budget, &mut anomalies);
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
        self.verdict(anomalies, svgs, stats)
    }
}

impl ElleChecker {
    fn verdict(&self, anomalies: Vec<Anomaly>, svgs: Vec<Value>, stats: Value) -> CheckResult {
        let mut by_type: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for a in anomalies {
            *counts.entry(a.kind.clone()).or_insert(0) += 1;
            let list = by_type.entry(a.kind).or_default();
            if list.len() < KEEP {
                list.push(a.evidence);
            }
        }
        // Elle's result-map: `not` from everything found; types, instances and
        // the verdict only from what the options make reportable, less the
        // cycle-exists cases that a reported anomaly already accounts for (and
        // the allowed list, ours, less those that any anomaly accounts for).
        let all: Vec<String> = by_type.keys().cloned().collect();
        let (not, also_not) = models::boundary(&all);
        let (mut reported, mut allowed): (BTreeMap<_, _>, BTreeMap<_, _>) = by_type
            .into_iter()
            .partition(|(t, _)| self.reportable.contains(t.as_str()));
        let names = |m: &BTreeMap<String, Vec<Value>>| m.keys().cloned().collect::<Vec<_>>();
        for t in models::redundant_exists(&names(&reported)) {
            reported.remove(&t);
        }
        for t in models::redundant_exists(&all) {
            allowed.remove(&t);
        }
        counts.retain(|t, _| reported.contains_key(t));
        let types: Vec<&String> = reported.keys().collect();
        let bad = types.iter().any(|t| self.prohibited.contains(t.as_str()));
        let valid = if bad {
            Valid::Invalid
        } else if !types.is_empty() {
            Valid::Unknown
        } else {
            Valid::Valid
        };
        let (not, also_not) = if types.is_empty() {
            (vec![], vec![])
        } else {
            (not, also_not)
        };
        let mut r = CheckResult::new(valid)
            .with("anomaly-types", json!(types))
            .with(
                "anomalies",
                Value::Object(
                    reported
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
        if !allowed.is_empty() {
            r = r.with(
                "allowed-anomaly-types",
                json!(allowed.keys().collect::<Vec<_>>()),
            );
        }
        if !svgs.is_empty() {
            r = r.with("cycle-svgs", Value::Array(svgs));
        }
        r
    }
}

/// Cycles of the strongly connected components among `nodes`, and how many
/// components there were. As in Elle, each component also gets its
/// cycle-exists cases, and a component whose search the budget cut short gets a
/// `cycle-search-timeout` anomaly and a fallback cycle, so that a search that
/// did not finish is never taken for one that found nothing.
fn find_cycles(
    g: &Graph,
    txns: &txn::Txns,
    nodes: &[u32],
    extra: u8,
    budget: &mut Budget,
    anomalies: &mut Vec<Anomaly>,
) -> (Vec<Cycle>, usize) {
    let components = sccs(g, nodes, 0xff);
    let mut cycles: Vec<Cycle> = Vec::new();
    for scc in &components {
        anomalies.extend(exists::cases(g, scc, |t| txns.txns[t as usize].index));
        budget.start_component();
        let searched = search_component(g, scc, extra, budget);
        cycles.extend(searched.cycles);
        if let Some(cut) = searched.cut {
            anomalies.push(Anomaly::new(
                "cycle-search-timeout",
                format!(
                    "the search for {} in a component of {} transactions ran out of time",
                    cut.spec,
                    scc.len()
                ),
                json!({
                    "anomaly-spec-type": cut.spec,
                    "does-not-contain": cut.not_found,
                    "scc-size": scc.len(),
                }),
            ));
            cycles.extend(fallback(g, scc));
        }
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
