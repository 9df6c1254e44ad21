//! `rjepsen analyze DIR`: check a stored run again, with the checker of the
//! workload recorded in its test.json, and rewrite results.json and the report.

use crate::analysis::{check_and_record, print_summary};
use crate::cli::AnalyzeArgs;
use crate::config::BadArgs;
use rjepsen_checkers::linear::RegisterOptions;
use rjepsen_core::fault::FaultBook;
use rjepsen_core::history::read_history;
use rjepsen_core::store::StoreRun;
use rjepsen_workloads::WorkloadOptions;
use serde_json::Value;

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<i32> {
    crate::logging::warnings_to_stderr();
    let store = StoreRun::open(&args.dir)?;
    let test = store.read_json("test.json")?;
    let workload = test["workload"]
        .as_str()
        .ok_or_else(|| BadArgs(format!("{}: no workload in test.json", args.dir.display())))?;
    let usize_of = |k: &str, d: usize| test[k].as_u64().map(|v| v as usize).unwrap_or(d);
    let defaults = WorkloadOptions::default();
    let opts = WorkloadOptions {
        concurrency: usize_of("concurrency", defaults.concurrency),
        node_count: test["nodes"].as_array().map(Vec::len).unwrap_or(1),
        ops_per_key: usize_of("ops_per_key", defaults.ops_per_key),
        max_writes_per_key: usize_of("max_writes_per_key", defaults.max_writes_per_key),
        consistency_models: test["consistency_models"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        register: RegisterOptions {
            initial_value: test["initial_value"].clone(),
            nil_reads_unknown: test["nil_reads_unknown"].as_bool().unwrap_or(false),
        },
        ..defaults
    };
    let checker = rjepsen_workloads::build(workload, &opts)
        .map_err(BadArgs)?
        .checker;
    let history = read_history(&store.history_path())?;
    let interrupted = test["interrupted"].as_bool().unwrap_or(false) || test["end_time"].is_null();
    eprintln!(
        "checking {} ops of {}...",
        history.len(),
        store.dir.display()
    );
    // The faults as the run recorded them; a run from before `nemesis-faults`
    // gets the built-in ones.
    let previous = store.read_json("results.json").ok();
    let faults = FaultBook::from_results(previous.as_ref()).map_err(BadArgs)?;
    let result = check_and_record(&store, &*checker, history, interrupted, &faults)?;
    print_summary(&store, &result);
    Ok(result.valid.exit_code())
}
