//! OTLP/HTTP: `POST /v1/traces` with a binary protobuf (`application/x-protobuf`)
//! or JSON (`application/json`) `ExportTraceServiceRequest`, as the OTLP spec says.
//!
//! The answer is in the request's encoding: `200` with an
//! `ExportTraceServiceResponse` (its `partialSuccess` set when spans were refused);
//! `400` with a `google.rpc.Status` naming what could not be decoded (nothing of
//! that request is stored; other requests are unaffected); `415` for another
//! content type or a `Content-Encoding` this receiver does not decode; `413` for a
//! body over [`MAX_BODY`]; `503` if the span file cannot be written, which the spec
//! lets a client retry.

use crate::store::SpanStore;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::sync::Arc;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 << 20;

/// `google.rpc.Status`, the error body OTLP/HTTP prescribes (details left empty).
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Proto,
    Json,
}

impl Encoding {
    fn content_type(self) -> &'static str {
        match self {
            Encoding::Proto => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// The router serving `/v1/traces`, to mount on an axum server.
pub fn router(store: Arc<SpanStore>) -> Router {
    Router::new()
        .route("/v1/traces", post(export))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(store)
}

async fn export(State(store): State<Arc<SpanStore>>, headers: HeaderMap, body: Bytes) -> Response {
    let enc = match encoding(&headers) {
        Ok(enc) => enc,
        Err(reason) => {
            store.count_malformed();
            return error(Encoding::Json, StatusCode::UNSUPPORTED_MEDIA_TYPE, reason);
        }
    };
    let req = match decode(enc, &body) {
        Ok(req) => req,
        Err(reason) => {
            store.count_malformed();
            return error(enc, StatusCode::BAD_REQUEST, reason);
        }
    };
    let stored = match store.store(req) {
        Ok(s) => s,
        Err(e) => return error(enc, StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let partial_success = stored.partial_success();
    let resp = ExportTraceServiceResponse { partial_success };
    let body = match enc {
        Encoding::Proto => resp.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(&resp).expect("responses serialise"),
    };
    reply(enc, StatusCode::OK, body)
}

/// The body's encoding from `Content-Type` (parameters such as `charset` ignored)
/// and `Content-Encoding` (only `identity`).
fn encoding(headers: &HeaderMap) -> Result<Encoding, String> {
    if let Some(ce) = headers.get(header::CONTENT_ENCODING) {
        let ce = ce.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        if ce != "identity" {
            return Err(format!(
                "Content-Encoding {ce} is not supported (send uncompressed)"
            ));
        }
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Proto),
        "application/json" => Ok(Encoding::Json),
        "" => Err("no Content-Type: send application/x-protobuf or application/json".into()),
        other => Err(format!(
            "Content-Type {other} is not supported: send application/x-protobuf or application/json"
        )),
    }
}

fn decode(enc: Encoding, body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    match enc {
        Encoding::Proto => ExportTraceServiceRequest::decode(body)
            .map_err(|e| format!("malformed protobuf ExportTraceServiceRequest: {e}")),
        Encoding::Json => serde_json::from_slice(body)
            .map_err(|e| format!("malformed JSON ExportTraceServiceRequest: {e}")),
    }
}

fn error(enc: Encoding, status: StatusCode, message: String) -> Response {
    // gRPC codes: INVALID_ARGUMENT for bad data, UNAVAILABLE for a store failure.
    let code = if status == StatusCode::SERVICE_UNAVAILABLE {
        14
    } else {
        3
    };
    let st = RpcStatus { code, message };
    let body = match enc {
        Encoding::Proto => st.encode_to_vec(),
        Encoding::Json => serde_json::json!({"code": st.code, "message": st.message})
            .to_string()
            .into_bytes(),
    };
    reply(enc, status, body)
}

fn reply(enc: Encoding, status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, enc.content_type())], body).into_response()
}
