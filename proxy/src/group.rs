//! A group of proxies sharing one fault table, one clock and one journal: the
//! library API the playground and the proxy nemeses use.
//!
//! Each proxy listens on a node's advertised address and forwards to the node's
//! real one. [`ProxyGroup::apply`] swaps the whole fault set in one step and returns
//! once every listener has acted on it (a `down` listener is closed by then), with
//! the monotonic time at which the new set became visible to every connection.

use crate::conn::{pipe, rst_on_close};
use crate::events::{Event, EventKind, Journal, LinkBytes};
use crate::fault::FaultSet;
use crate::source::SourceLookup;
use crate::table::{fnv1a, ConnId, Table};
use crate::ProxyError;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One entry of the address book: a node's proxy name, where the proxy listens
/// (port 0 picks one) and the real address it forwards to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxySpec {
    pub name: String,
    pub listen: SocketAddr,
    pub upstream: SocketAddr,
}

impl ProxySpec {
    pub fn new(name: &str, listen: SocketAddr, upstream: SocketAddr) -> ProxySpec {
        ProxySpec {
            name: name.to_string(),
            listen,
            upstream,
        }
    }
}

struct Running {
    spec: ProxySpec,
    ack: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

/// What listeners and connections share. They hold this, not [`Inner`], so that
/// dropping the last `ProxyGroup` drops the table's sender: every task then sees
/// the channel close and ends.
struct Shared {
    journal: Journal,
    lookup: Box<dyn SourceLookup>,
    seed: u64,
    next_conn: AtomicU64,
}

struct Inner {
    shared: Arc<Shared>,
    table: watch::Sender<Arc<Table>>,
    proxies: Mutex<BTreeMap<String, Running>>,
}

/// Proxies for an address book, with one fault table.
#[derive(Clone)]
pub struct ProxyGroup {
    inner: Arc<Inner>,
}

impl ProxyGroup {
    /// An empty group; `seed` decides which connections a partial toxicity hits.
    pub fn new(seed: u64, lookup: impl SourceLookup) -> ProxyGroup {
        let (table, _) = watch::channel(Arc::new(Table::empty()));
        let shared = Shared {
            journal: Journal::new(),
            lookup: Box::new(lookup),
            seed,
            next_conn: AtomicU64::new(0),
        };
        let inner = Inner {
            shared: Arc::new(shared),
            table,
            proxies: Mutex::default(),
        };
        ProxyGroup {
            inner: Arc::new(inner),
        }
    }

    /// A group with one proxy per entry of `book`; returns it with the bound addresses.
    pub async fn start(
        book: &[ProxySpec],
        seed: u64,
        lookup: impl SourceLookup,
    ) -> Result<ProxyGroup, ProxyError> {
        let group = ProxyGroup::new(seed, lookup);
        for spec in book {
            group.add(spec.clone()).await?;
        }
        Ok(group)
    }

    /// Starts a proxy; returns the address it listens on.
    pub async fn add(&self, mut spec: ProxySpec) -> Result<SocketAddr, ProxyError> {
        if self.lock().contains_key(&spec.name) {
            return Err(ProxyError::Exists(spec.name));
        }
        let listener = TcpListener::bind(spec.listen)
            .await
            .map_err(|e| ProxyError::Bind {
                name: spec.name.clone(),
                addr: spec.listen,
                source: e,
            })?;
        spec.listen = listener.local_addr().map_err(|e| ProxyError::Bind {
            name: spec.name.clone(),
            addr: spec.listen,
            source: e,
        })?;
        let (ack_tx, ack) = watch::channel(0);
        let rx = self.inner.table.subscribe();
        let shared = self.inner.shared.clone();
        let task = tokio::spawn(listen_loop(
            shared,
            spec.clone(),
            Some(listener),
            rx,
            ack_tx,
        ));
        self.lock().insert(
            spec.name.clone(),
            Running {
                spec: spec.clone(),
                ack,
                task,
            },
        );
        Ok(spec.listen)
    }

    /// Stops a proxy's listener (its open connections end when their peers close).
    pub fn remove(&self, name: &str) -> Result<ProxySpec, ProxyError> {
        let r = self
            .lock()
            .remove(name)
            .ok_or_else(|| ProxyError::NoProxy(name.to_string()))?;
        r.task.abort();
        Ok(r.spec)
    }

    /// Replaces the whole fault set on every proxy at once. Returns the monotonic time
    /// (ns since the group started) at which it took effect; by the time this returns,
    /// every listener has acted on it.
    pub async fn apply(&self, set: FaultSet) -> Result<u64, ProxyError> {
        set.validate()?;
        let names = set.toxics.iter().map(|t| t.name.clone()).collect();
        let mut version = 0;
        let mut ns = 0;
        self.inner.table.send_modify(|t| {
            *t = Arc::new(t.next(set.toxics, Instant::now()));
            version = t.version;
            ns = self
                .inner
                .shared
                .journal
                .record(EventKind::FaultChange { toxics: names });
        });
        let acks: Vec<_> = self.lock().values().map(|r| r.ack.clone()).collect();
        for mut ack in acks {
            // A listener that has died (aborted) cannot lag behind: skip it.
            let _ = ack.wait_for(|v| *v >= version).await;
        }
        Ok(ns)
    }

    /// The fault set now in force.
    pub fn faults(&self) -> FaultSet {
        FaultSet {
            toxics: self
                .inner
                .table
                .borrow()
                .toxics
                .iter()
                .map(|a| a.toxic.clone())
                .collect(),
        }
    }

    pub fn proxies(&self) -> Vec<ProxySpec> {
        self.lock().values().map(|r| r.spec.clone()).collect()
    }

    pub fn events(&self) -> Vec<Event> {
        self.inner.shared.journal.events()
    }

    /// Bytes per link `(from, to)`; `from` is `"?"` for an unknown source.
    pub fn bytes(&self) -> BTreeMap<(String, String), LinkBytes> {
        self.inner.shared.journal.bytes()
    }

    /// Nanoseconds since the group started, on the clock of events.
    pub fn now_ns(&self) -> u64 {
        self.inner.shared.journal.now_ns()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Running>> {
        self.inner.proxies.lock().expect("proxy map poisoned")
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for r in self
            .proxies
            .get_mut()
            .map(std::mem::take)
            .unwrap_or_default()
            .into_values()
        {
            r.task.abort();
        }
    }
}

/// Accepts while the proxy is up; closes the listener while it is down.
async fn listen_loop(
    inner: Arc<Shared>,
    spec: ProxySpec,
    mut listener: Option<TcpListener>,
    mut table: watch::Receiver<Arc<Table>>,
    ack: watch::Sender<u64>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(inner.seed);
    rng.set_stream(fnv1a(spec.name.as_bytes()));
    loop {
        let t = table.borrow_and_update().clone();
        if t.listener_down(&spec.name) {
            listener = None;
        } else if listener.is_none() {
            listener = rebind(spec.listen).await;
        }
        let _ = ack.send(t.version);
        let Some(l) = listener.as_ref() else {
            if table.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            r = l.accept() => if let Ok((client, peer)) = r {
                let roll = rng.next_u64();
                tokio::spawn(serve(inner.clone(), spec.clone(), client, peer, roll, table.clone()));
            },
            r = table.changed() => if r.is_err() { return },
        }
    }
}

async fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..50 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return Some(l);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// One accepted connection: dial upstream, pipe, record connect and close.
async fn serve(
    inner: Arc<Shared>,
    spec: ProxySpec,
    client: TcpStream,
    peer: SocketAddr,
    roll: u64,
    table: watch::Receiver<Arc<Table>>,
) {
    let local = client.local_addr().unwrap_or(spec.listen);
    let from = inner.lookup.source_of(peer, local);
    let id = inner.next_conn.fetch_add(1, Ordering::Relaxed);
    let proxy = spec.name.clone();
    inner.journal.record(EventKind::Connect {
        proxy: proxy.clone(),
        conn: id,
        from: from.clone(),
    });
    let conn = ConnId {
        proxy: proxy.clone(),
        from: from.clone(),
        roll,
        opened: Instant::now(),
    };
    let _ = client.set_nodelay(true);
    let how = match TcpStream::connect(spec.upstream).await {
        Ok(server) => {
            let _ = server.set_nodelay(true);
            let counters = inner
                .journal
                .counters(from.as_deref().unwrap_or("?"), &proxy);
            pipe(client, server, conn, table, counters)
                .await
                .as_str()
                .to_string()
        }
        Err(e) => {
            rst_on_close(&client);
            format!("upstream {} refused: {e}", spec.upstream)
        }
    };
    inner.journal.record(EventKind::Close {
        proxy,
        conn: id,
        how,
    });
}
