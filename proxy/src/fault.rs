//! The fault vocabulary of the proxy: what can go wrong on a link.
//!
//! The set of proxy faults is closed (it is the table of issue 10, shaped after
//! toxiproxy's toxics), so it is an enum; what is open is *where* a fault applies
//! (a [`Link`]) and *how often* (a per-connection `toxicity`). A [`FaultSet`] is
//! the whole desired state: applying one replaces the previous set in a single
//! step, which is what makes a partition of several links atomic.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One kind of fault with its parameters (toxiproxy's names where it has one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// Delay every chunk by `latency` ms, ± `jitter` ms.
    Latency {
        #[serde(default)]
        latency: u64,
        #[serde(default)]
        jitter: u64,
    },
    /// Limit throughput to `rate` KB/s.
    Bandwidth {
        #[serde(default)]
        rate: u64,
    },
    /// Delay the close (EOF) by `delay` ms.
    SlowClose {
        #[serde(default)]
        delay: u64,
    },
    /// Stop data; close after `timeout` ms, or hold data forever when 0.
    Timeout {
        #[serde(default)]
        timeout: u64,
    },
    /// After `timeout` ms, close both sides with a TCP RST.
    ResetPeer {
        #[serde(default)]
        timeout: u64,
    },
    /// Cut data into pieces of `average_size` ± `size_variation` bytes, `delay` µs apart.
    Slicer {
        #[serde(default)]
        average_size: u64,
        #[serde(default)]
        size_variation: u64,
        #[serde(default)]
        delay: u64,
    },
    /// Let `bytes` through, then close.
    LimitData {
        #[serde(default)]
        bytes: u64,
    },
    /// The listener refuses new connections; existing ones are closed.
    Down,
}

impl Fault {
    /// The toxiproxy type name (`down` has none in toxiproxy: it is `enabled: false`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Fault::Latency { .. } => "latency",
            Fault::Bandwidth { .. } => "bandwidth",
            Fault::SlowClose { .. } => "slow_close",
            Fault::Timeout { .. } => "timeout",
            Fault::ResetPeer { .. } => "reset_peer",
            Fault::Slicer { .. } => "slicer",
            Fault::LimitData { .. } => "limit_data",
            Fault::Down => "down",
        }
    }

    /// Whether the fault ends the connection after this long (timeout > 0, reset_peer).
    pub(crate) fn deadline(&self) -> Option<Duration> {
        match self {
            Fault::Timeout { timeout } if *timeout > 0 => Some(Duration::from_millis(*timeout)),
            Fault::ResetPeer { timeout } => Some(Duration::from_millis(*timeout)),
            _ => None,
        }
    }
}

/// Which way the bytes flow: upstream is client → server, downstream server → client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Upstream,
    Downstream,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upstream => "upstream",
            Direction::Downstream => "downstream",
        }
    }
}

/// Where a fault applies: connections into node `to`, all of them or only those whose
/// source is node `from`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Link {
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Link {
    /// Every connection into `to`.
    pub fn into(to: &str) -> Link {
        Link {
            to: to.to_string(),
            from: None,
        }
    }

    /// Only the connections from `from` into `to`.
    pub fn between(from: &str, to: &str) -> Link {
        Link {
            to: to.to_string(),
            from: Some(from.to_string()),
        }
    }

    /// Whether a connection into proxy `to` from source `from` is on this link.
    pub fn covers(&self, to: &str, from: Option<&str>) -> bool {
        self.to == to && (self.from.is_none() || self.from.as_deref() == from)
    }
}

/// One named, active fault: what, where, which directions, how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Toxic {
    /// Unique within a fault set; it also seeds which connections are affected.
    pub name: String,
    pub fault: Fault,
    pub link: Link,
    /// The directions it acts on (`down` ignores this: a node is down both ways).
    pub directions: Vec<Direction>,
    /// Probability, per connection, that the fault applies to it (0.0 ..= 1.0).
    pub toxicity: f64,
}

impl Toxic {
    /// A fault on a link in both directions, for every connection.
    pub fn new(name: &str, fault: Fault, link: Link) -> Toxic {
        Toxic {
            name: name.to_string(),
            fault,
            link,
            directions: vec![Direction::Upstream, Direction::Downstream],
            toxicity: 1.0,
        }
    }

    pub fn direction(mut self, d: Direction) -> Toxic {
        self.directions = vec![d];
        self
    }

    pub fn toxicity(mut self, p: f64) -> Toxic {
        self.toxicity = p;
        self
    }
}

/// The whole desired fault state of a group of proxies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultSet {
    pub toxics: Vec<Toxic>,
}

impl FaultSet {
    pub fn none() -> FaultSet {
        FaultSet::default()
    }

    pub fn with(mut self, t: Toxic) -> FaultSet {
        self.toxics.push(t);
        self
    }

    /// A partition: every given link blackholed (timeout 0) both ways, as one set.
    pub fn partition(links: &[Link]) -> FaultSet {
        let toxics = links
            .iter()
            .map(|l| {
                let name = format!("partition:{}<-{}", l.to, l.from.as_deref().unwrap_or("*"));
                Toxic::new(&name, Fault::Timeout { timeout: 0 }, l.clone())
            })
            .collect();
        FaultSet { toxics }
    }

    /// Checks names are unique and parameters are in range.
    pub fn validate(&self) -> Result<(), crate::ProxyError> {
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.toxics {
            if !seen.insert(t.name.as_str()) {
                return Err(crate::ProxyError::BadFault(format!(
                    "duplicate toxic name {:?}",
                    t.name
                )));
            }
            if !(0.0..=1.0).contains(&t.toxicity) {
                let msg = format!(
                    "toxic {:?}: toxicity {} is not in 0..=1",
                    t.name, t.toxicity
                );
                return Err(crate::ProxyError::BadFault(msg));
            }
            if let Fault::Slicer {
                average_size: 0, ..
            } = t.fault
            {
                let msg = format!("toxic {:?}: slicer average_size must be > 0", t.name);
                return Err(crate::ProxyError::BadFault(msg));
            }
        }
        Ok(())
    }
}
