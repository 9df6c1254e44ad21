//! The fault proxies' per-link byte counters as metrics (`--metrics-interval`
//! with a proxy nemesis): every interval, the bytes each node-to-node link
//! forwarded since the previous sample, as `proxy_link_bytes{dst=<node>}` on
//! the link's source node, into `proxy-metrics.jsonl` (metrics.jsonl's
//! format, which `rjepsen export` reads with it).
//!
//! The test's own proxies live in the control process, so sampling is a read
//! of their counters (a playground's: one gRPC call), not an SSH round trip. Samples are put on the history's clock
//! through clock.json's anchor once the runner has written it; none are taken
//! before.

use rjepsen_core::metrics::{MetricSample, PROXY_METRICS_FILE};
use rjepsen_nemesis::LinkProxies;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Samples `proxies` every `interval` into `dir/proxy-metrics.jsonl` until
/// the returned task is aborted.
pub(crate) fn start(
    rt: &tokio::runtime::Runtime,
    proxies: Arc<dyn LinkProxies>,
    dir: PathBuf,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    rt.spawn(async move {
        if let Err(e) = sample(proxies.as_ref(), &dir, interval).await {
            tracing::warn!("proxy metrics: {e}");
        }
    })
}

async fn sample(
    proxies: &dyn LinkProxies,
    dir: &std::path::Path,
    interval: Duration,
) -> std::io::Result<()> {
    let mut file = std::fs::File::create(dir.join(PROXY_METRICS_FILE))?;
    let mut prev: Option<BTreeMap<(String, String), u64>> = None;
    let mut anchor: Option<i128> = None;
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let now = match proxies.peer_bytes().await {
            Ok(now) => now,
            Err(e) => {
                // A playground's counters come over gRPC; skip a failed read.
                tracing::warn!("proxy metrics: {e}");
                continue;
            }
        };
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        if anchor.is_none() {
            anchor = wall_start(dir);
        }
        if let (Some(p), Some(a)) = (&prev, anchor) {
            for ((src, dst), bytes) in &now {
                let s = MetricSample {
                    time_ns: (wall - a) as i64,
                    node: src.clone(),
                    metric: format!("proxy_link_bytes{{dst={dst}}}"),
                    value: bytes
                        .saturating_sub(p.get(&(src.clone(), dst.clone())).copied().unwrap_or(0))
                        as f64,
                };
                writeln!(
                    file,
                    "{}",
                    serde_json::to_string(&s).map_err(std::io::Error::other)?
                )?;
            }
            file.flush()?;
        }
        prev = Some(now);
    }
}

/// clock.json's `wall_start_ns`, once the runner has written it.
fn wall_start(dir: &std::path::Path) -> Option<i128> {
    let text = std::fs::read_to_string(dir.join("clock.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("wall_start_ns")?.as_i64().map(i128::from)
}
