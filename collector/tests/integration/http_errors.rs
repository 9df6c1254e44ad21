//! OTLP/HTTP by the spec, over raw HTTP/1.1: a JSON request as the spec's
//! encoding shows it, partial success, and each kind of bad request answered with
//! its status and reason while every good request around it is kept.

use super::support::{post, receiver};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

/// A spec-shaped OTLP/JSON request: hex ids, enum as integer, int64 as strings.
fn json_request(span_id: &str) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"orders"}}}}]}},
        "scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{{"traceId":"5b8efff798038103d269b633813fc60c",
        "spanId":"{span_id}","name":"GET /orders/1","kind":2,"startTimeUnixNano":"1544712660000000000",
        "endTimeUnixNano":"1544712661000000000","attributes":[{{"key":"http.request.method","value":{{"stringValue":"GET"}}}}]}}]}}]}}]}}"#
    )
}

const JSON: &str = "Content-Type: application/json";
const PROTO: &str = "Content-Type: application/x-protobuf";

#[tokio::test]
async fn json_protobuf_partial_success_and_bad_requests() {
    let rx = receiver("http").await;
    let addr = rx.http_addr().unwrap();

    let (status, _, body) = post(
        addr,
        "/v1/traces",
        &[JSON],
        json_request("eee19b7ec3c1b174").as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let resp: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        matches!(
            resp.get("partialSuccess"),
            None | Some(serde_json::Value::Null)
        ),
        "{resp}"
    );

    // One span with a 4-byte span id: refused, reported as partial success.
    let (status, _, body) = post(
        addr,
        "/v1/traces",
        &[JSON],
        json_request("eee19b7e").as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    let resp: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        resp["partialSuccess"]["rejectedSpans"],
        serde_json::json!(1),
        "{resp}"
    );

    // The same good request as protobuf, answered in protobuf.
    let req: ExportTraceServiceRequest =
        serde_json::from_str(&json_request("aaa19b7ec3c1b174")).unwrap();
    let (status, head, body) = post(addr, "/v1/traces", &[PROTO], &req.encode_to_vec()).await;
    assert_eq!(status, 200);
    assert!(head.contains("application/x-protobuf"), "{head}");
    assert_eq!(
        ExportTraceServiceResponse::decode(&body[..])
            .unwrap()
            .partial_success,
        None
    );

    let bad: [(&[&str], &[u8], u16, &str); 5] = [
        (
            &[JSON],
            b"{\"resourceSpans\": [",
            400,
            "malformed JSON ExportTraceServiceRequest",
        ),
        (
            &[PROTO],
            b"\xff\xff\xff\xff",
            400,
            "malformed protobuf ExportTraceServiceRequest",
        ),
        (
            &["Content-Type: text/plain"],
            b"x",
            415,
            "Content-Type text/plain is not supported",
        ),
        (&[], b"x", 415, "no Content-Type"),
        (
            &[JSON, "Content-Encoding: gzip"],
            b"x",
            415,
            "Content-Encoding gzip",
        ),
    ];
    for (headers, body, want, reason) in bad {
        let (status, _, got) = post(addr, "/v1/traces", headers, body).await;
        let text = String::from_utf8_lossy(&got);
        assert_eq!(status, want, "{headers:?}: {text}");
        assert!(text.contains(reason), "{headers:?}: {text}");
    }
    let (status, _, _) = post(addr, "/v1/metrics", &[JSON], b"{}").await;
    assert_eq!(status, 404);

    let stored = std::fs::read_to_string(rx.path()).unwrap();
    let ids: Vec<&str> = ["eee19b7ec3c1b174", "aaa19b7ec3c1b174"]
        .into_iter()
        .filter(|id| stored.contains(id))
        .collect();
    assert_eq!(stored.lines().count(), 2, "{stored}");
    assert_eq!(ids.len(), 2, "both good requests stored");
    let stats = rx.stop().await;
    assert_eq!(
        (
            stats.requests,
            stats.spans,
            stats.rejected_spans,
            stats.malformed
        ),
        (2, 2, 1, 5)
    );
}
