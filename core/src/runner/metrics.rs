//! Node metrics during a test (`--metrics-interval`): one sampler per node,
//! started over the test's own SSH connection (`Remote::stream_lines`), and one
//! writer of `metrics.jsonl`.
//!
//! A sampler is a single long-lived shell loop per node, not a command per
//! sample, so that collection costs the nodes a `cat` of `/proc` per interval
//! and the control node one read per line. Values are stamped with the node's
//! wall clock and put on the history's clock through `clock.json`'s anchor. A
//! sampler that fails only warns: metrics never fail a test.

use crate::clock::HistoryClock;
use crate::metrics::{parse_snapshot, sampler_script, values, MetricSample, SamplerConf};
use crate::metrics::{Snapshot, METRICS_FILE, SNAPSHOT_END};
use crate::store::StoreRun;
use crate::test::Test;
use futures_util::future::join_all;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::warn;

/// The running samplers; [`Collector::stop`] ends them and returns the number
/// of samples written.
pub(crate) struct Collector {
    stop: watch::Sender<bool>,
    writer: JoinHandle<usize>,
}

/// Starts a sampler on every node; `pid_file(node)` is the DB's pidfile.
pub(crate) fn start(
    test: &Arc<Test>,
    store: &StoreRun,
    clock: HistoryClock,
    interval: Duration,
    pid_file: impl Fn(&str) -> Option<String>,
) -> Collector {
    let (stop, stopped) = watch::channel(false);
    let (tx, rx) = mpsc::channel::<MetricSample>(1024);
    let mut samplers = Vec::new();
    for node in &test.nodes {
        let script = sampler_script(interval.as_secs_f64(), pid_file(node).as_deref());
        let (test, node, tx, stopped) = (test.clone(), node.clone(), tx.clone(), stopped.clone());
        samplers.push(tokio::spawn(async move {
            if let Err(e) = sample(&test, &node, &script, clock, tx, stopped).await {
                warn!("metrics on {node}: {e}");
            }
        }));
    }
    drop(tx);
    let path = store.path(METRICS_FILE);
    let writer = tokio::spawn(async move {
        let n = write_all(&path, rx).await;
        join_all(samplers).await;
        n
    });
    Collector { stop, writer }
}

impl Collector {
    pub(crate) async fn stop(self) -> usize {
        let _ = self.stop.send(true);
        self.writer.await.unwrap_or(0)
    }
}

async fn sample(
    test: &Test,
    node: &str,
    script: &str,
    clock: HistoryClock,
    tx: mpsc::Sender<MetricSample>,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), String> {
    let mut lines = test
        .remote
        .stream_lines(node, script)
        .await
        .map_err(|e| e.to_string())?;
    let (mut conf, mut prev): (Option<SamplerConf>, Option<Snapshot>) = (None, None);
    let mut block = Vec::new();
    loop {
        let line = tokio::select! {
            l = lines.next_line() => l,
            _ = stopped.wait_for(|s| *s) => return Ok(()),
        };
        let Some(line) = line else {
            return Err("the sampler ended".into());
        };
        if conf.is_none() {
            conf = SamplerConf::parse(&line);
            continue;
        }
        if line != SNAPSHOT_END {
            block.push(line);
            continue;
        }
        let snap = parse_snapshot(&std::mem::take(&mut block))?;
        if let (Some(p), Some(c)) = (&prev, conf) {
            let time_ns = clock.to_history(snap.wall_ns) as i64;
            for (metric, value) in values(p, &snap, c) {
                let s = MetricSample {
                    time_ns,
                    node: node.to_string(),
                    metric,
                    value,
                };
                if tx.send(s).await.is_err() {
                    return Ok(());
                }
            }
        }
        prev = Some(snap);
    }
}

/// Writes samples as they come, one JSON line each; returns how many.
async fn write_all(path: &std::path::Path, mut rx: mpsc::Receiver<MetricSample>) -> usize {
    let file = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => {
            warn!("cannot write {}: {e}", path.display());
            return 0;
        }
    };
    let mut out = std::io::BufWriter::new(file);
    let mut n = 0;
    while let Some(s) = rx.recv().await {
        let line = serde_json::to_string(&s).expect("a sample serialises");
        if writeln!(out, "{line}").is_err() {
            break;
        }
        n += 1;
    }
    let _ = out.flush();
    n
}
