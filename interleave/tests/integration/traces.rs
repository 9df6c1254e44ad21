//! The racy shop's traces as its services would export them over OTLP (a
//! `POST /buy/7` at the front calling `GET` then `PUT /stock/7` at the inventory,
//! each with its SQL), two flows one after the other, and the candidate pairs
//! `rjepsen-traces` derives from them, written as `traces analyze` writes them.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use rjepsen_traces::analyze::Format;
use rjepsen_traces::flows::Rules;
use rjepsen_traces::pairs::PairOptions;
use rjepsen_traces::{analyze, output, Options};
use std::path::{Path, PathBuf};

fn kv(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

struct S<'a> {
    id: u8,
    parent: u8,
    kind: SpanKind,
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    ms: (u64, u64),
}

fn span(trace: u8, s: S, t0: u64) -> Span {
    let sid = |i: u8| {
        if i == 0 {
            vec![]
        } else {
            vec![trace, i, 0, 0, 0, 0, 0, 1]
        }
    };
    Span {
        trace_id: vec![trace; 16],
        span_id: sid(s.id),
        parent_span_id: sid(s.parent),
        name: s.name.into(),
        kind: s.kind as i32,
        start_time_unix_nano: (t0 + s.ms.0) * 1_000_000,
        end_time_unix_nano: (t0 + s.ms.1) * 1_000_000,
        attributes: s.attrs.iter().map(|(k, v)| kv(k, v)).collect(),
        ..Default::default()
    }
}

fn service(name: &str, spans: Vec<Span>) -> ResourceSpans {
    ResourceSpans {
        resource: Some(Resource {
            attributes: vec![kv("service.name", name)],
            ..Default::default()
        }),
        scope_spans: vec![ScopeSpans {
            spans,
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// One recorded buy of item 7 (stock 10 → 9), starting at `t0` ms.
fn buy(trace: u8, t0: u64) -> ExportTraceServiceRequest {
    use SpanKind::*;
    let url = "http://127.0.0.1:8001/stock/7";
    let http = |m: &'static str, u: &'static str| vec![("http.request.method", m), ("url.full", u)];
    let db = |q: &'static str, p: Vec<(&'static str, &'static str)>| {
        let mut a = vec![
            ("db.system", "sqlite"),
            ("db.namespace", "inventory"),
            ("db.query.text", q),
        ];
        a.extend(p);
        a
    };
    let front = [
        S {
            id: 1,
            parent: 0,
            kind: Server,
            name: "POST /buy/<item>",
            attrs: http("POST", "http://127.0.0.1:8000/buy/7"),
            ms: (0, 40),
        },
        S {
            id: 2,
            parent: 1,
            kind: Client,
            name: "GET",
            attrs: http("GET", url),
            ms: (2, 12),
        },
        S {
            id: 4,
            parent: 1,
            kind: Client,
            name: "PUT",
            attrs: http("PUT", url),
            ms: (14, 30),
        },
    ];
    let inventory = [
        S {
            id: 3,
            parent: 2,
            kind: Server,
            name: "GET /stock/<item>",
            attrs: http("GET", url),
            ms: (3, 11),
        },
        S {
            id: 5,
            parent: 3,
            kind: Client,
            name: "SELECT",
            attrs: db(
                "SELECT qty FROM stock WHERE item_id = ?",
                vec![("db.query.parameter.0", "7")],
            ),
            ms: (4, 5),
        },
        S {
            id: 6,
            parent: 4,
            kind: Server,
            name: "PUT /stock/<item>",
            attrs: http("PUT", url),
            ms: (15, 29),
        },
        S {
            id: 7,
            parent: 6,
            kind: Client,
            name: "UPDATE",
            attrs: db(
                "UPDATE stock SET qty = ? WHERE item_id = ?",
                vec![("db.query.parameter.0", "9"), ("db.query.parameter.1", "7")],
            ),
            ms: (16, 17),
        },
    ];
    let to = |v: [S; 3]| v.into_iter().map(|s| span(trace, s, t0)).collect();
    let to4 = |v: [S; 4]| v.into_iter().map(|s| span(trace, s, t0)).collect();
    ExportTraceServiceRequest {
        resource_spans: vec![
            service("front", to(front)),
            service("inventory", to4(inventory)),
        ],
    }
}

/// Writes the two flows' spans under `dir/traces`, analyses them into
/// `dir/pairs`, and returns `candidates.json`.
pub fn candidates(dir: &Path) -> PathBuf {
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces).unwrap();
    let lines: Vec<String> = [buy(1, 1_700_000_000_000), buy(2, 1_700_000_001_000)]
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    std::fs::write(traces.join("shop.jsonl"), lines.join("\n") + "\n").unwrap();
    let opts = Options {
        format: Format::Auto,
        rules: Rules::default(),
        pairs: PairOptions::default(),
    };
    let a = analyze(&[traces], &opts).unwrap();
    assert_eq!(
        (a.traces, a.leaf_flows(), a.stages.candidates.len()),
        (2, 2, 3),
        "GET/PUT, PUT/GET, PUT/PUT"
    );
    let out = dir.join("pairs");
    output::write_all(&a, &out, false).unwrap();
    out.join("candidates.json")
}
