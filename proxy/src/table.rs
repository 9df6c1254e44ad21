//! The active fault table, shared by every proxy of a group through one watch
//! channel, and what it means for one connection in one direction ([`View`]).
//!
//! Publishing a new table is a single `send`, so a fault set reaches all proxies at
//! once; each connection recomputes its view when the table changes, which is how a
//! removed fault stops acting on connections already open (no polling interval).

use crate::fault::{Direction, Fault, Toxic};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// A toxic and when it became active (its timers count from then).
#[derive(Debug, Clone)]
pub(crate) struct Active {
    pub(crate) toxic: Toxic,
    pub(crate) since: Instant,
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) version: u64,
    pub(crate) toxics: Vec<Active>,
}

impl Table {
    pub(crate) fn empty() -> Table {
        Table {
            version: 0,
            toxics: Vec::new(),
        }
    }

    /// The next table for `toxics`, keeping the start time of toxics that did not change.
    pub(crate) fn next(&self, toxics: Vec<Toxic>, now: Instant) -> Table {
        let toxics = toxics
            .into_iter()
            .map(|t| {
                let old = self.toxics.iter().find(|a| a.toxic == t);
                Active {
                    since: old.map_or(now, |a| a.since),
                    toxic: t,
                }
            })
            .collect();
        Table {
            version: self.version + 1,
            toxics,
        }
    }

    /// Whether the listener of `proxy` is down for everyone.
    pub(crate) fn listener_down(&self, proxy: &str) -> bool {
        self.toxics.iter().any(|a| {
            a.toxic.fault == Fault::Down
                && a.toxic.link.from.is_none()
                && a.toxic.link.to == proxy
                && a.toxic.toxicity >= 1.0
        })
    }
}

/// Which connection a view is for.
#[derive(Debug, Clone)]
pub(crate) struct ConnId {
    pub(crate) proxy: String,
    pub(crate) from: Option<String>,
    /// Drawn from the proxy's seeded RNG in accept order.
    pub(crate) roll: u64,
    pub(crate) opened: Instant,
}

impl ConnId {
    /// Whether toxic `t` applies to this connection: a draw that depends only on the
    /// connection's roll and the toxic's name, so it is stable across table changes.
    pub(crate) fn affected_by(&self, t: &Toxic) -> bool {
        if !t.link.covers(&self.proxy, self.from.as_deref()) {
            return false;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.roll ^ fnv1a(t.name.as_bytes()));
        rng.gen::<f64>() < t.toxicity
    }
}

pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What the active faults mean for one connection in one direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct View {
    pub(crate) down: bool,
    /// Blackholed: forward nothing until the table changes (or a deadline passes).
    pub(crate) hold: bool,
    /// When the connection must end, and whether by RST.
    pub(crate) deadline: Option<(Instant, bool)>,
    pub(crate) latency: Option<(u64, u64)>,
    pub(crate) rate: Option<u64>,
    pub(crate) slow_close: Option<u64>,
    pub(crate) slicer: Option<(u64, u64, u64)>,
    pub(crate) limit: Option<u64>,
}

impl View {
    pub(crate) fn of(table: &Table, conn: &ConnId, dir: Direction) -> View {
        let mut v = View::default();
        for a in &table.toxics {
            let t = &a.toxic;
            if !conn.affected_by(t) {
                continue;
            }
            if t.fault == Fault::Down {
                v.down = true;
                continue;
            }
            if !t.directions.contains(&dir) {
                continue;
            }
            v.add(&t.fault, a.since.max(conn.opened));
        }
        v
    }

    fn add(&mut self, f: &Fault, since: Instant) {
        if let Some(after) = f.deadline() {
            let reset = matches!(f, Fault::ResetPeer { .. });
            let at = since + after;
            if self.deadline.is_none_or_later(at) {
                self.deadline = Some((at, reset));
            }
        }
        match *f {
            Fault::Timeout { .. } => self.hold = true,
            Fault::Latency { latency, jitter } => self.latency = Some((latency, jitter)),
            Fault::Bandwidth { rate } => self.rate = Some(rate),
            Fault::SlowClose { delay } => self.slow_close = Some(delay),
            Fault::Slicer {
                average_size,
                size_variation,
                delay,
            } => self.slicer = Some((average_size, size_variation, delay)),
            Fault::LimitData { bytes } => {
                self.limit = Some(self.limit.map_or(bytes, |l| l.min(bytes)))
            }
            Fault::ResetPeer { .. } | Fault::Down => {}
        }
    }

    /// Whether nothing acts on the data path: bytes are copied as they come. A
    /// `slow_close` acts only at EOF, where the view is read again.
    pub(crate) fn is_clean(&self) -> bool {
        !self.down
            && !self.hold
            && self.deadline.is_none()
            && self.latency.is_none()
            && self.rate.is_none()
            && self.slicer.is_none()
            && self.limit.is_none()
    }

    /// The delay a chunk read at `read_at` must wait for, with `jitter` drawn by the caller.
    pub(crate) fn latency_target(&self, read_at: Instant, jitter_draw: f64) -> Option<Instant> {
        let (lat, jit) = self.latency?;
        let ms = lat as f64 + (jitter_draw * 2.0 - 1.0) * jit as f64;
        Some(read_at + Duration::from_micros((ms.max(0.0) * 1000.0) as u64))
    }
}

trait Earlier {
    fn is_none_or_later(&self, at: Instant) -> bool;
}

impl Earlier for Option<(Instant, bool)> {
    fn is_none_or_later(&self, at: Instant) -> bool {
        match self {
            None => true,
            Some((t, _)) => *t > at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::{FaultSet, Link, Toxic};

    fn conn(from: Option<&str>, roll: u64) -> ConnId {
        ConnId {
            proxy: "n1".into(),
            from: from.map(str::to_string),
            roll,
            opened: Instant::now(),
        }
    }

    #[test]
    fn links_cover_the_right_connections() {
        let cases = [
            (Link::into("n1"), "n1", Some("n2"), true),
            (Link::into("n1"), "n1", None, true),
            (Link::into("n1"), "n2", Some("n1"), false),
            (Link::between("n2", "n1"), "n1", Some("n2"), true),
            (Link::between("n2", "n1"), "n1", Some("n3"), false),
            (Link::between("n2", "n1"), "n1", None, false),
        ];
        for (link, to, from, want) in cases {
            assert_eq!(
                link.covers(to, from),
                want,
                "{link:?} covers {from:?} -> {to}"
            );
        }
    }

    #[test]
    fn a_partition_holds_both_directions_and_latency_only_its_own() {
        let mut set = FaultSet::partition(&[Link::between("n2", "n1")]);
        let lat = Toxic::new(
            "l",
            Fault::Latency {
                latency: 5,
                jitter: 0,
            },
            Link::into("n1"),
        )
        .direction(Direction::Upstream);
        set = set.with(lat);
        let t = Table::empty().next(set.toxics, Instant::now());
        let from_n2 = conn(Some("n2"), 1);
        assert!(View::of(&t, &from_n2, Direction::Upstream).hold);
        assert!(View::of(&t, &from_n2, Direction::Downstream).hold);
        let from_n3 = conn(Some("n3"), 1);
        let up = View::of(&t, &from_n3, Direction::Upstream);
        assert_eq!((up.hold, up.latency), (false, Some((5, 0))));
        assert_eq!(
            View::of(&t, &from_n3, Direction::Downstream),
            View::default()
        );
    }

    #[test]
    fn an_unchanged_toxic_keeps_its_start_time_across_tables() {
        let rst = Toxic::new("r", Fault::ResetPeer { timeout: 100 }, Link::into("n1"));
        let t0 = Instant::now();
        let a = Table::empty().next(vec![rst.clone()], t0);
        let b = a.next(
            vec![rst.clone(), Toxic::new("d", Fault::Down, Link::into("n2"))],
            t0 + Duration::from_secs(5),
        );
        assert_eq!(b.toxics[0].since, t0);
        assert!(b.listener_down("n2") && !b.listener_down("n1"));
        assert_eq!(b.version, 2);
    }

    #[test]
    fn toxicity_draws_depend_on_roll_and_name_only() {
        let t = Toxic::new("half", Fault::Timeout { timeout: 0 }, Link::into("n1")).toxicity(0.5);
        let hits: Vec<bool> = (0..200).map(|r| conn(None, r).affected_by(&t)).collect();
        let again: Vec<bool> = (0..200)
            .map(|r| conn(Some("n9"), r).affected_by(&t))
            .collect();
        assert_eq!(hits, again);
        let n = hits.iter().filter(|h| **h).count();
        assert!((60..=140).contains(&n), "{n} of 200 at toxicity 0.5");
        assert!(!conn(None, 3).affected_by(&t.clone().toxicity(0.0)));
        assert!(conn(None, 3).affected_by(&t.toxicity(1.0)));
    }
}
