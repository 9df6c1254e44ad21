//! What the nodes' kernels offer of netem, learned once and shared.
//!
//! The packet nemesis learns it at setup; the schedule, built before any node
//! was reached, reads it when it picks a behaviour, so a kernel without netem is
//! offered only what [`super::emulate`] can do instead of a string of errors.

use super::Netem;
use serde_json::Value;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// Whether the nodes' kernels have netem, as learned by [`super::PacketNemesis`]'s
/// setup; shared with the schedule so that it offers only behaviours that can
/// be applied (delay and reorder need real netem).
#[derive(Clone, Debug, Default)]
pub struct NetemSupport(Arc<AtomicU8>);

impl NetemSupport {
    const PRESENT: u8 = 1;
    const MISSING: u8 = 2;

    /// Support already known (for tests, or when the operator knows better).
    pub fn assume(present: bool) -> NetemSupport {
        let s = NetemSupport::default();
        s.set(present);
        s
    }

    /// True once a node was found without netem.
    pub fn known_missing(&self) -> bool {
        self.0.load(Ordering::Relaxed) == Self::MISSING
    }

    pub(super) fn set(&self, present: bool) {
        let v = if present {
            Self::PRESENT
        } else {
            Self::MISSING
        };
        self.0.store(v, Ordering::Relaxed);
    }

    /// Whether a schedule should offer this `start-packet` value.
    pub fn offers(&self, value: &Value) -> bool {
        let name = value.get("behaviour").and_then(Value::as_str);
        let needs = name
            .and_then(Netem::preset)
            .is_some_and(|n| n.needs_netem());
        !(needs && self.known_missing())
    }
}

/// Shell that prints `missing` when the kernel has no netem qdisc (tried on
/// the loopback, whose default qdisc has nothing to lose).
pub(super) const PROBE: &str =
    "out=$(tc qdisc add dev lo root netem delay 0ms 2>&1) && tc qdisc del dev lo root; \
     case \"$out\" in *'kind is unknown'*) echo missing;; *) echo present;; esac";
