//! A cheap test of whether a string could be a lexicon word at all, used before the channel
//! search of a merge (two neighbouring tokens read as one word, `hi u` → hiệu).
//!
//! Most pairs of short neighbours are tried as a merge (`và các` → `vàcác`?), and almost none
//! is one word: each such search walks the trie to the end of its budget and finds nothing.
//! A merge worth reading is a close match (its budget is tight, see
//! [`Params::merge_max_cost`](super::Params::merge_max_cost)), so its skeleton — marks
//! stripped, glyphs the channel reads as letters folded to them (`6` → `o`, `1` → `l`) — is
//! within one edit of a lexicon word's skeleton. That is tested SymSpell-style: the skeletons
//! of the lexicon and each of their one-letter deletions are hashed into a set; a query is
//! near when it, or one of its own one-letter deletions, is in the set (which covers one
//! insertion, deletion or substitution). A hash collision only lets a hopeless merge through
//! to the search.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::channel::ErrorModel;
use crate::text::vietnamese::ascii_base;

/// Highest channel cost (−ln P) at which an observed glyph counts as the letter it stands
/// for (`6` for `ố` costs about 1): above that, the glyph is itself in the skeleton.
const FOLD_MAX_COST: f32 = 4.0;

/// The skeletons of the lexicon's words, each within one edit.
#[derive(Debug, Default)]
pub struct Skeletons {
    near: FxHashSet<u64>,
    /// Observed glyphs that are not letters, and the base letter each stands for.
    fold: FxHashMap<char, char>,
    /// The longest skeleton: a key more than one character longer is within one edit of
    /// none, and is answered without hashing (most merge keys are two syllables long).
    max_len: usize,
}

impl Skeletons {
    /// Hashes the skeletons of `words` and of their one-letter deletions; the folds come from
    /// the channel's one-character rules.
    pub fn build<'a>(words: impl IntoIterator<Item = &'a str>, channel: &ErrorModel) -> Skeletons {
        let mut best: FxHashMap<char, (f32, char)> = FxHashMap::default();
        for (intended, observed, cost) in channel.rules() {
            let (mut i, mut o) = (intended.chars(), observed.chars());
            let (Some(ic), None, Some(oc), None) = (i.next(), i.next(), o.next(), o.next()) else {
                continue;
            };
            let base = ascii_base(ic);
            if cost > FOLD_MAX_COST || oc.is_alphabetic() || !base.is_ascii_alphabetic() {
                continue;
            }
            let e = best.entry(oc).or_insert((f32::INFINITY, base));
            if cost < e.0 {
                *e = (cost, base);
            }
        }
        let mut s = Skeletons {
            near: FxHashSet::default(),
            fold: best.into_iter().map(|(o, (_, b))| (o, b)).collect(),
            max_len: 0,
        };
        let mut sk = Vec::new();
        for w in words {
            s.skeleton(w, &mut sk);
            s.max_len = s.max_len.max(sk.len());
            s.near.insert(hash(&sk, NONE));
            for i in 0..sk.len() {
                s.near.insert(hash(&sk, i));
            }
        }
        s
    }

    /// Whether `key` (lower case) is within one edit of a lexicon word's skeleton. `buf` is
    /// scratch.
    pub fn is_near(&self, key: &str, buf: &mut Vec<char>) -> bool {
        self.skeleton(key, buf);
        if buf.len() > self.max_len + 1 {
            return false;
        }
        let n = buf.len();
        if n >= MAX_FAST {
            return self.near.contains(&hash(buf, NONE))
                || (0..n).any(|i| self.near.contains(&hash(buf, i)));
        }
        // The hash of every one-letter deletion from the prefix sums of the polynomial:
        // linear in the key's length, where hashing each deletion afresh was quadratic.
        let mut pre = [0u64; MAX_FAST];
        for (i, &c) in buf.iter().enumerate() {
            pre[i + 1] = pre[i].wrapping_mul(BASE).wrapping_add(u64::from(c as u32));
        }
        if self.near.contains(&finish(pre[n], n)) {
            return true;
        }
        // `suf`: the terms of the letters after `i`, at the powers they have in the key;
        // `pow`: BASE to the number of letters after `i`.
        let (mut suf, mut pow) = (0u64, 1u64);
        for i in (0..n).rev() {
            let deleted = pre[i].wrapping_mul(pow).wrapping_add(suf);
            if self.near.contains(&finish(deleted, n - 1)) {
                return true;
            }
            suf = suf.wrapping_add(u64::from(buf[i] as u32).wrapping_mul(pow));
            pow = pow.wrapping_mul(BASE);
        }
        false
    }

    /// The skeleton of `word`: lower case, marks stripped, non-letter glyphs folded to the
    /// letter they stand for.
    pub(crate) fn skeleton(&self, word: &str, out: &mut Vec<char>) {
        out.clear();
        out.extend(word.chars().flat_map(char::to_lowercase).map(|c| {
            let b = ascii_base(c);
            // Only glyphs that are not letters are folded: a letter needs no look-up.
            if b.is_alphabetic() {
                b
            } else {
                self.fold.get(&b).copied().unwrap_or(b)
            }
        }));
    }
}

/// No character skipped (see [`hash`]).
const NONE: usize = usize::MAX;

/// Keys shorter than this many characters have their deletions hashed in linear time.
const MAX_FAST: usize = 64;

/// The multiplier of the polynomial hash (odd, with well-spread bits).
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hash of `chars` without the one at `skip` ([`NONE`]: none skipped): the polynomial
/// `Σ c·BASE^k` over the letters kept (the last letter at power 0), finished with its length.
/// A polynomial, so that [`Skeletons::is_near`] can get every deletion's hash from prefix
/// sums.
fn hash(chars: &[char], skip: usize) -> u64 {
    let mut h = 0u64;
    let mut n = 0;
    for (i, &c) in chars.iter().enumerate() {
        if i != skip {
            h = h.wrapping_mul(BASE).wrapping_add(u64::from(c as u32));
            n += 1;
        }
    }
    finish(h, n)
}

/// Mixes the length into the polynomial and spreads its bits (the set hashes the result
/// again, but its low bits alone would cluster: short keys of letters differ little).
fn finish(h: u64, n: usize) -> u64 {
    let mut x = h ^ (n as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^= x >> 32;
    x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^ (x >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeletons() -> Skeletons {
        let channel = crate::model::Model::embedded()
            .expect("embedded model")
            .channel;
        Skeletons::build(["hiệu", "của", "số", "lập"], &channel)
    }

    #[test]
    fn a_word_split_or_missing_a_letter_is_near() {
        let s = skeletons();
        let mut buf = Vec::new();
        for key in ["hiệu", "hieu", "hiu", "hiêu", "hieeu", "cua", "s6", "1ap"] {
            assert!(s.is_near(key, &mut buf), "{key}");
        }
    }

    #[test]
    fn every_deletion_hashes_as_the_string_without_that_letter() {
        let s = skeletons();
        let mut buf = Vec::new();
        for key in ["hieu", "s6", "x", "hieuhieu", "ngươi", "1ap"] {
            let chars: Vec<char> = key.chars().collect();
            for i in 0..chars.len() {
                let mut kept = chars.clone();
                kept.remove(i);
                assert_eq!(hash(&chars, i), hash(&kept, NONE), "{key} {i}");
            }
            // The fast path agrees with hashing each deletion afresh.
            s.skeleton(key, &mut buf);
            let slow = s.near.contains(&hash(&buf, NONE))
                || (0..buf.len()).any(|i| s.near.contains(&hash(&buf, i)));
            assert_eq!(s.is_near(key, &mut buf), slow, "{key}");
        }
    }

    #[test]
    fn two_words_glued_together_are_not_near() {
        let s = skeletons();
        let mut buf = Vec::new();
        for key in ["vacac", "socua", "hieuso", "x", "", "hieuhieu", "lậplậplập"] {
            assert!(!s.is_near(key, &mut buf), "{key}");
        }
    }
}
