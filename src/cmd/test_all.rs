//! `rjepsen test-all`: a matrix of tests run one after another against the
//! same nodes (Jepsen's `test-all`), with a campaign directory of its own:
//! `summary.json`, `summary.md`, `junit.xml`, and at the end a comparison with
//! an earlier campaign when `--compare-to` asks for one.
//!
//! Every cell is validated by the real `test` parser before the first run, then
//! each run is a child `rjepsen test` (see `campaign::run`). Exit code: Jepsen's
//! (255 crashed, 2 unknown, 1 failed, 0), or 1 when everything passed but the
//! comparison found a regression.

use crate::campaign::matrix::{self, Cell, FlagMatrix};
use crate::campaign::{output, run};
use crate::cli::{Cli, Command, TestAllArgs};
use crate::config::{BadArgs, TestConfig};
use clap::Parser;
use rjepsen_core::campaign::compare::{compare, Thresholds};
use rjepsen_core::campaign::{
    exit_code, CampaignSummary, Policy, RunEntry, TestEntry, SUMMARY_FORMAT,
};
use rjepsen_core::store::timestamp;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

pub fn run(a: &TestAllArgs) -> anyhow::Result<i32> {
    let t0 = Instant::now();
    let policy = Policy::parse(&a.policy).ok_or_else(|| {
        BadArgs(format!(
            "bad --policy {:?}: expected any, most or all",
            a.policy
        ))
    })?;
    // Each run's provider finds its nodes' key (a local cluster's, if none given).
    let base = TestConfig::from_args(&a.test)?;
    let (cells, shard) = matrix::shard(cells_of(a, &base)?, a.shard.as_deref())?;
    let attempts = a.test.test_count.max(1);
    let base_args = crate::record::record(&base).args;
    let plan = plan(&cells, &base_args, base.seed, attempts)?;
    let store = canonical_dir(&base.store)?;
    let campaigns = a
        .campaigns
        .clone()
        .unwrap_or_else(|| store.join("campaigns"));
    let previous = match &a.compare_to {
        Some(p) => previous_campaign(&campaigns, p)?,
        None => None,
    };
    let dir = create_campaign_dir(&campaigns)?;
    eprintln!(
        "rjepsen test-all: {} tests x {attempts} attempt(s) = {} runs; campaign {}",
        cells.len(),
        plan.len(),
        dir.display()
    );
    let started = timestamp(SystemTime::now());
    let runs = run_all(&plan, &store);
    let tests = combine(&cells, &plan, &runs, policy);
    let mut summary = CampaignSummary {
        format: SUMMARY_FORMAT,
        name: dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        started,
        ended: timestamp(SystemTime::now()),
        store: store.display().to_string(),
        policy,
        test_count: attempts,
        shard,
        exit_code: exit_code(tests.iter().map(|t| t.outcome)),
        runs,
        tests,
    };
    if let Some(prev_dir) = previous {
        compare_with(&prev_dir, &mut summary, &dir, a.thresholds())?;
    }
    write_outputs(&summary, &dir, a.junit.as_deref())?;
    link_latest(&dir)?;
    let (wall, spent) = (
        t0.elapsed().as_secs_f64(),
        summary.runs.iter().map(|r| r.elapsed_s).sum::<f64>(),
    );
    eprintln!(
        "test-all overhead: {:.3} s per run beyond `rjepsen test` itself ({:.2} s of {:.1} s)",
        (wall - spent) / summary.runs.len().max(1) as f64,
        wall - spent,
        wall
    );
    print!("{}", output::text(&summary, &dir));
    Ok(summary.exit_code)
}

/// The matrix: from `--matrix FILE`, else from the flags.
fn cells_of(a: &TestAllArgs, base: &TestConfig) -> Result<Vec<Cell>, BadArgs> {
    match &a.matrix {
        Some(file) => matrix::from_file(file),
        None => matrix::from_flags(
            &FlagMatrix {
                workloads: &a.workloads,
                nemeses: &a.nemeses,
                dbs: &a.dbs,
                seeds: &a.seeds,
            },
            &base.db,
            &base.workload,
        ),
    }
}

/// Every planned run, one after another, with a line of progress each.
fn run_all(plan: &Plan, store: &Path) -> Vec<RunEntry> {
    let mut runs = Vec::new();
    for (i, (cell, p)) in plan.iter().enumerate() {
        let n = plan.len();
        eprintln!(
            "\n[{}/{n}] {} seed {} attempt {}",
            i + 1,
            cell.name,
            p.seed,
            p.attempt
        );
        let entry = run::run(p, store);
        eprintln!("[{}/{n}] {}: {}", i + 1, cell.name, entry.outcome.as_str());
        runs.push(entry);
    }
    runs
}

/// Compares with the previous campaign, writes compare.md, and turns exit
/// code 0 into 1 on a regression.
fn compare_with(
    prev_dir: &Path,
    summary: &mut CampaignSummary,
    dir: &Path,
    th: Thresholds,
) -> anyhow::Result<()> {
    let prev = CampaignSummary::load(prev_dir)?;
    let cmp = compare(&prev, summary, th);
    std::fs::write(dir.join("compare.md"), cmp.render())?;
    eprint!("{}", cmp.render());
    if cmp.regressed() && summary.exit_code == 0 {
        summary.exit_code = 1;
    }
    Ok(())
}

type Plan<'a> = Vec<(&'a Cell, run::Planned<'a>)>;

/// Every run: each cell's arguments after the base ones, its name and seed,
/// parsed by the real `test` parser now, so that a mistake stops the campaign
/// before its first run.
fn plan<'a>(
    cells: &'a [Cell],
    base: &[String],
    seed: u64,
    attempts: u32,
) -> Result<Plan<'a>, BadArgs> {
    let mut out = Vec::new();
    for cell in cells {
        for attempt in 0..attempts {
            let seed = cell.seed.unwrap_or(seed).wrapping_add(attempt.into());
            let mut args = base.to_vec();
            args.extend(cell.args.iter().cloned());
            args.extend([
                "--name".into(),
                cell.name.clone(),
                "--seed".into(),
                seed.to_string(),
            ]);
            let argv = std::iter::once("rjepsen".to_string()).chain(args.iter().cloned());
            match Cli::try_parse_from(argv) {
                Ok(Cli {
                    command: Command::Test(t),
                }) => TestConfig::from_args(&t)
                    .map_err(|e| BadArgs(format!("test {:?}: {e}", cell.name)))?,
                Ok(_) => unreachable!("the arguments start with `test`"),
                Err(e) => {
                    let first = e.to_string().lines().next().unwrap_or("").to_string();
                    return Err(BadArgs(format!("test {:?}: {first}", cell.name)));
                }
            };
            let test = cell.name.as_str();
            out.push((
                cell,
                run::Planned {
                    test,
                    seed,
                    attempt,
                    args,
                },
            ));
        }
    }
    Ok(out)
}

/// Each cell's attempts combined by the policy.
fn combine(cells: &[Cell], plan: &Plan, runs: &[RunEntry], policy: Policy) -> Vec<TestEntry> {
    cells
        .iter()
        .map(|cell| {
            let idx: Vec<usize> = (0..runs.len())
                .filter(|i| std::ptr::eq(plan[*i].0, cell))
                .collect();
            let outcomes: Vec<_> = idx.iter().map(|i| runs[*i].outcome).collect();
            TestEntry {
                test: cell.name.clone(),
                seed: cell.seed,
                outcome: policy.combine(&outcomes),
                runs: idx,
            }
        })
        .collect()
}

fn write_outputs(s: &CampaignSummary, dir: &Path, junit: Option<&Path>) -> anyhow::Result<()> {
    std::fs::write(dir.join("summary.json"), serde_json::to_vec_pretty(s)?)?;
    std::fs::write(
        dir.join("summary.md"),
        output::markdown(s, &store_from(dir, s)),
    )?;
    let xml = output::junit(s);
    std::fs::write(dir.join("junit.xml"), &xml)?;
    if let Some(f) = junit {
        std::fs::write(f, &xml)
            .map_err(|e| anyhow::anyhow!("failed to write --junit {}: {e}", f.display()))?;
    }
    Ok(())
}

/// How summary.md in `dir` reaches the store's runs: `../../` from the default
/// `<store>/campaigns/<name>/`, else the store's absolute path.
fn store_from(dir: &Path, s: &CampaignSummary) -> String {
    let store = Path::new(&s.store);
    match dir
        .canonicalize()
        .ok()
        .and_then(|d| d.strip_prefix(store).ok().map(Path::to_path_buf))
    {
        Some(rel) => "../".repeat(rel.components().count()),
        None => format!("{}/", store.display()),
    }
}

fn canonical_dir(d: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(d)
        .map_err(|e| anyhow::anyhow!("failed to create the store {}: {e}", d.display()))?;
    Ok(d.canonicalize()?)
}

/// `<campaigns>/<timestamp>/`.
fn create_campaign_dir(campaigns: &Path) -> anyhow::Result<PathBuf> {
    let stamp = timestamp(SystemTime::now()).replace([':', '-'], "");
    let dir = campaigns.join(&stamp);
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("failed to create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Points `<campaigns>/latest` at `dir`: only once its summary is written, so
/// that a campaign killed half-way is never the next one's `latest`.
fn link_latest(dir: &Path) -> anyhow::Result<()> {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return Ok(());
    };
    let latest = parent.join("latest");
    let _ = std::fs::remove_file(&latest);
    std::os::unix::fs::symlink(name, &latest)
        .map_err(|e| anyhow::anyhow!("failed to link {}: {e}", latest.display()))
}

/// `latest` (the newest campaign before this one; none on the first night)
/// or a campaign directory.
fn previous_campaign(campaigns: &Path, spec: &str) -> Result<Option<PathBuf>, BadArgs> {
    let dir = if spec == "latest" {
        let latest = campaigns.join("latest");
        if !latest.exists() {
            eprintln!(
                "--compare-to latest: no earlier campaign in {}; nothing to compare",
                campaigns.display()
            );
            return Ok(None);
        }
        latest
    } else {
        PathBuf::from(spec)
    };
    let dir = dir.canonicalize().map_err(|e| {
        BadArgs(format!(
            "--compare-to {spec}: no campaign at {} ({e})",
            dir.display()
        ))
    })?;
    if !dir.join("summary.json").is_file() {
        return Err(BadArgs(format!(
            "--compare-to {spec}: {} has no summary.json",
            dir.display()
        )));
    }
    Ok(Some(dir))
}

impl TestAllArgs {
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            throughput: self.throughput_threshold,
            p99: self.latency_threshold,
        }
    }
}
