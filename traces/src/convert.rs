//! `rjepsen traces convert`: SkyWalking exports to OTLP (JSON or protobuf), one
//! output file per trace, to build OTLP fixtures from the shared cases.
//!
//! The mapping is the inverse of [`crate::otlp`]'s: Entry/Exit/Local become
//! SERVER/CLIENT/INTERNAL; a span's parent is its parent in the segment, or the
//! span its segment's reference names; each segment gets its own `thread.id` so that
//! a cross-thread fork is recognisable again. Ids are hashes of SkyWalking's, so a
//! conversion is deterministic.

use crate::model::{Kind, Layer, Span};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};
use prost::Message;
use std::collections::BTreeMap;

/// FNV-1a, 64 bits: stable across runs and platforms.
fn fnv(seed: u64, text: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn trace_id(t: &str) -> Vec<u8> {
    [fnv(1, t).to_be_bytes(), fnv(2, t).to_be_bytes()].concat()
}

fn span_id(segment: &str, span: i64) -> Vec<u8> {
    fnv(3, &format!("{segment}:{span}")).to_be_bytes().to_vec()
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn text(out: &mut Vec<KeyValue>, key: &str, value: &str) {
    if !value.is_empty() {
        out.push(kv(key, any_value::Value::StringValue(value.into())));
    }
}

fn attributes(s: &Span) -> Vec<KeyValue> {
    let mut a = Vec::new();
    let thread = (fnv(4, &s.segment) >> 1) as i64;
    a.push(kv("thread.id", any_value::Value::IntValue(thread)));
    text(&mut a, "rjepsen.component", &s.component);
    if s.layer == Layer::Http {
        let method = if s.http.method.is_empty() {
            "GET"
        } else {
            &s.http.method
        };
        text(&mut a, "http.request.method", method);
        text(&mut a, "url.full", &s.http.url);
        text(&mut a, "http.response.status_code", &s.http.status);
        text(&mut a, "http.request.body", &s.http.body);
        text(&mut a, "http.response.body", &s.http.response);
    }
    if s.layer == Layer::Database {
        let system = if s.db.system.is_empty() {
            "sql"
        } else {
            &s.db.system
        };
        text(&mut a, "db.system", &system.to_lowercase());
        text(&mut a, "db.namespace", &s.db.instance);
        text(&mut a, "db.query.text", &s.db.statement);
        for (i, p) in s.db.params.iter().enumerate() {
            text(&mut a, &format!("db.query.parameter.{i}"), p);
        }
    }
    if let Some((host, port)) = s.peer.rsplit_once(':') {
        text(&mut a, "server.address", host);
        if let Ok(port) = port.parse::<i64>() {
            a.push(kv("server.port", any_value::Value::IntValue(port)));
        }
    } else {
        text(&mut a, "server.address", &s.peer);
    }
    a
}

fn otlp_span(s: &Span) -> opentelemetry_proto::tonic::trace::v1::Span {
    let parent = if s.parent_span >= 0 {
        span_id(&s.segment, s.parent_span)
    } else {
        s.refs
            .first()
            .map(|r| span_id(&r.segment, r.span))
            .unwrap_or_default()
    };
    let kind = match s.kind {
        Kind::Entry => SpanKind::Server,
        Kind::Exit => SpanKind::Client,
        Kind::Local => SpanKind::Internal,
    };
    opentelemetry_proto::tonic::trace::v1::Span {
        trace_id: trace_id(&s.trace),
        span_id: span_id(&s.segment, s.span_id),
        parent_span_id: parent,
        name: s.endpoint.clone(),
        kind: kind as i32,
        start_time_unix_nano: (s.start.max(0) as u64) * 1_000_000,
        end_time_unix_nano: (s.end.max(0) as u64) * 1_000_000,
        attributes: attributes(s),
        ..Default::default()
    }
}

/// One request holding the spans of one trace, grouped by service.
pub fn to_request(spans: &[Span]) -> ExportTraceServiceRequest {
    let mut by_service: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for s in spans {
        by_service.entry(&s.service).or_default().push(s);
    }
    let resource_spans = by_service
        .into_iter()
        .map(|(service, mut list)| {
            list.sort_by(|a, b| (&a.segment, a.span_id).cmp(&(&b.segment, b.span_id)));
            let mut attrs = Vec::new();
            text(&mut attrs, "service.name", service);
            ResourceSpans {
                resource: Some(Resource {
                    attributes: attrs,
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans: list.into_iter().map(otlp_span).collect(),
                    ..Default::default()
                }],
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

/// OTLP JSON, one request on one line.
pub fn to_json(spans: &[Span]) -> String {
    let mut s = serde_json::to_string(&to_request(spans)).expect("OTLP requests serialise");
    s.push('\n');
    s
}

/// OTLP protobuf bytes.
pub fn to_proto(spans: &[Span]) -> Vec<u8> {
    to_request(spans).encode_to_vec()
}
