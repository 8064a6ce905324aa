//! The file `forms.bin`: fixed-size records by string key, in a sorted table read in place.
//!
//! It holds the readings of common OCR forms computed by `sohoa train` (what they are and
//! when they are used: the `restore::forms` module). This module knows only the layout, so that
//! the model can load and check the file without knowing what a reading is.
//!
//! ```text
//! "SOHOA-FM" u32 version  [u8; 32] model digest  [u8; 40] knobs  u32 keys, records, text_len
//! ends[keys]:u32  first[keys + 1]:u32  text[text_len]  records[records]: RECORD bytes each
//! ```
//! Keys are sorted bytewise; `first[k]..first[k + 1]` are key `k`'s records. Loading checks
//! the header and that the sizes add up; offsets are checked where a lookup reads them, so a
//! damaged file can make a lookup miss, never panic or read outside the table.

use std::borrow::Cow;

const MAGIC: &[u8; 8] = b"SOHOA-FM";
/// Bumped whenever the layout changes, or what a record means.
pub const VERSION: u32 = 1;
/// Bytes of the knobs a table was computed with.
pub const KNOBS: usize = 40;
/// Bytes of one record.
pub const RECORD: usize = 10;
const DIGEST_AT: usize = 12;
const KNOBS_AT: usize = DIGEST_AT + 32;
const SIZES_AT: usize = KNOBS_AT + KNOBS;
const HEADER: usize = SIZES_AT + 12;

/// Why a forms table cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    /// The file does not start as a forms table.
    #[error("not a sohoa forms table (bad magic)")]
    Magic,
    /// A table of another layout version.
    #[error("forms table version {0}, this sohoa reads version {VERSION}")]
    Version(u32),
    /// The file is shorter or longer than its header says.
    #[error("forms table is truncated or its sizes disagree")]
    Size,
}

/// A forms table over its bytes (embedded: no copy).
#[derive(Debug, Clone)]
pub struct Forms {
    bytes: Cow<'static, [u8]>,
    keys: usize,
    records: usize,
    text_len: usize,
}

/// The little-endian u32 at `at` (the caller has checked the length).
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The little-endian u16 at `at` (the caller has checked the length).
pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

impl Forms {
    /// Checks the header and that the sizes add up to the file's.
    pub fn parse(bytes: Cow<'static, [u8]>) -> Result<Forms, FormsError> {
        let b = &bytes[..];
        if b.len() < HEADER || &b[..8] != MAGIC {
            return Err(FormsError::Magic);
        }
        let version = u32_at(b, 8);
        if version != VERSION {
            return Err(FormsError::Version(version));
        }
        let (keys, records, text_len) = (
            u32_at(b, SIZES_AT) as usize,
            u32_at(b, SIZES_AT + 4) as usize,
            u32_at(b, SIZES_AT + 8) as usize,
        );
        let want = (keys as u64 * 4)
            + (keys as u64 + 1) * 4
            + text_len as u64
            + records as u64 * RECORD as u64
            + HEADER as u64;
        if want != b.len() as u64 {
            return Err(FormsError::Size);
        }
        Ok(Forms {
            bytes,
            keys,
            records,
            text_len,
        })
    }

    /// The table as stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The digest of the model the table was computed with.
    pub fn digest(&self) -> &[u8] {
        &self.bytes[DIGEST_AT..KNOBS_AT]
    }

    /// The knobs the table was computed with.
    pub fn knobs(&self) -> &[u8] {
        &self.bytes[KNOBS_AT..SIZES_AT]
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys
    }

    /// True for a table without keys.
    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// `ends[k]` (where key `k`'s text ends) or, past them, `first[k]`.
    fn offset(&self, i: usize) -> usize {
        u32_at(&self.bytes, HEADER + 4 * i) as usize
    }

    fn text(&self) -> &[u8] {
        let at = HEADER + 8 * self.keys + 4;
        &self.bytes[at..at + self.text_len]
    }

    /// Key `k`'s text; `None` if its offsets are damaged.
    fn key(&self, k: usize) -> Option<&[u8]> {
        let start = if k == 0 { 0 } else { self.offset(k - 1) };
        self.text().get(start..self.offset(k))
    }

    /// The records of `key`, in order, if the table has it (and its offsets are sound).
    pub fn get(&self, key: &str) -> Option<impl Iterator<Item = &[u8]> + '_> {
        let (mut lo, mut hi) = (0, self.keys);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.key(mid)?.cmp(key.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let (a, b) = (
                        self.offset(self.keys + mid),
                        self.offset(self.keys + mid + 1),
                    );
                    if a > b || b > self.records {
                        return None;
                    }
                    let at = HEADER + 8 * self.keys + 4 + self.text_len;
                    let records = &self.bytes[at + RECORD * a..at + RECORD * b];
                    return Some(records.chunks_exact(RECORD));
                }
            }
        }
        None
    }

    /// Every key of the table, in order (a damaged one left out).
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.keys).filter_map(|k| std::str::from_utf8(self.key(k)?).ok())
    }
}

/// The table of `entries` (key and records; the keys sorted and distinct).
pub fn encode(
    digest: &[u8; 32],
    knobs: &[u8; KNOBS],
    entries: &[(&str, Vec<[u8; RECORD]>)],
) -> Vec<u8> {
    debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
    let text_len: usize = entries.iter().map(|(k, _)| k.len()).sum();
    let records: usize = entries.iter().map(|(_, r)| r.len()).sum();
    let mut out = Vec::with_capacity(HEADER + 8 * entries.len() + 4 + text_len + RECORD * records);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(digest);
    out.extend_from_slice(knobs);
    for n in [entries.len(), records, text_len] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    let mut end = 0u32;
    for (k, _) in entries {
        end += k.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    let mut first = 0u32;
    for (_, r) in entries {
        out.extend_from_slice(&first.to_le_bytes());
        first += r.len() as u32;
    }
    out.extend_from_slice(&first.to_le_bytes());
    for (k, _) in entries {
        out.extend_from_slice(k.as_bytes());
    }
    for r in entries.iter().flat_map(|(_, r)| r) {
        out.extend_from_slice(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let rec = |b: u8| [b; RECORD];
        encode(
            &[7; 32],
            &[3; KNOBS],
            &[
                ("cua", vec![rec(1), rec(2)]),
                ("hién", vec![rec(3)]),
                ("s6", vec![]),
            ],
        )
    }

    #[test]
    fn what_is_encoded_is_found() {
        let f = Forms::parse(Cow::Owned(sample())).unwrap();
        assert_eq!(
            (f.len(), f.digest(), f.knobs()),
            (3, &[7; 32][..], &[3; KNOBS][..])
        );
        let got = |k: &str| f.get(k).map(|it| it.map(|r| r[0]).collect::<Vec<_>>());
        assert_eq!(got("cua"), Some(vec![1, 2]));
        assert_eq!(got("hién"), Some(vec![3]));
        assert_eq!(got("s6"), Some(vec![]));
        assert_eq!(got("ctia"), None);
        assert_eq!(f.keys().collect::<Vec<_>>(), ["cua", "hién", "s6"]);
    }

    /// A table whose sizes disagree is refused; one damaged anywhere else never panics.
    #[test]
    fn a_damaged_table_never_panics() {
        let good = sample();
        assert!(Forms::parse(Cow::Owned(good[..good.len() - 1].to_vec())).is_err());
        assert!(Forms::parse(Cow::Owned(b"SOHOA-LM".to_vec())).is_err());
        for i in 0..good.len() {
            for flip in [1u8, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] ^= flip;
                if let Ok(f) = Forms::parse(Cow::Owned(bad)) {
                    for k in ["cua", "hién", "s6", "x"] {
                        let _ = f.get(k).map(Iterator::count);
                    }
                    let _ = f.keys().count();
                }
            }
        }
    }
}
