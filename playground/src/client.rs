//! A running playground seen from outside its daemon: `Playground::open(dir)` reads
//! the address book from `state.json` and talks to the daemon over gRPC. The CLI
//! uses it, and so can `rjepsen test --playground` (issue 10 §4).
//!
//! Names are checked against the address book before any call, so an unknown node
//! is an error that changes nothing.

use crate::faults::{describe, merge, on_node};
use crate::pb::playground_client::PlaygroundClient;
use crate::state::{running_daemon, NodeInfo, State};
use crate::{pb, PlaygroundError};
use rjepsen_proxy::grpc::pb::proxy_control_client::ProxyControlClient;
use rjepsen_proxy::grpc::{self, fault_set_from_pb, fault_set_to_pb};
use rjepsen_proxy::{FaultSet, LinkBytes, Toxic};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tonic::transport::{Channel, Endpoint};

/// One node's status as `playground status` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    pub name: String,
    pub pid: Option<u32>,
    pub state: String,
    /// The leader as this node sees it (`None`: it has none or did not answer).
    pub leader: Option<String>,
    pub answered: bool,
    pub error: String,
    /// The faults on its links (`describe`d).
    pub faults: Vec<String>,
}

/// A handle on a running playground.
pub struct Playground {
    dir: PathBuf,
    state: State,
    proxy: ProxyControlClient<Channel>,
    nodes: PlaygroundClient<Channel>,
}

impl Playground {
    /// Opens the playground running in `dir`.
    pub async fn open(dir: &Path) -> Result<Playground, PlaygroundError> {
        let state = State::read(dir)?;
        if running_daemon(dir) != Some(state.daemon_pid) {
            return Err(PlaygroundError::NotRunning(dir.to_path_buf()));
        }
        let control = state.control;
        let unreachable = |e: tonic::transport::Error| PlaygroundError::Control {
            addr: control,
            message: e.to_string(),
        };
        let ch = Endpoint::from_shared(format!("http://{control}"))
            .map_err(unreachable)?
            .connect_timeout(Duration::from_secs(2))
            .connect()
            .await
            .map_err(unreachable)?;
        Ok(Playground {
            dir: dir.to_path_buf(),
            state,
            proxy: ProxyControlClient::new(ch.clone()),
            nodes: PlaygroundClient::new(ch),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// The address book: names, proxy (advertised) and real addresses.
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.state.nodes
    }

    pub fn names(&self) -> Vec<String> {
        self.state.names()
    }

    /// The proxy control client (gRPC), for what this handle does not wrap.
    pub fn proxy_control(&self) -> ProxyControlClient<Channel> {
        self.proxy.clone()
    }

    fn rpc_err(&self, s: tonic::Status) -> PlaygroundError {
        PlaygroundError::Control {
            addr: self.state.control,
            message: s.message().to_string(),
        }
    }

    /// Every node, in order, with its faults.
    pub async fn status(&mut self) -> Result<Vec<NodeStatus>, PlaygroundError> {
        let reply = self.nodes.status(pb::StatusRequest {}).await;
        let nodes = reply.map_err(|s| self.rpc_err(s))?.into_inner().nodes;
        let faults = self.faults().await?;
        Ok(nodes.into_iter().map(|n| convert(n, &faults)).collect())
    }

    /// Waits until every node answers and (etcd) all name the same leader; returns how long.
    pub async fn wait_healthy(&mut self, within: Duration) -> Result<Duration, PlaygroundError> {
        let t = Instant::now();
        loop {
            let nodes = self.status().await?;
            if let Some(n) = nodes.iter().find(|n| n.state.starts_with("exited")) {
                let log = self.state.node(&n.name)?.log.display().to_string();
                let detail = format!("{} {}; see {log}", n.name, n.state);
                return Err(PlaygroundError::Unhealthy {
                    secs: t.elapsed().as_secs_f64(),
                    detail,
                });
            }
            let why = if self.state.db == crate::shop::NAME {
                nodes
                    .iter()
                    .find(|n| !n.answered)
                    .map(|n| format!("{} does not answer: {}", n.name, n.error))
            } else {
                unhealthy(&nodes)
            };
            if let Some(why) = why {
                if t.elapsed() > within {
                    return Err(PlaygroundError::Unhealthy {
                        secs: within.as_secs_f64(),
                        detail: why,
                    });
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
                continue;
            }
            return Ok(t.elapsed());
        }
    }

    async fn node_op(
        &mut self,
        op: &'static str,
        node: &str,
    ) -> Result<NodeStatus, PlaygroundError> {
        self.state.node(node)?;
        let req = pb::NodeRequest { node: node.into() };
        let r = match op {
            "kill" => self.nodes.kill(req).await,
            "restart" => self.nodes.restart(req).await,
            "pause" => self.nodes.pause(req).await,
            _ => self.nodes.resume(req).await,
        };
        let n = r.map_err(|s| PlaygroundError::Node {
            op,
            node: node.into(),
            message: s.message().to_string(),
        })?;
        let faults = self.faults().await?;
        Ok(convert(n.into_inner().node.unwrap_or_default(), &faults))
    }

    pub async fn kill(&mut self, node: &str) -> Result<NodeStatus, PlaygroundError> {
        self.node_op("kill", node).await
    }
    /// Restarts `node` and waits (up to 10 s) until it answers again.
    pub async fn restart(&mut self, node: &str) -> Result<NodeStatus, PlaygroundError> {
        let mut n = self.node_op("restart", node).await?;
        let t = Instant::now();
        while !n.answered && t.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(25)).await;
            let all = self.status().await?;
            n = all.into_iter().find(|s| s.name == node).unwrap_or(n);
        }
        Ok(n)
    }
    pub async fn pause(&mut self, node: &str) -> Result<NodeStatus, PlaygroundError> {
        self.node_op("pause", node).await
    }
    pub async fn resume(&mut self, node: &str) -> Result<NodeStatus, PlaygroundError> {
        self.node_op("resume", node).await
    }

    /// The fault set in force on the proxies.
    pub async fn faults(&mut self) -> Result<FaultSet, PlaygroundError> {
        let r = self.proxy.get_faults(grpc::pb::GetFaultsRequest {}).await;
        let set = r.map_err(|s| self.rpc_err(s))?.into_inner();
        fault_set_from_pb(set).map_err(Into::into)
    }

    /// Replaces the fault set; returns the proxies' ns it took effect.
    pub async fn apply(&mut self, set: &FaultSet) -> Result<u64, PlaygroundError> {
        set.validate()?;
        let r = self.proxy.apply(fault_set_to_pb(set)).await;
        Ok(r.map_err(|s| self.rpc_err(s))?.into_inner().ns)
    }

    /// Adds toxics to the set in force (one of the same name is replaced).
    pub async fn add(&mut self, toxics: Vec<Toxic>) -> Result<u64, PlaygroundError> {
        let set = merge(self.faults().await?, toxics);
        self.apply(&set).await
    }

    /// Removes every link fault.
    pub async fn heal(&mut self) -> Result<u64, PlaygroundError> {
        let r = self.proxy.clear(grpc::pb::ClearRequest {}).await;
        Ok(r.map_err(|s| self.rpc_err(s))?.into_inner().ns)
    }

    /// Bytes per link `(from, to proxy)`.
    pub async fn links(
        &mut self,
    ) -> Result<BTreeMap<(String, String), LinkBytes>, PlaygroundError> {
        let r = self.proxy.list_links(grpc::pb::ListLinksRequest {}).await;
        let links = r.map_err(|s| self.rpc_err(s))?.into_inner().links;
        Ok(links
            .into_iter()
            .map(|l| {
                let b = LinkBytes {
                    upstream: l.upstream,
                    downstream: l.downstream,
                };
                ((l.from, l.to), b)
            })
            .collect())
    }

    /// Stops every node and the daemon; returns once the daemon has exited.
    pub async fn stop(mut self) -> Result<(), PlaygroundError> {
        let r = self.nodes.stop(pb::StopRequest {}).await;
        r.map_err(|s| self.rpc_err(s))?;
        let t = Instant::now();
        while crate::state::alive(self.state.daemon_pid) && t.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

fn convert(n: pb::NodeStatus, faults: &FaultSet) -> NodeStatus {
    NodeStatus {
        faults: on_node(faults, &n.name).into_iter().map(describe).collect(),
        pid: (n.pid != 0).then_some(n.pid),
        leader: (!n.leader.is_empty()).then_some(n.leader),
        name: n.name,
        state: n.state,
        answered: n.answered,
        error: n.error,
    }
}

/// Why a cluster is not healthy yet, or `None` when it is.
pub fn unhealthy(nodes: &[NodeStatus]) -> Option<String> {
    if let Some(n) = nodes.iter().find(|n| !n.answered) {
        return Some(format!("{} does not answer: {}", n.name, n.error));
    }
    let leaders: std::collections::BTreeSet<_> = nodes.iter().map(|n| n.leader.clone()).collect();
    match leaders.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(_)] => None,
        [None] => Some("no leader yet".into()),
        many => Some(format!("nodes disagree on the leader: {many:?}")),
    }
}
