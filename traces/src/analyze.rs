//! One analysis run: read trace files, build flows, classify SQL, find pairs.
//!
//! A malformed file is skipped with its reason (the caller prints it) so that one
//! truncated export does not hide the rest; the summary counts the skipped files.

use crate::error::TraceError;
use crate::flows::{self, Flows, Rules};
use crate::hash::{FastMap, FastSet};
use crate::model::Span;
use crate::pairs::{self, PairOptions, Stages};
use crate::sql::{self, Op};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::path::{Path, PathBuf};

/// Trace formats the readers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    SkyWalking,
    OtlpJson,
    OtlpProto,
    /// Decide per file from its content: JSON with `resourceSpans` is OTLP, other
    /// JSON is SkyWalking, anything else OTLP protobuf.
    Auto,
}

impl Format {
    fn detect(self, bytes: &[u8]) -> Format {
        if self != Format::Auto {
            return self;
        }
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
        if start.is_some_and(|i| bytes[i] == b'{') {
            let head = &bytes[..bytes.len().min(4096)];
            if head.windows(15).any(|w| w == b"\"resourceSpans\"") {
                return Format::OtlpJson;
            }
            return Format::SkyWalking;
        }
        Format::OtlpProto
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    pub rules: Rules,
    pub pairs: PairOptions,
}

/// The classification of one statement, with the ids its parameters bind.
#[derive(Debug, Clone)]
pub struct AccessInfo {
    pub op: Op,
    pub tables: Vec<String>,
    pub ids: Vec<String>,
    pub parsed: bool,
}

/// Classification of every access, addressed by (step, access index).
#[derive(Debug, Default)]
pub struct Classified {
    offsets: Vec<usize>,
    infos: Vec<AccessInfo>,
    pub unparsed: Vec<String>,
}

impl Classified {
    pub fn of(&self, step: usize, k: usize) -> &AccessInfo {
        &self.infos[self.offsets[step] + k]
    }
}

/// A file that could not be read, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug)]
pub struct Analysis {
    pub traces: usize,
    pub flows: Flows,
    pub sql: Classified,
    pub stages: Stages,
    pub skipped: Vec<Skipped>,
}

impl Analysis {
    pub fn db_accesses(&self) -> usize {
        self.flows.steps.iter().map(|s| s.accesses.len()).sum()
    }

    /// Flows that take part in pairing (parents of forks are not counted).
    pub fn leaf_flows(&self) -> usize {
        self.flows.flows.iter().filter(|f| f.is_leaf()).count()
    }
}

/// Every `*.json`/`*.jsonl`/`*.pb` file under the directories (or the files given), sorted.
pub fn list_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, TraceError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_file() {
            files.push(input.clone());
            continue;
        }
        let dir = if input.join("traces").is_dir() {
            input.join("traces")
        } else {
            input.clone()
        };
        let entries = std::fs::read_dir(&dir).map_err(|source| TraceError::Io {
            path: dir.clone(),
            source,
        })?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// One file's kept spans (SkyWalking) or export requests (OTLP, turned into
/// spans together once all files are read) and trace ids, or why it was skipped.
type FileResult = Result<(Read, Vec<String>), String>;

/// What a file holds once read.
pub enum Read {
    Spans(Vec<Span>),
    Otlp(Vec<ExportTraceServiceRequest>),
}

/// Read all files (in parallel, one chunk per core; results kept in file order, so
/// the outcome does not depend on the thread count); returns the spans, the number
/// of traces and the skipped files. Noise (by `rules`) is dropped as each file is
/// read, which keeps memory down on big runs.
pub fn load_dirs(
    inputs: &[PathBuf],
    format: Format,
    rules: &Rules,
) -> Result<(Vec<Span>, usize, Vec<Skipped>), TraceError> {
    let files = list_files(inputs)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    let results: Vec<Vec<FileResult>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let read = |p: &PathBuf| {
                        let mut read = read_file(p, format)?;
                        let mut ids = trace_ids(&read);
                        ids.sort_unstable();
                        ids.dedup();
                        if let Read::Spans(spans) = &mut read {
                            spans.retain(|s| rules.keeps(s));
                        }
                        Ok((read, ids))
                    };
                    part.iter().map(read).collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect()
    });
    Ok(gather(files, results, rules))
}

/// The files' results in file order: SkyWalking spans as read, all OTLP
/// requests turned into spans together, skipped files with their reasons.
fn gather(
    files: Vec<PathBuf>,
    results: Vec<Vec<FileResult>>,
    rules: &Rules,
) -> (Vec<Span>, usize, Vec<Skipped>) {
    // Sized once: doubling a vector of this many spans would briefly hold 1.5x.
    let kept = results
        .iter()
        .flatten()
        .flatten()
        .map(|(r, _)| match r {
            Read::Spans(s) => s.len(),
            Read::Otlp(_) => 0,
        })
        .sum();
    let mut spans = Vec::with_capacity(kept);
    let mut skipped = Vec::new();
    let mut traces = FastSet::default();
    let mut otlp = Vec::new();
    for (path, result) in files.into_iter().zip(results.into_iter().flatten()) {
        match result {
            Ok((read, ids)) => {
                traces.extend(ids);
                match read {
                    Read::Spans(mut s) => spans.append(&mut s),
                    Read::Otlp(mut r) => otlp.append(&mut r),
                }
            }
            Err(reason) => skipped.push(Skipped { path, reason }),
        }
    }
    let mut from_otlp = crate::otlp::spans_of(&otlp);
    from_otlp.retain(|s| rules.keeps(s));
    spans.append(&mut from_otlp);
    (spans, traces.len(), skipped)
}

fn trace_ids(read: &Read) -> Vec<String> {
    match read {
        Read::Spans(spans) => spans.iter().map(|s| s.trace.clone()).collect(),
        Read::Otlp(requests) => requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| &ss.spans)
            .map(|s| s.trace_id.iter().map(|b| format!("{b:02x}")).collect())
            .collect(),
    }
}

/// Read one file in `format`: SkyWalking as spans, OTLP as its requests.
pub fn read_file(path: &Path, format: Format) -> Result<Read, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = || std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8: {e}"));
    Ok(match format.detect(&bytes) {
        Format::SkyWalking | Format::Auto => Read::Spans(crate::skywalking::parse(text()?)?),
        Format::OtlpJson => Read::Otlp(crate::otlp::decode_json(text()?)?),
        Format::OtlpProto => Read::Otlp(vec![crate::otlp::decode_proto(&bytes)?]),
    })
}

/// Read one file in `format` on its own; the error is the reason.
pub fn read_one(path: &Path, format: Format) -> Result<Vec<Span>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = || std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8: {e}"));
    match format.detect(&bytes) {
        Format::SkyWalking | Format::Auto => crate::skywalking::parse(text()?),
        Format::OtlpJson => crate::otlp::parse_json(text()?),
        Format::OtlpProto => crate::otlp::parse_proto(&bytes),
    }
}

/// Classify each access once per distinct statement text.
pub fn classify(flows: &Flows) -> Classified {
    let mut cache: FastMap<&str, Result<sql::SqlInfo, String>> = FastMap::default();
    let mut out = Classified::default();
    for step in &flows.steps {
        out.offsets.push(out.infos.len());
        for a in &step.accesses {
            let parsed = cache
                .entry(a.statement.as_str())
                .or_insert_with(|| sql::classify(&a.statement));
            out.infos.push(match parsed {
                Ok(info) => AccessInfo {
                    op: info.op,
                    tables: info.tables().cloned().collect(),
                    ids: info
                        .ids(&a.params)
                        .into_iter()
                        .filter(|v| v != "NULL")
                        .collect(),
                    parsed: true,
                },
                Err(_) => AccessInfo {
                    op: fallback_op(&a.statement),
                    tables: Vec::new(),
                    ids: Vec::new(),
                    parsed: false,
                },
            });
        }
    }
    let mut unparsed: Vec<String> = cache
        .into_iter()
        .filter_map(|(s, r)| r.err().map(|e| format!("{s}: {e}")))
        .collect();
    unparsed.sort();
    out.unparsed = unparsed;
    out
}

/// An unparsed statement binds no ids, so it cannot pair; its op is only a label.
fn fallback_op(statement: &str) -> Op {
    match statement
        .trim_start()
        .get(..6)
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("select") => Op::Read,
        Some("insert") => Op::Insert,
        _ => Op::Write,
    }
}

/// Analyse the spans of `traces` traces. The spans are taken so that they are freed
/// as soon as the flows hold what they need, before SQL and pairs allocate theirs.
pub fn analyze_spans(
    spans: Vec<Span>,
    traces: usize,
    skipped: Vec<Skipped>,
    opts: &Options,
) -> Analysis {
    let flows = flows::build(&spans, &opts.rules);
    drop(spans);
    let sql = classify(&flows);
    let stages = pairs::find(&flows, &sql, &opts.pairs);
    Analysis {
        traces,
        flows,
        sql,
        stages,
        skipped,
    }
}

/// Read the inputs and analyse them.
pub fn analyze(inputs: &[PathBuf], opts: &Options) -> Result<Analysis, TraceError> {
    let (spans, traces, skipped) = load_dirs(inputs, opts.format, &opts.rules)?;
    Ok(analyze_spans(spans, traces, skipped, opts))
}
