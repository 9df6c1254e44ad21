//! The set of linearized ok ops, stored compactly in the search's cache.
//!
//! Linearized ops are nearly a prefix of the ops in invocation order: everything
//! before some point, plus a few of the ops running around it. So a cache key keeps
//! only the words between the first word that is not full and the last word that is
//! not empty, which keeps the cache a few words per configuration even for a single
//! key with hundreds of thousands of ops.

/// A bitset that tracks its first non-full and last non-empty word as it changes.
pub(crate) struct LinSet {
    words: Vec<u64>,
    /// First word that is not all ones.
    lo: usize,
    /// One past the last word that is not zero.
    hi: usize,
}

impl LinSet {
    pub(crate) fn new(bits: usize) -> LinSet {
        LinSet {
            words: vec![0; bits.div_ceil(64).max(1)],
            lo: 0,
            hi: 0,
        }
    }

    pub(crate) fn flip(&mut self, i: usize) {
        let w = i / 64;
        self.words[w] ^= 1 << (i % 64);
        let word = self.words[w];
        if word == u64::MAX && w == self.lo {
            while self.lo < self.words.len() && self.words[self.lo] == u64::MAX {
                self.lo += 1;
            }
        } else if word != u64::MAX && w < self.lo {
            self.lo = w;
        }
        if word != 0 && w >= self.hi {
            self.hi = w + 1;
        } else if word == 0 && w + 1 == self.hi {
            while self.hi > 0 && self.words[self.hi - 1] == 0 {
                self.hi -= 1;
            }
        }
    }

    /// A representation equal for equal sets: the full words before `lo` are
    /// implied, the empty words after `hi` too.
    pub(crate) fn key(&self) -> (u32, &[u64]) {
        (self.lo as u32, &self.words[self.lo..self.hi.max(self.lo)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_equal_exactly_for_equal_sets() {
        let mut a = LinSet::new(300);
        for i in 0..130 {
            a.flip(i);
        }
        a.flip(200);
        assert_eq!(a.key().0, 2);
        assert_eq!(a.key().1, &[3, 1 << (200 - 192)]);
        let mut b = LinSet::new(300);
        for i in (0..130).rev() {
            b.flip(i);
        }
        b.flip(250);
        b.flip(200);
        b.flip(250);
        assert_eq!(a.key(), b.key());
        for i in 0..130 {
            b.flip(i);
        }
        b.flip(200);
        assert_eq!(b.key(), (0, &[][..]));
    }
}
