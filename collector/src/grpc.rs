//! OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.
//!
//! `opentelemetry-proto`'s generated server (`gen-tonic`) is built for tonic 0.14,
//! and the workspace already builds tonic 0.12 (etcd-client, the proxy); rather than
//! compile a second gRPC stack, this module is the little a generated server does:
//! a codec for the prost 0.14 messages and a tower service that routes the one
//! method to [`tonic::server::Grpc::unary`]. Any other path is `UNIMPLEMENTED`.

use crate::store::SpanStore;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::body::BoxBody;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{http, Body, Service, StdError};
use tonic::server::NamedService;
use tonic::{Request, Response, Status};

const SERVICE: &str = "opentelemetry.proto.collector.trace.v1.TraceService";
const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// A tonic codec for prost 0.14 messages (tonic 0.12's own is for prost 0.13).
struct Prost14<E, D>(PhantomData<(E, D)>);

impl<E, D> Codec for Prost14<E, D>
where
    E: Message + Send + 'static,
    D: Message + Default + Send + 'static,
{
    type Encode = E;
    type Decode = D;
    type Encoder = Enc<E>;
    type Decoder = Dec<D>;

    fn encoder(&mut self) -> Enc<E> {
        Enc(PhantomData)
    }

    fn decoder(&mut self) -> Dec<D> {
        Dec(PhantomData)
    }
}

struct Enc<E>(PhantomData<E>);
struct Dec<D>(PhantomData<D>);

impl<E: Message> Encoder for Enc<E> {
    type Item = E;
    type Error = Status;

    fn encode(&mut self, item: E, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|e| Status::internal(format!("failed to encode the response: {e}")))
    }
}

impl<D: Message + Default> Decoder for Dec<D> {
    type Item = D;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<D>, Status> {
        D::decode(src).map(Some).map_err(|e| {
            Status::invalid_argument(format!("malformed ExportTraceServiceRequest: {e}"))
        })
    }
}

/// The trace service, to add to a tonic server.
#[derive(Clone)]
pub struct TraceService {
    store: Arc<SpanStore>,
}

impl TraceService {
    pub fn new(store: Arc<SpanStore>) -> TraceService {
        TraceService { store }
    }
}

impl NamedService for TraceService {
    const NAME: &'static str = SERVICE;
}

struct Export(Arc<SpanStore>);

impl tonic::server::UnaryService<ExportTraceServiceRequest> for Export {
    type Response = ExportTraceServiceResponse;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Self::Response>, Status>> + Send>>;

    fn call(&mut self, req: Request<ExportTraceServiceRequest>) -> Self::Future {
        let store = self.0.clone();
        Box::pin(async move {
            let stored = store
                .store(req.into_inner())
                .map_err(|e| Status::unavailable(e.to_string()))?;
            let partial_success = stored.partial_success();
            Ok(Response::new(ExportTraceServiceResponse {
                partial_success,
            }))
        })
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Infallible>> + Send>>;

impl<B> Service<http::Request<B>> for TraceService
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<BoxBody>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != EXPORT {
            let path = req.uri().path().to_string();
            return Box::pin(async move {
                let status = Status::unimplemented(format!("no method {path}"));
                Ok(status.into_http())
            });
        }
        let store = self.store.clone();
        Box::pin(async move {
            let codec =
                Prost14::<ExportTraceServiceResponse, ExportTraceServiceRequest>(PhantomData);
            let mut grpc = tonic::server::Grpc::new(codec);
            let res = grpc.unary(Export(store.clone()), req).await;
            if grpc_status(&res) == Some(tonic::Code::InvalidArgument as i32) {
                store.count_malformed();
            }
            Ok(res)
        })
    }
}

/// The `grpc-status` a unary response carries in its headers (a trailers-only
/// error; a success sends it in trailers, so this is `None` then).
fn grpc_status(res: &http::Response<BoxBody>) -> Option<i32> {
    res.headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}
