//! One run of a campaign: `rjepsen test` as a child process, then what it left
//! in the store read back into a [`RunEntry`].
//!
//! A child process, not a call: a run that panics, aborts or is killed by the
//! OOM killer is one crashed run, and the campaign goes on with the next (as
//! Jepsen's `test-all` catches a test's exception). The child's stdout (its
//! summary) and stderr (progress) are passed on to test-all's stderr, so that
//! test-all's own stdout is the campaign summary alone; its `store: DIR` line
//! says where the run went.

use rjepsen_core::campaign::{Outcome, RunEntry, RunMetrics};
use rjepsen_core::history::read_history;
use rjepsen_core::record::RunRecord;
use rjepsen_core::store::timestamp;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

/// What to run: the test's name and seed, and its `rjepsen test` arguments.
pub struct Planned<'a> {
    pub test: &'a str,
    pub seed: u64,
    pub attempt: u32,
    pub args: Vec<String>,
}

/// Runs `rjepsen test` with `p.args` and reads the outcome back from the store.
pub fn run(p: &Planned, store_root: &Path) -> RunEntry {
    let started = timestamp(SystemTime::now());
    let t0 = Instant::now();
    let (code, dir, tail) = match spawn(&p.args) {
        Ok(r) => r,
        Err(e) => (
            None,
            None,
            vec![format!("failed to start rjepsen test: {e}")],
        ),
    };
    let finished = Finished {
        code,
        dir,
        tail,
        started,
        elapsed_s: t0.elapsed().as_secs_f64(),
    };
    read_back(p, store_root, finished)
}

/// How a child `rjepsen test` ended.
pub struct Finished {
    /// Its exit code (None: killed by a signal).
    pub code: Option<i32>,
    /// The run directory it printed.
    pub dir: Option<PathBuf>,
    /// The last lines it printed.
    pub tail: Vec<String>,
    pub started: String,
    pub elapsed_s: f64,
}

/// The entry of a finished run: its outcome from the exit code (crashed when
/// a verdict came without results.json), why it was not valid, and its
/// metrics, from what it left in its directory.
pub fn read_back(p: &Planned, store_root: &Path, f: Finished) -> RunEntry {
    let dir = f.dir.as_ref();
    let mut outcome = Outcome::from_exit(f.code);
    let record = dir.and_then(|d| RunRecord::load(&d.join("test.json")).ok());
    let results: Option<Value> = dir.and_then(|d| {
        let text = std::fs::read(d.join("results.json")).ok()?;
        serde_json::from_slice(&text).ok()
    });
    if outcome != Outcome::Crashed && results.is_none() {
        outcome = Outcome::Crashed;
    }
    let reason = match outcome {
        Outcome::Valid => None,
        Outcome::Crashed => Some(crash_reason(f.code, &f.tail, record.as_ref())),
        _ => results.as_ref().map(checkers_summary),
    };
    let metrics = dir.and_then(|d| {
        let ops = read_history(&d.join("history.jsonl")).ok()?;
        Some(RunMetrics::of(&ops))
    });
    RunEntry {
        test: p.test.to_string(),
        seed: p.seed,
        attempt: p.attempt,
        outcome,
        reason,
        has_report: dir.is_some_and(|d| d.join("report.html").is_file()),
        dir: dir.map(|d| relative(d, store_root)),
        command: record.map_or_else(|| crate::record::shell_command(&p.args), |r| r.command),
        started: f.started,
        elapsed_s: f.elapsed_s,
        metrics,
    }
}

/// The child's exit code, its store directory (the `store: DIR` line it
/// prints on stderr at the start and on stdout at the end), and the last lines
/// it printed.
fn spawn(args: &[String]) -> std::io::Result<(Option<i32>, Option<PathBuf>, Vec<String>)> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || relay(BufReader::new(stderr)));
    let (out, out_dir) = relay(BufReader::new(child.stdout.take().expect("piped")));
    let status = child.wait()?;
    let (mut tail, err_dir) = errors.join().unwrap_or_default();
    tail.extend(out);
    Ok((status.code(), out_dir.or(err_dir), tail))
}

/// Passes every line on to stderr; keeps the last few and the store line.
fn relay(r: impl BufRead) -> (Vec<String>, Option<PathBuf>) {
    let mut last = std::collections::VecDeque::new();
    let mut dir = None;
    for line in r.lines().map_while(Result::ok) {
        eprintln!("  | {line}");
        if let Some(d) = line.strip_prefix("store: ") {
            dir = Some(PathBuf::from(d));
        }
        last.push_back(line);
        if last.len() > 20 {
            last.pop_front();
        }
    }
    (last.into(), dir)
}

/// Why a run crashed: its recorded error, else the last `error:` line it printed.
fn crash_reason(code: Option<i32>, tail: &[String], record: Option<&RunRecord>) -> String {
    if let Some(e) = record.and_then(|r| r.error.clone()) {
        return e;
    }
    let line = tail
        .iter()
        .rev()
        .find(|l| l.starts_with("error:") || l.contains("panicked"))
        .or(tail.last());
    let code = code.map_or("killed by a signal".into(), |c| format!("exit code {c}"));
    match line {
        Some(l) => format!("{code}: {l}"),
        None => code,
    }
}

/// The checkers that were not valid, with their reasons: `linear: invalid;
/// coverage: unknown (only 3 ok client ops ...)`.
pub fn checkers_summary(results: &Value) -> String {
    let Some(obj) = results.as_object() else {
        return "results.json is not an object".into();
    };
    let mut parts = Vec::new();
    for (name, sub) in obj {
        let v = match sub.get("valid?") {
            Some(Value::Bool(true)) | None => continue,
            Some(Value::Bool(false)) => "invalid",
            Some(_) => "unknown",
        };
        let why = sub
            .get("error")
            .and_then(Value::as_str)
            .map(|e| format!(" ({e})"))
            .or_else(|| {
                sub.get("anomaly-types")
                    .map(|a| format!(" (anomalies {a})"))
            })
            .unwrap_or_default();
        parts.push(format!("{name}: {v}{why}"));
    }
    if parts.is_empty() {
        "no checker said why".into()
    } else {
        parts.join("; ")
    }
}

fn relative(dir: &Path, root: &Path) -> String {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let d = canon(dir);
    d.strip_prefix(canon(root))
        .unwrap_or(&d)
        .to_string_lossy()
        .into_owned()
}
