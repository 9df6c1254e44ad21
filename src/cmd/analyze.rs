//! `rjepsen analyze DIR`: check a stored run again, with the checker of the
//! workload recorded in its test.json (core's `RunRecord`, old runs included),
//! and rewrite results.json and the report.

use crate::analysis::{check_and_record, print_summary, RunFacts};
use crate::cli::AnalyzeArgs;
use crate::config::BadArgs;
use rjepsen_checkers::linear::RegisterOptions;
use rjepsen_core::fault::FaultBook;
use rjepsen_core::history::read_history;
use rjepsen_core::record::RunRecord;
use rjepsen_core::store::StoreRun;
use rjepsen_workloads::WorkloadOptions;

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<i32> {
    crate::logging::warnings_to_stderr();
    let store = StoreRun::open(&args.dir)?;
    let record = RunRecord::load(&store.path("test.json"))?;
    if record.workload.is_empty() {
        return Err(BadArgs(format!("{}: no workload in test.json", args.dir.display())).into());
    }
    let checker = rjepsen_workloads::build(&record.workload, &workload_options(&record))
        .map_err(BadArgs)?
        .checker;
    let history = read_history(&store.history_path())?;
    eprintln!(
        "checking {} ops of {}...",
        history.len(),
        store.dir.display()
    );
    // The faults as the run recorded them; a run from before `nemesis-faults`
    // gets the built-in ones.
    let previous = store.read_json("results.json").ok();
    let recorded = previous.as_ref().and_then(|r| r.get("nemesis-faults"));
    let faults = FaultBook::from_results(previous.as_ref()).map_err(BadArgs)?;
    let required = if record.nemesis.is_empty() {
        FaultBook::default()
    } else if recorded.is_some() {
        faults.clone()
    } else {
        // Only the built-in specs the run named (`all` names none of them).
        let named = faults
            .specs()
            .iter()
            .filter(|s| record.nemesis.contains(&s.name));
        FaultBook::new(named.cloned().collect())
    };
    let facts = RunFacts {
        record: &record,
        faults: &faults,
        required,
    };
    let result = check_and_record(&store, &*checker, history, facts)?;
    print_summary(&store, &result);
    Ok(result.valid.exit_code())
}

/// The workload's options as recorded; what an old run did not record is the
/// workload's default.
fn workload_options(r: &RunRecord) -> WorkloadOptions {
    let defaults = WorkloadOptions::default();
    let w = &r.workload_options;
    WorkloadOptions {
        concurrency: r.concurrency.max(1),
        node_count: r.nodes.len().max(1),
        ops_per_key: w.ops_per_key.unwrap_or(defaults.ops_per_key),
        max_writes_per_key: w.max_writes_per_key.unwrap_or(defaults.max_writes_per_key),
        consistency_models: w.consistency_models.clone(),
        register: RegisterOptions {
            initial_value: w.initial_value.clone(),
            nil_reads_unknown: w.nil_reads_unknown,
        },
        ..defaults
    }
}
