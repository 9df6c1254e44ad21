use super::*;
use crate::cli::{Cli, Command};
use clap::{CommandFactory, Parser};

/// Options of `rjepsen test` that the rerun command folds into others or
/// leaves out on purpose: `--node` is resolved into `--nodes`; `--test-count`
/// reruns one run, the one recorded.
const FOLDED: &[&str] = &["node", "test-count", "help"];
/// Options of one database other than etcd (which `every_option` runs on),
/// each round-tripped by a test of its own below.
const OTHER_DB: &[&str] = &["shop-fixed", "shop-items", "shop-orders", "shop-consigns"];

fn record_of(argv: &[String]) -> RunRecord {
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    let Command::Test(args) = cli.command else {
        panic!("not a test command: {argv:?}")
    };
    record(&TestConfig::from_args(&args).unwrap())
}

/// A playground's `state.json` naming `nodes` (no daemon: only read for names).
fn playground_state(nodes: &[&str]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rjepsen-record-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let at: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
    let node = |n: &&str| rjepsen_playground::NodeInfo {
        name: n.to_string(),
        client: at,
        peer: at,
        real_client: at,
        real_peer: at,
        data_dir: dir.join(n),
        log: dir.join(n).join("etcd.log"),
    };
    let state = rjepsen_playground::State {
        daemon_pid: 1,
        control: at,
        http: at,
        seed: 1,
        db: "etcd".into(),
        binary: "/bin/true".into(),
        traces: None,
        nodes: nodes.iter().map(node).collect(),
    };
    state.write(&dir).unwrap();
    dir
}

/// Every option of `rjepsen test` set away from its default.
fn every_option() -> Vec<String> {
    let argv = "rjepsen test --nodes a1..a2 --node b1 --username jepsen \
        --ssh-private-key /k/id --strict-host-key-checking --initial-value [0,\"x\"] \
        --nil-reads-unknown --workload list-append --db etcd --name nightly-1 \
        --concurrency 3n --time-limit 7.5 --rate 12.25 --seed 99 --nemesis partition,kill \
        --nemesis-interval 1.5 --nemesis-duration 4 --nemesis-delay 2.5 --serializable-reads --db-binary /bin/sh --op-timeout 2.5 \
        --ops-per-key 17 --max-writes-per-key 9 --consistency-models serializable,snapshot-isolation \
        --recovery-time 0.25 --min-ok-per-process 0.5 --leave-db-running \
        --store /tmp/store --quiet --test-count 3 --provider lxc --state-dir /tmp/st \
        --node-memory 512M --node-cpus 0.5 --playground --dir PLAYGROUND --nodes-file";
    let file = std::env::temp_dir().join(format!("rjepsen-record-nodes-{}", std::process::id()));
    std::fs::write(&file, "b1\nb2 host-b2\n").unwrap();
    let playground = playground_state(&["a1", "a2", "b1", "b2"]);
    let argv = argv.replace("PLAYGROUND", &playground.display().to_string());
    let mut args: Vec<String> = argv
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    args.push(file.display().to_string());
    args
}

#[test]
fn the_rerun_command_round_trips_every_option() {
    let first = record_of(&every_option());
    let mut again = vec!["rjepsen".to_string()];
    again.extend(first.args.iter().cloned());
    let second = record_of(&again);
    assert_eq!(second, first, "rerun: {}", first.command);
    assert_eq!(first.nodes, ["a1", "a2", "b1", "b2"]);
    assert_eq!(first.concurrency, 12);
    assert_eq!(first.control.provider.as_deref(), Some("lxc"));
    assert_eq!(first.control.node_memory_bytes, Some(512 << 20));
    assert_eq!(first.workload_options.max_writes_per_key, Some(9));
    assert_eq!(first.op_timeout, Some(2.5));
    assert_eq!(first.recovery_time, Some(0.25));
}

/// PostgreSQL's options, which etcd refuses, set away from their defaults.
fn postgres_options() -> Vec<String> {
    "rjepsen test --nodes p1..p3 --db postgres --workload rw-register \
        --isolation read-committed --read-from replica --sync-replication on"
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn the_rerun_command_round_trips_postgres_options() {
    let first = record_of(&postgres_options());
    assert_eq!(first.db_options["isolation"], "read-committed");
    assert_eq!(first.db_options["sync-replication"], "on");
    let mut again = vec!["rjepsen".to_string()];
    again.extend(first.args.iter().cloned());
    assert_eq!(record_of(&again), first, "rerun: {}", first.command);
    assert!(
        first
            .command
            .ends_with("--isolation read-committed --read-from replica --sync-replication on"),
        "{}",
        first.command
    );
}

/// Redis's options, set away from their defaults.
fn redis_options() -> Vec<String> {
    "rjepsen test --nodes r1..r3 --db redis --workload counter \
        --failover none --appendfsync always --wait-replicas 1 --read-from replica"
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn the_rerun_command_round_trips_redis_options() {
    let first = record_of(&redis_options());
    assert_eq!(first.db_options["failover"], "none");
    assert_eq!(first.db_options["wait-replicas"], 1);
    let mut again = vec!["rjepsen".to_string()];
    again.extend(first.args.iter().cloned());
    assert_eq!(record_of(&again), first, "rerun: {}", first.command);
    assert!(
        first.command.ends_with(
            "--failover none --appendfsync always --wait-replicas 1 --read-from replica"
        ),
        "{}",
        first.command
    );
}

/// Every option of `rjepsen test` appears in the rerun command of etcd's run,
/// PostgreSQL's or Redis's (the databases' own options are refused by the others).
#[test]
fn the_rerun_command_names_every_option_of_test() {
    let mut first = record_of(&every_option());
    first.args.extend(record_of(&postgres_options()).args);
    first.args.extend(record_of(&redis_options()).args);
    let cmd = Cli::command();
    let test = cmd.find_subcommand("test").unwrap();
    for arg in test.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if FOLDED.contains(&long) || OTHER_DB.contains(&long) {
            continue;
        }
        let flag = format!("--{long}");
        assert!(
            first.args.contains(&flag),
            "{flag} is not in the rerun command: {}",
            first.command
        );
    }
}

#[test]
fn the_rerun_command_keeps_the_shops_options() {
    let argv = "rjepsen test --nodes a1..a3 --db shop --workload shop --shop-fixed --shop-orders 5";
    let first = record_of(&argv.split(' ').map(String::from).collect::<Vec<_>>());
    for want in [
        "--shop-fixed",
        "--shop-items 8",
        "--shop-orders 5",
        "--shop-consigns 4",
        "--rate 3",
    ] {
        assert!(first.command.contains(want), "{want}: {}", first.command);
    }
    assert_eq!(first.db_options["shop-orders"], serde_json::json!(5));
    let mut again = vec!["rjepsen".to_string()];
    again.extend(first.args.iter().cloned());
    assert_eq!(record_of(&again), first, "rerun: {}", first.command);
}

#[test]
fn the_command_string_quotes_for_a_shell() {
    let r = record_of(&every_option());
    assert!(
        r.command.contains(r#"--initial-value '[0,"x"]'"#),
        "{}",
        r.command
    );
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("n1,n2"), "n1,n2");
}
