//! OpenTelemetry OTLP traces, read as JSON or protobuf (`opentelemetry-proto`'s
//! generated types and their serde support), as a collector's file exporter writes
//! them: one `ExportTraceServiceRequest` per line (JSON) or per file.
//!
//! OTLP has no SkyWalking segments, so they are derived: a span starts a segment if
//! it is a root, a server/consumer span, a span of another service than its parent,
//! or a span on another thread than its parent (`thread.id`; that is an async fork,
//! a cross-thread reference). Every other span joins its parent's segment. Semantic
//! conventions read: `http.request.method`/`http.method`, `url.full`/`http.url` (or a
//! server span's scheme, host and `url.path`/`http.target`),
//! `http.route`, `http.response.status_code`, `db.system`, `db.query.text`/
//! `db.statement`, `db.namespace`/`db.name`, `server.address`/`server.port`, and
//! `db.query.parameter.<n>` for bound values (or Python DB-API's
//! `db.statement.parameters` with `%s` placeholders: `dbapi.rs`); `http.request.body` and
//! `http.response.body` carry bodies where the instrumentation captured them.

use crate::model::{DbTags, HttpTags, Kind, Layer, Ref, Span};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use std::collections::HashMap;

/// Parse OTLP JSON: one request per non-empty line, or the whole file as one.
pub fn parse_json(text: &str) -> Result<Vec<Span>, String> {
    Ok(to_spans(&decode_json(text)?))
}

/// The export requests of an OTLP JSON file (one per line, or the whole file).
pub fn decode_json(text: &str) -> Result<Vec<ExportTraceServiceRequest>, String> {
    let mut requests = Vec::new();
    match serde_json::from_str::<ExportTraceServiceRequest>(text) {
        Ok(r) => requests.push(r),
        Err(whole) => {
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let r = serde_json::from_str(line)
                    .map_err(|e| format!("line {}: {e} (as one document: {whole})", i + 1))?;
                requests.push(r);
            }
        }
    }
    Ok(requests)
}

/// Parse one OTLP protobuf `ExportTraceServiceRequest`.
pub fn parse_proto(bytes: &[u8]) -> Result<Vec<Span>, String> {
    Ok(to_spans(&[decode_proto(bytes)?]))
}

/// The export request of an OTLP protobuf file.
pub fn decode_proto(bytes: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    ExportTraceServiceRequest::decode(bytes).map_err(|e| e.to_string())
}

/// The spans of many export requests read together: an exporter batches by
/// time, not by trace, so a trace's spans (a client span and its callee's
/// server span) may sit in different requests, and parents are looked up across
/// all of them.
pub fn spans_of(requests: &[ExportTraceServiceRequest]) -> Vec<Span> {
    to_spans(requests)
}

/// An OTLP span with its service, before segments are derived.
struct Flat<'a> {
    service: String,
    span: &'a opentelemetry_proto::tonic::trace::v1::Span,
    attrs: HashMap<&'a str, String>,
}

fn value(v: &Option<AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn attr_map(kvs: &[KeyValue]) -> HashMap<&str, String> {
    kvs.iter()
        .map(|kv| (kv.key.as_str(), value(&kv.value)))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn flatten(requests: &[ExportTraceServiceRequest]) -> Vec<Flat<'_>> {
    let mut flat = Vec::new();
    for r in requests {
        for rs in &r.resource_spans {
            let res = rs
                .resource
                .as_ref()
                .map(|r| attr_map(&r.attributes))
                .unwrap_or_default();
            let service = res.get("service.name").cloned().unwrap_or_default();
            for ss in &rs.scope_spans {
                for span in &ss.spans {
                    let attrs = attr_map(&span.attributes);
                    flat.push(Flat {
                        service: service.clone(),
                        span,
                        attrs,
                    });
                }
            }
        }
    }
    flat
}

/// For each span, the head of its segment: follow parents until a segment start.
fn segment_heads(parent: &[Option<usize>], head: &[bool]) -> Vec<usize> {
    let mut seg_head: Vec<Option<usize>> = vec![None; parent.len()];
    for i in 0..parent.len() {
        let mut path = vec![i];
        let mut j = i;
        while !head[j] && seg_head[j].is_none() && path.len() <= parent.len() {
            j = parent[j].expect("a non-head has a parent");
            path.push(j);
        }
        let h = if head[j] {
            j
        } else {
            seg_head[j].expect("resolved")
        };
        for k in path {
            seg_head[k] = Some(h);
        }
    }
    seg_head.into_iter().map(|h| h.expect("resolved")).collect()
}

/// Position in the segment: the head first, then by start time, then file order.
fn positions(flat: &[Flat], heads: &[usize], head: &[bool]) -> Vec<i64> {
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &h) in heads.iter().enumerate() {
        members.entry(h).or_default().push(i);
    }
    let mut pos = vec![0i64; flat.len()];
    for list in members.values_mut() {
        list.sort_by_key(|&i| (!head[i], flat[i].span.start_time_unix_nano, i));
        for (n, &i) in list.iter().enumerate() {
            pos[i] = n as i64;
        }
    }
    pos
}

fn to_spans(requests: &[ExportTraceServiceRequest]) -> Vec<Span> {
    let flat = flatten(requests);
    let by_id: HashMap<(&[u8], &[u8]), usize> = flat
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.span.trace_id.as_slice(), f.span.span_id.as_slice()), i))
        .collect();
    let parent: Vec<Option<usize>> = flat
        .iter()
        .map(|f| {
            by_id
                .get(&(f.span.trace_id.as_slice(), f.span.parent_span_id.as_slice()))
                .copied()
        })
        .collect();
    let head: Vec<bool> = (0..flat.len())
        .map(|i| match parent[i] {
            Some(p) => starts_segment(&flat[p], &flat[i]),
            None => true,
        })
        .collect();
    let heads = segment_heads(&parent, &head);
    let pos = positions(&flat, &heads, &head);
    let name = |i: usize| {
        let h = flat[heads[i]].span;
        format!("{}.{}", hex(&h.trace_id), hex(&h.span_id))
    };
    (0..flat.len())
        .map(|i| {
            let refs = match parent[i] {
                Some(p) if head[i] => vec![Ref {
                    segment: name(p),
                    span: pos[p],
                    cross_thread: flat[p].service == flat[i].service && !is_server(&flat[i]),
                }],
                _ => Vec::new(),
            };
            let parent_span = if head[i] { -1 } else { 0 };
            span_of(&flat[i], name(i), pos[i], parent_span, refs)
        })
        .collect()
}

fn is_server(f: &Flat) -> bool {
    matches!(
        SpanKind::try_from(f.span.kind),
        Ok(SpanKind::Server | SpanKind::Consumer)
    )
}

fn starts_segment(parent: &Flat, child: &Flat) -> bool {
    is_server(child)
        || parent.service != child.service
        || parent.attrs.get("thread.id") != child.attrs.get("thread.id")
}

/// The request's URL: `url.full`/`http.url` (client spans), else rebuilt from a
/// server span's parts (`url.scheme`/`http.scheme`, `http.host`/`server.address`,
/// `url.path` + `url.query` or `http.target`), which Flask's and most server
/// instrumentations record instead, so that a flow's root request has its path.
fn http_url(a: &HashMap<&str, String>) -> String {
    let full = get(a, &["url.full", "http.url"]);
    if !full.is_empty() {
        return full;
    }
    let mut target = get(a, &["http.target"]);
    if target.is_empty() {
        target = get(a, &["url.path"]);
        let query = get(a, &["url.query"]);
        if !target.is_empty() && !query.is_empty() {
            target = format!("{target}?{query}");
        }
    }
    let host = get(a, &["http.host", "server.address", "net.host.name"]);
    if target.is_empty() || host.is_empty() {
        return String::new();
    }
    let scheme = get(a, &["url.scheme", "http.scheme"]);
    let scheme = if scheme.is_empty() {
        "http".into()
    } else {
        scheme
    };
    format!("{scheme}://{host}{target}")
}

fn get(attrs: &HashMap<&str, String>, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| attrs.get(k).cloned())
        .unwrap_or_default()
}

/// The statement and its bound values: OTLP's `db.query.parameter.<n>`, else a
/// Python DB-API instrumentation's `%s` and `db.statement.parameters`.
fn db_tags(a: &HashMap<&str, String>, system: String) -> DbTags {
    let mut params: Vec<(usize, String)> = a
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("db.query.parameter.")
                .and_then(|n| n.parse().ok())
                .map(|n| (n, v.clone()))
        })
        .collect();
    params.sort();
    let mut params: Vec<String> = params.into_iter().map(|(_, v)| v).collect();
    let mut statement = get(a, &["db.query.text", "db.statement"]);
    if let Some(text) = crate::dbapi::placeholders(&statement) {
        statement = text;
    }
    if params.is_empty() {
        if let Some(values) = a
            .get("db.statement.parameters")
            .and_then(|r| crate::dbapi::parameters(r))
        {
            params = values;
        }
    }
    DbTags {
        system,
        instance: get(a, &["db.namespace", "db.name"]),
        statement,
        params,
    }
}

fn span_of(f: &Flat, segment: String, id: i64, parent_span: i64, refs: Vec<Ref>) -> Span {
    let a = &f.attrs;
    let kind = match SpanKind::try_from(f.span.kind) {
        Ok(SpanKind::Server | SpanKind::Consumer) => Kind::Entry,
        Ok(SpanKind::Client | SpanKind::Producer) => Kind::Exit,
        _ => Kind::Local,
    };
    let system = get(a, &["db.system", "db.system.name"]);
    let layer = if !system.is_empty() {
        Layer::Database
    } else if a.contains_key("http.request.method") || a.contains_key("http.method") {
        Layer::Http
    } else {
        Layer::Other
    };
    let (host, port) = (
        get(a, &["server.address", "net.peer.name"]),
        get(a, &["server.port", "net.peer.port"]),
    );
    let peer = match (host.is_empty(), port.is_empty()) {
        (false, false) => format!("{host}:{port}"),
        _ => host,
    };
    Span {
        trace: hex(&f.span.trace_id),
        segment,
        span_id: id,
        parent_span,
        refs,
        service: f.service.clone(),
        kind,
        layer,
        component: get(a, &["rjepsen.component"]),
        endpoint: f.span.name.clone(),
        peer,
        start: (f.span.start_time_unix_nano / 1_000_000) as i64,
        end: (f.span.end_time_unix_nano / 1_000_000) as i64,
        http: HttpTags {
            method: get(a, &["http.request.method", "http.method"]),
            url: http_url(a),
            status: get(a, &["http.response.status_code", "http.status_code"]),
            body: get(a, &["http.request.body"]),
            response: get(a, &["http.response.body"]),
        },
        db: db_tags(a, system),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-written OTLP JSON trace: a server span, its database call, a client
    /// call whose server span is in another service, and an async fork.
    const TRACE: &str = r#"{"resourceSpans":[
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},
       "scopeSpans":[{"spans":[
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001","parentSpanId":"","name":"GET /x","kind":2,
         "startTimeUnixNano":"1000000","endTimeUnixNano":"9000000",
         "attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"url.full","value":{"stringValue":"http://a/x"}},{"key":"thread.id","value":{"intValue":"1"}}]},
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000002","parentSpanId":"0000000000000001","name":"SELECT","kind":3,
         "startTimeUnixNano":"2000000","endTimeUnixNano":"3000000",
         "attributes":[{"key":"db.system","value":{"stringValue":"mysql"}},{"key":"db.query.text","value":{"stringValue":"select * from t where id=?"}},
           {"key":"db.query.parameter.0","value":{"stringValue":"k"}},{"key":"server.address","value":{"stringValue":"db"}},{"key":"server.port","value":{"intValue":"3306"}},
           {"key":"db.namespace","value":{"stringValue":"ts"}},{"key":"thread.id","value":{"intValue":"1"}}]},
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000003","parentSpanId":"0000000000000001","name":"PUT","kind":3,
         "startTimeUnixNano":"4000000","endTimeUnixNano":"5000000",
         "attributes":[{"key":"http.request.method","value":{"stringValue":"PUT"}},{"key":"url.full","value":{"stringValue":"http://b/y"}},{"key":"thread.id","value":{"intValue":"1"}}]},
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000005","parentSpanId":"0000000000000001","name":"async","kind":1,
         "startTimeUnixNano":"4500000","endTimeUnixNano":"5000000",
         "attributes":[{"key":"thread.id","value":{"intValue":"2"}}]}
       ]}]},
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"b"}}]},
       "scopeSpans":[{"spans":[
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000004","parentSpanId":"0000000000000003","name":"PUT /y","kind":2,
         "startTimeUnixNano":"4100000","endTimeUnixNano":"4900000","attributes":[]}
       ]}]}
    ]}"#;

    #[test]
    fn reads_kinds_segments_and_conventions() {
        let spans = parse_json(TRACE).unwrap();
        assert_eq!(spans.len(), 5);
        let by_name = |n: &str| spans.iter().find(|s| s.endpoint == n).unwrap();
        let (root, db, call, fork, callee) = (
            by_name("GET /x"),
            by_name("SELECT"),
            by_name("PUT"),
            by_name("async"),
            by_name("PUT /y"),
        );
        assert_eq!((root.kind, root.parent_span), (Kind::Entry, -1));
        assert_eq!(db.segment, root.segment);
        assert!(db.is_statement());
        assert_eq!(
            (db.peer.as_str(), db.db.instance.as_str()),
            ("db:3306", "ts")
        );
        assert_eq!(db.db.params, ["k"]);
        assert_eq!(
            (call.kind, call.layer, call.segment == root.segment),
            (Kind::Exit, Layer::Http, true)
        );
        assert_eq!(callee.refs[0].segment, root.segment);
        assert_eq!(callee.refs[0].span, call.span_id);
        assert!(!callee.refs[0].cross_thread);
        assert!(fork.refs[0].cross_thread && fork.segment != root.segment);
    }

    #[test]
    fn json_lines_and_protobuf_round_trip() {
        let spans = parse_json(TRACE).unwrap();
        let one_line =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(TRACE).unwrap())
                .unwrap();
        let two = format!("{one_line}\n{one_line}\n");
        assert_eq!(parse_json(&two).unwrap().len(), 10);
        let req: ExportTraceServiceRequest = serde_json::from_str(TRACE).unwrap();
        let back = parse_proto(&req.encode_to_vec()).unwrap();
        assert_eq!(back.len(), spans.len());
    }

    #[test]
    fn server_span_urls_from_their_parts() {
        for (attrs, url) in [
            (
                vec![("url.full", "http://a/x"), ("http.target", "/y")],
                "http://a/x",
            ),
            (
                vec![
                    ("http.scheme", "http"),
                    ("http.host", "h:1"),
                    ("http.target", "/o/1/pay?x=1"),
                ],
                "http://h:1/o/1/pay?x=1",
            ),
            (
                vec![
                    ("url.scheme", "https"),
                    ("server.address", "h"),
                    ("url.path", "/p"),
                    ("url.query", "q=2"),
                ],
                "https://h/p?q=2",
            ),
            (
                vec![("http.host", "h:1"), ("url.path", "/p")],
                "http://h:1/p",
            ),
            (vec![("http.target", "/p")], ""),
        ] {
            let a: HashMap<&str, String> = attrs.iter().map(|(k, v)| (*k, v.to_string())).collect();
            assert_eq!(http_url(&a), url, "{attrs:?}");
        }
    }

    #[test]
    fn malformed_input_says_where() {
        let err = parse_json("{\"resourceSpans\": [}\n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        assert!(parse_proto(&[0xff, 0xff, 0xff]).is_err());
    }
}
