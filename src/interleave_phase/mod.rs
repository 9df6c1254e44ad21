//! `rjepsen test --nemesis interleave`: the *analyze* and *interleave* phases
//! that follow the *observe* phase (the workload without faults, traces
//! collected), within the run's `--time-limit` (docs/interleave.md, "In
//! `rjepsen test`").
//!
//! Analyze runs `rjepsen-traces` on this run's own `traces/` into
//! `analysis/` (`candidates.json` among its files). A 10 s observe phase
//! gives thousands of candidate pairs, most of them the same conflict seen
//! between other requests, so pairs are grouped into classes (both sides'
//! root request, service, method, path pattern and SQL shape) and tried one
//! seeded representative per class first, then a second per class, and so on
//! until the time runs out. Each pair gets every schedule of the engine; each
//! attempt starts from fresh rows ([`ShopSource::prepare`]) and is followed
//! by a read of those rows, stored with the attempt in
//! `interleave/attempts.jsonl` for the checker (`WithInterleave`).

mod classes;

use anyhow::Context;
use classes::order;
use rjepsen_core::addr::AddrBook;
use rjepsen_core::db::Db;
use rjepsen_core::store::StoreRun;
use rjepsen_core::test::Test;
use rjepsen_core::Checker;
use rjepsen_db::shop::interleave::check::{ATTEMPTS, COVERAGE, DIR};
use rjepsen_db::shop::interleave::hops::HTTP_ROLES;
pub use rjepsen_db::shop::interleave::HopProxies;
use rjepsen_db::shop::interleave::{ShopSource, WithInterleave, NEMESIS};
use rjepsen_interleave::pairs::CandidatePair;
use rjepsen_interleave::schedule::Schedule;
use rjepsen_interleave::{Engine, Timeouts};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// The observe phase's share of `--time-limit`, and its cap (s): enough
/// requests for every kind of conflict to be traced several times, leaving
/// most of the time to the interleave phase.
const OBSERVE_SHARE: f64 = 1.0 / 3.0;
const OBSERVE_CAP: f64 = 15.0;

/// How long the exporters are given to flush their last spans (they batch
/// every 200 ms) before the traces are read.
const FLUSH: Duration = Duration::from_millis(1000);

/// Whether `--nemesis interleave` was asked for; it stands alone, on `--db
/// shop` with its own nodes (not a playground's).
pub fn requested(cfg: &crate::config::TestConfig) -> Result<bool, crate::config::BadArgs> {
    let bad = |m: &str| Err(crate::config::BadArgs(format!("--nemesis {NEMESIS}: {m}")));
    if !cfg.nemesis.iter().any(|k| k == NEMESIS) {
        return Ok(false);
    }
    if cfg.nemesis.len() > 1 {
        return bad("combines with no other nemesis (its three phases need the run alone)");
    }
    if cfg.db != "shop" {
        return bad(&format!(
            "needs --db shop (its requests and invariants are the shop's), not --db {}",
            cfg.db
        ));
    }
    if cfg.playground.is_some() {
        return bad("runs on nodes rjepsen sets up, not on a --playground");
    }
    Ok(true)
}

/// Starts the HTTP proxies on the shop's hops; returns them with their book.
pub async fn start_hops(
    nodes: &[String],
    direct: &AddrBook,
    epoch: Instant,
) -> anyhow::Result<HopProxies> {
    let hops = HopProxies::start(nodes, direct, epoch).await?;
    for (p, role) in hops.proxies.iter().zip(HTTP_ROLES) {
        eprintln!(
            "interleave: HTTP proxy in front of {} on {}",
            role.name(),
            p.addr()
        );
    }
    Ok(hops)
}

/// The workload's checker with the interleave phase's verdict folded in.
pub fn checker(inner: Box<dyn Checker>) -> Box<dyn Checker> {
    Box::new(WithInterleave { inner, run: None })
}

/// For `rjepsen check --workload shop RUN/history.jsonl`: the checker with
/// the interleave verdict of that run folded in, when the run has one.
pub fn checker_for_file(inner: Box<dyn Checker>, history: &Path) -> Box<dyn Checker> {
    let run = history.parent().unwrap_or(Path::new("."));
    if !run.join(DIR).join(ATTEMPTS).exists() {
        return inner;
    }
    Box::new(WithInterleave {
        inner,
        run: Some(run.to_path_buf()),
    })
}

/// Seconds of observe and of interleave within `time_limit`.
pub fn plan(time_limit: f64) -> (f64, f64) {
    let observe = (time_limit * OBSERVE_SHARE).min(OBSERVE_CAP);
    (observe, (time_limit - observe).max(0.0))
}

/// What the phase did, for the progress line and `coverage.json`.
#[derive(Debug, Default, serde::Serialize)]
pub struct Coverage {
    pub observe_s: f64,
    pub budget_s: f64,
    pub analyze_s: f64,
    pub interleave_s: f64,
    pub candidates: usize,
    pub early: usize,
    pub classes: usize,
    pub classes_tried: usize,
    pub pairs_tried: usize,
    pub attempts: usize,
    pub achieved: usize,
    pub skipped_attempts: usize,
    pub seed: u64,
    pub class_names: Vec<String>,
}

/// After the observe phase (when it `ran` to the end): the analyze and
/// interleave phases, then the proxies stopped, the services' logs downloaded
/// again (over the runner's copies, so they cover the interleave phase), and
/// the shop torn down unless `--leave-db-running`. A failing phase is a
/// warning: the observe phase's result still stands.
pub async fn after_observe(
    test: &Test,
    store: &StoreRun,
    hops: &HopProxies,
    db: &dyn Db,
    how: After,
) {
    if how.ran {
        let done = run(
            &store.dir,
            &test.nodes,
            hops,
            how.epoch,
            test.seed,
            how.phases,
        )
        .await;
        if let Err(e) = done {
            eprintln!("warning: the interleave phase stopped: {e:#}");
        }
    }
    hops.stop();
    logs_again(test, store, db).await;
    if !how.leave_db_running {
        tear_down(test, db).await;
    }
}

/// How the run went so far and what to do after the phases.
pub struct After {
    /// The proxies' clock.
    pub epoch: Instant,
    /// Seconds of observe (done) and for analyze + interleave.
    pub phases: (f64, f64),
    /// Whether the observe phase ran to its end.
    pub ran: bool,
    pub leave_db_running: bool,
}

/// Downloads the DB's logs again, over the runner's copies from the end of
/// the observe phase, so that they cover the interleave phase too.
async fn logs_again(test: &Test, store: &StoreRun, db: &dyn Db) {
    let Some(logs) = db.as_log_files() else {
        return;
    };
    for node in &test.nodes {
        for path in logs.log_files(test, node) {
            let name = std::path::Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "log".into());
            let done = match store.node_dir(node) {
                Ok(dir) => test
                    .remote
                    .download(node, &path, &dir.join(name))
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = done {
                eprintln!("warning: failed to download {node}:{path}: {e}");
            }
        }
    }
}

/// Tears the DB down on every node (the runner left it for the interleave phase).
async fn tear_down(test: &Test, db: &dyn Db) {
    for n in &test.nodes {
        if let Err(e) = db.teardown(test, n).await {
            eprintln!("warning: during teardown of {n}: {e}");
        }
    }
}

/// Analyzes `run`'s traces into `run/analysis` and returns the pairs to try:
/// `candidates.json`, then `early.json` (the analyzer's pairs with an INSERT
/// on a side, where check-then-insert races are), and how many candidates.
fn analyze(run: &Path) -> anyhow::Result<(Vec<CandidatePair>, usize)> {
    let opts = rjepsen_traces::Options {
        format: rjepsen_traces::analyze::Format::Auto,
        rules: Default::default(),
        pairs: Default::default(),
    };
    let traces = run.join("traces");
    let a = rjepsen_traces::analyze(std::slice::from_ref(&traces), &opts)
        .with_context(|| format!("failed to analyze the traces in {}", traces.display()))?;
    let out = run.join("analysis");
    rjepsen_traces::output::write_all(&a, &out, false)?;
    eprintln!("analyze: {}", rjepsen_traces::output::summary_line(&a));
    let mut pairs = rjepsen_interleave::pairs::load(&out.join("candidates.json"))?;
    let candidates = pairs.len();
    pairs.extend(rjepsen_interleave::pairs::load(&out.join("early.json"))?);
    Ok((pairs, candidates))
}

/// The analyze and interleave phases, within `budget` from now.
pub async fn run(
    run: &Path,
    nodes: &[String],
    hops: &HopProxies,
    epoch: Instant,
    seed: u64,
    (observe, budget): (f64, f64),
) -> anyhow::Result<Coverage> {
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs_f64(budget);
    tokio::time::sleep(FLUSH).await;
    let (pairs, candidates) = analyze(run)?;
    let (tries, class_names) = order(&pairs, seed);
    let mut cov = Coverage {
        observe_s: observe,
        budget_s: budget,
        analyze_s: t0.elapsed().as_secs_f64(),
        candidates,
        early: pairs.len() - candidates,
        classes: class_names.len(),
        seed,
        class_names,
        ..Coverage::default()
    };
    let source = ShopSource::new(nodes, &hops.book).map_err(anyhow::Error::msg)?;
    let mut engine = Engine::new(hops.proxies.clone(), Box::new(source.clone()), seed, epoch);
    engine.timeouts = Timeouts {
        wait: Duration::from_secs(2),
        hold: Duration::from_secs(5),
        request: Duration::from_secs(10),
    };
    let dir = run.join(DIR);
    std::fs::create_dir_all(&dir)?;
    let mut file = std::fs::File::create(dir.join(ATTEMPTS))?;
    let mut tried = std::collections::BTreeSet::new();
    'pairs: for (i, class) in tries {
        let pair = &pairs[i];
        for schedule in Schedule::all() {
            if Instant::now() >= deadline {
                break 'pairs;
            }
            let n = cov.attempts + cov.skipped_attempts;
            if let Err(e) = source.prepare(pair, n).await {
                eprintln!("interleave: pair {i} {}: skipped ({e})", schedule.name());
                cov.skipped_attempts += 1;
                continue;
            }
            let mut a = engine.attempt(n, i, pair, schedule).await?;
            a.observed = match source.observe(n).await {
                Ok(state) => Some(serde_json::to_string(&state)?),
                Err(e) => {
                    eprintln!("interleave: attempt {n}: state read failed ({e})");
                    None
                }
            };
            cov.attempts += 1;
            cov.achieved += usize::from(a.achieved);
            let mut line = serde_json::to_value(&a)?;
            line["class"] = json!(class);
            let (set, at) = match i.checked_sub(candidates) {
                None => ("candidates", i),
                Some(e) => ("early", e),
            };
            line["set"] = json!(set);
            line["set_index"] = json!(at);
            line["steps"] = json!({"a": pair.a, "b": pair.b});
            writeln!(file, "{}", serde_json::to_string(&line)?)?;
        }
        cov.pairs_tried += 1;
        tried.insert(class);
        eprintln!(
            "interleave: pair {i} (class {class}) done; {} classes of {} tried, {} attempts",
            tried.len(),
            cov.classes,
            cov.attempts
        );
    }
    cov.classes_tried = tried.len();
    cov.interleave_s = t0.elapsed().as_secs_f64() - cov.analyze_s;
    let cov_json: Value = serde_json::to_value(&cov)?;
    std::fs::write(
        dir.join(COVERAGE),
        serde_json::to_string_pretty(&cov_json)? + "\n",
    )?;
    Ok(cov)
}

#[cfg(test)]
mod tests {
    use super::classes::class_key;
    use super::*;

    /// The pairs of the shop's own OTLP corpus, as the analyze phase loads them.
    fn shop_pairs() -> Vec<CandidatePair> {
        let out = std::env::temp_dir().join(format!("rjepsen-classes-{}", std::process::id()));
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop-otlp");
        let run = out.join("run");
        std::fs::create_dir_all(&run).unwrap();
        let _ = std::os::unix::fs::symlink(&fixture, run.join("traces"));
        let (pairs, candidates) = analyze(&run).unwrap();
        assert!(
            candidates > 0 && pairs.len() > candidates,
            "{candidates} of {}",
            pairs.len()
        );
        std::fs::remove_dir_all(&out).unwrap();
        pairs
    }

    #[test]
    fn every_class_is_tried_before_any_class_twice_and_the_order_is_seeded() {
        let pairs = shop_pairs();
        let (tries, classes) = order(&pairs, 7);
        assert_eq!(tries.len(), pairs.len());
        let mut seen = std::collections::BTreeSet::new();
        for (n, (i, c)) in tries.iter().enumerate() {
            assert_eq!(classes[*c], class_key(&pairs[*i]));
            assert!(seen.insert(*i), "pair {i} twice");
            if n < classes.len() {
                assert_eq!(
                    *c, n,
                    "the first round is one pair per class, in class order"
                );
            }
        }
        assert!(classes.len() < pairs.len(), "{classes:?}");
        assert!(
            classes
                .iter()
                .any(|c| c.contains("POST /buy") && c.contains("PUT /stock/*")),
            "{classes:?}"
        );
        assert_eq!(order(&pairs, 7), (tries, classes.clone()));
        assert_ne!(order(&pairs, 8).1, classes);
    }

    #[test]
    fn observe_is_a_third_capped() {
        assert_eq!(plan(60.0), (15.0, 45.0));
        assert_eq!(plan(30.0), (10.0, 20.0));
    }
}
