//! Starting and stopping a receiver: bind addresses in; bound addresses, the
//! exporter environment and a stop handle out.
//!
//! Both listeners are bound before `start` returns, so a caller can hand the
//! addresses to services at once (port 0 picks a free port). The servers run as
//! tokio tasks on the caller's runtime; [`Receiver::stop`] ends them gracefully
//! (requests in flight are answered and stored) and returns the counters.

use crate::grpc::TraceService;
use crate::store::{SpanStore, Stats};
use crate::CollectorError;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where to listen and where to store.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// The directory the span file goes into (created if missing).
    pub out: PathBuf,
    /// The OTLP/gRPC listener (the spec's default port is 4317), if any.
    pub grpc: Option<SocketAddr>,
    /// The OTLP/HTTP listener (default port 4318), if any.
    pub http: Option<SocketAddr>,
}

/// The two OTLP transports, as `OTEL_EXPORTER_OTLP_PROTOCOL` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
    HttpJson,
}

impl Protocol {
    /// The value of `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
        }
    }
}

/// A running receiver.
pub struct Receiver {
    grpc: Option<SocketAddr>,
    http: Option<SocketAddr>,
    store: Arc<SpanStore>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Receiver {
    /// Opens the span file, binds the listeners and starts serving.
    pub async fn start(config: &ReceiverConfig) -> Result<Receiver, CollectorError> {
        if config.grpc.is_none() && config.http.is_none() {
            return Err(CollectorError::NoListener);
        }
        let store = Arc::new(SpanStore::open(&config.out)?);
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut bound = [None, None];
        if let Some(addr) = config.grpc {
            let l = bind("gRPC", addr).await?;
            bound[0] = Some(l.local_addr().expect("bound"));
            tasks.push(tokio::spawn(serve_grpc(l, store.clone(), stopped.clone())));
        }
        if let Some(addr) = config.http {
            let l = bind("HTTP", addr).await?;
            bound[1] = Some(l.local_addr().expect("bound"));
            tasks.push(tokio::spawn(serve_http(l, store.clone(), stopped)));
        }
        Ok(Receiver {
            grpc: bound[0],
            http: bound[1],
            store,
            stop,
            tasks,
        })
    }

    /// The bound gRPC address.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc
    }

    /// The bound OTLP/HTTP address.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http
    }

    /// The exporter's endpoint for `protocol` (`http://host:port`; an OTLP/HTTP
    /// exporter appends `/v1/traces` itself), if that transport is served.
    pub fn endpoint(&self, protocol: Protocol) -> Option<String> {
        let addr = match protocol {
            Protocol::Grpc => self.grpc?,
            Protocol::HttpProtobuf | Protocol::HttpJson => self.http?,
        };
        Some(format!("http://{addr}"))
    }

    /// The variables that make a standard OpenTelemetry SDK export traces here
    /// with `protocol` (and not try to export metrics or logs).
    pub fn env(&self, protocol: Protocol) -> Vec<(String, String)> {
        let Some(endpoint) = self.endpoint(protocol) else {
            return Vec::new();
        };
        [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.name()),
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// The span file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.store.stats()
    }

    /// Stops both servers (requests in flight are finished) and returns the counters.
    pub async fn stop(self) -> Stats {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.store.stats()
    }
}

async fn bind(what: &'static str, addr: SocketAddr) -> Result<TcpListener, CollectorError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| CollectorError::Bind { what, addr, source })
}

async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

async fn serve_grpc(l: TcpListener, store: Arc<SpanStore>, stopped: watch::Receiver<bool>) {
    let incoming = tonic::codegen::tokio_stream::wrappers::TcpListenerStream::new(l);
    let result = tonic::transport::Server::builder()
        .add_service(TraceService::new(store))
        .serve_with_incoming_shutdown(incoming, until_stopped(stopped))
        .await;
    if let Err(e) = result {
        eprintln!("otlp receiver: the gRPC server stopped: {e}");
    }
}

async fn serve_http(l: TcpListener, store: Arc<SpanStore>, stopped: watch::Receiver<bool>) {
    let result = axum::serve(l, crate::http::router(store))
        .with_graceful_shutdown(until_stopped(stopped))
        .await;
    if let Err(e) = result {
        eprintln!("otlp receiver: the HTTP server stopped: {e}");
    }
}
