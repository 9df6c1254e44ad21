//! The cache of configurations the search has explored, with dominance.
//!
//! A configuration is (linearized ok ops, model state, crashed ops used per class).
//! Entries are found by a precomputed hash (Zobrist over the linearized set, mixed
//! with the state's hash) and compared exactly. For one set and state, the cache
//! keeps the minimal used-vectors only (an antichain): a configuration that used at
//! least as many crashed ops of every class as one already explored has no more
//! options, so it is pruned. Its byte count feeds the memory budget.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The explored configurations.
pub(crate) struct Cache<S> {
    map: HashMap<u64, Vec<Slot<S>>, BuildHasherDefault<IdHasher>>,
    /// Configurations recorded (antichain members included).
    pub entries: usize,
    /// Approximate bytes held, heap included.
    pub bytes: u64,
}

impl<S> Default for Cache<S> {
    fn default() -> Self {
        Cache {
            map: HashMap::default(),
            entries: 0,
            bytes: 0,
        }
    }
}

/// The configurations seen with one set of linearized ok ops and one state: the
/// minimal vectors of crashed ops used per class (an antichain).
struct Slot<S> {
    lo: u32,
    bits: Box<[u64]>,
    state: S,
    used: Vec<Box<[u32]>>,
}

fn le(a: &[u32], b: &[u32]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y)
}

/// Passes a precomputed hash through.
#[derive(Default)]
struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub(crate) fn state_hash<S: Hash>(s: &S) -> u64 {
    let mut h = Fx::default();
    s.hash(&mut h);
    h.finish()
}

/// A fast non-cryptographic hasher (the rustc "Fx" scheme) for the checker's own
/// tables: their keys come from the history, not from an adversary.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

/// Hash tables keyed with [`Fx`].
pub(crate) type FxBuild = BuildHasherDefault<Fx>;

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

impl<S: Clone + Eq> Cache<S> {
    /// Records a configuration; false when it, or one that dominates it, was seen.
    /// `key` is the compact linearized set (see [`super::bitset::LinSet::key`]).
    pub(crate) fn visit(
        &mut self,
        hash: u64,
        key: (u32, &[u64]),
        state: &S,
        used: &[u32],
        state_bytes: usize,
    ) -> bool {
        let (lo, bits) = key;
        let bucket = self.map.entry(hash).or_default();
        let slot = bucket
            .iter_mut()
            .find(|s| s.lo == lo && *s.bits == *bits && s.state == *state);
        match slot {
            Some(slot) => {
                if slot.used.iter().any(|u| le(u, used)) {
                    return false;
                }
                let before = slot.used.len();
                slot.used.retain(|u| !le(used, u));
                let removed = (before - slot.used.len()) as u64;
                slot.used.push(used.into());
                let each = (used.len() * 4 + 48) as u64;
                self.bytes = (self.bytes + each).saturating_sub(removed * each);
            }
            None => {
                self.bytes += (bits.len() * 8 + used.len() * 4 + state_bytes + 128) as u64
                    + std::mem::size_of::<Slot<S>>() as u64;
                bucket.push(Slot {
                    lo,
                    bits: bits.into(),
                    state: state.clone(),
                    used: vec![used.into()],
                })
            }
        }
        self.entries += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prunes_configurations_dominated_by_fewer_crashed_ops() {
        let mut c: Cache<u32> = Cache::default();
        let key = (0, &[0b101u64][..]);
        assert!(c.visit(7, key, &1, &[1, 0], 4));
        assert!(!c.visit(7, key, &1, &[1, 0], 4), "the same");
        assert!(!c.visit(7, key, &1, &[2, 0], 4), "more used: dominated");
        assert!(c.visit(7, key, &1, &[0, 1], 4), "incomparable");
        assert!(
            c.visit(7, key, &1, &[0, 0], 4),
            "fewer used: kept, replaces both"
        );
        assert!(!c.visit(7, key, &1, &[0, 1], 4));
        assert!(c.visit(7, key, &2, &[5, 5], 4), "another state");
        assert!(
            c.visit(7, (0, &[0b100u64][..]), &1, &[5, 5], 4),
            "another set"
        );
        assert_eq!(c.entries, 5);
    }
}
