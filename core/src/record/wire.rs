//! test.json as found on disk, in either shape: the current nested one and the
//! flat one written before [`RunRecord`] existed. Everything is optional here;
//! `From` folds the old fields into their new places, the new ones winning.

use super::{
    ControlRecord, NemesisRecord, RunRecord, ValidityRules, WorkloadRecord, RECORD_FORMAT,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RecordWire {
    format: Option<u32>,
    name: String,
    workload: String,
    db: String,
    nodes: Vec<String>,
    concurrency: Option<usize>,
    time_limit: Option<f64>,
    rate: Option<f64>,
    seed: Option<u64>,
    op_timeout: Option<f64>,
    recovery_time: Option<f64>,
    nemesis: Vec<String>,
    workload_options: Option<WorkloadRecord>,
    db_options: Option<Map<String, Value>>,
    nemesis_options: Option<NemesisRecord>,
    validity: Option<ValidityRules>,
    control: Option<ControlRecord>,
    command: String,
    args: Vec<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    interrupted: bool,
    error: Option<String>,
    versions: BTreeMap<String, String>,
    addresses: Option<crate::addr::AddrBook>,
    // The flat shape (format 1).
    options: Option<Map<String, Value>>,
    nemesis_interval: Option<f64>,
    ops_per_key: Option<usize>,
    max_writes_per_key: Option<usize>,
    consistency_models: Option<Vec<String>>,
    initial_value: Option<Value>,
    nil_reads_unknown: Option<bool>,
    rjepsen_version: Option<String>,
}

impl RecordWire {
    fn workload_options(&mut self) -> WorkloadRecord {
        if let Some(w) = self.workload_options.take() {
            return w;
        }
        WorkloadRecord {
            ops_per_key: self.ops_per_key,
            max_writes_per_key: self.max_writes_per_key,
            consistency_models: self.consistency_models.take().unwrap_or_default(),
            initial_value: self.initial_value.take().unwrap_or(Value::Null),
            nil_reads_unknown: self.nil_reads_unknown.unwrap_or(false),
        }
    }

    fn versions(&mut self) -> BTreeMap<String, String> {
        let mut v = std::mem::take(&mut self.versions);
        if let Some(old) = self.rjepsen_version.take() {
            v.entry("rjepsen".into()).or_insert(old);
        }
        v
    }
}

impl From<RecordWire> for RunRecord {
    fn from(mut w: RecordWire) -> RunRecord {
        let flat = w.format.is_none() && w.workload_options.is_none();
        let workload_options = w.workload_options();
        let versions = w.versions();
        let db_options = w.db_options.take().or(w.options.take()).unwrap_or_default();
        // The flat shape kept the op timeout among the adapter's options.
        let op_timeout = w
            .op_timeout
            .or_else(|| db_options.get("op-timeout").and_then(Value::as_f64));
        let nemesis_options = w.nemesis_options.take().unwrap_or_else(|| NemesisRecord {
            interval: w
                .nemesis_interval
                .unwrap_or(NemesisRecord::default().interval),
            ..NemesisRecord::default()
        });
        RunRecord {
            format: w.format.unwrap_or(if flat { 1 } else { RECORD_FORMAT }),
            name: w.name,
            workload: w.workload,
            db: w.db,
            concurrency: w.concurrency.unwrap_or(w.nodes.len()),
            nodes: w.nodes,
            time_limit: w.time_limit.unwrap_or(0.0),
            rate: w.rate.unwrap_or(0.0),
            seed: w.seed.unwrap_or(0),
            op_timeout,
            recovery_time: w.recovery_time,
            nemesis: w.nemesis,
            workload_options,
            db_options,
            nemesis_options,
            validity: w.validity.unwrap_or_default(),
            control: w.control.unwrap_or_default(),
            command: w.command,
            args: w.args,
            start_time: w.start_time,
            end_time: w.end_time,
            interrupted: w.interrupted,
            error: w.error,
            versions,
            addresses: w.addresses,
        }
    }
}
