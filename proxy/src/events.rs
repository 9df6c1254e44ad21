//! What happened, when: events with monotonic nanosecond stamps, and byte counters
//! per link and direction.
//!
//! One clock (an `Instant` taken when the group starts) stamps everything, so the
//! time an `apply` returns and the times of connects and closes compare directly.
//! Counters are atomics shared by the connections of a link, read without locking
//! the data path.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Something that happened on a proxy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Connect {
        proxy: String,
        conn: u64,
        from: Option<String>,
    },
    Close {
        proxy: String,
        conn: u64,
        how: String,
    },
    /// A fault set took effect; `toxics` names what is now active.
    FaultChange { toxics: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Nanoseconds since the group started (monotonic).
    pub ns: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Bytes forwarded on one link, per direction.
#[derive(Debug, Default)]
pub struct LinkCounters {
    pub up: AtomicU64,
    pub down: AtomicU64,
}

/// A snapshot of one link's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LinkBytes {
    pub upstream: u64,
    pub downstream: u64,
}

/// The group's clock, event log and counters.
#[derive(Debug)]
pub(crate) struct Journal {
    start: Instant,
    events: Mutex<Vec<Event>>,
    links: Mutex<BTreeMap<(String, String), Arc<LinkCounters>>>,
}

impl Journal {
    pub(crate) fn new() -> Journal {
        Journal {
            start: Instant::now(),
            events: Mutex::new(Vec::new()),
            links: Mutex::default(),
        }
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    pub(crate) fn record(&self, kind: EventKind) -> u64 {
        let mut ev = self.events.lock().expect("event log poisoned");
        // Stamped under the lock, so the log is in time order.
        let ns = self.now_ns();
        ev.push(Event { ns, kind });
        ns
    }

    pub(crate) fn events(&self) -> Vec<Event> {
        self.events.lock().expect("event log poisoned").clone()
    }

    /// The counters of link `from` → `to`; `from` is `"?"` when the source is unknown.
    pub(crate) fn counters(&self, from: &str, to: &str) -> Arc<LinkCounters> {
        let mut links = self.links.lock().expect("counters poisoned");
        links
            .entry((from.to_string(), to.to_string()))
            .or_default()
            .clone()
    }

    pub(crate) fn bytes(&self) -> BTreeMap<(String, String), LinkBytes> {
        let links = self.links.lock().expect("counters poisoned");
        links
            .iter()
            .map(|(k, c)| {
                let b = LinkBytes {
                    upstream: c.up.load(Ordering::Relaxed),
                    downstream: c.down.load(Ordering::Relaxed),
                };
                (k.clone(), b)
            })
            .collect()
    }
}
