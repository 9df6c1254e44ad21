//! `rjepsen interleave`: force the candidate pairs of `rjepsen traces analyze` to
//! interleave against any HTTP system a user runs, through HTTP-mode proxies on
//! its hops (docs/interleave.md). The engine is the `rjepsen-interleave` crate.

use clap::Args;
use rjepsen_interleave::hooks::Commands;
use rjepsen_interleave::{run_cli, ProxyArg, RunConfig, Timeouts};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct InterleaveArgs {
    /// Candidate pairs (`candidates.json` or `early.json` of `traces analyze`).
    #[arg(long, value_name = "FILE")]
    pub pairs: PathBuf,
    /// Where the root requests go (`http://host:port`), e.g. the front proxy.
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// An HTTP-mode proxy on a hop: `NAME=LISTEN=UPSTREAM`. Repeatable.
    #[arg(long = "proxy", value_name = "NAME=LISTEN=UPSTREAM")]
    pub proxies: Vec<String>,
    /// Shell command run once before the first attempt.
    #[arg(long, value_name = "CMD")]
    pub snapshot: Option<String>,
    /// Shell command run before every attempt (puts the snapshot back).
    #[arg(long, value_name = "CMD")]
    pub restore: Option<String>,
    /// Shell command run after every attempt; its stdout is stored as `observed`.
    #[arg(long, value_name = "CMD")]
    pub observe: Option<String>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Bound on each wait of a schedule (held step seen, other step's point), ms.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub wait_ms: u64,
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(a: &InterleaveArgs) -> anyhow::Result<i32> {
    let proxies = a
        .proxies
        .iter()
        .map(|p| ProxyArg::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let config = RunConfig {
        pairs: a.pairs.clone(),
        base_url: a.base_url.clone(),
        proxies,
        hooks: Commands {
            snapshot: a.snapshot.clone(),
            restore: a.restore.clone(),
            observe: a.observe.clone(),
        },
        seed: a.seed,
        out: a.out.clone(),
        timeouts: Timeouts {
            wait: Duration::from_millis(a.wait_ms),
            ..Timeouts::default()
        },
    };
    let rt = tokio::runtime::Runtime::new()?;
    let s = rt.block_on(run_cli(&config))?;
    println!(
        "pairs {}, attempts {} ({} achieved), order-dependent pairs {}; seed {}; in {}",
        s.pairs,
        s.attempts,
        s.achieved,
        s.order_dependent,
        s.seed,
        a.out.display()
    );
    Ok(0)
}
