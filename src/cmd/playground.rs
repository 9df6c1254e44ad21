//! `rjepsen playground start|status|partition|heal|delay|kill|restart|pause|resume|fault|stop`:
//! a local etcd cluster on loopback behind fault proxies (docs/playground.md).
//!
//! `start` spawns the daemon (this binary, `playground daemon`, hidden) and waits
//! for a healthy cluster; every other command opens the running playground and
//! talks to its daemon over gRPC. The arguments live here, not in `cli.rs`, so the
//! playground's commands stay together; the work is in `rjepsen-playground`.

use crate::config::BadArgs;
use clap::{Args, Subcommand};
use rjepsen_playground::{faults, spec, NodeStatus, Playground, PlaygroundError};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct PlaygroundArgs {
    #[command(subcommand)]
    pub action: Action,
    /// The playground's directory: state, data, logs (default
    /// $XDG_STATE_HOME/rjepsen/playground, else ~/.local/state/rjepsen/playground).
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Action {
    /// Start a cluster (no root, loopback only); prints the client endpoints.
    Start(StartArgs),
    /// One line per node: name, pid, state, its leader, the faults on its links.
    Status {
        /// Also print the bytes forwarded per link.
        #[arg(long)]
        links: bool,
    },
    /// Cut a node off from its peers, or only the links from some nodes into it.
    Partition {
        node: String,
        /// Only connections from these nodes into NODE (n2 -> n1).
        #[arg(long, value_delimiter = ',', value_name = "NODES")]
        from: Vec<String>,
    },
    /// Remove every link fault.
    Heal,
    /// Delay what flows on a node's links.
    Delay {
        node: String,
        #[arg(long)]
        ms: u64,
        #[arg(long, default_value_t = 0)]
        jitter: u64,
        /// up (into the node), down (what it sends back) or both.
        #[arg(long, default_value = "down")]
        direction: String,
        #[arg(long, value_delimiter = ',', value_name = "NODES")]
        from: Vec<String>,
        /// client, peer or both of the node's proxies.
        #[arg(long, default_value = "both")]
        port: String,
    },
    /// SIGKILL a node's process (its data stays).
    Kill { node: String },
    /// Stop a node's process and start it again on the same data.
    Restart { node: String },
    /// SIGSTOP a node's process.
    Pause { node: String },
    /// SIGCONT a paused node.
    Resume { node: String },
    /// Any fault of the proxy's table: `fault n1 reset_peer --timeout 0 --probability 0.5`.
    Fault {
        node: String,
        /// latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, down, partition.
        kind: String,
        /// Its parameters (toxiproxy's names), and --probability, --direction, --from, --port.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "--PARAM VALUE"
        )]
        params: Vec<String>,
    },
    /// Stop every node and the daemon.
    Stop,
    /// The daemon itself (started by `start`).
    #[command(hide = true)]
    Daemon {
        #[arg(long)]
        count: usize,
        #[arg(long)]
        seed: u64,
        #[arg(long, default_value = "etcd")]
        db: String,
        #[arg(long)]
        db_binary: Option<PathBuf>,
        #[arg(long)]
        shop_fixed: bool,
    },
}

#[derive(Args, Debug)]
pub struct StartArgs {
    /// System under test: etcd (`--count` nodes) or shop (PostgreSQL and the
    /// four services on three nodes; docs/shop.md).
    #[arg(long, default_value = "etcd")]
    pub db: String,
    /// The shop with its races fixed (`SHOP_FIXED=1`; `--db shop` only).
    #[arg(long)]
    pub shop_fixed: bool,
    #[arg(long, default_value_t = 3)]
    pub count: usize,
    /// Seed of which connections a partial fault hits (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The etcd binary to run (default: `etcd` on PATH).
    #[arg(long, value_name = "PATH")]
    pub db_binary: Option<PathBuf>,
}

pub fn run(args: &PlaygroundArgs) -> anyhow::Result<i32> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(rjepsen_playground::default_dir);
    match &args.action {
        Action::Start(a) => super::playground_start::start(&dir, a),
        Action::Daemon {
            count,
            seed,
            db,
            db_binary,
            shop_fixed,
        } => {
            let db = super::playground_start::db_choice(db, db_binary.as_deref(), *shop_fixed)?;
            super::playground_start::daemon(&dir, *count, *seed, db)
        }
        other => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(act(&dir, other)).map_err(user_error)
        }
    }
}

/// A mistake of the person typing (a node, fault or parameter) is a bad argument.
pub fn user_error(e: PlaygroundError) -> anyhow::Error {
    match e {
        PlaygroundError::UnknownNode { .. }
        | PlaygroundError::BadFault(_)
        | PlaygroundError::BadConfig(_)
        | PlaygroundError::NotRunning(_) => BadArgs(e.to_string()).into(),
        e => e.into(),
    }
}

async fn act(dir: &Path, action: &Action) -> Result<i32, PlaygroundError> {
    let mut pg = Playground::open(dir).await?;
    let names = pg.names();
    let shop = pg.state().db == rjepsen_playground::shop::NAME;
    match action {
        Action::Status { links } => return status(&mut pg, *links).await,
        Action::Partition { node, from } => {
            pg.add(faults::partition(&names, node, from)?).await?;
        }
        Action::Heal => {
            pg.heal().await?;
        }
        Action::Delay {
            node,
            ms,
            jitter,
            direction,
            from,
            port,
        } => {
            let mut params = vec!["--latency".to_string(), ms.to_string()];
            params.extend(["--jitter".into(), jitter.to_string()]);
            params.extend(["--direction".into(), direction.clone()]);
            params.extend(["--port".into(), port.clone()]);
            if !from.is_empty() {
                params.extend(["--from".into(), from.join(",")]);
            }
            pg.add(spec::parse_fault(&names, node, "latency", &params)?)
                .await?;
        }
        Action::Fault { node, kind, params } => {
            pg.add(spec::parse_fault(&names, node, kind, params)?)
                .await?;
        }
        Action::Kill { node } => print_node(&pg.kill(node).await?, shop),
        Action::Restart { node } => print_node(&pg.restart(node).await?, shop),
        Action::Pause { node } => print_node(&pg.pause(node).await?, shop),
        Action::Resume { node } => print_node(&pg.resume(node).await?, shop),
        Action::Stop => {
            pg.stop().await?;
            eprintln!("playground in {} stopped", dir.display());
            return Ok(0);
        }
        Action::Start(_) | Action::Daemon { .. } => unreachable!("handled in run"),
    }
    if matches!(
        action,
        Action::Partition { .. } | Action::Heal | Action::Delay { .. } | Action::Fault { .. }
    ) {
        for n in pg.status().await? {
            if !n.faults.is_empty() || matches!(action, Action::Heal) {
                eprintln!("{}: {}", n.name, faults_text(&n));
            }
        }
    }
    Ok(0)
}

async fn status(pg: &mut Playground, links: bool) -> Result<i32, PlaygroundError> {
    let shop = pg.state().db == rjepsen_playground::shop::NAME;
    for n in pg.status().await? {
        print_node(&n, shop);
    }
    if links {
        for ((from, to), b) in pg.links().await? {
            println!(
                "link {from} -> {to}: up {} B, down {} B",
                b.upstream, b.downstream
            );
        }
    }
    Ok(0)
}

/// One node's line; the shop has no leader, so its nodes say whether their
/// parts accept connections instead.
fn print_node(n: &NodeStatus, shop: bool) {
    let pid = n.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
    let leader = match (&n.leader, n.answered) {
        (_, true) if shop => "answers".into(),
        (_, false) if shop && n.error.is_empty() => "(not asked)".into(),
        (_, false) if shop => format!("no answer ({})", n.error),
        (Some(l), _) => format!("leader {l}"),
        (None, true) => "no leader".into(),
        (None, false) if n.error == "not running" => "no leader (not running)".into(),
        (None, false) if n.error.is_empty() => "no leader (not asked)".into(),
        (None, false) => format!("no leader (no answer: {})", n.error),
    };
    println!(
        "{}  pid {pid}  {}  {leader}  faults: {}",
        n.name,
        n.state,
        faults_text(n)
    );
}

fn faults_text(n: &NodeStatus) -> String {
    if n.faults.is_empty() {
        "none".into()
    } else {
        n.faults.join(", ")
    }
}
