//! `rjepsen traces receive`: an OTLP receiver (gRPC and OTLP/HTTP) outside a run,
//! for a user's own system; spans go to `--out` as OTLP JSON lines, which `rjepsen
//! traces analyze` reads. The receiver itself is the `rjepsen-collector` crate.

use anyhow::Context;
use clap::Args;
use rjepsen_collector::{Protocol, Receiver, ReceiverConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReceiveArgs {
    /// Directory to store spans in (`otlp-traces.jsonl`, appended to).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// OTLP/gRPC listen address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4317")]
    pub grpc: SocketAddr,
    /// OTLP/HTTP listen address (`POST /v1/traces`, protobuf or JSON).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4318")]
    pub http: SocketAddr,
}

/// Serves until Ctrl-C; prints the exporter settings first and the counts last.
pub fn run(a: &ReceiveArgs) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let config = ReceiverConfig {
            out: a.out.clone(),
            grpc: Some(a.grpc),
            http: Some(a.http),
        };
        let rx = Receiver::start(&config).await?;
        for p in [Protocol::Grpc, Protocol::HttpProtobuf] {
            let env: Vec<String> = rx
                .env(p)
                .iter()
                .take(2)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            println!("{}", env.join(" "));
        }
        eprintln!("storing spans in {}; Ctrl-C stops", rx.path().display());
        tokio::signal::ctrl_c()
            .await
            .context("failed to wait for Ctrl-C")?;
        let s = rx.stop().await;
        println!(
            "received {} spans in {} requests ({} spans rejected, {} malformed requests)",
            s.spans, s.requests, s.rejected_spans, s.malformed
        );
        Ok(0)
    })
}
