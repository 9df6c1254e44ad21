//! `rjepsen interleave` as a library call: start the HTTP-mode proxies, replay
//! the candidate pairs against a base URL under every schedule, and write
//! `attempts.jsonl` (one attempt per line, as it is made), `order.json` (the
//! serial response-difference check) and `summary.json` into the output directory.

use crate::diff::order_dependence;
use crate::hooks::Commands;
use crate::requests::Replay;
use crate::{Engine, InterleaveError, Timeouts};
use rjepsen_proxy::{HttpProxy, ProxySpec};
use serde::Serialize;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `NAME=LISTEN=UPSTREAM`: an HTTP-mode proxy the system's hops go through.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyArg {
    pub name: String,
    pub listen: SocketAddr,
    pub upstream: SocketAddr,
}

impl ProxyArg {
    pub fn parse(s: &str) -> Result<ProxyArg, String> {
        let parts: Vec<&str> = s.split('=').collect();
        let [name, listen, upstream] = parts.as_slice() else {
            return Err(format!("--proxy {s}: expected NAME=LISTEN=UPSTREAM"));
        };
        let addr = |a: &str| {
            a.parse()
                .map_err(|e| format!("--proxy {s}: bad address {a}: {e}"))
        };
        Ok(ProxyArg {
            name: name.to_string(),
            listen: addr(listen)?,
            upstream: addr(upstream)?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub pairs: PathBuf,
    pub base_url: String,
    pub proxies: Vec<ProxyArg>,
    pub hooks: Commands,
    pub seed: u64,
    pub out: PathBuf,
    pub timeouts: Timeouts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pairs: usize,
    pub attempts: usize,
    pub achieved: usize,
    pub order_dependent: usize,
    pub seed: u64,
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> InterleaveError + '_ {
    move |source| InterleaveError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs every schedule of every pair; progress on stderr, files in `out`.
pub async fn run_cli(c: &RunConfig) -> Result<Summary, InterleaveError> {
    if !c.base_url.starts_with("http://") {
        return Err(InterleaveError::BaseUrl {
            url: c.base_url.clone(),
            reason: "only http:// is supported".into(),
        });
    }
    let pairs = crate::pairs::load(&c.pairs)?;
    std::fs::create_dir_all(&c.out).map_err(write_err(&c.out))?;
    let epoch = Instant::now();
    let mut proxies = Vec::new();
    for p in &c.proxies {
        let spec = ProxySpec::new(&p.name, p.listen, p.upstream);
        proxies.push(HttpProxy::start(&spec, epoch).await?);
    }
    let mut engine = Engine::new(
        proxies.clone(),
        Box::new(Replay::new(&c.base_url)),
        c.seed,
        epoch,
    );
    engine.timeouts = c.timeouts;
    let hooks = &c.hooks;
    if hooks.snapshot.is_some() || hooks.restore.is_some() || hooks.observe.is_some() {
        engine.hooks = Some(Box::new(hooks.clone()));
    }
    let path = c.out.join("attempts.jsonl");
    let mut file = std::fs::File::create(&path).map_err(write_err(&path))?;
    let attempts = engine
        .run(&pairs, |a| {
            eprintln!(
                "pair {} {}: {}",
                a.pair,
                a.schedule,
                if a.achieved {
                    "achieved"
                } else {
                    a.note.as_deref().unwrap_or("not achieved")
                }
            );
            let mut line = serde_json::to_vec(a).expect("attempts serialise");
            line.push(b'\n');
            file.write_all(&line).map_err(write_err(&path))
        })
        .await;
    for p in &proxies {
        p.stop();
    }
    let attempts = attempts?;
    let order = order_dependence(&attempts);
    let summary = Summary {
        pairs: pairs.len(),
        attempts: attempts.len(),
        achieved: attempts.iter().filter(|a| a.achieved).count(),
        order_dependent: order.iter().filter(|o| o.order_dependent).count(),
        seed: c.seed,
    };
    for (name, value) in [
        ("order.json", serde_json::to_string_pretty(&order)),
        ("summary.json", serde_json::to_string_pretty(&summary)),
    ] {
        let p = c.out.join(name);
        std::fs::write(&p, value.expect("serialises") + "\n").map_err(write_err(&p))?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_args() {
        let p = ProxyArg::parse("inventory=127.0.0.1:22001=127.0.0.1:22002").unwrap();
        assert_eq!(
            (p.name.as_str(), p.listen.port(), p.upstream.port()),
            ("inventory", 22001, 22002)
        );
        for bad in ["inventory=127.0.0.1:1", "a=b=c", "a=127.0.0.1:1=x"] {
            assert!(ProxyArg::parse(bad).is_err(), "{bad}");
        }
    }
}
