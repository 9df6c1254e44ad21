//! A campaign: the runs of one `rjepsen test-all`, as its `summary.json`.
//!
//! `test-all` writes it, `compare` reads two of them, and `serve` reads all of
//! them for the campaigns and trend pages, so the type lives here, in the pure
//! half of core, beside the run record. Outcomes are Jepsen's four: a run is
//! valid, unknown, invalid, or it crashed (no verdict at all: the run could not
//! start, a node was unreachable, the process died). The campaign's exit code
//! is Jepsen's `test-all` rule: 255 if any crashed, else 2 if any is unknown,
//! else 1 if any failed, else 0.

use crate::{Op, OpType, Process};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The shape version of summary.json.
pub const SUMMARY_FORMAT: u32 = 1;

/// How a run (or a test, over its attempts) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Valid,
    Invalid,
    Unknown,
    Crashed,
}

impl Outcome {
    /// From the exit code of `rjepsen test` (None: killed by a signal).
    pub fn from_exit(code: Option<i32>) -> Outcome {
        match code {
            Some(0) => Outcome::Valid,
            Some(1) => Outcome::Invalid,
            Some(2) => Outcome::Unknown,
            _ => Outcome::Crashed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Invalid => "invalid",
            Outcome::Unknown => "unknown",
            Outcome::Crashed => "crashed",
        }
    }

    /// Jepsen's heading for the outcome in test-all's summary.
    pub fn heading(self) -> &'static str {
        match self {
            Outcome::Valid => "Successful tests",
            Outcome::Unknown => "Indeterminate tests",
            Outcome::Crashed => "Crashed tests",
            Outcome::Invalid => "Failed tests",
        }
    }
}

/// Jepsen's `test-all` exit code: 255 if any crashed, else 2 if any unknown,
/// else 1 if any failed, else 0.
pub fn exit_code(outcomes: impl IntoIterator<Item = Outcome>) -> i32 {
    let all: Vec<Outcome> = outcomes.into_iter().collect();
    if all.contains(&Outcome::Crashed) {
        255
    } else if all.contains(&Outcome::Unknown) {
        2
    } else if all.contains(&Outcome::Invalid) {
        1
    } else {
        0
    }
}

/// How a test's attempts (`--test-count`) combine into its outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Passes when any attempt was valid.
    Any,
    /// Passes when more than half of the attempts were valid.
    Most,
    /// Passes only when every attempt was valid.
    #[default]
    All,
}

impl Policy {
    pub fn parse(s: &str) -> Option<Policy> {
        match s {
            "any" => Some(Policy::Any),
            "most" => Some(Policy::Most),
            "all" => Some(Policy::All),
            _ => None,
        }
    }

    /// The test's outcome: valid when the policy is met, else the worst
    /// attempt: crashed, then invalid (an anomaly found by any attempt is the
    /// evidence to keep), then unknown.
    pub fn combine(self, attempts: &[Outcome]) -> Outcome {
        let valid = attempts.iter().filter(|o| **o == Outcome::Valid).count();
        let met = match self {
            Policy::Any => valid > 0,
            Policy::Most => 2 * valid > attempts.len(),
            Policy::All => !attempts.is_empty() && valid == attempts.len(),
        };
        if met {
            return Outcome::Valid;
        }
        let rank = |o: &Outcome| match o {
            Outcome::Valid => 0,
            Outcome::Unknown => 1,
            Outcome::Invalid => 2,
            Outcome::Crashed => 3,
        };
        let worst = attempts.iter().copied().max_by_key(rank);
        worst.unwrap_or(Outcome::Crashed)
    }
}

/// What a run measured: ok client ops per second over the history and the
/// latency quantiles of ok client ops, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    pub ok: u64,
    pub seconds: f64,
    pub ok_per_sec: f64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

impl RunMetrics {
    /// From a history: each ok client completion paired with its process's
    /// invocation; the span is the latest op's time.
    pub fn of(history: &[Op]) -> RunMetrics {
        let mut open: HashMap<&Process, u64> = HashMap::new();
        let mut latencies: Vec<u64> = Vec::new();
        for op in history.iter().filter(|o| o.is_client()) {
            if op.is_invoke() {
                open.insert(&op.process, op.time);
            } else if let Some(t0) = open.remove(&op.process) {
                if op.kind == OpType::Ok {
                    latencies.push(op.time.saturating_sub(t0));
                }
            }
        }
        latencies.sort_unstable();
        let seconds = history.iter().map(|o| o.time).max().unwrap_or(0) as f64 / 1e9;
        let q = |p: f64| -> Option<f64> {
            let n = latencies.len();
            (n > 0).then(|| {
                let i = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
                latencies[i] as f64 / 1e6
            })
        };
        let ok = latencies.len() as u64;
        RunMetrics {
            ok,
            seconds,
            ok_per_sec: if seconds > 0.0 {
                ok as f64 / seconds
            } else {
                0.0
            },
            p50_ms: q(0.50),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
        }
    }
}

/// One run of a campaign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    /// The test's name (the matrix cell; attempts and seeds share it).
    pub test: String,
    pub seed: u64,
    /// 0-based attempt of the test (`--test-count`).
    pub attempt: u32,
    pub outcome: Outcome,
    /// Why it was not valid: the checkers' summary, the coverage reason, or
    /// what the crashed run printed last.
    #[serde(default)]
    pub reason: Option<String>,
    /// The run's directory relative to the store root (None: it never made one).
    #[serde(default)]
    pub dir: Option<String>,
    /// Whether `dir` holds a report.html.
    #[serde(default)]
    pub has_report: bool,
    /// `rjepsen test` arguments of the run (its record's rerun command, when it
    /// wrote one; else what test-all ran).
    pub command: String,
    pub started: String,
    /// Wall-clock seconds of the `rjepsen test` process.
    pub elapsed_s: f64,
    /// Throughput and latency of the run's history (None: no history).
    #[serde(default)]
    pub metrics: Option<RunMetrics>,
}

/// A test of the campaign: its attempts combined by the policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestEntry {
    pub test: String,
    /// The seed, when the matrix lists seeds (each seed is a test of its own).
    #[serde(default)]
    pub seed: Option<u64>,
    pub outcome: Outcome,
    /// Indices into [`CampaignSummary::runs`].
    pub runs: Vec<usize>,
}

/// summary.json of a campaign directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub format: u32,
    /// The campaign directory's name (its start timestamp).
    pub name: String,
    pub started: String,
    pub ended: String,
    /// The store root the runs are in (absolute).
    pub store: String,
    pub policy: Policy,
    pub test_count: u32,
    /// `[k, n]` when only shard k of n ran.
    #[serde(default)]
    pub shard: Option<[u32; 2]>,
    pub runs: Vec<RunEntry>,
    pub tests: Vec<TestEntry>,
    pub exit_code: i32,
}

/// Why a summary.json could not be read.
#[derive(Debug, thiserror::Error)]
#[error("failed to read the campaign summary {path}: {message}")]
pub struct SummaryError {
    pub path: PathBuf,
    pub message: String,
}

impl CampaignSummary {
    /// Reads `dir/summary.json` (or `dir` itself when it names a `.json` file).
    pub fn load(dir: &Path) -> Result<CampaignSummary, SummaryError> {
        let path = if dir.extension().is_some_and(|e| e == "json") {
            dir.to_path_buf()
        } else {
            dir.join("summary.json")
        };
        let bad = |message: String| SummaryError {
            path: path.clone(),
            message,
        };
        let text = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
        serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))
    }

    /// The runs of a test.
    pub fn runs_of<'a>(&'a self, t: &'a TestEntry) -> impl Iterator<Item = &'a RunEntry> + 'a {
        t.runs.iter().filter_map(|i| self.runs.get(*i))
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.tests.iter().filter(|t| t.outcome == outcome).count()
    }
}

pub mod compare;

#[cfg(test)]
mod tests;

impl TestEntry {
    /// `name`, or `name (seed S)` when the matrix lists seeds.
    pub fn label(&self) -> String {
        match self.seed {
            Some(s) => format!("{} (seed {s})", self.test),
            None => self.test.clone(),
        }
    }
}
