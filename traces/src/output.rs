//! The files of an analysis: ours (`summary.json`, `candidates.json`, `early.json`,
//! `flows.txt`, `traces.html`) and, under `--compat microracer`, MicroRacer's own
//! (`candidatePairs_<id>.json`, `pre_validate_report.txt`) so that its interleaving
//! script can consume them. Everything is sorted, so output is byte-identical
//! across runs.
//!
//! Each paired step is rendered to a JSON value once; the JSON files are streamed
//! through a buffered writer from borrowed structs, so a step shared by many pairs
//! is never copied and no file is held whole in memory (at 32,000 traces the copies
//! and whole-file strings were most of the write time).

use crate::analyze::Analysis;
use crate::error::TraceError;
use crate::flows::Step;
use crate::hash::FastMap;
use crate::pairs::Pair;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

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
type StepCache = FastMap<usize, Value>;

fn step_cache(a: &Analysis) -> StepCache {
    let stages = &a.stages;
    let mut ids: Vec<usize> = stages
        .candidates
        .iter()
        .chain(&stages.early)
        .flat_map(|p| [p.a, p.b])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|s| (s, step_json(a, &a.flows.steps[s])))
        .collect()
}

/// One pair as written: borrowed, so a step shared by many pairs is not copied.
/// Fields are in key order, as a `serde_json::Value` object would write them.
#[derive(Serialize)]
struct PairOut<'a> {
    a: &'a Value,
    b: &'a Value,
    databases: &'a BTreeSet<String>,
    overlap: bool,
    roots: Roots<'a>,
    shared_ids: &'a BTreeSet<String>,
}

/// The root request of each step's flow, as recorded (the body as its raw text),
/// so that an interleaving run can replay the two flows verbatim.
#[derive(Serialize)]
struct Roots<'a> {
    a: Root<'a>,
    b: Root<'a>,
}

#[derive(Serialize)]
struct Root<'a> {
    body: &'a str,
    method: &'a str,
    service: &'a str,
    trace: &'a str,
    url: &'a str,
}

fn root<'a>(a: &'a Analysis, step: usize) -> Root<'a> {
    let flow = &a.flows.flows[a.flows.steps[step].flow];
    let r = &a.flows.steps[flow.steps[0]];
    Root {
        body: &r.body,
        method: &r.method,
        service: &r.service,
        trace: &r.trace,
        url: &r.url,
    }
}

fn pair_out<'a>(an: &'a Analysis, cache: &'a StepCache, p: &'a Pair) -> PairOut<'a> {
    PairOut {
        a: &cache[&p.a],
        b: &cache[&p.b],
        databases: &p.databases,
        overlap: p.overlap,
        roots: Roots {
            a: root(an, p.a),
            b: root(an, p.b),
        },
        shared_ids: &p.shared,
    }
}

/// A pair list, serialised as it is streamed out (no array of values is built).
struct PairsOut<'a>(&'a Analysis, &'a StepCache, &'a [Pair]);

impl Serialize for PairsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.2.iter().map(|p| pair_out(self.0, self.1, p)))
    }
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

fn create(dir: &Path, name: &str) -> Result<(BufWriter<File>, PathBuf), TraceError> {
    let path = dir.join(name);
    match File::create(&path) {
        Ok(f) => Ok((BufWriter::with_capacity(1 << 16, f), path)),
        Err(source) => Err(TraceError::Write { path, source }),
    }
}

fn finish(mut w: BufWriter<File>, path: PathBuf) -> Result<(), TraceError> {
    w.flush()
        .map_err(|source| TraceError::Write { path, source })
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), TraceError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| TraceError::Write { path, source })
}

/// `v` pretty-printed with a final newline, streamed into `dir/name`.
fn write_pretty(dir: &Path, name: &str, v: &impl Serialize) -> Result<(), TraceError> {
    let (mut w, path) = create(dir, name)?;
    let res = serde_json::to_writer_pretty(&mut w, v)
        .map_err(std::io::Error::from)
        .and_then(|()| w.write_all(b"\n"));
    match res {
        Ok(()) => finish(w, path),
        Err(source) => Err(TraceError::Write { path, source }),
    }
}

/// Write our files (and MicroRacer's with `compat`) into `dir`.
pub fn write_all(a: &Analysis, dir: &Path, compat: bool) -> Result<(), TraceError> {
    std::fs::create_dir_all(dir).map_err(|source| TraceError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    write_pretty(dir, "summary.json", &summary(a))?;
    let cache = step_cache(a);
    write_pretty(
        dir,
        "candidates.json",
        &PairsOut(a, &cache, &a.stages.candidates),
    )?;
    write_pretty(dir, "early.json", &PairsOut(a, &cache, &a.stages.early))?;
    write(dir, "flows.txt", &flows_txt(a))?;
    write(dir, "traces.html", &crate::html::page(a))?;
    if !a.sql.unparsed.is_empty() {
        write(dir, "unparsed_sql.txt", &(a.sql.unparsed.join("\n") + "\n"))?;
    }
    if compat {
        microracer_candidates(a, &cache, dir)?;
        write(dir, "pre_validate_report.txt", &pre_validate_report(a))?;
    }
    Ok(())
}

/// The databases entry of a MicroRacer pair.
#[derive(Serialize)]
struct Databases {
    databases: BTreeSet<String>,
}

/// MicroRacer's `candidatePairs_<id>.json`: per shared id, `{"0": [{"databases": ..}, a, b]}`.
/// Keys are strings, so `"10"` sorts before `"2"`, as in a `serde_json` object.
fn microracer_candidates(a: &Analysis, cache: &StepCache, dir: &Path) -> Result<(), TraceError> {
    let mut dbs_of: FastMap<usize, BTreeSet<String>> = FastMap::default();
    let mut by_id: BTreeMap<&str, Vec<&Pair>> = BTreeMap::new();
    for p in &a.stages.candidates {
        for id in &p.shared {
            by_id.entry(id).or_default().push(p);
        }
    }
    let mut dbs = |flow: usize| -> BTreeSet<String> {
        dbs_of
            .entry(flow)
            .or_insert_with(|| flow_databases(a, flow))
            .clone()
    };
    for (id, pairs) in by_id {
        let mut file: BTreeMap<String, (Databases, &Value, &Value)> = BTreeMap::new();
        for (i, p) in pairs.iter().enumerate() {
            let (fa, fb) = (a.flows.steps[p.a].flow, a.flows.steps[p.b].flow);
            let mut databases = dbs(fa);
            databases.extend(dbs(fb));
            let entry = (Databases { databases }, &cache[&p.a], &cache[&p.b]);
            file.insert(i.to_string(), entry);
        }
        write_pretty(dir, &format!("candidatePairs_{id}.json"), &file)?;
    }
    Ok(())
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
