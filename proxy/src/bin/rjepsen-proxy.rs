//! `rjepsen-proxy`: stands proxies up from the command line (for benchmarks and for
//! tools that speak toxiproxy's HTTP API).
//!
//! ```text
//! rjepsen-proxy --proxy NAME=LISTEN=UPSTREAM [--proxy ...] [--api ADDR] [--seed S] [--threads N]
//! ```
//! `--threads N`: worker threads (0, the default: one per core; 1: a single-threaded
//! runtime). On this loopback machine the two made no measurable difference.
//! Progress goes to stderr; it runs until killed.

use anyhow::{bail, Context, Result};
use rjepsen_proxy::{http, Anonymous, ProxyGroup, ProxySpec};

struct Args {
    proxies: Vec<ProxySpec>,
    api: Option<String>,
    seed: u64,
    threads: usize,
}

fn parse_proxy(s: &str) -> Result<ProxySpec> {
    let parts: Vec<&str> = s.split('=').collect();
    let [name, listen, upstream] = parts[..] else {
        bail!(
            "--proxy {s:?}: expected NAME=LISTEN=UPSTREAM, e.g. n1=127.0.0.1:12379=127.0.0.1:2379"
        );
    };
    let listen = listen
        .parse()
        .with_context(|| format!("--proxy {s:?}: bad listen address {listen:?}"))?;
    let upstream = upstream
        .parse()
        .with_context(|| format!("--proxy {s:?}: bad upstream address {upstream:?}"))?;
    Ok(ProxySpec::new(name, listen, upstream))
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        proxies: Vec::new(),
        api: None,
        seed: 0,
        threads: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--proxy" => args.proxies.push(parse_proxy(&value()?)?),
            "--api" => args.api = Some(value()?),
            "--seed" => args.seed = value()?.parse().context("--seed: expected an integer")?,
            "--threads" => args.threads = value()?.parse().context("--threads: expected an integer")?,
            other => bail!("unknown argument {other:?}; usage: rjepsen-proxy --proxy NAME=LISTEN=UPSTREAM ... [--api ADDR] [--seed S] [--threads N]"),
        }
    }
    if args.proxies.is_empty() && args.api.is_none() {
        bail!("nothing to do: give at least one --proxy or --api");
    }
    Ok(args)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let rt = match args.threads {
        0 => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?,
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()?,
    };
    rt.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    let group = ProxyGroup::start(&args.proxies, args.seed, Anonymous).await?;
    for p in group.proxies() {
        eprintln!(
            "rjepsen-proxy: {} listening on {} -> {}",
            p.name, p.listen, p.upstream
        );
    }
    match args.api {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(&addr)
                .await
                .with_context(|| format!("failed to bind --api {addr}"))?;
            eprintln!("rjepsen-proxy: HTTP API on {}", l.local_addr()?);
            http::serve(group, l).await?;
        }
        None => std::future::pending::<()>().await,
    }
    Ok(())
}
