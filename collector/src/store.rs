//! Where received spans go: one OTLP JSON line per accepted export request,
//! appended to `<dir>/otlp-traces.jsonl` and written before the sender is answered.
//!
//! Why JSON lines: `rjepsen traces analyze` reads them as they are (a collector's
//! file exporter writes the same shape), a person can read them, and a run that is
//! killed keeps every line it acknowledged. Each line is one `write` on a file
//! opened with `O_APPEND`, so lines of concurrent requests never interleave and a
//! killed process leaves at most its last, unacknowledged line torn.
//!
//! The store also checks each span: a span whose trace id is not 16 bytes or whose
//! span id is not 8 bytes (or either is all zeros) is rejected, as the OTLP spec
//! allows, and counted in the response's partial success; the rest of its request
//! is kept.

use crate::CollectorError;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The file name under the output directory.
pub const FILE_NAME: &str = "otlp-traces.jsonl";

/// What the receiver has taken in so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Export requests stored (with at least one span).
    pub requests: u64,
    /// Spans stored.
    pub spans: u64,
    /// Spans rejected (invalid ids), reported back as partial success.
    pub rejected_spans: u64,
    /// Requests answered with an error (undecodable body, wrong content type).
    pub malformed: u64,
}

/// The outcome of storing one request: how many spans were refused, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub rejected_spans: i64,
    pub error_message: String,
}

/// An append-only span file shared by the gRPC and HTTP front ends.
#[derive(Debug)]
pub struct SpanStore {
    path: PathBuf,
    file: Mutex<File>,
    requests: AtomicU64,
    spans: AtomicU64,
    rejected: AtomicU64,
    malformed: AtomicU64,
}

impl Stored {
    /// The response's `partial_success`: set only when spans were refused.
    pub fn partial_success(self) -> Option<ExportTracePartialSuccess> {
        (self.rejected_spans > 0).then_some(ExportTracePartialSuccess {
            rejected_spans: self.rejected_spans,
            error_message: self.error_message,
        })
    }
}

impl SpanStore {
    /// Creates `dir` if needed and opens its span file for appending.
    pub fn open(dir: &Path) -> Result<SpanStore, CollectorError> {
        let io = |source| CollectorError::Store {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join(FILE_NAME);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        Ok(SpanStore {
            path,
            file: Mutex::new(file),
            requests: AtomicU64::new(0),
            spans: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            malformed: AtomicU64::new(0),
        })
    }

    /// The file the spans are appended to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Drops invalid spans, appends the rest as one line, and says what was refused.
    pub fn store(&self, mut req: ExportTraceServiceRequest) -> Result<Stored, CollectorError> {
        let (kept, rejected) = retain_valid(&mut req);
        if kept > 0 {
            let mut line = serde_json::to_vec(&req).expect("OTLP requests serialise");
            line.push(b'\n');
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            file.write_all(&line)
                .map_err(|source| CollectorError::Store {
                    path: self.path.clone(),
                    source,
                })?;
            self.requests.fetch_add(1, Ordering::Relaxed);
            self.spans.fetch_add(kept, Ordering::Relaxed);
        }
        self.rejected.fetch_add(rejected, Ordering::Relaxed);
        let error_message = if rejected > 0 {
            format!("{rejected} span(s) without a valid 16-byte trace id and 8-byte span id")
        } else {
            String::new()
        };
        Ok(Stored {
            rejected_spans: rejected as i64,
            error_message,
        })
    }

    /// Counts a request that was answered with an error.
    pub fn count_malformed(&self) {
        self.malformed.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            spans: self.spans.load(Ordering::Relaxed),
            rejected_spans: self.rejected.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
        }
    }
}

fn valid(span: &Span) -> bool {
    let nonzero = |b: &[u8]| b.iter().any(|&x| x != 0);
    span.trace_id.len() == 16
        && span.span_id.len() == 8
        && nonzero(&span.trace_id)
        && nonzero(&span.span_id)
}

/// Keeps the valid spans (and drops scopes and resources left empty); returns
/// (kept, rejected).
fn retain_valid(req: &mut ExportTraceServiceRequest) -> (u64, u64) {
    let (mut kept, mut rejected) = (0u64, 0u64);
    for rs in &mut req.resource_spans {
        for ss in &mut rs.scope_spans {
            let before = ss.spans.len() as u64;
            ss.spans.retain(valid);
            kept += ss.spans.len() as u64;
            rejected += before - ss.spans.len() as u64;
        }
        rs.scope_spans.retain(|ss| !ss.spans.is_empty());
    }
    req.resource_spans.retain(|rs| !rs.scope_spans.is_empty());
    (kept, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

    fn span(trace: Vec<u8>, id: Vec<u8>) -> Span {
        Span {
            trace_id: trace,
            span_id: id,
            name: "GET /x".into(),
            ..Default::default()
        }
    }

    fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn invalid_spans_are_rejected_and_the_rest_kept() {
        let dir = std::env::temp_dir().join(format!("rjepsen-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = SpanStore::open(&dir).unwrap();
        let cases = [
            (vec![1; 16], vec![2; 8], true),
            (vec![1; 15], vec![2; 8], false),
            (vec![1; 16], vec![2; 7], false),
            (vec![0; 16], vec![2; 8], false),
            (vec![1; 16], vec![0; 8], false),
        ];
        let spans = cases.iter().map(|(t, s, _)| span(t.clone(), s.clone()));
        let out = store.store(request(spans.collect())).unwrap();
        assert_eq!(out.rejected_spans, 4);
        assert!(out.error_message.contains("4 span(s)"));
        let all_bad = store.store(request(vec![span(vec![], vec![])])).unwrap();
        assert_eq!(all_bad.rejected_spans, 1);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(
            text.lines().count(),
            1,
            "a request with no valid span writes nothing"
        );
        let back: ExportTraceServiceRequest = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(back.resource_spans[0].scope_spans[0].spans.len(), 1);
        let s = store.stats();
        assert_eq!((s.requests, s.spans, s.rejected_spans), (1, 1, 5));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
