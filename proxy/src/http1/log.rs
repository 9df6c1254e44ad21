//! The HTTP-mode event log: one entry per step of each request, stamped in
//! monotonic nanoseconds from an epoch the caller can share between proxies, and
//! a wait for an event ("B's GET /stock/7 has completed").
//!
//! Waiting scans the whole log, not only what comes after the call, so a waiter
//! that arrives late still sees an event that already happened; a `watch` counter
//! wakes waiters on every append.

use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// One step of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HttpEventKind {
    /// The request's head and body were read from the client.
    Arrived,
    /// A hold rule matched; the request waits.
    Held { rule: u64 },
    /// A held request goes on: its rule was released, or the hold timed out.
    Released { rule: u64, timed_out: bool },
    /// The request was written to the upstream.
    Passed,
    /// The upstream's response head and body were forwarded to the client.
    Completed { status: u16 },
    /// A respond rule answered instead of the upstream.
    Answered { rule: u64, status: u16 },
    /// The connection stopped being parsed and is forwarded as plain bytes.
    Fallback { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpEvent {
    /// Nanoseconds since the proxy's epoch (monotonic).
    pub ns: u64,
    pub proxy: String,
    /// The client connection (per proxy, from 1).
    pub conn: u64,
    /// The request (per proxy, from 1); 0 for a connection-level fallback.
    pub req: u64,
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    pub trace_id: Option<String>,
    #[serde(flatten)]
    pub kind: HttpEventKind,
}

impl HttpEvent {
    /// The request's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// The identity of a request, stamped onto each of its events.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReqInfo {
    pub conn: u64,
    pub req: u64,
    pub method: String,
    pub target: String,
    pub trace_id: Option<String>,
}

pub(crate) struct Log {
    proxy: String,
    epoch: Instant,
    events: Mutex<Vec<HttpEvent>>,
    count: watch::Sender<usize>,
}

impl Log {
    pub fn new(proxy: &str, epoch: Instant) -> Log {
        Log {
            proxy: proxy.to_string(),
            epoch,
            events: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
        }
    }

    pub fn record(&self, r: &ReqInfo, kind: HttpEventKind) {
        let mut ev = self.events.lock().unwrap_or_else(|p| p.into_inner());
        // Stamped under the lock, so the log is in time order.
        ev.push(HttpEvent {
            ns: self.epoch.elapsed().as_nanos() as u64,
            proxy: self.proxy.clone(),
            conn: r.conn,
            req: r.req,
            method: r.method.clone(),
            target: r.target.clone(),
            trace_id: r.trace_id.clone(),
            kind,
        });
        let n = ev.len();
        drop(ev);
        self.count.send_replace(n);
    }

    pub fn events(&self) -> Vec<HttpEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The first event (in time order) that satisfies `pred`, waiting up to `timeout`.
    pub async fn wait_for(
        &self,
        pred: impl Fn(&HttpEvent) -> bool,
        timeout: Duration,
    ) -> Option<HttpEvent> {
        let mut seen = 0;
        let mut changes = self.count.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            {
                let ev = self.events.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(e) = ev[seen..].iter().find(|e| pred(e)) {
                    return Some(e.clone());
                }
                seen = ev.len();
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }
}
