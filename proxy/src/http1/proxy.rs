//! The HTTP-mode proxy: a listener whose connections are read as HTTP/1.1
//! exchanges, one request at a time per connection (keep-alive and pipelined
//! requests are served in order), so that rules can hold or answer single requests.
//!
//! Each exchange: read the request (head and body), log `arrived`, apply the first
//! matching rule, write the request upstream (`passed`), read the response and
//! write it back (`completed`). Bytes go through as they arrived. When the parser
//! cannot frame a message (not HTTP, an upgrade, an oversized body), the
//! connection falls back to plain forwarding from that byte on, with what was
//! buffered forwarded first, so traffic is never corrupted; fallbacks are logged
//! and counted.

use super::log::{HttpEvent, HttpEventKind, Log, ReqInfo};
use super::rules::{Action, Rule, RuleId};
use super::wire::{parse_request, parse_response, Buffered, Framing, Head, ReadError};
use crate::{ProxyError, ProxySpec};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running HTTP-mode proxy; clones share it.
#[derive(Clone)]
pub struct HttpProxy {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    upstream: SocketAddr,
    log: Log,
    rules: Mutex<Vec<(RuleId, Rule)>>,
    rules_changed: watch::Sender<u64>,
    next_rule: AtomicU64,
    next_conn: AtomicU64,
    next_req: AtomicU64,
    fallbacks: AtomicU64,
    stop: watch::Sender<bool>,
}

/// How an exchange left the connection.
enum Next {
    Again,
    Close,
    /// Forward the rest as plain bytes, for this reason.
    Plain(String),
}

impl HttpProxy {
    /// Binds `spec.listen` and serves until [`stop`](Self::stop). Event stamps count
    /// from `epoch`, so proxies given the same epoch share one clock.
    pub async fn start(spec: &ProxySpec, epoch: Instant) -> Result<HttpProxy, ProxyError> {
        let bind_err = |source| ProxyError::Bind {
            name: spec.name.clone(),
            addr: spec.listen,
            source,
        };
        let listener = TcpListener::bind(spec.listen).await.map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        let inner = Arc::new(Inner {
            addr,
            upstream: spec.upstream,
            log: Log::new(&spec.name, epoch),
            rules: Mutex::new(Vec::new()),
            rules_changed: watch::channel(0).0,
            next_rule: AtomicU64::new(1),
            next_conn: AtomicU64::new(1),
            next_req: AtomicU64::new(1),
            fallbacks: AtomicU64::new(0),
            stop: watch::channel(false).0,
        });
        tokio::spawn(accept(inner.clone(), listener));
        Ok(HttpProxy { inner })
    }

    /// The bound listen address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Adds a rule after the existing ones; its id releases it.
    pub fn add_rule(&self, rule: Rule) -> RuleId {
        let id = self.inner.next_rule.fetch_add(1, Ordering::Relaxed);
        self.inner.lock_rules().push((id, rule));
        self.inner.rules_changed.send_modify(|v| *v += 1);
        id
    }

    /// Removes a rule; requests it holds go on at once. False if it was not there.
    pub fn release(&self, id: RuleId) -> bool {
        let removed = {
            let mut rules = self.inner.lock_rules();
            let before = rules.len();
            rules.retain(|(r, _)| *r != id);
            rules.len() != before
        };
        self.inner.rules_changed.send_modify(|v| *v += 1);
        removed
    }

    /// Removes every rule (releasing every held request).
    pub fn clear(&self) {
        self.inner.lock_rules().clear();
        self.inner.rules_changed.send_modify(|v| *v += 1);
    }

    /// The events so far, in time order.
    pub fn events(&self) -> Vec<HttpEvent> {
        self.inner.log.events()
    }

    /// The first event satisfying `pred` (already logged or to come), or `None`
    /// after `timeout`.
    pub async fn wait_for(
        &self,
        pred: impl Fn(&HttpEvent) -> bool,
        timeout: Duration,
    ) -> Option<HttpEvent> {
        self.inner.log.wait_for(pred, timeout).await
    }

    /// Connections (or the rest of them) forwarded as plain bytes.
    pub fn fallbacks(&self) -> u64 {
        self.inner.fallbacks.load(Ordering::Relaxed)
    }

    /// Stops accepting and closes every connection (held requests are dropped).
    pub fn stop(&self) {
        self.inner.stop.send_replace(true);
    }
}

impl Inner {
    fn lock_rules(&self) -> std::sync::MutexGuard<'_, Vec<(RuleId, Rule)>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn decide(&self, r: &ReqInfo) -> Option<(RuleId, Action)> {
        self.lock_rules()
            .iter()
            .find(|(_, rule)| {
                rule.matcher
                    .matches(&r.method, &r.target, r.trace_id.as_deref())
            })
            .map(|(id, rule)| (*id, rule.action.clone()))
    }

    /// Waits while rule `id` exists, up to `timeout`; true if it timed out.
    async fn hold(&self, id: RuleId, timeout: Duration) -> bool {
        let mut changes = self.rules_changed.subscribe();
        let sleep = tokio::time::sleep(timeout);
        tokio::pin!(sleep);
        loop {
            changes.borrow_and_update();
            if !self.lock_rules().iter().any(|(r, _)| *r == id) {
                return false;
            }
            tokio::select! {
                _ = &mut sleep => return true,
                r = changes.changed() => if r.is_err() { return false },
            }
        }
    }
}

async fn accept(inner: Arc<Inner>, listener: TcpListener) {
    let mut stop = inner.stop.subscribe();
    loop {
        let (client, _) = tokio::select! {
            r = listener.accept() => match r { Ok(c) => c, Err(_) => continue },
            _ = stop.wait_for(|s| *s) => return,
        };
        let _ = client.set_nodelay(true);
        let inner = inner.clone();
        let mut stop = inner.stop.subscribe();
        tokio::spawn(async move {
            tokio::select! {
                _ = serve(inner.clone(), client) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        });
    }
}

/// Serves one client connection: exchanges until it closes or falls back.
async fn serve(inner: Arc<Inner>, client: TcpStream) {
    let conn = inner.next_conn.fetch_add(1, Ordering::Relaxed);
    let mut c = Buffered::new(client);
    let mut up: Option<Buffered> = None;
    let reason = loop {
        match exchange(&inner, conn, &mut c, &mut up).await {
            Next::Again => continue,
            Next::Close => return,
            Next::Plain(reason) => break reason,
        }
    };
    inner.fallbacks.fetch_add(1, Ordering::Relaxed);
    let info = ReqInfo {
        conn,
        ..ReqInfo::default()
    };
    inner.log.record(&info, HttpEventKind::Fallback { reason });
    let up = match up {
        Some(u) => u,
        None => match TcpStream::connect(inner.upstream).await {
            Ok(s) => Buffered::new(s),
            Err(_) => return,
        },
    };
    splice(c, up).await;
}

/// Plain forwarding: what each side had buffered first, then both directions.
async fn splice(mut c: Buffered, mut u: Buffered) {
    if u.stream.write_all(&c.buf).await.is_err() || c.stream.write_all(&u.buf).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut c.stream, &mut u.stream).await;
}

/// One request and its response.
async fn exchange(inner: &Inner, conn: u64, c: &mut Buffered, up: &mut Option<Buffered>) -> Next {
    let head = match c.head(parse_request).await {
        Ok(h) if h.upgrade => return Next::Plain(format!("upgrade ({} {})", h.method, h.target)),
        Ok(h) => h,
        Err(ReadError::Parse(r)) => return Next::Plain(r),
        Err(_) => return Next::Close,
    };
    let msg = match c.message(&head).await {
        Ok(m) => m,
        Err(ReadError::Parse(r)) => return Next::Plain(r),
        Err(_) => return Next::Close,
    };
    let info = ReqInfo {
        conn,
        req: inner.next_req.fetch_add(1, Ordering::Relaxed),
        method: head.method.clone(),
        target: head.target.clone(),
        trace_id: head.trace_id.clone(),
    };
    inner.log.record(&info, HttpEventKind::Arrived);
    match inner.decide(&info) {
        Some((rule, Action::Respond { status, body })) => {
            if answer(&mut c.stream, status, &body, head.close)
                .await
                .is_err()
            {
                return Next::Close;
            }
            inner
                .log
                .record(&info, HttpEventKind::Answered { rule, status });
            return if head.close { Next::Close } else { Next::Again };
        }
        Some((rule, Action::Hold { timeout })) => {
            inner.log.record(&info, HttpEventKind::Held { rule });
            let timed_out = inner.hold(rule, timeout).await;
            inner
                .log
                .record(&info, HttpEventKind::Released { rule, timed_out });
        }
        None => {}
    }
    if up.is_none() {
        match TcpStream::connect(inner.upstream).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                *up = Some(Buffered::new(s));
            }
            Err(_) => return Next::Close,
        }
    }
    let u = up.as_mut().expect("connected");
    if u.stream.write_all(&msg).await.is_err() {
        return Next::Close;
    }
    inner.log.record(&info, HttpEventKind::Passed);
    respond(inner, &info, &head, c, u).await
}

/// Forwards the upstream's response (after any 1xx) and logs its completion.
async fn respond(
    inner: &Inner,
    info: &ReqInfo,
    req: &Head,
    c: &mut Buffered,
    u: &mut Buffered,
) -> Next {
    loop {
        let head = match u.head(|b| parse_response(b, &req.method)).await {
            Ok(h) => h,
            Err(ReadError::Parse(r)) => return Next::Plain(r),
            Err(_) => return Next::Close,
        };
        let msg = match u.message(&head).await {
            Ok(m) => m,
            Err(ReadError::Parse(r)) => return Next::Plain(r),
            Err(_) => return Next::Close,
        };
        if c.stream.write_all(&msg).await.is_err() {
            return Next::Close;
        }
        if (100..200).contains(&head.status) && head.status != 101 {
            continue;
        }
        if head.framing == Framing::UntilClose {
            let _ = tokio::io::copy(&mut u.stream, &mut c.stream).await;
        }
        inner.log.record(
            info,
            HttpEventKind::Completed {
                status: head.status,
            },
        );
        return match () {
            _ if head.upgrade => Next::Plain("upgrade (101 Switching Protocols)".into()),
            _ if req.close || head.close => Next::Close,
            _ => Next::Again,
        };
    }
}

async fn answer(s: &mut TcpStream, status: u16, body: &str, close: bool) -> std::io::Result<()> {
    let reason = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Injected");
    let conn = if close { "Connection: close\r\n" } else { "" };
    let text = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{conn}\r\n{body}",
        body.len()
    );
    s.write_all(text.as_bytes()).await
}
