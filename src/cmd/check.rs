//! `rjepsen check FILE...`: check histories without a cluster, with a
//! linearizability model or a workload's checker. One verdict line per file (or
//! one JSON document), and the worst verdict as exit code. A file that cannot be
//! read names its line; the other files are still checked.

use crate::cli::CheckArgs;
use crate::config::{comma_list, register_options, BadArgs};
use rjepsen_checkers::elle::{ElleChecker, ElleOptions};
use rjepsen_checkers::linear::Linearizable;
use rjepsen_core::checker::{panic_text, CheckContext, CheckResult, Checker};
use rjepsen_core::history::read_history;
use rjepsen_core::{History, Valid};
use rjepsen_workloads::WorkloadOptions;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

type Outcome = Result<CheckResult, String>;

/// Checks one file: by the checker itself, when it offers that ability (the
/// Elle checkers stream it, the linearizability checker reads compact ops: a
/// million-op history then needs a fraction of the memory), else read into a
/// `History` first. A panicking checker gives `unknown`.
fn check_file(checker: &dyn Checker, ctx: &CheckContext, file: &Path) -> Outcome {
    let run = || match checker.as_file_check() {
        Some(f) => f.check_file(ctx, file),
        None => read_history(file)
            .map(|ops| checker.check(ctx, &History::new(ops)))
            .map_err(|e| e.to_string()),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|p| {
        Ok(CheckResult::unknown(format!(
            "checker panicked: {}",
            panic_text(&*p)
        )))
    })
}

/// Elle's options from the command line: `--consistency-models none` is Elle's
/// `:consistency-models nil` (only `--anomalies` then fail a check).
pub(crate) fn elle_options(args: &CheckArgs) -> ElleOptions {
    let models = comma_list(&args.consistency_models);
    ElleOptions {
        consistency_models: (models != ["none"]).then_some(models),
        anomalies: comma_list(&args.anomalies),
        wfr_keys: args.wfr_keys,
        linearizable_keys: args.linearizable_keys,
        sequential_keys: args.sequential_keys,
        cycle_search_timeout: args.cycle_search_timeout.map(Duration::from_millis),
    }
}

fn checker(args: &CheckArgs) -> Result<Box<dyn Checker>, BadArgs> {
    match (&args.model, args.workload.as_deref()) {
        (Some(m), _) => {
            let opts = register_options(&args.register)?;
            Ok(Box::new(
                Linearizable::new(m, args.independent)
                    .and_then(|l| l.with_options(opts))
                    .map_err(BadArgs)?,
            ))
        }
        // The bare Elle checker, which streams files (the workload's composition
        // adds op statistics, which need a `History`).
        (None, Some(w @ ("list-append" | "rw-register"))) => {
            if register_options(&args.register)? != Default::default() {
                return Err(BadArgs(format!(
                    "--initial-value and --nil-reads-unknown apply to the register workload, not {w:?}"
                )));
            }
            Ok(Box::new(
                ElleChecker::with_options(w, &elle_options(args)).map_err(BadArgs)?,
            ))
        }
        (None, Some(w)) => {
            let opts = WorkloadOptions {
                consistency_models: comma_list(&args.consistency_models),
                register: register_options(&args.register)?,
                ..WorkloadOptions::default()
            };
            Ok(rjepsen_workloads::build(w, &opts).map_err(BadArgs)?.checker)
        }
        (None, None) => Err(BadArgs(
            "say how to check: --model cas-register (or another model), or --workload register"
                .into(),
        )),
    }
}

pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    crate::logging::warnings_to_stderr();
    let mut checker = checker(args)?;
    if let ([file], Some("shop")) = (args.files.as_slice(), args.workload.as_deref()) {
        // A shop run's interleave phase is checked from its own files.
        checker = crate::interleave_phase::checker_for_file(checker, file);
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
    }
    let ctx = CheckContext {
        out_dir: args.out.clone(),
        time_limit: args.time_limit.map(Duration::from_secs_f64),
        memory_limit: args.memory_limit.map(|m| m << 20),
    };
    let outcomes = check_all(checker.as_ref(), &ctx, &args.files);
    // A file that could not be read is unknown at best: never a "valid".
    let worst = outcomes
        .iter()
        .map(|o| o.as_ref().map(|r| r.valid).unwrap_or(Valid::Unknown))
        .max()
        .unwrap_or(Valid::Unknown);
    let unreadable = outcomes.iter().any(|o| o.is_err());
    let code = if unreadable {
        crate::exit::BAD_ARGS
    } else {
        worst.exit_code()
    };
    match print(args, &outcomes, worst) {
        // `rjepsen check ... | head`: the reader left; stop quietly, as ripgrep does.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(code),
    }
}

fn print(args: &CheckArgs, outcomes: &[Outcome], worst: Valid) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        writeln!(out, "{}", json_doc(&args.files, outcomes, worst))?;
    } else {
        for (file, o) in args.files.iter().zip(outcomes) {
            writeln!(out, "{}", text_line(file, o))?;
        }
    }
    out.flush()
}

/// Checks files in parallel (a checker may use more threads inside).
fn check_all(checker: &dyn Checker, ctx: &CheckContext, files: &[PathBuf]) -> Vec<Outcome> {
    let results: Vec<Mutex<Option<Outcome>>> = files.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let outcome = check_file(checker, &file_ctx(ctx, file, files.len()), file);
                *results[i].lock().expect("result slot") = Some(outcome);
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .expect("result slot")
                .expect("every file checked")
        })
        .collect()
}

/// With several files, each file's evidence goes to its own subdirectory of
/// `--out` (named after the file), so that SVGs of one never overwrite another's.
fn file_ctx(ctx: &CheckContext, file: &Path, count: usize) -> CheckContext {
    let mut c = ctx.clone();
    if let (Some(out), true) = (&ctx.out_dir, count > 1) {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        let dir = out.join(stem.unwrap_or_else(|| "history".into()));
        if std::fs::create_dir_all(&dir).is_ok() {
            c.out_dir = Some(dir);
        }
    }
    c
}

/// `FILE  invalid  G-single-item, G2-item: T12 read ...`: the verdict, the
/// anomaly types found (so that one can grep for `G1c`) and the first line of the
/// first explanation.
pub(crate) fn text_line(file: &std::path::Path, o: &Outcome) -> String {
    match o {
        Err(e) => format!("{}\terror\t{e}", file.display()),
        Ok(r) => {
            let details = Value::Object(r.details.clone());
            let why = explanation(&details).map(|e| e.lines().next().unwrap_or("").to_string());
            let types = anomaly_types(&details);
            let tail = match (types.is_empty(), why) {
                (true, None) => String::new(),
                (true, Some(w)) => format!("\t{w}"),
                (false, None) => format!("\t{}", types.join(", ")),
                (false, Some(w)) => format!("\t{}: {w}", types.join(", ")),
            };
            format!("{}\t{}{tail}", file.display(), r.valid.as_str())
        }
    }
}

/// Every `anomaly-types` name anywhere in the evidence (a composition nests
/// them per checker), in order, without repeats.
fn anomaly_types(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(a)) = m.get("anomaly-types") {
                    for t in a.iter().filter_map(Value::as_str) {
                        if !out.iter().any(|x| x == t) {
                            out.push(t.to_string());
                        }
                    }
                }
                stack.extend(m.values().rev());
            }
            Value::Array(a) => stack.extend(a.iter().rev()),
            _ => {}
        }
    }
    out
}

/// The first `explanation` (or `error`) string anywhere in the evidence.
fn explanation(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => {
            for key in ["explanation", "error"] {
                if let Some(Value::String(s)) = m.get(key) {
                    return Some(s.clone());
                }
            }
            m.values().find_map(explanation)
        }
        Value::Array(a) => a.iter().find_map(explanation),
        _ => None,
    }
}

fn json_doc(files: &[PathBuf], outcomes: &[Outcome], worst: Valid) -> String {
    let per_file: Vec<Value> = files
        .iter()
        .zip(outcomes)
        .map(|(f, o)| match o {
            Ok(r) => json!({"file": f, "valid?": r.valid, "result": r}),
            Err(e) => json!({"file": f, "valid?": Valid::Unknown, "error": e}),
        })
        .collect();
    let doc = json!({"valid?": worst, "files": per_file});
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
