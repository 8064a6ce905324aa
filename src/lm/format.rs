//! The model file: a magic string and a version, a fixed header, then the arrays of
//! [`NgramLm`] back to back, all little-endian.
//!
//! ```text
//! "SOHOA-LM" u32 version
//! u32 words, bigrams, contexts, trigrams, text_len; u64 unk_types, tokens, sentences
//! text[text_len]  ends[words]:u32  counts[words]:u64  p1[words]:f32  bow1[words]:f32
//! bi_start[words+1]:u32  bi[bigrams]:u32
//! ctx_start[words+1]:u32  ctx[contexts]:u32  tri_start[contexts+1]:u32  tri[trigrams]:u32
//! ```
//!
//! Loading copies each array once (`chunks_exact`, no per-entry allocation) and checks every
//! offset and id, so a corrupt file is an error, never a panic or an out-of-bounds query.

use super::build::MAX_VOCAB;
use super::vocab::{Vocab, SPECIALS};
use super::{LmError, LmInfo, NgramLm};

const MAGIC: &[u8; 8] = b"SOHOA-LM";
/// Bumped whenever the layout or the meaning of a field changes.
pub const VERSION: u32 = 1;

impl NgramLm {
    /// The model as a compact binary file (see the module docs of `lm::format`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let (text, ends, counts) = self.vocab.raw();
        let mut out = Vec::with_capacity(
            64 + text.len() + 4 * (self.bi.len() + self.ctx.len() + self.tri.len()),
        );
        out.extend_from_slice(MAGIC);
        for n in [
            VERSION,
            counts.len() as u32,
            self.bi.len() as u32,
            self.ctx.len() as u32,
            self.tri.len() as u32,
            text.len() as u32,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for n in [self.info.unk_types, self.info.tokens, self.info.sentences] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(text.as_bytes());
        put_u32(&mut out, ends);
        for c in counts {
            out.extend_from_slice(&c.to_le_bytes());
        }
        for x in self.p1.iter().chain(&self.bow1) {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for a in [
            &self.bi_start,
            &self.bi,
            &self.ctx_start,
            &self.ctx,
            &self.tri_start,
            &self.tri,
        ] {
            put_u32(&mut out, a);
        }
        out
    }

    /// Reads a model file from `r` (see [`from_bytes`](Self::from_bytes)).
    pub fn from_reader(mut r: impl std::io::Read) -> Result<NgramLm, LmError> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes).map_err(|source| LmError::Io {
            path: "<reader>".into(),
            source,
        })?;
        NgramLm::from_bytes(&bytes)
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<NgramLm, LmError> {
        NgramLm::from_bytes_with(bytes, Groups::Check)
    }

    /// [`from_bytes`](Self::from_bytes) of the model compiled into the binary: the order of
    /// the ids inside each n-gram group is not checked again at every start (a fifth of the
    /// load's instructions); `model::tests` checks it once. Offsets and ids are still checked.
    pub(crate) fn from_embedded_bytes(bytes: &[u8]) -> Result<NgramLm, LmError> {
        NgramLm::from_bytes_with(bytes, Groups::Trusted)
    }

    fn from_bytes_with(bytes: &[u8], groups: Groups) -> Result<NgramLm, LmError> {
        let mut r = Reader { rest: bytes };
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(LmError::BadMagic);
        }
        let version = r.u32("version")?;
        if version != VERSION {
            return Err(LmError::VersionMismatch {
                expected: VERSION,
                found: version,
            });
        }
        let nv = r.u32("header")? as usize;
        let nb = r.u32("header")? as usize;
        let nc = r.u32("header")? as usize;
        let nt = r.u32("header")? as usize;
        let text_len = r.u32("header")? as usize;
        let unk_types = r.u64("header")?;
        let tokens = r.u64("header")?;
        let sentences = r.u64("header")?;
        if !(SPECIALS.len()..=MAX_VOCAB).contains(&nv) {
            return Err(LmError::Corrupt("vocabulary size out of range"));
        }

        let text = std::str::from_utf8(r.take(text_len, "words")?)
            .map_err(|_| LmError::Corrupt("words are not UTF-8"))?;
        let ends = r.u32s(nv, "word ends")?;
        let mut start = 0;
        for &e in &ends {
            let e = e as usize;
            if e < start || e > text.len() || !text.is_char_boundary(e) {
                return Err(LmError::Corrupt("word ends"));
            }
            start = e;
        }
        if start != text.len() {
            return Err(LmError::Corrupt("word ends"));
        }
        let counts: Vec<u64> = r
            .take(nv * 8, "word counts")?
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        let p1 = r.f32s(nv, "unigram probabilities")?;
        let bow1 = r.f32s(nv, "unigram back-off weights")?;
        let bi_start = r.u32s(nv + 1, "bigram index")?;
        let bi = r.u32s(nb, "bigrams")?;
        let ctx_start = r.u32s(nv + 1, "trigram context index")?;
        let ctx = r.u32s(nc, "trigram contexts")?;
        let tri_start = r.u32s(nc + 1, "trigram index")?;
        let tri = r.u32s(nt, "trigrams")?;
        if !r.rest.is_empty() {
            return Err(LmError::Corrupt("bytes after the last table"));
        }
        if groups == Groups::Check {
            check_groups(&bi_start, &bi, nv, "bigram index")?;
            check_groups(&ctx_start, &ctx, nv, "trigram context index")?;
            check_groups(&tri_start, &tri, nv, "trigram index")?;
        } else {
            check_bounds(&bi_start, &bi, nv, "bigram index")?;
            check_bounds(&ctx_start, &ctx, nv, "trigram context index")?;
            check_bounds(&tri_start, &tri, nv, "trigram index")?;
        }

        let vocab = Vocab::new(
            std::iter::once(0)
                .chain(ends.iter().map(|&e| e as usize))
                .zip(&ends)
                .map(|(s, &e)| &text[s..e as usize]),
            counts,
        );
        if (0..SPECIALS.len()).any(|i| vocab.word(i as u32) != SPECIALS[i]) {
            return Err(LmError::Corrupt("special words"));
        }
        let mut lm = NgramLm {
            vocab,
            info: LmInfo {
                ngrams: [nv as u64, nb as u64, nt as u64],
                unk_types,
                tokens,
                sentences,
            },
            p1,
            bow1,
            bi_start,
            bi,
            ctx_start,
            ctx,
            tri_start,
            tri,
            tables: Default::default(),
        };
        lm.index()?;
        Ok(lm)
    }
}

fn put_u32(out: &mut Vec<u8>, a: &[u32]) {
    for x in a {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// How much of the n-gram groups a load checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Groups {
    /// Everything [`check_groups`] does.
    Check,
    /// Only what a look-up's safety needs ([`check_bounds`]).
    Trusted,
}

/// What a look-up needs to stay in bounds: `starts` cuts `entries` into groups (starts at 0,
/// never decreases, ends at the last entry) and every id is below `nv`.
fn check_bounds(
    starts: &[u32],
    entries: &[u32],
    nv: usize,
    what: &'static str,
) -> Result<(), LmError> {
    if starts.first() != Some(&0)
        || starts.last().map(|&s| s as usize) != Some(entries.len())
        || starts.windows(2).any(|w| w[0] > w[1])
        // The largest id, by a fold without an early exit: it vectorises.
        || entries.iter().fold(0, |m, &e| m.max(e >> 16)) as usize >= nv
    {
        return Err(LmError::Corrupt(what));
    }
    Ok(())
}

/// Checks that `starts` cuts `entries` into groups (starts at 0, never decreases, ends at
/// the last entry) and that each group holds ids below `nv` in increasing order (distinct ids,
/// which the hashed groups and the bigram look-ups of training rely on).
fn check_groups(
    starts: &[u32],
    entries: &[u32],
    nv: usize,
    what: &'static str,
) -> Result<(), LmError> {
    if starts.first() != Some(&0) || starts.last().map(|&s| s as usize) != Some(entries.len()) {
        return Err(LmError::Corrupt(what));
    }
    for w in starts.windows(2) {
        let group = entries
            .get(w[0] as usize..w[1] as usize)
            .ok_or(LmError::Corrupt(what))?;
        let mut prev = None;
        for &e in group {
            let id = e >> 16;
            if id as usize >= nv || prev.is_some_and(|p| p >= id) {
                return Err(LmError::Corrupt(what));
            }
            prev = Some(id);
        }
    }
    Ok(())
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LmError> {
        if n > self.rest.len() {
            return Err(LmError::Truncated {
                what,
                needed: n,
                available: self.rest.len(),
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, LmError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, LmError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    fn u32s(&mut self, n: usize, what: &'static str) -> Result<Vec<u32>, LmError> {
        Ok(self
            .take(n * 4, what)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// Reads `n` floats; a NaN or infinite one is corruption (it would make every score it
    /// touches NaN, and the decoder's comparisons meaningless).
    fn f32s(&mut self, n: usize, what: &'static str) -> Result<Vec<f32>, LmError> {
        let v: Vec<f32> = self
            .take(n * 4, what)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(LmError::Corrupt(what));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::toy_model;
    use super::*;

    #[test]
    fn round_trip_keeps_every_score() {
        let lm = toy_model();
        let bytes = lm.to_bytes();
        let back = NgramLm::from_bytes(&bytes).unwrap();
        assert_eq!(back, lm);
        assert_eq!(NgramLm::from_reader(&bytes[..]).unwrap(), lm);
        assert_eq!(back.to_bytes(), bytes);
        let v = lm.vocab().len() as u32;
        for w1 in 0..v {
            for w2 in 0..v {
                for w3 in 0..v {
                    assert_eq!(lm.logprob(w1, w2, w3), back.logprob(w1, w2, w3));
                }
            }
        }
    }

    #[test]
    fn non_finite_floats_are_corruption() {
        let bytes = toy_model().to_bytes();
        let nan = f32::NAN.to_le_bytes();
        // A NaN written anywhere either fails the load or lands where no float is read.
        for at in 0..bytes.len() - 4 {
            let mut b = bytes.clone();
            b[at..at + 4].copy_from_slice(&nan);
            if let Ok(lm) = NgramLm::from_bytes(&b) {
                let v = lm.vocab().len() as u32;
                for w in 0..v {
                    assert!(!lm.logprob_unigram(w).is_nan(), "NaN at byte {at}");
                    assert!(!lm.logprob_bigram(0, w).is_nan(), "NaN at byte {at}");
                }
            }
        }
    }

    #[test]
    fn bad_bytes_are_errors() {
        let bytes = toy_model().to_bytes();
        assert!(matches!(
            NgramLm::from_bytes(b"hello world, not a model"),
            Err(LmError::BadMagic)
        ));
        assert!(matches!(
            NgramLm::from_bytes(b""),
            Err(LmError::Truncated { .. })
        ));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(matches!(
            NgramLm::from_bytes(&v2),
            Err(LmError::VersionMismatch {
                expected: 1,
                found: 2
            })
        ));
        // every truncation is an error
        for n in 0..bytes.len() {
            assert!(NgramLm::from_bytes(&bytes[..n]).is_err(), "prefix {n}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            NgramLm::from_bytes(&long),
            Err(LmError::Corrupt(_))
        ));
        // flipping bytes anywhere never panics, and a loaded model still answers
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut b = bytes.clone();
            let i = (state % b.len() as u64) as usize;
            b[i] ^= (state >> 32) as u8 | 1;
            if let Ok(lm) = NgramLm::from_bytes(&b) {
                for w in 0..lm.vocab().len() as u32 + 2 {
                    let _ = lm.logprob(w, w.wrapping_mul(7) % 50, w);
                    let _ = lm.vocab().word(w);
                }
            }
        }
        let msg = NgramLm::from_bytes(&bytes[..40]).unwrap_err().to_string();
        assert!(msg.contains("truncated"), "{msg}");
    }
}
