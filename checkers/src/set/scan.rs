//! The one pass over a history behind [`SetFull`](super::SetFull): for every
//! element, when it was added and known, and which reads showed or missed it.
//!
//! Reads of a large set dominate the work (every read lists every element), so
//! what a read touches per element — a stamp marking membership in the read at
//! hand, the latest read that showed it, whether it is known — lives in a small
//! array of its own, indexed through a dense table when elements are small
//! non-negative integers (as the workload makes them). The rest of an element's
//! story is touched only when it changes.

use rjepsen_core::{History, Op, OpType};
use std::collections::{HashMap, HashSet};

/// A position in the history and the time there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct At {
    pub pos: usize,
    pub time: u64,
}

/// What the history says about one element.
#[derive(Clone, Debug)]
pub(super) struct Element {
    /// The add's invocation.
    pub invoked: At,
    /// The add's completion type (`None` if it never completed).
    pub outcome: Option<OpType>,
    /// The add's completion position.
    pub completed: Option<usize>,
    pub known: Option<At>,
    pub first_seen: Option<At>,
    /// Invocation of the latest read (by invocation) that showed the element.
    pub last_present: Option<At>,
    /// Invocation of the latest read that began after `known` and missed it.
    pub last_absent: Option<At>,
}

/// What every read touches, per element.
#[derive(Clone, Copy, Default)]
struct Hot {
    /// Number of the latest read (counting from 1) that listed the element.
    stamp: u32,
    /// Number of the latest-invoked read that showed it; 0 for none.
    present: u32,
    known: bool,
}

/// Elements below this go through the dense table.
const DENSE_LIMIT: i64 = 1 << 24;

/// Element → id: a dense table for small non-negative elements, else a map.
#[derive(Default)]
struct Ids {
    dense: Vec<u32>,
    sparse: HashMap<i64, usize>,
}

impl Ids {
    fn get(&self, e: i64) -> Option<usize> {
        if (0..DENSE_LIMIT).contains(&e) {
            let id = *self.dense.get(e as usize)?;
            (id > 0).then(|| id as usize - 1)
        } else {
            self.sparse.get(&e).copied()
        }
    }

    fn insert(&mut self, e: i64, id: usize) {
        if (0..DENSE_LIMIT).contains(&e) && id < u32::MAX as usize {
            if self.dense.len() <= e as usize {
                self.dense.resize(e as usize + 1, 0);
            }
            self.dense[e as usize] = id as u32 + 1;
        } else {
            self.sparse.insert(e, id);
        }
    }
}

/// Everything gathered in one pass over the history.
#[derive(Default)]
pub(super) struct Scan {
    /// Every attempted element, sorted by element once the scan is done.
    pub elements: Vec<(i64, Element)>,
    pub unexpected: Vec<(i64, u64)>,
    pub duplicated: Vec<(i64, u64)>,
    pub malformed: Vec<u64>,
    ids: Ids,
    hot: Vec<Hot>,
    /// Element ids in the order they became known (so by known position).
    known_order: Vec<(usize, usize)>,
    /// Invocation of each ok read, by read number - 1.
    read_invs: Vec<At>,
}

impl Scan {
    pub fn run(history: &History) -> Scan {
        let mut s = Scan::default();
        for (pos, op) in history.ops.iter().enumerate() {
            if !op.is_client() {
                continue;
            }
            let at = At { pos, time: op.time };
            match (op.f.as_str(), op.kind) {
                ("add", OpType::Invoke) => s.add_invoked(op, at),
                ("add", kind) => s.add_completed(op, kind, at),
                ("read", OpType::Ok) => {
                    let inv = history.invocation_of(pos).map(|i| At {
                        pos: i,
                        time: history.ops[i].time,
                    });
                    s.read(op, inv.unwrap_or(at), at);
                }
                _ => {}
            }
        }
        s.finish();
        s
    }

    /// Ok reads seen.
    pub fn reads(&self) -> usize {
        self.read_invs.len()
    }

    /// The element `e`, once the scan is done.
    pub fn element(&self, e: i64) -> Option<&Element> {
        let i = self.elements.binary_search_by_key(&e, |(x, _)| *x).ok()?;
        Some(&self.elements[i].1)
    }

    fn finish(&mut self) {
        for (id, h) in self.hot.iter().enumerate() {
            if h.present > 0 {
                self.elements[id].1.last_present = Some(self.read_invs[h.present as usize - 1]);
            }
        }
        self.elements.sort_unstable_by_key(|(e, _)| *e);
    }

    fn add_invoked(&mut self, op: &Op, at: At) {
        let Some(e) = op.value.as_i64() else {
            self.malformed.push(op.index);
            return;
        };
        if self.ids.get(e).is_some() {
            return;
        }
        self.ids.insert(e, self.elements.len());
        let el = Element {
            invoked: at,
            outcome: None,
            completed: None,
            known: None,
            first_seen: None,
            last_present: None,
            last_absent: None,
        };
        self.elements.push((e, el));
        self.hot.push(Hot::default());
    }

    fn add_completed(&mut self, op: &Op, kind: OpType, at: At) {
        let Some(id) = op.value.as_i64().and_then(|e| self.ids.get(e)) else {
            return;
        };
        let el = &mut self.elements[id].1;
        el.outcome = Some(kind);
        el.completed = Some(at.pos);
        if kind == OpType::Ok && !self.hot[id].known {
            el.known = Some(at);
            self.hot[id].known = true;
            self.known_order.push((at.pos, id));
        }
    }

    /// An ok read: invoked at `inv`, completed at `done`.
    fn read(&mut self, op: &Op, inv: At, done: At) {
        let Some(values) = op.value.as_array() else {
            self.malformed.push(op.index);
            return;
        };
        self.read_invs.push(inv);
        let stamp = self.read_invs.len() as u32;
        let mut unknown_seen = HashSet::new();
        for v in values {
            let Some(e) = v.as_i64() else {
                self.malformed.push(op.index);
                continue;
            };
            let Some(id) = self.ids.get(e) else {
                if unknown_seen.insert(e) {
                    self.unexpected.push((e, op.index));
                } else {
                    self.duplicated.push((e, op.index));
                }
                continue;
            };
            let h = &mut self.hot[id];
            if h.stamp == stamp {
                self.duplicated.push((e, op.index));
                continue;
            }
            h.stamp = stamp;
            if !h.known {
                h.known = true;
                self.elements[id].1.known = Some(done);
                self.known_order.push((done.pos, id));
            }
            if h.present == 0 {
                self.elements[id].1.first_seen = Some(done);
            }
            if h.present == 0 || self.read_invs[h.present as usize - 1].pos < inv.pos {
                h.present = stamp;
            }
        }
        self.mark_absent(stamp, inv);
    }

    /// Elements known before read `stamp` began (a prefix of `known_order`)
    /// that it did not list.
    fn mark_absent(&mut self, stamp: u32, inv: At) {
        let before = self.known_order.partition_point(|(p, _)| *p < inv.pos);
        for &(_, id) in &self.known_order[..before] {
            if self.hot[id].stamp == stamp {
                continue;
            }
            let el = &mut self.elements[id].1;
            if !matches!(el.last_absent, Some(a) if a.pos >= inv.pos) {
                el.last_absent = Some(inv);
            }
        }
    }
}
