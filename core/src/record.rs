//! The run record: `test.json`, as one type.
//!
//! `rjepsen test` writes it, and `analyze`, `serve`, the report and `test-all`
//! read it, so a field is added here once and every reader sees it. It holds
//! everything needed to run the same test again: the resolved options, each
//! part's own options (workload, database, nemesis package), the seed, the
//! versions and the exact rerun command.
//!
//! Old runs still load. Before this type, test.json was flat (`ops_per_key`,
//! `initial_value`, `rjepsen_version`... at the top level, the op timeout inside
//! `options`); [`RunRecord`] is deserialised through a wire form that accepts
//! both shapes and folds the old fields into the new places. Every field is
//! optional on reading: a run killed before its end, or written by an older or
//! newer rjepsen, must still be listed and reported. The pure half of core holds
//! it, so the report reads it without SSH or tokio.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shape version written in `format`; old, flat records read as 1.
pub const RECORD_FORMAT: u32 = 2;

/// Default of [`ValidityRules::min_ok_per_process`].
pub const DEFAULT_MIN_OK_PER_PROCESS: f64 = 5.0;

/// One run's test.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "wire::RecordWire")]
pub struct RunRecord {
    /// Shape version ([`RECORD_FORMAT`]; 1 for a record of the old flat shape).
    pub format: u32,
    pub name: String,
    pub workload: String,
    pub db: String,
    /// Resolved node names, in order.
    pub nodes: Vec<String>,
    /// Worker threads (client processes at a time).
    pub concurrency: usize,
    /// Seconds of the main phase.
    pub time_limit: f64,
    /// Total client ops per second (0: as fast as possible).
    pub rate: f64,
    pub seed: u64,
    /// Seconds before a client op becomes `info` (None: not recorded, an old run).
    pub op_timeout: Option<f64>,
    /// Seconds between healing and the final reads (None: not recorded).
    pub recovery_time: Option<f64>,
    /// Fault packages asked for, as named on the command line.
    pub nemesis: Vec<String>,
    pub workload_options: WorkloadRecord,
    /// The options the DB adapter and its clients see (`Test::options`).
    pub db_options: Map<String, Value>,
    pub nemesis_options: NemesisRecord,
    pub validity: ValidityRules,
    /// How the nodes were reached and where the run was stored.
    pub control: ControlRecord,
    /// The command that runs this test again, quoted for a POSIX shell.
    pub command: String,
    /// The same command as arguments (without the program name), never
    /// re-split from `command`.
    pub args: Vec<String>,
    /// RFC 3339 UTC start and end; `end_time` is None while running.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub interrupted: bool,
    /// Why the run stopped with an internal error (a node unreachable...).
    pub error: Option<String>,
    /// `rjepsen` and any other component version known (by component name).
    pub versions: BTreeMap<String, String>,
    /// The address book the run dialled (None until resolved, and in old runs).
    pub addresses: Option<crate::addr::AddrBook>,
}

/// The workload's own options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkloadRecord {
    /// Register: ops on a key before a fresh key (None: the workload's default).
    pub ops_per_key: Option<usize>,
    /// List-append: appends to a key before it is retired.
    pub max_writes_per_key: Option<usize>,
    /// Elle: consistency models to check.
    pub consistency_models: Vec<String>,
    /// Register: value before any write (`null`: unset).
    pub initial_value: Value,
    /// Register: an ok read of `null` is consistent with any value.
    pub nil_reads_unknown: bool,
}

/// The nemesis packages' own options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NemesisRecord {
    /// Seconds between fault changes, on average.
    pub interval: f64,
    /// A planned schedule: each fault held this many seconds (None: random).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// With `duration`: seconds healthy before each fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<f64>,
}

impl Default for NemesisRecord {
    fn default() -> Self {
        NemesisRecord {
            interval: 10.0,
            duration: None,
            delay: None,
        }
    }
}

/// When a run counts as having tested something (docs/nightly.md, "Validity").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValidityRules {
    /// Fewer ok client ops per worker thread than this makes the verdict
    /// unknown (0 turns the rule off). A fault package asked for that never
    /// injected a fault makes it unknown too, always.
    pub min_ok_per_process: f64,
}

impl Default for ValidityRules {
    fn default() -> Self {
        ValidityRules {
            min_ok_per_process: DEFAULT_MIN_OK_PER_PROCESS,
        }
    }
}

/// How the control node reached the nodes, and the run's bookkeeping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlRecord {
    pub username: String,
    pub ssh_private_key: Option<String>,
    pub strict_host_key_checking: bool,
    /// The store root given (`--store`).
    pub store: String,
    pub leave_db_running: bool,
    pub quiet: bool,
    /// The node provider (`--provider`; None in runs from before providers).
    pub provider: Option<String>,
    /// `--state-dir`, `--nodes-file` as given.
    pub state_dir: Option<String>,
    pub nodes_file: Option<String>,
    /// `--node-memory` in bytes and `--node-cpus`.
    pub node_memory_bytes: Option<u64>,
    pub node_cpus: Option<f64>,
    /// `--playground --dir DIR`: the playground's directory.
    pub playground: Option<String>,
}

impl Default for ControlRecord {
    fn default() -> Self {
        ControlRecord {
            username: "root".into(),
            ssh_private_key: None,
            strict_host_key_checking: false,
            store: "store".into(),
            leave_db_running: false,
            quiet: false,
            provider: None,
            state_dir: None,
            nodes_file: None,
            node_memory_bytes: None,
            node_cpus: None,
            playground: None,
        }
    }
}

/// Why test.json could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("failed to read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to parse {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// The record of a run of which nothing is known (every field at the value
/// an empty test.json reads as).
impl Default for RunRecord {
    fn default() -> Self {
        wire::RecordWire::default().into()
    }
}

impl RunRecord {
    /// Reads a test.json (the old or the new shape).
    pub fn load(path: &Path) -> Result<RunRecord, RecordError> {
        let text = std::fs::read(path).map_err(|source| RecordError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| RecordError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The rjepsen version that wrote the run, when known.
    pub fn rjepsen_version(&self) -> Option<&str> {
        self.versions.get("rjepsen").map(String::as_str)
    }

    /// True when the run did not reach its end (Ctrl-C, or killed: no end time).
    pub fn incomplete(&self) -> bool {
        self.interrupted || self.end_time.is_none()
    }
}

mod wire;

#[cfg(test)]
mod tests;
