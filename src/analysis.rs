//! Checking a recorded history and writing what was found: shared by `test`
//! (right after the run) and `analyze` (on a stored run), so that both give the
//! same answer for the same history.

use rjepsen_checkers::coverage::Coverage;
use rjepsen_core::checker::{check_safe, CheckContext, CheckResult, Checker};
use rjepsen_core::fault::{fault_intervals, FaultBook};
use rjepsen_core::record::RunRecord;
use rjepsen_core::store::StoreRun;
use rjepsen_core::{History, Op, OpCounts, Valid};
use serde_json::json;

/// What the run was, for checking it: its record, the fault specs in play (for
/// intervals and the report) and those it asked for (each must have injected).
pub struct RunFacts<'a> {
    pub record: &'a RunRecord,
    pub faults: &'a FaultBook,
    pub required: FaultBook,
}

/// Checks `history` with `checker` and with [`Coverage`] (a run that tested
/// nothing is unknown), adds the specs of the faults in play
/// (`nemesis-faults`), their intervals, op counts and whether the run was
/// interrupted, and writes `results.json` and the report.
pub fn check_and_record(
    store: &StoreRun,
    checker: &dyn Checker,
    history: Vec<Op>,
    run: RunFacts<'_>,
) -> anyhow::Result<CheckResult> {
    let (faults, interrupted) = (run.faults, run.record.incomplete());
    let intervals = serde_json::to_value(fault_intervals(&history, faults))?;
    let specs = serde_json::to_value(faults.specs())?;
    let counts = serde_json::to_value(OpCounts::of(&history))?;
    let ctx = CheckContext {
        out_dir: Some(store.dir.clone()),
        ..CheckContext::default()
    };
    let history = History::new(history);
    let mut result = checker.check(&ctx, &history);
    let coverage = Coverage {
        concurrency: run.record.concurrency,
        min_ok_per_process: run.record.validity.min_ok_per_process,
        faults: run.required,
    };
    let covered = check_safe(&coverage, &ctx, &history);
    result.valid = result.valid.max(covered.valid);
    result
        .details
        .insert("coverage".into(), serde_json::to_value(&covered)?);
    if interrupted && result.valid == Valid::Valid {
        // An interrupted run checked what it had; it proves less than a full run.
        result.details.insert(
            "note".into(),
            json!("the run was interrupted; the history is incomplete"),
        );
    }
    result.details.insert("nemesis-faults".into(), specs);
    result.details.insert("nemesis-intervals".into(), intervals);
    result.details.insert("op-counts".into(), counts);
    result
        .details
        .insert("interrupted".into(), json!(interrupted));
    store.write_json("results.json", &result)?;
    if let Err(e) = rjepsen_report::write_report(&store.dir) {
        eprintln!("warning: failed to write the report: {e}");
    }
    Ok(result)
}

/// Prints the end-of-test summary on stdout: it is the result (progress and
/// warnings go to stderr), so `rjepsen test ... > out.txt` keeps it.
pub fn print_summary(store: &StoreRun, result: &CheckResult) {
    let counts = &result.details["op-counts"];
    println!(
        "ops: {} invoked, {} ok, {} fail, {} info",
        counts["invoke"], counts["ok"], counts["fail"], counts["info"]
    );
    for (name, sub) in &result.details {
        if let Some(v) = sub.get("valid?") {
            let v: Valid = serde_json::from_value(v.clone()).unwrap_or(Valid::Unknown);
            match sub.get("error").and_then(|e| e.as_str()) {
                Some(why) if v != Valid::Valid => println!("  {name}: {} ({why})", v.as_str()),
                _ => println!("  {name}: {}", v.as_str()),
            }
        }
    }
    let verdict = match result.valid {
        Valid::Valid => "Everything looks good! ヽ(‘ー`)ノ",
        Valid::Invalid => "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
        Valid::Unknown => "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
    };
    println!("verdict: {} — {verdict}", result.valid.as_str());
    println!("store: {}", store.dir.display());
    let report = store.path("report.html");
    if report.exists() {
        println!("report: {}", report.display());
    }
}
