//! OTLP/gRPC edge cases with tonic's own client and a raw-bytes codec (so the
//! test can send what no well-behaved exporter would): an undecodable message
//! is `INVALID_ARGUMENT` and stores nothing, refused spans come back as partial
//! success, another method is `UNIMPLEMENTED`.

use super::support::receiver;
use bytes::{Buf, BufMut};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::Status;

/// Sends bytes as they are; decodes the reply as an `ExportTraceServiceResponse`.
struct Raw;
struct RawEnc;
struct RespDec;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = ExportTraceServiceResponse;
    type Encoder = RawEnc;
    type Decoder = RespDec;
    fn encoder(&mut self) -> RawEnc {
        RawEnc
    }
    fn decoder(&mut self) -> RespDec {
        RespDec
    }
}

impl Encoder for RawEnc {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RespDec {
    type Item = ExportTraceServiceResponse;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        ExportTraceServiceResponse::decode(bytes)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }
}

async fn call(
    addr: std::net::SocketAddr,
    path: &'static str,
    body: Vec<u8>,
) -> Result<ExportTraceServiceResponse, Status> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(path);
    grpc.unary(tonic::Request::new(body), path, Raw)
        .await
        .map(|r| r.into_inner())
}

const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

fn request(spans: Vec<Span>) -> Vec<u8> {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_malformed_partial_and_unknown() {
    let rx = receiver("grpc").await;
    let addr = rx.grpc_addr().unwrap();
    let err = call(addr, EXPORT, vec![0xff, 0xff, 0xff, 0xff])
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    assert!(
        err.message()
            .contains("malformed ExportTraceServiceRequest"),
        "{err:?}"
    );

    let good = Span {
        trace_id: vec![1; 16],
        span_id: vec![2; 8],
        name: "GET /".into(),
        ..Default::default()
    };
    let bad = Span {
        trace_id: vec![1; 16],
        span_id: vec![],
        name: "GET /".into(),
        ..Default::default()
    };
    let resp = call(addr, EXPORT, request(vec![good, bad])).await.unwrap();
    assert_eq!(resp.partial_success.map(|p| p.rejected_spans), Some(1));

    let err = call(
        addr,
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        request(vec![]),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented, "{err:?}");

    let stats = rx.stop().await;
    assert_eq!(
        (
            stats.requests,
            stats.spans,
            stats.rejected_spans,
            stats.malformed
        ),
        (1, 1, 1, 1)
    );
}
