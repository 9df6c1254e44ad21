//! The `ProxyControl` service over a [`ProxyGroup`], and a client constructor.
//!
//! A bad fault set is `INVALID_ARGUMENT` with the library's message, and nothing
//! changes: validation happens before the set is published.

use super::convert::{fault_set_from_pb, fault_set_to_pb};
use super::pb;
use super::pb::proxy_control_client::ProxyControlClient;
use super::pb::proxy_control_server::{ProxyControl, ProxyControlServer};
use crate::{EventKind, ProxyGroup};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};

/// The service; cheap to clone (it holds the group's handle).
#[derive(Clone)]
pub struct Control {
    group: ProxyGroup,
}

/// The service for `group`, to add to a tonic server beside others.
pub fn service(group: ProxyGroup) -> ProxyControlServer<Control> {
    ProxyControlServer::new(Control { group })
}

/// Serves only the proxy control on `listener` until the task is dropped.
pub async fn serve(
    group: ProxyGroup,
    listener: TcpListener,
) -> Result<(), tonic::transport::Error> {
    let incoming = tonic::codegen::tokio_stream::wrappers::TcpListenerStream::new(listener);
    Server::builder()
        .add_service(service(group))
        .serve_with_incoming(incoming)
        .await
}

/// A client of the control service at `addr` (plain HTTP/2 on loopback).
pub async fn connect(
    addr: SocketAddr,
) -> Result<ProxyControlClient<Channel>, tonic::transport::Error> {
    let ch = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(std::time::Duration::from_secs(2))
        .connect()
        .await?;
    Ok(ProxyControlClient::new(ch))
}

impl Control {
    async fn apply(&self, set: crate::FaultSet) -> Result<Response<pb::Applied>, Status> {
        let ns = self
            .group
            .apply(set)
            .await
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Response::new(pb::Applied { ns }))
    }
}

#[tonic::async_trait]
impl ProxyControl for Control {
    async fn apply(&self, req: Request<pb::FaultSet>) -> Result<Response<pb::Applied>, Status> {
        let set = fault_set_from_pb(req.into_inner())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Control::apply(self, set).await
    }

    async fn clear(&self, _: Request<pb::ClearRequest>) -> Result<Response<pb::Applied>, Status> {
        Control::apply(self, crate::FaultSet::none()).await
    }

    async fn get_faults(
        &self,
        _: Request<pb::GetFaultsRequest>,
    ) -> Result<Response<pb::FaultSet>, Status> {
        Ok(Response::new(fault_set_to_pb(&self.group.faults())))
    }

    async fn list_links(
        &self,
        _: Request<pb::ListLinksRequest>,
    ) -> Result<Response<pb::LinkList>, Status> {
        let proxies = self
            .group
            .proxies()
            .into_iter()
            .map(|p| pb::Proxy {
                name: p.name,
                listen: p.listen.to_string(),
                upstream: p.upstream.to_string(),
            })
            .collect();
        let links = self
            .group
            .bytes()
            .into_iter()
            .map(|((from, to), b)| pb::LinkBytes {
                from,
                to,
                upstream: b.upstream,
                downstream: b.downstream,
            })
            .collect();
        let now_ns = self.group.now_ns();
        Ok(Response::new(pb::LinkList {
            proxies,
            links,
            now_ns,
        }))
    }

    async fn read_events(
        &self,
        req: Request<pb::ReadEventsRequest>,
    ) -> Result<Response<pb::EventList>, Status> {
        let all = self.group.events();
        let since = (req.into_inner().since as usize).min(all.len());
        let next = all.len() as u64;
        let events = all[since..].iter().map(event_to_pb).collect();
        Ok(Response::new(pb::EventList { events, next }))
    }
}

fn event_to_pb(e: &crate::Event) -> pb::Event {
    use pb::event::Kind;
    let kind = match &e.kind {
        EventKind::Connect { proxy, conn, from } => Kind::Connect(pb::Connect {
            proxy: proxy.clone(),
            conn: *conn,
            from: from.clone(),
        }),
        EventKind::Close { proxy, conn, how } => Kind::Close(pb::Close {
            proxy: proxy.clone(),
            conn: *conn,
            how: how.clone(),
        }),
        EventKind::FaultChange { toxics } => Kind::FaultChange(pb::FaultChange {
            toxics: toxics.clone(),
        }),
    };
    pb::Event {
        ns: e.ns,
        kind: Some(kind),
    }
}
