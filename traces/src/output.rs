//! The files of an analysis: ours (`summary.json`, `candidates.json`, `early.json`,
//! `flows.txt`, `traces.html`) and, under `--compat microracer`, MicroRacer's own
//! (`candidatePairs_<id>.json`, `pre_validate_report.txt`) so that its interleaving
//! script can consume them. Everything is sorted, so output is byte-identical
//! across runs.

use crate::analyze::Analysis;
use crate::error::TraceError;
use crate::flows::Step;
use crate::pairs::Pair;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// `summary.json`, exactly MicroRacer's stage vocabulary.
pub fn summary(a: &Analysis) -> Value {
    json!({
        "traces": a.traces,
        "steps": a.flows.steps.len(),
        "flows": a.leaf_flows(),
        "db_accesses": a.db_accesses(),
        "unparsed_sql": a.sql.unparsed.len(),
        "skipped_files": a.skipped.len(),
        "pairs": {
            "baseline": a.stages.baseline,
            "same_db": a.stages.same_db,
            "flow": a.stages.flow,
            "candidates": a.stages.candidates.len(),
            "early": a.stages.early.len(),
        }
    })
}

/// The one line the command prints.
pub fn summary_line(a: &Analysis) -> String {
    let s = &a.stages;
    format!(
        "traces {}, steps {}, flows {}, db accesses {}; pairs: baseline {}, same-db {}, flow {}, candidates {} ({} early)",
        a.traces,
        a.flows.steps.len(),
        a.leaf_flows(),
        a.db_accesses(),
        s.baseline,
        s.same_db,
        s.flow,
        s.candidates.len(),
        s.early.len()
    )
}

/// A JSON value if the captured text is JSON, else the text itself.
fn as_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn sqls(step: &Step) -> Vec<String> {
    step.accesses
        .iter()
        .map(|x| crate::sql::bind_values(&x.statement, &x.params))
        .collect()
}

fn step_json(a: &Analysis, step: &Step) -> Value {
    json!({
        "flow_id": step.flow,
        "flow_span_id": step.index,
        "sqls": sqls(step),
        "http_method": step.method,
        "http_url": step.url,
        "http_body": as_json(&step.body),
        "http_status_code": step.status,
        "http_response": as_json(&step.response),
        "service": step.service,
        "trace": step.trace,
        "parent_flow": a.flows.flows[step.flow].parent,
    })
}

/// Each paired step rendered once (bodies are parsed as JSON, which is the cost).
type StepCache = HashMap<usize, Value>;

fn step_cache(a: &Analysis) -> StepCache {
    let stages = &a.stages;
    stages
        .candidates
        .iter()
        .chain(&stages.early)
        .flat_map(|p| [p.a, p.b])
        .map(|s| (s, Value::Null))
        .collect::<HashMap<_, _>>()
        .into_keys()
        .map(|s| (s, step_json(a, &a.flows.steps[s])))
        .collect()
}

fn pair_json(cache: &StepCache, p: &Pair) -> Value {
    json!({
        "a": cache[&p.a],
        "b": cache[&p.b],
        "shared_ids": p.shared,
        "databases": p.databases,
        "overlap": p.overlap,
    })
}

/// Databases touched anywhere in a flow (inherited steps included).
fn flow_databases(a: &Analysis, flow: usize) -> BTreeSet<String> {
    a.flows.flows[flow]
        .steps
        .iter()
        .flat_map(|&s| a.flows.steps[s].accesses.iter().map(|x| x.database.clone()))
        .collect()
}

/// `flows.txt`: one paragraph per flow, as MicroRacer prints them.
pub fn flows_txt(a: &Analysis) -> String {
    let mut out = String::new();
    for f in a.flows.flows.iter().filter(|f| f.is_leaf()) {
        let steps: Vec<String> = f
            .steps
            .iter()
            .map(|&s| format!("[{}] {}", a.flows.steps[s].method, a.flows.steps[s].url))
            .collect();
        let dbs: Vec<String> = flow_databases(a, f.id)
            .into_iter()
            .map(|d| format!("'{d}'"))
            .collect();
        let _ = writeln!(
            out,
            "[FlowID: {}] [Lenth: {}] {}",
            f.id,
            f.steps.len(),
            steps.join(" -> ")
        );
        let _ = writeln!(out, "[DB info] [{}]\n", dbs.join(", "));
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), TraceError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| TraceError::Write { path, source })
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("json values serialise");
    s.push('\n');
    s
}

/// Write our files (and MicroRacer's with `compat`) into `dir`.
pub fn write_all(a: &Analysis, dir: &Path, compat: bool) -> Result<(), TraceError> {
    std::fs::create_dir_all(dir).map_err(|source| TraceError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    write(dir, "summary.json", &pretty(&summary(a)))?;
    let cache = step_cache(a);
    let cands: Vec<Value> = a
        .stages
        .candidates
        .iter()
        .map(|p| pair_json(&cache, p))
        .collect();
    write(dir, "candidates.json", &pretty(&Value::Array(cands)))?;
    let early: Vec<Value> = a
        .stages
        .early
        .iter()
        .map(|p| pair_json(&cache, p))
        .collect();
    write(dir, "early.json", &pretty(&Value::Array(early)))?;
    write(dir, "flows.txt", &flows_txt(a))?;
    write(dir, "traces.html", &crate::html::page(a))?;
    if !a.sql.unparsed.is_empty() {
        write(dir, "unparsed_sql.txt", &(a.sql.unparsed.join("\n") + "\n"))?;
    }
    if compat {
        for (id, text) in microracer_candidates(a, &cache) {
            write(dir, &format!("candidatePairs_{id}.json"), &text)?;
        }
        write(dir, "pre_validate_report.txt", &pre_validate_report(a))?;
    }
    Ok(())
}

/// MicroRacer's `candidatePairs_<id>.json`: per shared id, `{"0": [{"databases": ..}, a, b]}`.
fn microracer_candidates(a: &Analysis, cache: &StepCache) -> BTreeMap<String, String> {
    let mut dbs_of: HashMap<usize, BTreeSet<String>> = HashMap::new();
    let mut by_id: BTreeMap<&str, Vec<&Pair>> = BTreeMap::new();
    for p in &a.stages.candidates {
        for id in &p.shared {
            by_id.entry(id).or_default().push(p);
        }
    }
    by_id
        .into_iter()
        .map(|(id, pairs)| {
            let mut file = serde_json::Map::new();
            for (i, p) in pairs.iter().enumerate() {
                let (fa, fb) = (a.flows.steps[p.a].flow, a.flows.steps[p.b].flow);
                let mut dbs = dbs_of
                    .entry(fa)
                    .or_insert_with(|| flow_databases(a, fa))
                    .clone();
                dbs.extend(
                    dbs_of
                        .entry(fb)
                        .or_insert_with(|| flow_databases(a, fb))
                        .iter()
                        .cloned(),
                );
                let entry = json!([{ "databases": dbs }, cache[&p.a], cache[&p.b]]);
                file.insert(i.to_string(), entry);
            }
            (id.to_string(), pretty(&Value::Object(file)))
        })
        .collect()
}

/// MicroRacer's `pre_validate_report.txt`: per early pair, the root requests of
/// both flows, then each conflicting statement pair with an INSERT.
pub fn pre_validate_report(a: &Analysis) -> String {
    let mut out = String::new();
    for p in &a.stages.early {
        out.push_str("=====\n");
        for s in [p.a, p.b] {
            let root = &a.flows.steps[a.flows.flows[a.flows.steps[s].flow].steps[0]];
            let _ = writeln!(out, "{} {}\n{}", root.method, root.url, root.body);
        }
        for &(ka, kb) in &p.inserts {
            for info in [a.sql.of(p.a, ka), a.sql.of(p.b, kb)] {
                let ids: Vec<String> = info.ids.iter().map(|v| format!("'{v}'")).collect();
                let _ = writeln!(out, "\t{} [{}]", info.op.name(), ids.join(", "));
            }
            out.push_str("\tThis dataSpanPair has an issue!\n\n");
        }
    }
    out
}
