//! `rjepsen check FILE...`: check histories without a cluster, with a
//! linearizability model or a workload's checker. One verdict line per file (or
//! one JSON document), and the worst verdict as exit code. A file that cannot be
//! read names its line; the other files are still checked.

use crate::cli::CheckArgs;
use crate::config::{comma_list, register_options, BadArgs};
use rjepsen_checkers::elle::ElleChecker;
use rjepsen_checkers::linear::Linearizable;
use rjepsen_core::checker::{CheckContext, CheckResult, Checker};
use rjepsen_core::history::read_history;
use rjepsen_core::{History, Valid};
use rjepsen_workloads::WorkloadOptions;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

type Outcome = Result<CheckResult, String>;

/// How a file is checked: read into a `History` and given to a checker, or, for
/// the Elle workloads, streamed by the Elle checker itself (a million-txn history
/// then needs a fraction of the memory).
enum FileChecker {
    History(Box<dyn Checker>),
    Elle(ElleChecker),
}

impl FileChecker {
    fn check(&self, ctx: &CheckContext, file: &Path) -> Outcome {
        match self {
            FileChecker::History(c) => read_history(file)
                .map(|ops| c.check(ctx, &History::new(ops)))
                .map_err(|e| e.to_string()),
            FileChecker::Elle(e) => e.try_check_file(ctx, file),
        }
    }
}

fn file_checker(args: &CheckArgs) -> Result<FileChecker, BadArgs> {
    match args.workload.as_deref() {
        Some(w @ ("list-append" | "rw-register")) if args.model.is_none() => Ok(FileChecker::Elle(
            ElleChecker::new(w, &comma_list(&args.consistency_models)).map_err(BadArgs)?,
        )),
        _ => Ok(FileChecker::History(checker(args)?)),
    }
}

fn checker(args: &CheckArgs) -> Result<Box<dyn Checker>, BadArgs> {
    match (&args.model, &args.workload) {
        (Some(m), _) => {
            let opts = register_options(&args.register)?;
            Ok(Box::new(
                Linearizable::new(m, args.independent)
                    .and_then(|l| l.with_options(opts))
                    .map_err(BadArgs)?,
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
    let checker = file_checker(args)?;
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
    }
    let ctx = CheckContext {
        out_dir: args.out.clone(),
        time_limit: args.time_limit.map(Duration::from_secs_f64),
        memory_limit: args.memory_limit.map(|m| m << 20),
    };
    let outcomes = check_all(&checker, &ctx, &args.files);
    let mut worst = Valid::Valid;
    let mut unreadable = false;
    for o in &outcomes {
        match o {
            Ok(r) => worst = worst.max(r.valid),
            Err(_) => unreadable = true,
        }
    }
    if args.format == "json" {
        print_json(&args.files, &outcomes, worst);
    } else {
        for (file, o) in args.files.iter().zip(&outcomes) {
            println!("{}", text_line(file, o));
        }
    }
    Ok(if unreadable { 254 } else { worst.exit_code() })
}

/// Checks files in parallel (a checker may use more threads inside).
fn check_all(checker: &FileChecker, ctx: &CheckContext, files: &[PathBuf]) -> Vec<Outcome> {
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
                let outcome = checker.check(&file_ctx(ctx, file, files.len()), file);
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

/// `FILE  invalid  key 3: read 4 but ...`: the verdict and the first line of the
/// first explanation found.
fn text_line(file: &std::path::Path, o: &Outcome) -> String {
    match o {
        Err(e) => format!("{}\terror\t{e}", file.display()),
        Ok(r) => {
            let why = explanation(&Value::Object(r.details.clone()))
                .map(|e| format!("\t{}", e.lines().next().unwrap_or("")))
                .unwrap_or_default();
            format!("{}\t{}{why}", file.display(), r.valid.as_str())
        }
    }
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

fn print_json(files: &[PathBuf], outcomes: &[Outcome], worst: Valid) {
    let per_file: Vec<Value> = files
        .iter()
        .zip(outcomes)
        .map(|(f, o)| match o {
            Ok(r) => json!({"file": f, "valid?": r.valid, "result": r}),
            Err(e) => json!({"file": f, "error": e}),
        })
        .collect();
    let doc = json!({"valid?": worst, "files": per_file});
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
