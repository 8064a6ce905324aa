//! The deterministic evaluation split.
//!
//! One paragraph in [`HELD_OUT_MODULUS`] (by a fixed FNV-1a hash of its text, so the split does
//! not depend on file order or on the machine) is kept out of every model built by
//! `sohoa train` and used only by `sohoa eval`. The same rule applies to the clean side of the
//! parallel (garbled, clean) pairs; corpus paragraphs that contain a held-out parallel line are
//! left out of the language model too, so the synthetic OCR evaluation never sees its own text.

/// One paragraph in this many is held out.
pub const HELD_OUT_MODULUS: u64 = 20;

/// 64-bit FNV-1a: tiny, stable across platforms and releases (unlike `std`'s `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// True when `text` (a corpus paragraph or the clean side of a parallel pair, trimmed) belongs to
/// the evaluation split.
pub fn is_held_out(text: &str) -> bool {
    fnv1a(text.trim().as_bytes()).is_multiple_of(HELD_OUT_MODULUS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn split_is_about_one_in_twenty() {
        let held = (0..10_000)
            .filter(|i| is_held_out(&format!("đoạn văn số {i}")))
            .count();
        assert!((350..650).contains(&held), "{held}");
    }
}
