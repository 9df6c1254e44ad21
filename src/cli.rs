//! Command-line arguments as typed (clap), in Jepsen's vocabulary. Nothing below
//! the CLI sees these types: [`crate::config`] validates them into a `TestConfig`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "rjepsen",
    version,
    about = "Jepsen-style distributed consistency tests, in Rust",
    long_about = "Drives clients against a cluster over SSH while a nemesis injects faults, \
records the history, and checks it for linearizability or transactional anomalies.\n\n\
Exit codes: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 internal error.",
    // A later option overrides an earlier one: test-all appends a test's own
    // options to the campaign's.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a test against a cluster and check it.
    Test(Box<TestArgs>),
    /// Run a matrix of tests one after another (Jepsen's test-all), with a
    /// campaign directory: summary.json, summary.md, junit.xml.
    TestAll(Box<TestAllArgs>),
    /// Regressions between two campaign directories.
    Compare(CompareArgs),
    /// Check history files (JSON Lines or Jepsen's history.edn).
    Check(CheckArgs),
    /// Re-check a stored run and rewrite its results and report.
    Analyze(AnalyzeArgs),
    /// Write a stored run as a labelled data set: fault windows, ops, logs, metrics.
    Export(crate::cmd::export::ExportArgs),
    /// Serve the store's reports over HTTP.
    Serve(ServeArgs),
    /// Local nodes: Linux namespaces or LXC containers (root).
    Cluster(ClusterArgs),
    /// A local etcd cluster on loopback behind fault proxies, poked while it runs (no root).
    Playground(crate::cmd::playground::PlaygroundArgs),
    /// Conflicting request pairs from distributed traces (MicroRacer's analysis).
    Traces(crate::cmd::traces::TracesArgs),
    /// Force candidate pairs from traces to interleave at HTTP-mode proxies.
    Interleave(crate::cmd::interleave::InterleaveArgs),
}

/// How to reach the nodes.
#[derive(Args, Debug, Clone)]
pub struct NodeArgs {
    /// Nodes: `n1..n5`, `n1,n2,n3`, or several flags.
    #[arg(long = "nodes", value_name = "LIST")]
    pub nodes: Vec<String>,
    /// One node (repeatable).
    #[arg(long = "node", value_name = "NODE")]
    pub node: Vec<String>,
    /// A file with one node per line.
    #[arg(long, value_name = "FILE")]
    pub nodes_file: Option<PathBuf>,
    /// SSH user.
    #[arg(long, default_value = "root")]
    pub username: String,
    /// SSH private key (default: the local cluster's key when it is up, else ssh's).
    #[arg(long, value_name = "FILE")]
    pub ssh_private_key: Option<PathBuf>,
    /// Check SSH host keys (off by default, as for local nodes).
    #[arg(long)]
    pub strict_host_key_checking: bool,
    /// Where the nodes come from: netns (local namespace nodes, default), lxc,
    /// or static (real machines; the default with --nodes-file).
    #[arg(long, value_name = "KIND")]
    pub provider: Option<String>,
    /// The provider's state directory (default: its own, as `cluster up` uses).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Per-node resource limits, set through the provider (LXC: cgroups).
#[derive(Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Memory per node, e.g. 512M or 2G.
    #[arg(long, value_name = "SIZE")]
    pub node_memory: Option<String>,
    /// CPUs per node, e.g. 0.5.
    #[arg(long, value_name = "N")]
    pub node_cpus: Option<String>,
}

/// How a register starts and what a read of `null` means (Knossos' models).
#[derive(Args, Debug, Clone, Default)]
pub struct RegisterArgs {
    /// Register models: the value before any write, as JSON (Knossos'
    /// `(cas-register 0)` is `--initial-value 0`; default: unset, `null`).
    #[arg(long, value_name = "JSON")]
    pub initial_value: Option<String>,
    /// Register models: an ok read of `null` is consistent with any value (Knossos'
    /// rule), instead of meaning "unset".
    #[arg(long)]
    pub nil_reads_unknown: bool,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    pub nodes: NodeArgs,
    #[command(flatten)]
    pub register: RegisterArgs,
    /// Test a running playground (`rjepsen playground start`): its nodes, its
    /// proxies and its gRPC control, no SSH, nothing installed (docs/playground.md).
    #[arg(long)]
    pub playground: bool,
    /// With --playground: its directory (default: the playground's default).
    #[arg(long, value_name = "DIR", requires = "playground")]
    pub dir: Option<std::path::PathBuf>,
    /// Workload: register, set, list-append, rw-register, bank, counter.
    #[arg(long, default_value = "register")]
    pub workload: String,
    /// System under test.
    #[arg(long, default_value = "etcd")]
    pub db: String,
    /// Test name in the store (default: <db>-<workload>).
    #[arg(long)]
    pub name: Option<String>,
    /// Worker threads: `10`, or `2n` for twice the node count.
    #[arg(long, default_value = "2n")]
    pub concurrency: String,
    /// Seconds of the main phase.
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Total ops per second, on average (0: as fast as possible; default 100,
    /// the shop workload's own light load 3).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seed of every random choice (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Faults: a comma list of partition, kill, pause, packet, all, or the proxy
    /// kinds proxy-partition, proxy-reset, proxy-delay, proxy-bandwidth,
    /// proxy-all (proxies on the control node in front of every node; not
    /// beside partition). Empty: none.
    #[arg(long, default_value = "")]
    pub nemesis: String,
    /// Seconds between fault changes, on average.
    #[arg(long, default_value_t = 10.0)]
    pub nemesis_interval: f64,
    /// Plan every fault instead: held exactly this many seconds, from the
    /// moment its start op completed to its stop op (docs/nemesis.md).
    #[arg(long, value_name = "SECS")]
    pub nemesis_duration: Option<f64>,
    /// With --nemesis-duration: seconds healthy before each fault
    /// (default: --nemesis-interval).
    #[arg(long, value_name = "SECS", requires = "nemesis_duration")]
    pub nemesis_delay: Option<f64>,
    /// Register: serializable (possibly stale) reads instead of linearizable ones.
    #[arg(long)]
    pub serializable_reads: bool,
    /// --db shop: the correct variants of the shop's three races (the
    /// negative control: no invariant may break).
    #[arg(long)]
    pub shop_fixed: bool,
    /// --db shop: items the workload buys from (default 8).
    #[arg(long, value_name = "N")]
    pub shop_items: Option<u32>,
    /// --db shop: pays and cancels pick one of the last N orders (default 4).
    #[arg(long, value_name = "N")]
    pub shop_orders: Option<u32>,
    /// --db shop: a consign names one of the last N consignment ids (default 4).
    #[arg(long, value_name = "N")]
    pub shop_consigns: Option<u32>,
    /// Upload this DB binary instead of installing the distribution's package.
    #[arg(long, value_name = "PATH")]
    pub db_binary: Option<PathBuf>,
    /// PostgreSQL: the isolation level of every transaction
    /// (read-committed, repeatable-read, serializable; default serializable).
    #[arg(long, value_name = "LEVEL")]
    pub isolation: Option<String>,
    /// PostgreSQL: commits wait for a replica's acknowledgement (on, off;
    /// default off).
    #[arg(long, value_name = "ON|OFF")]
    pub sync_replication: Option<String>,
    /// Redis: who promotes a replica when the primary is down: sentinel, none.
    #[arg(long, value_name = "HOW")]
    pub failover: Option<String>,
    /// Redis: when the append-only file is fsynced: always, everysec, no.
    #[arg(long, value_name = "WHEN")]
    pub appendfsync: Option<String>,
    /// Redis: after each write, WAIT for this many replicas (info if fewer).
    #[arg(long, value_name = "N")]
    pub wait_replicas: Option<u32>,
    /// PostgreSQL, Redis: where reads go (primary, replica: the worker's
    /// own node; default primary).
    #[arg(long, value_name = "WHERE")]
    pub read_from: Option<String>,
    /// Seconds before a client op is given up as indeterminate.
    #[arg(long, default_value_t = 5.0)]
    pub op_timeout: f64,
    /// Register: ops on a key before moving to a fresh key.
    #[arg(long, default_value_t = rjepsen_workloads::DEFAULT_OPS_PER_KEY)]
    pub ops_per_key: usize,
    /// List-append: appends to a key before it is retired.
    #[arg(long, default_value_t = rjepsen_workloads::DEFAULT_MAX_WRITES_PER_KEY)]
    pub max_writes_per_key: usize,
    /// Elle: consistency models to check (comma list).
    #[arg(long, default_value = "")]
    pub consistency_models: String,
    /// Seconds to let the cluster recover after healing, before final reads.
    #[arg(long, default_value_t = 5.0)]
    pub recovery_time: f64,
    /// Seconds between samples of each node's /proc (CPU, memory, disks,
    /// network, the DB process) into metrics.jsonl; 0: no metrics.
    #[arg(long, default_value_t = 1.0)]
    pub metrics_interval: f64,
    /// A run with fewer ok client ops per worker thread than this tested
    /// nothing: its verdict is unknown (0: off).
    #[arg(long, default_value_t = rjepsen_core::record::DEFAULT_MIN_OK_PER_PROCESS)]
    pub min_ok_per_process: f64,
    /// Keep the DB running afterwards.
    #[arg(long)]
    pub leave_db_running: bool,
    /// Store directory.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// No progress line.
    #[arg(long)]
    pub quiet: bool,
    /// Run the test this many times (seeds seed, seed+1, ...); the worst verdict
    /// is the exit code.
    #[arg(long, default_value_t = 1)]
    pub test_count: u32,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Linearizability model: register, cas-register, multi-register, set, mutex,
    /// unordered-queue, fifo-queue.
    #[arg(long, conflicts_with = "workload")]
    pub model: Option<String>,
    /// With --model: values are [key, value] tuples, checked per key.
    #[arg(long)]
    pub independent: bool,
    #[command(flatten)]
    pub register: RegisterArgs,
    /// Check as this workload does: register, set, list-append, rw-register, bank, counter.
    #[arg(long)]
    pub workload: Option<String>,
    /// Elle: consistency models (comma list; default strict-serializable;
    /// `none` for no model, so that only --anomalies fail the check).
    #[arg(long, default_value = "")]
    pub consistency_models: String,
    /// Elle: anomaly types that fail the check too (comma list, Elle's
    /// `:anomalies`), e.g. G1c,G-single-item.
    #[arg(long, default_value = "")]
    pub anomalies: String,
    /// Elle rw-register: a txn that read v and then wrote w installed w after v
    /// (Elle's `:wfr-keys?`).
    #[arg(long)]
    pub wfr_keys: bool,
    /// Elle rw-register: each key is linearizable, so realtime order orders its
    /// versions (Elle's `:linearizable-keys?`).
    #[arg(long)]
    pub linearizable_keys: bool,
    /// Elle rw-register: each key is sequentially consistent, so process order
    /// orders its versions (Elle's `:sequential-keys?`).
    #[arg(long)]
    pub sequential_keys: bool,
    /// Elle: milliseconds of cycle search per strongly connected component
    /// before it is reported as cut (Elle's `:cycle-search-timeout`, whose
    /// default is 1000); without it only --time-limit applies.
    #[arg(long, value_name = "MS")]
    pub cycle_search_timeout: Option<u64>,
    /// Output: a verdict line per file, or one JSON document.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Seconds of search per file before answering unknown.
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// MiB of search state per file before answering unknown (default: the
    /// checker's own, 768 MiB for linearizability).
    #[arg(long, value_name = "MIB")]
    pub memory_limit: Option<u64>,
    /// Write evidence (SVG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// A run directory, e.g. store/latest.
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
}

#[derive(Args, Debug)]
pub struct ClusterArgs {
    #[command(subcommand)]
    pub action: ClusterAction,
    /// Where the cluster's key and state live (default /var/lib/rjepsen-nodes).
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Bridge name; namespaces are named `<bridge>-<node>` (default rjepsen0).
    #[arg(long, global = true)]
    pub bridge: Option<String>,
    /// The nodes' /24 network (default 10.77.0.0; lxc: 10.65.0.0).
    #[arg(long, global = true)]
    pub subnet: Option<std::net::Ipv4Addr>,
    /// Kind of nodes: netns (namespaces, default) or lxc (containers).
    #[arg(long, global = true, default_value = "netns")]
    pub provider: String,
    /// LXC: where base images are kept (default /var/lib/rjepsen-lxc/images).
    #[arg(long, global = true, value_name = "DIR")]
    pub image_dir: Option<PathBuf>,
    /// LXC: Debian packages baked into the image (comma list; default: what
    /// the built-in DBs and nemeses need).
    #[arg(long, global = true, value_name = "LIST")]
    pub packages: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ClusterAction {
    /// Bring local nodes up.
    Up {
        #[arg(long, default_value = "n1..n5")]
        nodes: Vec<String>,
        /// LXC: privileged containers (the default).
        #[arg(long, conflicts_with = "unprivileged")]
        privileged: bool,
        /// LXC: containers whose root is mapped to an unprivileged uid range.
        #[arg(long)]
        unprivileged: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// LXC base images: build (or reuse the cached one), list, rm.
    Image {
        #[command(subcommand)]
        action: ImageAction,
    },
    /// Show each node and whether SSH answers.
    Status,
    /// Start one stopped node and wait until it answers SSH.
    Start { node: String },
    /// Stop one node (every process on it ends; its disk stays).
    Stop { node: String },
    /// Remove everything `up` made. Safe to run twice.
    Down,
    /// Find and heal faults an earlier run left on the nodes (iptables chains,
    /// paused DB processes, qdiscs), saying what was healed.
    Heal {
        #[arg(long, default_value = "etcd")]
        db: String,
    },
}

/// How far throughput and p99 latency may move before a comparison says so.
const THRESHOLD_HELP: &str = "fraction, 0.25 = 25 %";

#[derive(Args, Debug)]
pub struct TestAllArgs {
    /// Options of every test (as for `rjepsen test`); the matrix sets
    /// --workload, --db, --nemesis, --name and --seed. --test-count is the
    /// attempts of each test, combined by --policy.
    #[command(flatten)]
    pub test: TestArgs,
    /// Workloads of the matrix (comma list; default: --workload).
    #[arg(long, default_value = "")]
    pub workloads: String,
    /// Nemeses of the matrix (comma list; `none` for no faults, `a+b` for two
    /// at once; default: none).
    #[arg(long, default_value = "")]
    pub nemeses: String,
    /// Databases of the matrix (comma list; default: --db).
    #[arg(long, default_value = "")]
    pub dbs: String,
    /// Seeds of the matrix (comma list; each seed is a test of its own;
    /// default: --seed).
    #[arg(long, default_value = "")]
    pub seeds: String,
    /// A TOML file of tests instead of the flags (docs/nightly.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["workloads", "nemeses", "dbs", "seeds"])]
    pub matrix: Option<PathBuf>,
    /// Run only slice K of N of the matrix (`2/4`), for splitting across machines.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// How --test-count attempts combine: any, most or all must be valid.
    #[arg(long, default_value = "all")]
    pub policy: String,
    /// Also write the JUnit file here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Compare with an earlier campaign at the end: `latest` or a directory.
    #[arg(long, value_name = "CAMPAIGN")]
    pub compare_to: Option<String>,
    /// Where campaigns go (default: <store>/campaigns).
    #[arg(long, value_name = "DIR")]
    pub campaigns: Option<PathBuf>,
    /// Throughput change that counts (fraction, 0.25 = 25 %).
    #[arg(long, default_value_t = 0.25, help = THRESHOLD_HELP)]
    pub throughput_threshold: f64,
    /// p99 latency change that counts (fraction).
    #[arg(long, default_value_t = 0.5)]
    pub latency_threshold: f64,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The earlier campaign directory (or its summary.json).
    pub previous: PathBuf,
    /// The later one.
    pub current: PathBuf,
    /// Throughput change that counts (fraction, 0.25 = 25 %).
    #[arg(long, default_value_t = 0.25)]
    pub throughput_threshold: f64,
    /// p99 latency change that counts (fraction).
    #[arg(long, default_value_t = 0.5)]
    pub latency_threshold: f64,
}

#[derive(Subcommand, Debug)]
pub enum ImageAction {
    /// Build the image for --packages, unless it is cached.
    Build,
    /// List the images, their packages and clones.
    List,
    /// Remove an image (refused while clones of it exist).
    Rm {
        /// Image name as `image list` shows it (default: the one for --packages).
        name: Option<String>,
    },
}
