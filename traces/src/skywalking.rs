//! Reader for SkyWalking GraphQL `queryTrace` exports
//! (`{"data":{"trace":{"spans":[...]}}}`), the format of MicroRacer's traces.
//!
//! Deserialises into SkyWalking's own shape first and maps it onto [`Span`] in one
//! place, so that a missing or mistyped field is reported with serde's line and
//! column rather than silently defaulted. Names the mapping only compares (tag keys,
//! span and ref types) are borrowed from the file text, not allocated per span.

use crate::model::{DbTags, HttpTags, Kind, Layer, Ref, Span};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Export<'a> {
    #[serde(borrow)]
    data: Data<'a>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    trace: Trace<'a>,
}

#[derive(Deserialize)]
struct Trace<'a> {
    #[serde(borrow)]
    spans: Vec<SwSpan<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SwSpan<'a> {
    trace_id: String,
    segment_id: String,
    span_id: i64,
    parent_span_id: i64,
    #[serde(default, borrow)]
    refs: Vec<SwRef<'a>>,
    service_code: String,
    start_time: i64,
    end_time: i64,
    #[serde(default)]
    endpoint_name: Option<String>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    peer: Option<String>,
    #[serde(default)]
    component: Option<String>,
    #[serde(default)]
    layer: Option<String>,
    #[serde(default, borrow)]
    tags: Vec<Tag<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SwRef<'a> {
    parent_segment_id: String,
    parent_span_id: i64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default)]
    value: Option<String>,
}

/// Parse one export. The error is the reason, for the caller to name with the file.
pub fn parse(text: &str) -> Result<Vec<Span>, String> {
    let export: Export = serde_json::from_str(text).map_err(|e| e.to_string())?;
    export.data.trace.spans.into_iter().map(convert).collect()
}

fn convert(s: SwSpan<'_>) -> Result<Span, String> {
    let kind = match s.kind.as_ref() {
        "Entry" => Kind::Entry,
        "Exit" => Kind::Exit,
        "Local" => Kind::Local,
        other => return Err(format!("span {} has unknown type {other:?}", s.span_id)),
    };
    let layer = match s.layer.as_deref() {
        Some("Http") => Layer::Http,
        Some("Database") => Layer::Database,
        _ => Layer::Other,
    };
    let mut http = HttpTags::default();
    let mut db = DbTags::default();
    for tag in s.tags {
        let value = tag.value.unwrap_or_default();
        match tag.key.as_ref() {
            "url" => http.url = value,
            "http.method" => http.method = value,
            "http.status_code" => http.status = value,
            "http.param" => http.body = value,
            "http.response" => http.response = value,
            "db.type" => db.system = value,
            "db.instance" => db.instance = value,
            "db.statement" => db.statement = value,
            "db.sql.parameters" => db.params = parse_params(&value),
            _ => {}
        }
    }
    Ok(Span {
        trace: s.trace_id,
        segment: s.segment_id,
        span_id: s.span_id,
        parent_span: s.parent_span_id,
        refs: s
            .refs
            .into_iter()
            .map(|r| Ref {
                segment: r.parent_segment_id,
                span: r.parent_span_id,
                cross_thread: r.kind == "CROSS_THREAD",
            })
            .collect(),
        service: s.service_code,
        kind,
        layer,
        component: s.component.unwrap_or_default(),
        endpoint: s.endpoint_name.unwrap_or_default(),
        peer: s.peer.unwrap_or_default(),
        start: s.start_time,
        end: s.end_time,
        http,
        db,
    })
}

/// SkyWalking's JDBC plugin writes bound values as `[v1,v2,...]`, unquoted.
pub(crate) fn parse_params(text: &str) -> Vec<String> {
    let inner = text.trim();
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    if inner.is_empty() {
        return Vec::new();
    }
    inner.split(',').map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"data":{"trace":{"spans":[
      {"traceId":"t","segmentId":"s1","spanId":0,"parentSpanId":-1,"refs":[],
       "serviceCode":"a","startTime":1,"endTime":5,"endpointName":"GET:/x","type":"Entry",
       "peer":"","component":"SpringMVC","layer":"Http",
       "tags":[{"key":"url","value":"http://a/x"},{"key":"http.method","value":"GET"}]},
      {"traceId":"t","segmentId":"s2","spanId":0,"parentSpanId":-1,
       "refs":[{"parentSegmentId":"s1","parentSpanId":0,"type":"CROSS_THREAD"}],
       "serviceCode":"a","startTime":2,"endTime":3,"endpointName":"db","type":"Exit",
       "peer":"db:3306","component":"mysql","layer":"Database",
       "tags":[{"key":"db.statement","value":"select 1"},{"key":"db.sql.parameters","value":"[1,x y]"}]}
    ]}}}"#;

    #[test]
    fn reads_spans_refs_and_tags() {
        let spans = parse(ONE).unwrap();
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].kind, Kind::Entry);
        assert_eq!(spans[0].http.url, "http://a/x");
        assert!(spans[1].refs[0].cross_thread);
        assert_eq!(spans[1].db.params, vec!["1", "x y"]);
        assert!(spans[1].is_statement());
    }

    #[test]
    fn malformed_files_say_why() {
        let err = parse(r#"{"data":{"trace":{"spans":[{"traceId":1}]}}}"#).unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        let bad_type = ONE.replace("\"Entry\"", "\"Sideways\"");
        assert!(parse(&bad_type).unwrap_err().contains("Sideways"));
    }

    #[test]
    fn parameters_split_on_commas() {
        assert!(parse_params("[]").is_empty());
        assert_eq!(parse_params("[a,NULL]"), vec!["a", "NULL"]);
    }
}
