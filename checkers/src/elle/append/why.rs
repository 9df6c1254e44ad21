//! Why an edge of the list-append graph exists, in one sentence: kept apart from
//! the analysis, since only the few edges of reported cycles are ever explained.

use super::{Index, NONE};
use crate::elle::explain::{show_list, Explain};
use crate::elle::graph::{RW, WR, WW};
use crate::elle::txn::{MopKind, TxnId, Txns, UNKNOWN};

impl Index {
    /// The value `b` appended to `k` that no read observed, if any.
    fn unobserved_by(&self, txns: &Txns, k: u32, b: TxnId) -> Option<String> {
        if !self.unobserved[k as usize].contains(&b) {
            return None;
        }
        let m = txns.mops(b).iter().find(|m| {
            m.key == k
                && m.kind == MopKind::Append
                && self.writers.get(&(k, m.val)).is_some_and(|w| w.pos == NONE)
        })?;
        Some(txns.val_name(m.val))
    }
}

impl Explain for Index {
    fn data_edge(&self, txns: &Txns, a: TxnId, b: TxnId, kind: u8) -> String {
        let (an, bn) = (txns.name(a), txns.name(b));
        for m in txns.mops(if kind == WR { b } else { a }) {
            let k = m.key;
            let order = self.order(txns, k);
            let kn = txns.key_name(k);
            match (kind, m.kind) {
                (WW, MopKind::Append) => {
                    let Some(w) = self.writer(k, m.val).filter(|w| w.pos != NONE) else {
                        continue;
                    };
                    let u = txns.val_name(m.val);
                    match order.get(w.pos as usize + 1) {
                        Some(&next) if self.writer(k, next).is_some_and(|x| x.txn == b) => {
                            let v = txns.val_name(next);
                            return format!("{an} appended {u} to key {kn} and {bn} appended {v} right after it, so {an} precedes {bn} (ww)");
                        }
                        None => {
                            if let Some(v) = self.unobserved_by(txns, k, b) {
                                return format!("{bn} appended {v} to key {kn}, which no read observed, so it came after {u}, the highest element any read shows, which {an} appended; so {an} precedes {bn} (ww)");
                            }
                        }
                        _ => {}
                    }
                }
                (WR, MopKind::Read) if m.len != UNKNOWN && m.len > 0 => {
                    let r = txns.list(m);
                    let last = *r.last().unwrap_or(&0);
                    if self.writer(k, last).is_some_and(|w| w.txn == a) {
                        let v = txns.val_name(last);
                        return format!("{an} appended {v} to key {kn}; {bn} read key {kn} = {}, ending in {v}, so {an} precedes {bn} (wr)", show_list(txns, r));
                    }
                }
                (RW, MopKind::Read) if m.len != UNKNOWN => {
                    let r = txns.list(m);
                    let Some(&next) = order.get(r.len()) else {
                        if let Some(v) = self.unobserved_by(txns, k, b) {
                            return format!("{an} read key {kn} = {}, the latest version any read shows; {bn} appended {v}, which no read observed, so it came later and {an} precedes {bn} (rw)", show_list(txns, r));
                        }
                        continue;
                    };
                    if self.writer(k, next).is_some_and(|w| w.txn == b) {
                        let v = txns.val_name(next);
                        return format!("{an} read key {kn} = {} without {v}; {bn} appended {v} right after that version, so {an} precedes {bn} (rw)", show_list(txns, r));
                    }
                }
                _ => {}
            }
        }
        format!(
            "{an} precedes {bn} ({})",
            crate::elle::explain::kind_name(kind)
        )
    }
}
