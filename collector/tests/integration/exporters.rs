//! The official OpenTelemetry Python SDK exports to the receiver over gRPC and
//! OTLP/HTTP (protobuf); the stored file holds every trace the SDK reported, and
//! `rjepsen-traces` derives the write/read pair on the shared item from it.

use super::support::receiver;
use rjepsen_collector::{Protocol, Receiver};
use rjepsen_traces::analyze::Format;
use rjepsen_traces::flows::Rules;
use rjepsen_traces::pairs::PairOptions;
use rjepsen_traces::{analyze, Options};
use std::path::PathBuf;

/// The venv scripts/setup.sh --test-deps fills (RJEPSEN_SHOP_VENV overrides).
fn python() -> PathBuf {
    let venv = std::env::var("RJEPSEN_SHOP_VENV")
        .unwrap_or_else(|_| "/usr/local/lib/rjepsen/shop-venv".into());
    let py = PathBuf::from(venv).join("bin/python");
    assert!(
        py.exists(),
        "{} is missing: run scripts/setup.sh --test-deps (it installs the OpenTelemetry exporters)",
        py.display()
    );
    py
}

/// Runs the exporter script with `protocol`'s environment; the trace ids it printed.
async fn export(rx: &Receiver, protocol: Protocol, service: &str, item: &str) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/export_spans.py");
    let endpoint = rx.endpoint(protocol).expect("transport served");
    let out = tokio::process::Command::new(python())
        .arg(script)
        .args([protocol.name(), &endpoint, service, item])
        .envs(rx.env(protocol))
        .output()
        .await
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exporter failed: {stderr}");
    assert!(
        !stderr.contains("Failed to export"),
        "the SDK reported an export failure: {stderr}"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_exporters_over_grpc_and_http_reach_the_analyzer() {
    let rx = receiver("sdk").await;
    let mut ids = export(&rx, Protocol::Grpc, "inventory-grpc", "7").await;
    ids.extend(export(&rx, Protocol::HttpProtobuf, "inventory-http", "7").await);
    assert_eq!(ids.len(), 4);
    let file = std::fs::read_to_string(rx.path()).unwrap();
    for id in &ids {
        assert!(file.contains(id), "trace {id} was not stored");
    }
    let dir = rx.path().parent().unwrap().to_path_buf();
    let stats = rx.stop().await;
    assert_eq!(
        (stats.spans, stats.rejected_spans, stats.malformed),
        (8, 0, 0)
    );

    let opts = Options {
        format: Format::Auto,
        rules: Rules::default(),
        pairs: PairOptions::default(),
    };
    let a = analyze(&[dir], &opts).expect("the stored spans are readable");
    assert!(a.skipped.is_empty(), "skipped: {:?}", a.skipped);
    assert_eq!((a.traces, a.leaf_flows(), a.db_accesses()), (4, 4, 4));
    // Two writes and two reads of item 7 in four flows: every pair but read/read.
    assert_eq!(a.stages.candidates.len() + a.stages.early.len(), 5);
}
