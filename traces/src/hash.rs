//! A fast, fixed hasher for the analysis' internal maps (segment keys, statement
//! texts, id values, step numbers).
//!
//! The standard `SipHash` guards against inputs chosen to collide, which trace files
//! are not worth defending against here, and it was the largest single cost of the
//! flow and pair phases on big runs. This is the Fx hash of rustc (one rotate, xor
//! and multiply per word), kept in-crate to avoid a dependency. No output depends
//! on a map's iteration order (keys are sorted where order shows), so the hasher
//! changes speed only.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Fx's multiplier (from rustc's `FxHasher`).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_lookups_work() {
        let mut m: FastMap<(&str, i64), usize> = FastMap::default();
        m.insert(("segment-a", 3), 1);
        m.insert(("segment-ab", 3), 2);
        assert_eq!(m[&("segment-a", 3)], 1);
        assert_eq!(m[&("segment-ab", 3)], 2);
        assert!(!m.contains_key(&("segment-a", 4)));
    }
}
