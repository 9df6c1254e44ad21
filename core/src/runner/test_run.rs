//! A whole test: reach the nodes, set up the DB, run the generator, and always
//! heal, collect logs and tear down — also after an error, Ctrl-C or a panic.

use super::{run_generator, Run};
use crate::client::Client;
use crate::control::ControlError;
use crate::db::{Db, DbError};
use crate::fault::FaultBook;
use crate::generator::Generator;
use crate::history::HistoryWriter;
use crate::nemesis::Nemesis;
use crate::op::Op;
use crate::store::StoreRun;
use crate::test::Test;
use futures_util::future::join_all;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;
use tracing::{info, warn};

/// The parts of a test, built by the CLI from the workload, DB and nemesis names.
pub struct TestParts {
    pub db: Arc<dyn Db>,
    /// A template client (opened once per worker).
    pub client: Arc<dyn Client>,
    pub nemesis: Arc<dyn Nemesis>,
    /// Keep the DB running after the test (for poking at it by hand).
    pub leave_db_running: bool,
    /// No progress line.
    pub quiet: bool,
    /// The faults the nemesis may cause, for the progress line.
    pub faults: FaultBook,
    /// Sample node metrics this often into metrics.jsonl (`--metrics-interval`).
    pub metrics_interval: Option<std::time::Duration>,
}

/// Why a test could not run (as opposed to what it found).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("failed to reach nodes: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Unreachable(Vec<ControlError>),
    #[error("failed to set up the DB: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    DbSetup(Vec<DbError>),
    #[error("failed to set up: {0}")]
    Setup(String),
    #[error("failed to write the history: {0}")]
    History(#[from] std::io::Error),
    #[error("the run panicked: {0}")]
    Panic(String),
    #[error("interrupted before the test started")]
    Interrupted,
}

/// What a test produced.
pub struct TestOutcome {
    pub history: Vec<Op>,
    pub interrupted: bool,
    /// Problems met while healing and tearing down; the run itself is complete.
    pub cleanup_errors: Vec<String>,
}

/// Runs a test and records its history in `store`. `generator` is everything to
/// run: the main phase with the nemesis, healing, final reads.
pub async fn run_test(
    test: Arc<Test>,
    store: &StoreRun,
    parts: TestParts,
    generator: Box<dyn Generator>,
    mut cancel: watch::Receiver<bool>,
) -> Result<TestOutcome, RunError> {
    reach_nodes(&test).await?;
    let nodes = test.nodes.clone();
    info!("setting up {} on {}", test.name, nodes.join(", "));
    let setup = tokio::select! {
        r = setup_all(&test, &parts) => r,
        _ = cancel.wait_for(|c| *c) => Err(RunError::Interrupted),
    };
    let run = match setup {
        Ok(()) => run_guarded(&test, store, &parts, generator, cancel).await,
        Err(e) => Err(e),
    };
    let cleanup_errors = cleanup(&test, store, &parts).await;
    let run = run?;
    Ok(TestOutcome {
        history: run.history,
        interrupted: run.interrupted,
        cleanup_errors,
    })
}

async fn reach_nodes(test: &Test) -> Result<(), RunError> {
    let checks = test.nodes.iter().map(|n| test.remote.exec(n, "true"));
    let errors: Vec<ControlError> = join_all(checks)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RunError::Unreachable(errors))
    }
}

async fn setup_all(test: &Test, parts: &TestParts) -> Result<(), RunError> {
    // Start from a clean slate: a previous run may have left data behind.
    join_all(test.nodes.iter().map(|n| parts.db.teardown(test, n))).await;
    let errors: Vec<DbError> = join_all(test.nodes.iter().map(|n| parts.db.setup(test, n)))
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if !errors.is_empty() {
        return Err(RunError::DbSetup(errors));
    }
    parts
        .nemesis
        .setup(test)
        .await
        .map_err(|e| RunError::Setup(e.to_string()))?;
    let mut client = parts
        .client
        .open(test, &test.nodes[0])
        .await
        .map_err(|e| RunError::Setup(e.to_string()))?;
    let r = client.setup(test).await;
    client.close().await;
    r.map_err(|e| RunError::Setup(e.to_string()))
}

/// Runs the generator, turning a panic into an error so that cleanup still runs.
async fn run_guarded(
    test: &Arc<Test>,
    store: &StoreRun,
    parts: &TestParts,
    gen: Box<dyn Generator>,
    cancel: watch::Receiver<bool>,
) -> Result<Run, RunError> {
    let writer = HistoryWriter::create(&store.history_path())?;
    // Anchors the history's clock to the wall clock for logs and metrics.
    let clock = crate::clock::HistoryClock::starting_now();
    store
        .write_json(crate::clock::CLOCK_FILE, &clock)
        .map_err(|e| RunError::Setup(e.to_string()))?;
    let pid_file = |node: &str| parts.db.as_pid_file().map(|p| p.pid_file(test, node));
    let collector = parts
        .metrics_interval
        .map(|every| super::metrics::start(test, store, clock, every, pid_file));
    let fut = run_generator(
        test.clone(),
        parts.client.clone(),
        parts.nemesis.clone(),
        gen,
        writer,
        cancel,
        super::ProgressOptions {
            quiet: parts.quiet,
            faults: parts.faults.clone(),
        },
    );
    let outcome = AssertUnwindSafe(fut).catch_unwind().await;
    if let Some(c) = collector {
        info!(
            "{} metric samples in {}",
            c.stop().await,
            crate::metrics::METRICS_FILE
        );
    }
    match outcome {
        Ok(r) => Ok(r?),
        Err(p) => Err(RunError::Panic(crate::checker::panic_text(&*p))),
    }
}

/// Heals all faults, tears clients down, downloads logs and tears the DB down.
/// Every step runs whatever the previous ones did; errors are collected.
async fn cleanup(test: &Test, store: &StoreRun, parts: &TestParts) -> Vec<String> {
    let mut errors = Vec::new();
    info!("healing all faults");
    if let Err(e) = parts.nemesis.teardown(test).await {
        warn!("{e}");
        errors.push(e.to_string());
    }
    if let Ok(mut c) = parts.client.open(test, &test.nodes[0]).await {
        if let Err(e) = c.teardown(test).await {
            errors.push(e.to_string());
        }
        c.close().await;
    }
    if let Some(logs) = parts.db.as_log_files() {
        for node in &test.nodes {
            for path in logs.log_files(test, node) {
                if let Err(e) = download_log(test, store, node, &path).await {
                    warn!("{e}");
                    errors.push(e);
                }
            }
        }
    }
    if !parts.leave_db_running {
        for r in join_all(test.nodes.iter().map(|n| parts.db.teardown(test, n))).await {
            if let Err(e) = r {
                errors.push(e.to_string());
            }
        }
    }
    errors
}

async fn download_log(test: &Test, store: &StoreRun, node: &str, path: &str) -> Result<(), String> {
    let dir = store.node_dir(node).map_err(|e| e.to_string())?;
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "log".into());
    test.remote
        .download(node, path, &dir.join(name))
        .await
        .map_err(|e| e.to_string())
}
