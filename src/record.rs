//! From a validated `TestConfig` to the run record (core's `RunRecord`, which is
//! test.json), and from a record back to the exact `rjepsen test` arguments that
//! run it again.
//!
//! The rerun command is built from the record, not from the config, so that a
//! stored run carries it and `test-all` can print it for a run it did not start.
//! It spells every option out, defaults included: a default that changes later
//! must not change what the old command runs. The test below parses the command
//! back with the real clap parser and compares the records, and fails when an
//! option of `rjepsen test` is missing from it.

use crate::config::TestConfig;
use rjepsen_core::record::{
    ControlRecord, NemesisRecord, RunRecord, ValidityRules, WorkloadRecord, RECORD_FORMAT,
};
use serde_json::Value;

/// The record of `cfg`, with its rerun command; times are left to the caller.
pub fn record(cfg: &TestConfig) -> RunRecord {
    let mut r = RunRecord {
        format: RECORD_FORMAT,
        name: cfg.name.clone(),
        workload: cfg.workload.clone(),
        db: cfg.db.clone(),
        nodes: cfg.nodes.clone(),
        concurrency: cfg.concurrency,
        time_limit: cfg.time_limit,
        rate: cfg.rate,
        seed: cfg.seed,
        op_timeout: Some(cfg.op_timeout),
        recovery_time: Some(cfg.recovery_time),
        nemesis: cfg.nemesis.clone(),
        workload_options: WorkloadRecord {
            ops_per_key: Some(cfg.ops_per_key),
            max_writes_per_key: Some(cfg.max_writes_per_key),
            consistency_models: cfg.consistency_models.clone(),
            initial_value: cfg.register.initial_value.clone(),
            nil_reads_unknown: cfg.register.nil_reads_unknown,
        },
        db_options: cfg.options.clone(),
        nemesis_options: NemesisRecord {
            interval: cfg.nemesis_interval,
            duration: cfg.nemesis_fixed.map(|p| p.duration_secs),
            delay: cfg.nemesis_fixed.map(|p| p.delay_secs),
        },
        validity: ValidityRules {
            min_ok_per_process: cfg.min_ok_per_process,
        },
        control: ControlRecord {
            username: cfg.ssh.username.clone(),
            ssh_private_key: cfg
                .ssh
                .private_key
                .as_ref()
                .map(|k| k.display().to_string()),
            strict_host_key_checking: cfg.ssh.strict_host_key_checking,
            store: cfg.store.display().to_string(),
            leave_db_running: cfg.leave_db_running,
            quiet: cfg.quiet,
            provider: Some(cfg.provider.kind.clone()),
            state_dir: path_text(&cfg.provider.state_dir),
            nodes_file: path_text(&cfg.provider.nodes_file),
            node_memory_bytes: cfg.provider.limits.memory_bytes,
            node_cpus: cfg.provider.limits.cpus,
            playground: path_text(&cfg.playground),
        },
        command: String::new(),
        args: Vec::new(),
        start_time: None,
        end_time: None,
        interrupted: false,
        error: None,
        versions: [("rjepsen".to_string(), env!("CARGO_PKG_VERSION").to_string())].into(),
        addresses: None,
    };
    r.args = rerun_args(&r);
    r.command = shell_command(&r.args);
    r
}

/// `rjepsen test` arguments (without the program name) that run `r` again.
pub fn rerun_args(r: &RunRecord) -> Vec<String> {
    let mut a: Vec<String> = vec!["test".into()];
    let mut opt = |name: &str, value: String| {
        a.push(format!("--{name}"));
        a.push(value);
    };
    opt("name", r.name.clone());
    opt("workload", r.workload.clone());
    opt("db", r.db.clone());
    opt("nodes", r.nodes.join(","));
    opt("concurrency", r.concurrency.to_string());
    opt("time-limit", r.time_limit.to_string());
    opt("rate", r.rate.to_string());
    opt("seed", r.seed.to_string());
    if let Some(t) = r.op_timeout {
        opt("op-timeout", t.to_string());
    }
    if let Some(t) = r.recovery_time {
        opt("recovery-time", t.to_string());
    }
    if !r.nemesis.is_empty() {
        opt("nemesis", r.nemesis.join(","));
    }
    opt("nemesis-interval", r.nemesis_options.interval.to_string());
    if let Some(d) = r.nemesis_options.duration {
        opt("nemesis-duration", d.to_string());
    }
    if let Some(d) = r.nemesis_options.delay {
        opt("nemesis-delay", d.to_string());
    }
    workload_args(&r.workload_options, &mut opt);
    opt(
        "min-ok-per-process",
        r.validity.min_ok_per_process.to_string(),
    );
    if let Some(t) = r.db_options.get("metrics-interval").and_then(Value::as_f64) {
        opt("metrics-interval", t.to_string());
    }
    if let Some(Value::String(b)) = r.db_options.get("db-binary") {
        opt("db-binary", b.clone());
    }
    let c = &r.control;
    opt("username", c.username.clone());
    if let Some(k) = &c.ssh_private_key {
        opt("ssh-private-key", k.clone());
    }
    opt("store", c.store.clone());
    provider_args(c, &mut opt);
    if let Some(d) = &c.playground {
        opt("dir", d.clone());
    }
    let flags = [
        (
            "serializable-reads",
            r.db_options.get("serializable-reads") == Some(&Value::Bool(true)),
        ),
        (
            "shop-fixed",
            r.db_options.get("shop-fixed") == Some(&Value::Bool(true)),
        ),
        ("nil-reads-unknown", r.workload_options.nil_reads_unknown),
        ("strict-host-key-checking", c.strict_host_key_checking),
        ("leave-db-running", c.leave_db_running),
        ("playground", c.playground.is_some()),
        ("quiet", c.quiet),
    ];
    a.extend(
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| format!("--{f}")),
    );
    a
}

fn path_text(p: &Option<std::path::PathBuf>) -> Option<String> {
    p.as_ref().map(|p| p.display().to_string())
}

/// The node provider's options; `--nodes-file` beside `--nodes` names the same
/// nodes (duplicates are dropped) and keeps the static machines' hosts.
fn provider_args(c: &ControlRecord, opt: &mut impl FnMut(&str, String)) {
    let texts = [
        ("provider", c.provider.clone()),
        ("state-dir", c.state_dir.clone()),
        ("nodes-file", c.nodes_file.clone()),
        ("node-memory", c.node_memory_bytes.map(|b| b.to_string())),
        ("node-cpus", c.node_cpus.map(|n| n.to_string())),
    ];
    for (name, value) in texts {
        if let Some(v) = value {
            opt(name, v);
        }
    }
}

fn workload_args(w: &WorkloadRecord, opt: &mut impl FnMut(&str, String)) {
    if let Some(n) = w.ops_per_key {
        opt("ops-per-key", n.to_string());
    }
    if let Some(n) = w.max_writes_per_key {
        opt("max-writes-per-key", n.to_string());
    }
    if !w.consistency_models.is_empty() {
        opt("consistency-models", w.consistency_models.join(","));
    }
    if !w.initial_value.is_null() {
        opt("initial-value", w.initial_value.to_string());
    }
}

/// `rjepsen ARGS`, each argument quoted for a POSIX shell when it needs it.
pub fn shell_command(args: &[String]) -> String {
    let mut s = String::from("rjepsen");
    for a in args {
        s.push(' ');
        s.push_str(&shell_quote(a));
    }
    s
}

fn shell_quote(a: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,/:=+@%".contains(c);
    if !a.is_empty() && a.chars().all(plain) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
