//! Stateless deterministic randomness: every random choice is a pure function of
//! (seed, subject, moment), so a seeded run gives the same traffic however `advance` is sliced.

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of two values.
pub fn mix2(a: u64, b: u64) -> u64 {
    mix(mix(a) ^ b.rotate_left(17))
}

/// Hash of three values.
pub fn mix3(a: u64, b: u64, c: u64) -> u64 {
    mix(mix2(a, b) ^ c.rotate_left(41))
}

/// A value in `lo..hi` (hi exclusive, `lo` when the range is empty) from a hash.
pub fn in_range(h: u64, lo: u64, hi: u64) -> u64 {
    if hi <= lo { lo } else { lo + h % (hi - lo) }
}

/// 32 deterministic bytes (a WireGuard key) from a hash seed.
pub fn key_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mix2(seed, i as u64).to_le_bytes());
    }
    out
}
