//! The daemon's `Playground` gRPC service: node status (each node's own view of
//! the leader, asked at its real address), kill, restart, pause, resume, stop.
//!
//! Unknown node names are `NOT_FOUND` with the list of nodes; nothing is touched.

use crate::nodes::{Nodes, ProcState};
use crate::pb;
use crate::pb::playground_server::Playground;
use crate::{etcd, PlaygroundError};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify};
use tonic::{Request, Response, Status};

pub(crate) struct Service {
    pub(crate) nodes: Arc<Nodes>,
    pub(crate) shutdown: Arc<Notify>,
    clients: Mutex<BTreeMap<String, etcd_client::Client>>,
    /// etcd member id → node name, learned from each node's own answer.
    members: std::sync::Mutex<HashMap<u64, String>>,
}

impl Service {
    pub(crate) fn new(nodes: Arc<Nodes>, shutdown: Arc<Notify>) -> Service {
        Service {
            nodes,
            shutdown,
            clients: Mutex::default(),
            members: Default::default(),
        }
    }

    async fn client(&self, name: &str) -> Result<etcd_client::Client, String> {
        if let Some(c) = self.clients.lock().await.get(name) {
            return Ok(c.clone());
        }
        let info = self.nodes.infos().iter().find(|n| n.name == name);
        let c = etcd::client(info.ok_or("no such node")?.real_client).await?;
        self.clients
            .lock()
            .await
            .insert(name.to_string(), c.clone());
        Ok(c)
    }

    async fn node_status(&self, name: &str) -> Result<pb::NodeStatus, PlaygroundError> {
        let (pid, state) = self.nodes.state(name).await?;
        let mut s = pb::NodeStatus {
            name: name.to_string(),
            pid,
            state: state.as_string(),
            ..Default::default()
        };
        if !matches!(state, ProcState::Running | ProcState::Paused) {
            s.error = "not running".into();
            return Ok(s);
        }
        if let Some(addrs) = self.nodes.shop_listens(name) {
            // The shop has no leader: a node answers when all its parts accept.
            for a in addrs {
                if !crate::shop::accepts(a, std::time::Duration::from_millis(500)).await {
                    s.error = format!("nothing accepts on {a}");
                    return Ok(s);
                }
            }
            s.answered = true;
            return Ok(s);
        }
        let view = match self.client(name).await {
            Ok(mut c) => etcd::view(&mut c).await,
            Err(e) => Err(e),
        };
        match view {
            Ok(v) => {
                s.answered = true;
                let mut members = self.members.lock().expect("members poisoned");
                members.insert(v.member, name.to_string());
                if v.leader != 0 {
                    s.leader = members
                        .get(&v.leader)
                        .cloned()
                        .unwrap_or_else(|| format!("{:x}", v.leader));
                }
            }
            Err(e) => s.error = e,
        }
        Ok(s)
    }

    async fn reply(&self, name: &str) -> Result<Response<pb::NodeReply>, Status> {
        let node = self.node_status(name).await.map_err(status)?;
        Ok(Response::new(pb::NodeReply { node: Some(node) }))
    }
}

fn status(e: PlaygroundError) -> Status {
    match e {
        PlaygroundError::UnknownNode { .. } => Status::not_found(e.to_string()),
        PlaygroundError::Node { .. } => Status::failed_precondition(e.to_string()),
        _ => Status::internal(e.to_string()),
    }
}

#[tonic::async_trait]
impl Playground for Arc<Service> {
    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusReply>, Status> {
        let mut set = tokio::task::JoinSet::new();
        for (i, n) in self.nodes.infos().iter().enumerate() {
            let (me, name) = (self.clone(), n.name.clone());
            set.spawn(async move { (i, me.node_status(&name).await) });
        }
        let mut nodes = Vec::new();
        while let Some(r) = set.join_next().await {
            let (i, s) = r.map_err(|e| Status::internal(e.to_string()))?;
            nodes.push((i, s.map_err(status)?));
        }
        nodes.sort_by_key(|(i, _)| *i);
        let nodes = nodes.into_iter().map(|(_, s)| s).collect();
        Ok(Response::new(pb::StatusReply { nodes }))
    }

    async fn kill(&self, r: Request<pb::NodeRequest>) -> Result<Response<pb::NodeReply>, Status> {
        let name = r.into_inner().node;
        self.nodes.kill(&name).await.map_err(status)?;
        self.reply(&name).await
    }

    async fn restart(
        &self,
        r: Request<pb::NodeRequest>,
    ) -> Result<Response<pb::NodeReply>, Status> {
        let name = r.into_inner().node;
        self.nodes.restart(&name).await.map_err(status)?;
        self.reply(&name).await
    }

    async fn pause(&self, r: Request<pb::NodeRequest>) -> Result<Response<pb::NodeReply>, Status> {
        let name = r.into_inner().node;
        self.nodes.pause(&name, true).await.map_err(status)?;
        let (pid, state) = self.nodes.state(&name).await.map_err(status)?;
        let node = pb::NodeStatus {
            name,
            pid,
            state: state.as_string(),
            ..Default::default()
        };
        Ok(Response::new(pb::NodeReply { node: Some(node) }))
    }

    async fn resume(&self, r: Request<pb::NodeRequest>) -> Result<Response<pb::NodeReply>, Status> {
        let name = r.into_inner().node;
        self.nodes.pause(&name, false).await.map_err(status)?;
        self.reply(&name).await
    }

    async fn stop(&self, _: Request<pb::StopRequest>) -> Result<Response<pb::StopReply>, Status> {
        self.nodes.stop_all().await;
        self.shutdown.notify_one();
        Ok(Response::new(pb::StopReply {}))
    }
}
