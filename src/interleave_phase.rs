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

use anyhow::Context;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rjepsen_core::addr::AddrBook;
use rjepsen_core::Checker;
use rjepsen_db::shop::interleave::check::{ATTEMPTS, COVERAGE, DIR};
use rjepsen_db::shop::interleave::hops::HTTP_ROLES;
use rjepsen_db::shop::interleave::source::path_pattern;
pub use rjepsen_db::shop::interleave::HopProxies;
use rjepsen_db::shop::interleave::{ShopSource, WithInterleave, NEMESIS};
use rjepsen_interleave::pairs::{url_path, CandidatePair, StepRef};
use rjepsen_interleave::schedule::Schedule;
use rjepsen_interleave::{Engine, Timeouts};
use serde_json::{json, Value};
use std::collections::BTreeMap;
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
    Box::new(WithInterleave(inner))
}

/// Seconds of observe and of interleave within `time_limit`.
pub fn plan(time_limit: f64) -> (f64, f64) {
    let observe = (time_limit * OBSERVE_SHARE).min(OBSERVE_CAP);
    (observe, (time_limit - observe).max(0.0))
}

/// A step as its class sees it: service, method, path pattern, SQL shape.
fn step_key(s: &StepRef) -> String {
    let sql: Vec<String> = s
        .sqls
        .iter()
        .map(|q| {
            q.split_whitespace()
                .map(|t| {
                    if t.bytes().any(|b| b.is_ascii_digit()) {
                        "?"
                    } else {
                        t
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    format!(
        "{} {} {} [{}]",
        s.service,
        s.http_method,
        path_pattern(&s.path()),
        sql.join("; ")
    )
}

/// A pair's class: both sides' root request and step, in a fixed order.
pub fn class_key(p: &CandidatePair) -> String {
    let side = |root: &rjepsen_interleave::pairs::Root, step: &StepRef| {
        format!(
            "{} {} {} -> {}",
            root.service,
            root.method,
            path_pattern(&url_path(&root.url)),
            step_key(step)
        )
    };
    let mut both = [side(&p.roots.a, &p.a), side(&p.roots.b, &p.b)];
    both.sort();
    both.join(" | ")
}

/// The pairs' indices in the order they are tried, with each one's class
/// number, and the class names: classes in a seeded order, round by round
/// one seeded member of each.
pub fn order(pairs: &[CandidatePair], seed: u64) -> (Vec<(usize, usize)>, Vec<String>) {
    let mut classes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate() {
        classes.entry(class_key(p)).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut named: Vec<(String, Vec<usize>)> = classes.into_iter().collect();
    named.shuffle(&mut rng);
    for (_, members) in &mut named {
        members.shuffle(&mut rng);
    }
    let longest = named.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for round in 0..longest {
        for (c, (_, members)) in named.iter().enumerate() {
            if let Some(&i) = members.get(round) {
                out.push((i, c));
            }
        }
    }
    (out, named.into_iter().map(|(k, _)| k).collect())
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
    let a = rjepsen_traces::analyze(&[traces.clone()], &opts)
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
    use super::*;

    #[test]
    fn observe_is_a_third_capped() {
        assert_eq!(plan(60.0), (15.0, 45.0));
        assert_eq!(plan(30.0), (10.0, 20.0));
    }
}
