//! From arguments as typed to a validated `TestConfig`: node lists resolved,
//! concurrency multiplied out, the seed chosen. Every mistake here is a
//! [`BadArgs`] (exit code 254) that says what was wrong with which argument.

use crate::cli::{NodeArgs, RegisterArgs, TestArgs};
use rjepsen_checkers::linear::RegisterOptions;
use rjepsen_core::control::SshOptions;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// A mistake in the arguments.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadArgs(pub String);

/// A test, as the rest of the program sees it.
#[derive(Clone, Debug)]
pub struct TestConfig {
    pub name: String,
    pub workload: String,
    pub db: String,
    pub nodes: Vec<String>,
    pub ssh: SshOptions,
    /// Where the nodes come from (`crate::providers`).
    pub provider: crate::providers::ProviderChoice,
    pub concurrency: usize,
    pub time_limit: f64,
    pub rate: f64,
    pub seed: u64,
    pub nemesis: Vec<String>,
    pub nemesis_interval: f64,
    /// A planned schedule (`--nemesis-duration`, `--nemesis-delay`).
    pub nemesis_fixed: Option<rjepsen_nemesis::FixedPace>,
    pub op_timeout: f64,
    pub ops_per_key: usize,
    pub max_writes_per_key: usize,
    pub consistency_models: Vec<String>,
    /// Register workload: initial value and reading of `null` (Knossos' models).
    pub register: RegisterOptions,
    pub recovery_time: f64,
    /// Ok client ops per worker thread below which the run tested nothing.
    pub min_ok_per_process: f64,
    pub leave_db_running: bool,
    pub store: PathBuf,
    pub quiet: bool,
    /// The database's typed options as it writes them, plus `op-timeout`
    /// (`Test::options`, test.json's `db_options`).
    pub options: Map<String, Value>,
    /// `--playground [--dir DIR]`: the playground's directory.
    pub playground: Option<PathBuf>,
}

/// Expands `n1..n5` into `n1, n2, ..., n5` and splits comma lists.
pub fn expand_nodes(spec: &str) -> Result<Vec<String>, BadArgs> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((a, b)) = part.split_once("..") else {
            out.push(part.to_string());
            continue;
        };
        let split = |s: &str| {
            let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (prefix, num) = s.split_at(s.len() - digits);
            num.parse::<u32>().ok().map(|n| (prefix.to_string(), n))
        };
        let bad = || BadArgs(format!("bad node range {part:?}: expected like n1..n5"));
        let (pa, from) = split(a).ok_or_else(bad)?;
        let (pb, to) = match split(b) {
            Some(x) => x,
            None => (pa.clone(), b.parse().map_err(|_| bad())?),
        };
        if (pb != pa && !pb.is_empty()) || to < from {
            return Err(bad());
        }
        out.extend((from..=to).map(|i| format!("{pa}{i}")));
    }
    Ok(out)
}

/// All nodes named by `--nodes`, `--node` and `--nodes-file`, in order, without
/// duplicates.
pub fn resolve_nodes(args: &NodeArgs) -> Result<Vec<String>, BadArgs> {
    let mut nodes = Vec::new();
    for spec in &args.nodes {
        nodes.extend(expand_nodes(spec)?);
    }
    nodes.extend(args.node.iter().cloned());
    if let Some(file) = &args.nodes_file {
        nodes.extend(
            crate::providers::read_nodes_file(file)?
                .into_iter()
                .map(|n| n.name),
        );
    }
    let mut seen = std::collections::HashSet::new();
    nodes.retain(|n| seen.insert(n.clone()));
    Ok(nodes)
}

/// `10` or `2n` (times the node count).
pub fn parse_concurrency(s: &str, node_count: usize) -> Result<usize, BadArgs> {
    let bad = || {
        BadArgs(format!(
            "bad --concurrency {s:?}: expected a number like 10, or 2n"
        ))
    };
    let n = match s.strip_suffix('n') {
        Some(k) => k.parse::<usize>().map_err(|_| bad())? * node_count,
        None => s.parse::<usize>().map_err(|_| bad())?,
    };
    if n == 0 {
        return Err(bad());
    }
    Ok(n)
}

/// Splits a comma list, dropping empty items.
/// `--initial-value` (JSON) and `--nil-reads-unknown` as the register models take them.
pub fn register_options(a: &RegisterArgs) -> Result<RegisterOptions, BadArgs> {
    let initial_value = match &a.initial_value {
        None => Value::Null,
        Some(s) => serde_json::from_str(s).map_err(|e| {
            BadArgs(format!(
                "bad --initial-value {s:?}: expected a JSON value such as 0, \"a\" or null ({e})"
            ))
        })?,
    };
    Ok(RegisterOptions {
        initial_value,
        nil_reads_unknown: a.nil_reads_unknown,
    })
}

pub fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// SSH options from the arguments. Without `--ssh-private-key` the key stays
/// `None`: the caller may fill in the local cluster's (reading its state is I/O,
/// which argument checking does not do).
pub fn ssh_options(args: &NodeArgs) -> SshOptions {
    SshOptions {
        username: args.username.clone(),
        private_key: args.ssh_private_key.clone(),
        strict_host_key_checking: args.strict_host_key_checking,
        ..SshOptions::default()
    }
}

/// The database's own options, checked by its adapter (`rjepsen_db::db_options`):
/// only those given are passed, so an option of another database is refused.
fn db_options(a: &TestArgs) -> Result<Map<String, Value>, BadArgs> {
    let mut given = Map::new();
    if a.serializable_reads {
        given.insert("serializable-reads".into(), json!(true));
    }
    if a.shop_fixed {
        given.insert("shop-fixed".into(), json!(true));
    }
    if let Some(b) = &a.db_binary {
        if !b.is_file() {
            return Err(BadArgs(format!(
                "--db-binary {}: no such file",
                b.display()
            )));
        }
        given.insert("db-binary".into(), json!(b.display().to_string()));
    }
    let named = [
        ("isolation", a.isolation.clone().map(Value::from)),
        ("read-from", a.read_from.clone().map(Value::from)),
        (
            "sync-replication",
            a.sync_replication.clone().map(Value::from),
        ),
        ("failover", a.failover.clone().map(Value::from)),
        ("appendfsync", a.appendfsync.clone().map(Value::from)),
        ("wait-replicas", a.wait_replicas.map(Value::from)),
        ("shop-items", a.shop_items.map(Value::from)),
        ("shop-orders", a.shop_orders.map(Value::from)),
        ("shop-consigns", a.shop_consigns.map(Value::from)),
    ];
    for (name, value) in named {
        if let Some(v) = value {
            given.insert(name.into(), v);
        }
    }
    rjepsen_db::db_options(&a.db, &given).map_err(BadArgs)
}

impl TestConfig {
    pub fn from_args(a: &TestArgs) -> Result<TestConfig, BadArgs> {
        let playground = a.playground.then(|| {
            a.dir
                .clone()
                .unwrap_or_else(rjepsen_playground::default_dir)
        });
        let nodes = match &playground {
            Some(dir) => crate::playground_test::node_names(dir)?,
            None => resolve_nodes(&a.nodes)?,
        };
        if nodes.is_empty() {
            return Err(BadArgs(
                "no nodes: give --nodes n1..n5 (or --node, --nodes-file)".into(),
            ));
        }
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(BadArgs(format!("bad --{name} {v}: expected a number >= 0")))
            }
        };
        rjepsen_workloads::check_pair(&a.workload, &a.db).map_err(BadArgs)?;
        let mut options = db_options(a)?;
        options.insert(
            "op-timeout".into(),
            json!(positive("op-timeout", a.op_timeout)?),
        );
        options.insert(
            "metrics-interval".into(),
            json!(positive("metrics-interval", a.metrics_interval)?),
        );
        Ok(TestConfig {
            name: a
                .name
                .clone()
                .unwrap_or_else(|| format!("{}-{}", a.db, a.workload)),
            workload: a.workload.clone(),
            db: a.db.clone(),
            concurrency: parse_concurrency(&a.concurrency, nodes.len())?,
            ssh: ssh_options(&a.nodes),
            provider: crate::providers::ProviderChoice::from_node_args(&a.nodes)?,
            nodes,
            time_limit: positive("time-limit", a.time_limit)?,
            rate: positive(
                "rate",
                a.rate
                    .unwrap_or_else(|| rjepsen_workloads::default_rate(&a.workload)),
            )?,
            seed: a.seed.unwrap_or_else(rand::random),
            nemesis: comma_list(&a.nemesis),
            nemesis_interval: positive("nemesis-interval", a.nemesis_interval)?,
            nemesis_fixed: fixed_pace(a)?,
            op_timeout: a.op_timeout,
            ops_per_key: a.ops_per_key.max(1),
            max_writes_per_key: a.max_writes_per_key.max(1),
            consistency_models: comma_list(&a.consistency_models),
            register: register_options(&a.register)?,
            recovery_time: positive("recovery-time", a.recovery_time)?,
            min_ok_per_process: positive("min-ok-per-process", a.min_ok_per_process)?,
            leave_db_running: a.leave_db_running,
            store: a.store.clone(),
            quiet: a.quiet,
            options,
            playground,
        })
    }
}

/// `--nemesis-duration` and `--nemesis-delay` as a planned schedule: both
/// positive seconds; the delay defaults to `--nemesis-interval`.
fn fixed_pace(a: &TestArgs) -> Result<Option<rjepsen_nemesis::FixedPace>, BadArgs> {
    let Some(duration) = a.nemesis_duration else {
        return Ok(None);
    };
    let delay = a.nemesis_delay.unwrap_or(a.nemesis_interval);
    for (name, v) in [("nemesis-duration", duration), ("nemesis-delay", delay)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(BadArgs(format!(
                "bad --{name} {v}: expected a positive number of seconds"
            )));
        }
    }
    Ok(Some(rjepsen_nemesis::FixedPace {
        delay_secs: delay,
        duration_secs: duration,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_lists() {
        let table: &[(&str, &[&str])] = &[
            ("n1..n3", &["n1", "n2", "n3"]),
            ("n1,n2, n9", &["n1", "n2", "n9"]),
            ("db8..db10", &["db8", "db9", "db10"]),
            ("n1..3", &["n1", "n2", "n3"]),
            ("host", &["host"]),
        ];
        for (spec, want) in table {
            assert_eq!(expand_nodes(spec).unwrap(), *want, "{spec}");
        }
        for bad in ["n3..n1", "n1..m3", "a..b"] {
            assert!(expand_nodes(bad).is_err(), "{bad}");
        }
    }

    /// What `--workload` builds and what the adapters serve share one list of
    /// names; and a database's options are checked while parsing.
    #[test]
    fn workload_names_agree_and_db_options_are_checked() {
        assert_eq!(rjepsen_workloads::WORKLOADS, rjepsen_core::serve::WORKLOADS);
        let argv = |extra: &[&str]| {
            let mut v = vec!["rjepsen", "test", "--nodes", "n1"];
            v.extend_from_slice(extra);
            let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(v).unwrap();
            match cli.command {
                crate::cli::Command::Test(a) => TestConfig::from_args(&a),
                _ => unreachable!(),
            }
        };
        let cfg = argv(&["--serializable-reads"]).unwrap();
        assert_eq!(cfg.options["serializable-reads"], json!(true));
        let cfg = argv(&["--db", "shop", "--workload", "shop", "--shop-fixed"]).unwrap();
        assert_eq!(cfg.options["shop-fixed"], json!(true));
        let err = argv(&["--workload", "shop"]).unwrap_err().to_string();
        assert!(err.contains("--db shop") && err.contains("etcd"), "{err}");
        let err = argv(&["--db", "shop"]).unwrap_err().to_string();
        assert!(
            err.contains("--workload shop") && err.contains("register"),
            "{err}"
        );
        let shop = argv(&["--db", "shop", "--workload", "shop"]).unwrap();
        assert_eq!(shop.rate, rjepsen_workloads::shop::DEFAULT_RATE);
        assert_eq!(shop.options["shop-items"], json!(8));
        assert_eq!(argv(&[]).unwrap().rate, 100.0);
        let err = argv(&["--db", "shop", "--workload", "shop", "--shop-items", "0"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--db shop") && err.contains("zero"), "{err}");
        let err = argv(&["--shop-orders", "3"]).unwrap_err().to_string();
        assert!(
            err.contains("--shop-orders does not apply to --db etcd"),
            "{err}"
        );
        let err = argv(&["--shop-fixed"]).unwrap_err().to_string();
        assert!(
            err.contains("--shop-fixed") && err.contains("etcd"),
            "{err}"
        );
        let err = argv(&["--db", "zookeeper"]).unwrap_err().to_string();
        assert!(err.contains("zookeeper") && err.contains("etcd"), "{err}");
        let err = argv(&["--isolation", "serializable"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--isolation does not apply to --db etcd"),
            "{err}"
        );
        let pg = |extra: &[&str]| argv(&[&["--db", "postgres"], extra].concat());
        let cfg = pg(&["--isolation", "repeatable-read", "--sync-replication", "on"]).unwrap();
        assert_eq!(cfg.options["isolation"], json!("repeatable-read"));
        assert_eq!(cfg.options["read-from"], json!("primary"));
        assert_eq!(cfg.options["sync-replication"], json!("on"));
        for bad in [&["--isolation", "snapshot"], &["--sync-replication", "yes"]] {
            let err = pg(bad).unwrap_err().to_string();
            assert!(err.contains(bad[1]) && err.contains("postgres"), "{err}");
        }
        let err = pg(&["--serializable-reads"]).unwrap_err().to_string();
        assert!(err.contains("--read-from"), "{err}");
        let cfg = argv(&[
            "--db",
            "redis",
            "--failover",
            "none",
            "--wait-replicas",
            "1",
        ])
        .unwrap();
        assert_eq!(cfg.options["failover"], json!("none"));
        assert_eq!(cfg.options["wait-replicas"], json!(1));
        assert_eq!(cfg.options["appendfsync"], json!("everysec"));
        let err = argv(&["--failover", "none"]).unwrap_err().to_string();
        assert!(err.contains("--failover") && err.contains("etcd"), "{err}");
        let err = argv(&["--db", "redis", "--appendfsync", "sometimes"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("sometimes"), "{err}");
    }

    #[test]
    fn planned_schedule_flags() {
        use clap::Parser;
        let cfg = |extra: &str| {
            let argv = format!("rjepsen test --nodes n1..n3 {extra}");
            let cli = crate::cli::Cli::try_parse_from(argv.split_whitespace()).unwrap();
            let crate::cli::Command::Test(a) = cli.command else {
                panic!()
            };
            TestConfig::from_args(&a).map(|c| c.nemesis_fixed)
        };
        assert_eq!(cfg("").unwrap(), None);
        let p = cfg("--nemesis-interval 4 --nemesis-duration 5")
            .unwrap()
            .unwrap();
        assert_eq!((p.duration_secs, p.delay_secs), (5.0, 4.0));
        let p = cfg("--nemesis-duration 5 --nemesis-delay 2")
            .unwrap()
            .unwrap();
        assert_eq!(p.delay_secs, 2.0);
        let e = cfg("--nemesis-duration 0").unwrap_err();
        assert!(e.to_string().contains("--nemesis-duration 0"), "{e}");
    }

    #[test]
    fn concurrency() {
        assert_eq!(parse_concurrency("10", 5).unwrap(), 10);
        assert_eq!(parse_concurrency("2n", 5).unwrap(), 10);
        assert_eq!(parse_concurrency("1n", 3).unwrap(), 3);
        for bad in ["0", "xn", "-1", ""] {
            assert!(parse_concurrency(bad, 5).is_err(), "{bad}");
        }
    }

    #[test]
    fn nodes_from_all_sources_without_duplicates() {
        let dir = std::env::temp_dir().join(format!("rjepsen-nodes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("nodes");
        std::fs::write(&file, "n3\n# comment\n\nn4\n").unwrap();
        let args = NodeArgs {
            nodes: vec!["n1..n3".into()],
            node: vec!["n2".into(), "n5".into()],
            nodes_file: Some(file),
            username: "root".into(),
            ssh_private_key: None,
            strict_host_key_checking: false,
            provider: None,
            state_dir: None,
            limits: Default::default(),
        };
        assert_eq!(
            resolve_nodes(&args).unwrap(),
            ["n1", "n2", "n3", "n5", "n4"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
