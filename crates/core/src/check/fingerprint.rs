//! 64-bit state fingerprints and the open-addressing set that stores them.
//!
//! The explorer keeps only a fingerprint per visited state (as TLC does), not the state itself:
//! 8 bytes per slot instead of the whole state. Two distinct states that share a fingerprint would
//! make the explorer skip the second one; [`collision_one_in`] bounds the chance of that.
//!
//! Fingerprints must be equal natively and in wasm32 (a share link or a test pin must not depend on
//! the platform), so the hasher mixes explicit `u64` words and widens every `usize`/`isize` to 64
//! bits before mixing; it never goes through a platform-sized intermediate as `FxHasher` does.

use core::hash::{Hash, Hasher};

/// Odd constant from the golden ratio: separates the chained words and seeds the hasher.
const GOLDEN_64: u64 = 0x9E37_79B9_7F4A_7C15;

/// Bijective 64-bit finalizer (the splitmix64 / Stafford "mix13" constants): every input bit
/// affects every output bit, so low bits are good slot indices and high bits are good shard keys.
#[inline]
pub fn mix64(word: u64) -> u64 {
    let mut z = word;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fingerprint of a 128-bit packed state: two chained mixing rounds, the same on every platform.
#[inline]
pub fn fingerprint_u128(packed: u128) -> u64 {
    let low_word = packed as u64;
    let high_word = (packed >> 64) as u64;
    mix64(mix64(low_word ^ GOLDEN_64).wrapping_add(high_word))
}

/// A [`Hasher`] producing the same 64-bit value natively and in wasm32.
///
/// Each written integer becomes one or more `u64` words chained through [`mix64`]; byte slices are
/// cut into little-endian `u64` words with their length mixed in, so `"ab" + "c"` and `"a" + "bc"`
/// differ.
#[derive(Clone, Debug)]
pub struct Fp64Hasher {
    state_word: u64,
}

impl Default for Fp64Hasher {
    fn default() -> Self {
        Fp64Hasher {
            state_word: GOLDEN_64,
        }
    }
}

impl Fp64Hasher {
    #[inline]
    fn absorb(&mut self, word: u64) {
        self.state_word = mix64(self.state_word.wrapping_add(word)).wrapping_add(GOLDEN_64);
    }
}

impl Hasher for Fp64Hasher {
    #[inline]
    fn finish(&self) -> u64 {
        mix64(self.state_word)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word_bytes = [0u8; 8];
            word_bytes.copy_from_slice(chunk);
            self.absorb(u64::from_le_bytes(word_bytes));
        }
        let tail = chunks.remainder();
        let mut word_bytes = [0u8; 8];
        word_bytes[..tail.len()].copy_from_slice(tail);
        self.absorb(u64::from_le_bytes(word_bytes));
        self.absorb(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.absorb(u64::from(value));
    }
    #[inline]
    fn write_u16(&mut self, value: u16) {
        self.absorb(u64::from(value));
    }
    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.absorb(u64::from(value));
    }
    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.absorb(value);
    }
    #[inline]
    fn write_u128(&mut self, value: u128) {
        self.absorb(value as u64);
        self.absorb((value >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, value: usize) {
        // Widened so that a `Vec` length hashes the same on 32- and 64-bit targets.
        self.absorb(value as u64);
    }
    #[inline]
    fn write_i8(&mut self, value: i8) {
        self.absorb(i64::from(value) as u64);
    }
    #[inline]
    fn write_i16(&mut self, value: i16) {
        self.absorb(i64::from(value) as u64);
    }
    #[inline]
    fn write_i32(&mut self, value: i32) {
        self.absorb(i64::from(value) as u64);
    }
    #[inline]
    fn write_i64(&mut self, value: i64) {
        self.absorb(value as u64);
    }
    #[inline]
    fn write_i128(&mut self, value: i128) {
        self.write_u128(value as u128);
    }
    #[inline]
    fn write_isize(&mut self, value: isize) {
        self.absorb(value as i64 as u64);
    }
}

/// The platform-independent 64-bit fingerprint of any hashable value.
pub fn fingerprint_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = Fp64Hasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The empty-slot marker. A real fingerprint equal to it is remapped to [`ZERO_STAND_IN`].
const EMPTY_SLOT: u64 = 0;
/// What a zero fingerprint is stored as; it merges two fingerprint values, which only adds the
/// chance of one more 64-bit collision.
const ZERO_STAND_IN: u64 = GOLDEN_64;

/// The smallest table; a power of two so the slot index is a mask of the fingerprint.
const MIN_SLOTS: usize = 1 << 10;

/// An open-addressing (linear probing) set of 64-bit fingerprints.
///
/// Grows by doubling when more than 3/4 full, so memory per entry stays between 10.7 and 21.3 bytes
/// (8-byte slots at 37.5-75 % load). Iteration order is never exposed, so it is deterministic by
/// construction.
#[derive(Clone, Debug)]
pub struct FingerprintSet {
    slots: Vec<u64>,
    len: usize,
}

impl Default for FingerprintSet {
    fn default() -> Self {
        Self::new()
    }
}

impl FingerprintSet {
    /// An empty set with the minimum number of slots.
    pub fn new() -> Self {
        FingerprintSet {
            slots: vec![EMPTY_SLOT; MIN_SLOTS],
            len: 0,
        }
    }

    /// An empty set sized to hold `expected_len` fingerprints without growing.
    pub fn with_expected_len(expected_len: usize) -> Self {
        let wanted = expected_len.saturating_mul(4) / 3 + 1;
        let slot_count = wanted.max(MIN_SLOTS).next_power_of_two();
        FingerprintSet {
            slots: vec![EMPTY_SLOT; slot_count],
            len: 0,
        }
    }

    /// Number of fingerprints stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the slot array.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<u64>()
    }

    /// Inserts `fingerprint`; true if it was not there before.
    #[inline]
    pub fn insert(&mut self, fingerprint: u64) -> bool {
        let stored = if fingerprint == EMPTY_SLOT {
            ZERO_STAND_IN
        } else {
            fingerprint
        };
        // Grow before inserting so the probe below always finds an empty slot.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        if insert_into(&mut self.slots, stored) {
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// True if `fingerprint` is stored.
    pub fn contains(&self, fingerprint: u64) -> bool {
        let stored = if fingerprint == EMPTY_SLOT {
            ZERO_STAND_IN
        } else {
            fingerprint
        };
        let mask = self.slots.len() - 1;
        let mut index = slot_index(stored, mask);
        loop {
            let slot = self.slots[index];
            if slot == stored {
                return true;
            }
            if slot == EMPTY_SLOT {
                return false;
            }
            index = (index + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let mut bigger = vec![EMPTY_SLOT; self.slots.len() * 2];
        for &slot in &self.slots {
            if slot != EMPTY_SLOT {
                insert_into(&mut bigger, slot);
            }
        }
        self.slots = bigger;
    }
}

/// The home slot: the fingerprint's high bits, which [`mix64`] makes uniform; the low bits are
/// left to shard keys of the parallel explorer so the two choices do not correlate.
#[inline]
fn slot_index(stored: u64, mask: usize) -> usize {
    stored.rotate_left(32) as usize & mask
}

#[inline]
fn insert_into(slots: &mut [u64], stored: u64) -> bool {
    let mask = slots.len() - 1;
    let mut index = slot_index(stored, mask);
    loop {
        let slot = slots[index];
        if slot == stored {
            return false;
        }
        if slot == EMPTY_SLOT {
            slots[index] = stored;
            return true;
        }
        index = (index + 1) & mask;
    }
}

/// The chance that at least two of `distinct_states` distinct states share a 64-bit fingerprint
/// (that is, that the exploration skipped a state), as "one in N": N = 2^64 / (n(n-1)/2), the
/// birthday bound. Integers only, so the core stays free of floats; `u64::MAX` when fewer than two
/// states were seen. TLC prints a smaller "optimistic" figure; this one is the pessimistic bound.
pub fn collision_one_in(distinct_states: u64) -> u64 {
    let n = u128::from(distinct_states);
    let pairs = n * n.saturating_sub(1) / 2;
    if pairs == 0 {
        return u64::MAX;
    }
    u64::try_from((1u128 << 64) / pairs)
        .unwrap_or(u64::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collision_odds_follow_the_birthday_bound() {
        assert_eq!(collision_one_in(0), u64::MAX);
        assert_eq!(collision_one_in(1), u64::MAX);
        // Two states: one pair, so one chance in 2^64 (saturated to u64::MAX).
        assert_eq!(collision_one_in(2), u64::MAX);
        // 2^32 states: about 2^63 pairs, so about one chance in 2.
        assert_eq!(collision_one_in(1 << 32), 2);
        // The (4,4) reference model: about 5.6e11 pairs, one chance in about 3.3e7.
        let odds = collision_one_in(1_062_474);
        assert!((30_000_000..35_000_000).contains(&odds), "{odds}");
    }

    #[test]
    fn set_distinguishes_and_grows() {
        let mut set = FingerprintSet::new();
        // From 1: mix64 maps 0 to 0, which is tested on its own below.
        for value in 1..=10_000u64 {
            assert!(set.insert(mix64(value)));
        }
        for value in 1..=10_000u64 {
            assert!(!set.insert(mix64(value)));
            assert!(set.contains(mix64(value)));
        }
        assert_eq!(set.len(), 10_000);
        assert!(!set.contains(mix64(10_001)));
        assert!(!set.contains(0));
        assert!(set.insert(0));
        assert!(!set.insert(0));
    }

    #[test]
    fn hasher_is_platform_independent() {
        // Pinned values: a change here means fingerprints differ between builds.
        assert_eq!(fingerprint_of(&7u64), fingerprint_of(&7usize));
        assert_eq!(fingerprint_of(&[1u8, 2, 3][..]), {
            let mut hasher = Fp64Hasher::default();
            hasher.write_usize(3);
            hasher.write(&[1, 2, 3]);
            hasher.finish()
        });
        assert_ne!(fingerprint_of("ab"), fingerprint_of("ba"));
        assert_ne!(fingerprint_u128(1), fingerprint_u128(1 << 64));
        // Pinned: the same values must come out of a wasm32 build (usize is widened to u64).
        assert_eq!(fingerprint_of(&(1u32, 2usize, "ab")), 0xc9dd_fa01_1cf1_c843);
        assert_eq!(
            fingerprint_u128(0x1234_5678_9abc_def0_1122_3344_5566_7788),
            0xc51d_64a2_c84f_8096
        );
        assert_eq!(mix64(1), 0x5692_161d_100b_05e5);
    }
}
