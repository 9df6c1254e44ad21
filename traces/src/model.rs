//! The format-neutral span every reader produces.
//!
//! The vocabulary is SkyWalking's (segments, Entry/Exit/Local), because MicroRacer's
//! rules are stated in it and an OpenTelemetry trace maps onto it without loss: a
//! segment is the run of spans of one service process inside one trace.

/// What a span is from the point of view of its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The server side of a request (SkyWalking `Entry`, OTLP `SERVER`/`CONSUMER`).
    Entry,
    /// A call out of the process (`Exit`, OTLP `CLIENT`/`PRODUCER`).
    Exit,
    /// Work inside the process (`Local`, OTLP `INTERNAL`).
    Local,
}

/// The protocol layer, as far as the analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Http,
    Database,
    Other,
}

/// A link from the first span of a segment to the span that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub segment: String,
    pub span: i64,
    /// The same process handed work to another thread (an async fork).
    pub cross_thread: bool,
}

/// One span, with the tags the analysis reads already picked out.
#[derive(Debug, Clone)]
pub struct Span {
    pub trace: String,
    pub segment: String,
    pub span_id: i64,
    /// -1 for the first span of a segment.
    pub parent_span: i64,
    pub refs: Vec<Ref>,
    pub service: String,
    pub kind: Kind,
    pub layer: Layer,
    pub component: String,
    pub endpoint: String,
    pub peer: String,
    /// Milliseconds since the epoch.
    pub start: i64,
    pub end: i64,
    pub http: HttpTags,
    pub db: DbTags,
}

/// HTTP facts of a span (empty strings where the instrumentation captured nothing).
#[derive(Debug, Clone, Default)]
pub struct HttpTags {
    pub method: String,
    pub url: String,
    pub status: String,
    /// The request body or parameters, as captured.
    pub body: String,
    pub response: String,
}

/// Database facts of a span.
#[derive(Debug, Clone, Default)]
pub struct DbTags {
    pub system: String,
    pub instance: String,
    pub statement: String,
    /// Values bound to the statement's `?` placeholders, in order.
    pub params: Vec<String>,
}

impl Span {
    /// Is this a statement sent to a database (not a commit or a pool call)?
    pub fn is_statement(&self) -> bool {
        self.kind == Kind::Exit && self.layer == Layer::Database && !self.db.statement.is_empty()
    }
}
