//! The playground daemon: one long-lived process that owns the proxies and the
//! node processes, so that later commands act on the running cluster.
//!
//! `start` lays out `--dir` (wiping the nodes' old data: a new playground is a new
//! cluster), picks free loopback ports, starts one proxy per node and port, starts
//! the nodes advertising the proxies, serves the control API (gRPC on one port, the
//! HTTP status page and toxiproxy subset on another) and only then writes
//! `state.json`, so a reader of that file can always reach the daemon. `wait` runs
//! until a `Stop` call, SIGTERM or SIGINT, stops every node and removes the state
//! and pid files; the nodes' data and logs stay in `--dir` for a post-mortem.

use crate::nodes::{Launch, Nodes};
use crate::owner::SocketOwners;
use crate::pb::playground_server::PlaygroundServer;
use crate::service::Service;
use crate::shop;
use crate::state::{NodeInfo, State, PID_FILE, STATE_FILE};
use crate::PlaygroundError;
use rjepsen_collector::{Protocol, Receiver, ReceiverConfig};
use rjepsen_proxy::{grpc, http, ProxyGroup, ProxySpec};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// What `playground start` asked for, validated.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub dir: PathBuf,
    pub count: usize,
    pub seed: u64,
    pub db: DbChoice,
}

/// The system the playground runs.
#[derive(Debug, Clone)]
pub enum DbChoice {
    /// `count` etcd nodes from this binary.
    Etcd { binary: PathBuf },
    /// The shop on three nodes (`shop.rs`); `fixed` is `--shop-fixed`.
    Shop { fixed: bool },
}

/// A started daemon (in this process).
pub struct Daemon {
    dir: PathBuf,
    state: State,
    nodes: Arc<Nodes>,
    shutdown: Arc<Notify>,
    /// Tells the gRPC server to finish in-flight calls (the `Stop` reply) and end.
    stopping: watch::Sender<bool>,
    grpc: JoinHandle<()>,
    http: JoinHandle<()>,
    _group: ProxyGroup,
    /// The shop's OTLP receiver (spans in `DIR/traces`), while the daemon lives.
    _receiver: Option<Receiver>,
}

impl Daemon {
    /// Starts proxies, nodes and the control API; returns once `state.json` is written.
    pub async fn start(cfg: DaemonConfig) -> Result<Daemon, PlaygroundError> {
        let count = match cfg.db {
            DbChoice::Etcd { .. } => cfg.count,
            DbChoice::Shop { .. } => shop::NODES,
        };
        if !(1..=9).contains(&count) {
            let msg = format!("--count {}: expected 1 to 9 nodes", cfg.count);
            return Err(PlaygroundError::BadConfig(msg));
        }
        let dir = &cfg.dir;
        std::fs::create_dir_all(dir).map_err(file_err("create", dir))?;
        let pid = std::process::id();
        let pid_path = dir.join(PID_FILE);
        std::fs::write(&pid_path, format!("{pid}\n")).map_err(file_err("write", &pid_path))?;
        let owners = SocketOwners::new();
        let group = ProxyGroup::new(cfg.seed, owners.clone());
        let mut infos = Vec::new();
        let mut ports = Ports::new();
        for i in 1..=count {
            let node = format!("n{i}");
            infos.push(layout(dir, &node, &group, &mut ports, log_name(&cfg.db)).await?);
        }
        let (launch, receiver, binary) = launch(&cfg).await?;
        let nodes = Arc::new(Nodes::new(launch, infos.clone(), owners));
        let shutdown = Arc::new(Notify::new());
        let (stopping, stop_rx) = watch::channel(false);
        let servers = serve(&group, &nodes, &shutdown, stop_rx).await?;
        nodes.start_all().await?;
        let state = State {
            daemon_pid: pid,
            control: servers.control,
            http: servers.http,
            seed: cfg.seed,
            db: match cfg.db {
                DbChoice::Etcd { .. } => "etcd".into(),
                DbChoice::Shop { .. } => shop::NAME.into(),
            },
            binary,
            traces: receiver.as_ref().map(|r| r.path().to_path_buf()),
            nodes: infos,
        };
        state.write(dir)?;
        Ok(Daemon {
            dir: cfg.dir,
            state,
            nodes,
            shutdown,
            stopping,
            grpc: servers.grpc,
            http: servers.http_task,
            _group: group,
            _receiver: receiver,
        })
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Runs until `Stop`, SIGTERM or SIGINT; then stops the nodes and removes the
    /// state and pid files.
    pub async fn wait(self) -> Result<(), PlaygroundError> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term =
            signal(SignalKind::terminate()).map_err(PlaygroundError::io("watch SIGTERM"))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(PlaygroundError::io("watch SIGINT"))?;
        tokio::select! {
            _ = self.shutdown.notified() => {}
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        self.close().await;
        Ok(())
    }

    /// Stops nodes and servers and removes the state and pid files.
    pub async fn close(self) {
        self.nodes.stop_all().await;
        let _ = self.stopping.send(true);
        let grpc = self.grpc;
        if tokio::time::timeout(std::time::Duration::from_secs(2), grpc)
            .await
            .is_err()
        {
            eprintln!("playground: control API did not finish within 2 s");
        }
        self.http.abort();
        let _ = std::fs::remove_file(self.dir.join(STATE_FILE));
        let _ = std::fs::remove_file(self.dir.join(PID_FILE));
    }
}

/// How the nodes are started; for the shop also its OTLP receiver (started
/// here, so every service exports to it) and the program `state.json` names.
async fn launch(
    cfg: &DaemonConfig,
) -> Result<(Launch, Option<Receiver>, PathBuf), PlaygroundError> {
    match &cfg.db {
        DbChoice::Etcd { binary } => {
            let token = format!("rjepsen-playground-{}-{}", cfg.seed, std::process::id());
            let launch = Launch::Etcd {
                binary: binary.clone(),
                token,
            };
            Ok((launch, None, binary.clone()))
        }
        DbChoice::Shop { fixed } => {
            let mut s = shop::prepare(&cfg.dir, *fixed)?;
            let config = ReceiverConfig {
                out: cfg.dir.join("traces"),
                grpc: None,
                http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            };
            let r = Receiver::start(&config).await.map_err(|e| {
                PlaygroundError::BadConfig(format!("failed to start the OTLP receiver: {e}"))
            })?;
            s.otlp = r.env(Protocol::HttpProtobuf);
            let python = s.python.clone();
            Ok((Launch::Shop(Box::new(s)), Some(r), python))
        }
    }
}

/// The node's log file: every process of the node appends to it.
fn log_name(db: &DbChoice) -> &'static str {
    match db {
        DbChoice::Etcd { .. } => "etcd.log",
        DbChoice::Shop { .. } => "shop.log",
    }
}

/// A node's directory (wiped), free real ports and its two proxies.
async fn layout(
    dir: &Path,
    name: &str,
    group: &ProxyGroup,
    ports: &mut Ports,
    log: &str,
) -> Result<NodeInfo, PlaygroundError> {
    let node_dir = dir.join(name);
    if node_dir.exists() {
        std::fs::remove_dir_all(&node_dir).map_err(file_err("remove", &node_dir))?;
    }
    std::fs::create_dir_all(&node_dir).map_err(file_err("create", &node_dir))?;
    let (real_client, real_peer) = (ports.take()?, ports.take()?);
    let any: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let spec = |port, up| ProxySpec::new(&crate::faults::proxy_name(name, port), any, up);
    let client = group.add(spec(false, real_client)).await?;
    let peer = group.add(spec(true, real_peer)).await?;
    Ok(NodeInfo {
        name: name.to_string(),
        client,
        peer,
        real_client,
        real_peer,
        data_dir: node_dir.join("data"),
        log: node_dir.join(log),
    })
}

/// Real ports for the nodes, from below the kernel's ephemeral range.
///
/// Why: a port is picked by binding and releasing it, and the node binds it a
/// moment later. Inside the ephemeral range the kernel may give it meanwhile to an
/// outgoing connection (of the nodes already started, dialing their peers), and
/// the node then fails with "address in use". Below it, only a program binding that
/// port on purpose can take it. The start point is random, so playgrounds side by
/// side rarely probe the same ports.
struct Ports {
    next: u16,
    low: u16,
    high: u16,
}

impl Ports {
    const LOW: u16 = 10000;

    fn new() -> Ports {
        let high = ephemeral_low().unwrap_or(32768).max(Ports::LOW + 1000);
        let (low, high) = Ports::range_from_env().unwrap_or((Ports::LOW, high));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let span = u32::from(high - low);
        let next = low + ((nanos ^ std::process::id()) % span) as u16;
        Ports { next, low, high }
    }

    /// `RJEPSEN_PLAYGROUND_PORTS=LOW-HIGH`: where tests may put servers.
    fn range_from_env() -> Option<(u16, u16)> {
        let v = std::env::var("RJEPSEN_PLAYGROUND_PORTS").ok()?;
        let (l, h) = v.split_once('-')?;
        let (l, h): (u16, u16) = (l.trim().parse().ok()?, h.trim().parse().ok()?);
        (l < h).then_some((l, h))
    }

    /// A loopback port nobody holds now.
    fn take(&mut self) -> Result<SocketAddr, PlaygroundError> {
        for _ in self.low..self.high {
            let port = self.next;
            self.next = if port + 1 >= self.high {
                self.low
            } else {
                port + 1
            };
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if std::net::TcpListener::bind(addr).is_ok() {
                return Ok(addr);
            }
        }
        let e = std::io::Error::new(std::io::ErrorKind::AddrInUse, "every port is taken");
        Err(PlaygroundError::io(format!(
            "find a free port in {}..{}",
            self.low, self.high
        ))(e))
    }
}

/// The first port of `/proc/sys/net/ipv4/ip_local_port_range`.
fn ephemeral_low() -> Option<u16> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    range.split_whitespace().next()?.parse().ok()
}

struct Servers {
    control: SocketAddr,
    http: SocketAddr,
    grpc: JoinHandle<()>,
    http_task: JoinHandle<()>,
}

/// gRPC (both services) and HTTP, each on a fresh loopback port.
async fn serve(
    group: &ProxyGroup,
    nodes: &Arc<Nodes>,
    shutdown: &Arc<Notify>,
    mut stopping: watch::Receiver<bool>,
) -> Result<Servers, PlaygroundError> {
    let bind = |what: &'static str| async move {
        let l = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(PlaygroundError::io(what))?;
        let a = l.local_addr().map_err(PlaygroundError::io(what))?;
        Ok::<_, PlaygroundError>((l, a))
    };
    let (gl, control) = bind("bind the control port").await?;
    let (hl, http) = bind("bind the HTTP port").await?;
    let svc = Arc::new(Service::new(nodes.clone(), shutdown.clone()));
    let router = tonic::transport::Server::builder()
        .add_service(grpc::service(group.clone()))
        .add_service(PlaygroundServer::new(svc));
    let incoming = tonic::codegen::tokio_stream::wrappers::TcpListenerStream::new(gl);
    let until = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let grpc = tokio::spawn(async move {
        if let Err(e) = router.serve_with_incoming_shutdown(incoming, until).await {
            eprintln!("playground: control API stopped: {e}");
        }
    });
    let group = group.clone();
    let http_task = tokio::spawn(async move {
        if let Err(e) = http::serve(group, hl).await {
            eprintln!("playground: HTTP API stopped: {e}");
        }
    });
    Ok(Servers {
        control,
        http,
        grpc,
        http_task,
    })
}

fn file_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PlaygroundError {
    let path = path.to_path_buf();
    move |source| PlaygroundError::File { what, path, source }
}
