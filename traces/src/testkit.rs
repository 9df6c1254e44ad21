//! Small hand-written traces for the unit tests: a builder of SkyWalking-shaped spans.

use crate::model::{DbTags, HttpTags, Kind, Layer, Ref, Span};

pub(crate) struct Seg {
    pub trace: &'static str,
    pub id: &'static str,
    pub service: &'static str,
    pub spans: Vec<Span>,
}

impl Seg {
    /// A segment whose first span is a server span for `url` (`parent`: the client span).
    pub fn entry(
        trace: &'static str,
        id: &'static str,
        service: &'static str,
        url: &str,
        at: i64,
        parent: Option<(&str, i64)>,
    ) -> Seg {
        let mut s = Seg {
            trace,
            id,
            service,
            spans: Vec::new(),
        };
        let mut span = s.span(Kind::Entry, Layer::Http, at);
        span.http.url = url.into();
        span.http.method = "GET".into();
        span.refs = parent
            .map(|(seg, sp)| {
                vec![Ref {
                    segment: seg.into(),
                    span: sp,
                    cross_thread: false,
                }]
            })
            .unwrap_or_default();
        s.spans.push(span);
        s
    }

    /// A segment forked from `parent` onto another thread (a `SpringAsync` local span).
    pub fn fork(
        trace: &'static str,
        id: &'static str,
        service: &'static str,
        at: i64,
        parent: (&str, i64),
    ) -> Seg {
        let mut s = Seg {
            trace,
            id,
            service,
            spans: Vec::new(),
        };
        let mut span = s.span(Kind::Local, Layer::Other, at);
        span.component = "SpringAsync".into();
        span.refs = vec![Ref {
            segment: parent.0.into(),
            span: parent.1,
            cross_thread: true,
        }];
        s.spans.push(span);
        s
    }

    fn span(&self, kind: Kind, layer: Layer, at: i64) -> Span {
        Span {
            trace: self.trace.into(),
            segment: self.id.into(),
            span_id: self.spans.len() as i64,
            parent_span: if self.spans.is_empty() { -1 } else { 0 },
            refs: Vec::new(),
            service: self.service.into(),
            kind,
            layer,
            component: String::new(),
            endpoint: String::new(),
            peer: String::new(),
            start: at,
            end: at + 10,
            http: HttpTags::default(),
            db: DbTags::default(),
        }
    }

    /// A client call; returns its span id for the callee's reference.
    pub fn call(&mut self, url: &str, at: i64) -> i64 {
        let mut span = self.span(Kind::Exit, Layer::Http, at);
        span.http.url = url.into();
        span.http.method = "PUT".into();
        self.spans.push(span);
        self.spans.len() as i64 - 1
    }

    pub fn sql(&mut self, db: &str, statement: &str, params: &[&str], at: i64) -> &mut Self {
        let mut span = self.span(Kind::Exit, Layer::Database, at);
        span.peer = db.into();
        span.db.instance = "ts".into();
        span.db.statement = statement.into();
        span.db.params = params.iter().map(|p| p.to_string()).collect();
        self.spans.push(span);
        self
    }

    pub fn noise(&mut self, endpoint: &str, at: i64) -> &mut Self {
        let mut span = self.span(Kind::Local, Layer::Other, at);
        span.endpoint = endpoint.into();
        self.spans.push(span);
        self
    }
}

pub(crate) fn spans(segs: Vec<Seg>) -> Vec<Span> {
    segs.into_iter().flat_map(|s| s.spans).collect()
}
