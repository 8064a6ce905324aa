//! Readings a token's neighbour predicts.
//!
//! A token's own candidates are the channel's best dozen, ranked by channel cost and word
//! frequency before any context is seen, so a rare word the context all but dictates can be
//! cut: `Quảng Ngéi` has a dozen frequent `ng?i` syllables closer to `Ngéi` than `Ngãi` is
//! (`Ngồi`, `Ngôi`, `Người`), and `Ngãi` follows almost nothing but `Quảng`. Here the
//! words that the previous token's readings make likely (`P(w | v)` of one in a hundred or
//! more, [`crate::lm::NgramLm::likely_after`]) are scored against the token directly, and
//! those within reach join its readings; the decoder then weighs them like any other.
//!
//! These readings depend on the neighbour, so unlike a token's own they are not cached; the
//! work is a few dozen small edit-distance tables per token, each given up as soon as it
//! exceeds the search's own reach ([`super::Params::max_cost`]): a prediction may bring a word
//! the search ranked out, not one it could never have found.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::channel::ErrorModel;
use crate::lm::{WordId, UNK};

use super::decode::{self, Lattice};
use super::Restorer;

/// Most letters of a skeleton packed by [`pack`].
const PACKED: usize = 8;

/// The skeleton `chars` (ASCII letters, see `Skeletons::skeleton`) packed one byte per
/// letter, first letter lowest; `None` for one longer than [`PACKED`] or with anything but
/// ASCII letters (no lexicon syllable is either).
pub(super) fn pack(chars: impl IntoIterator<Item = char>) -> Option<u64> {
    let mut packed = 0u64;
    for (i, c) in chars.into_iter().enumerate() {
        if i >= PACKED || !c.is_ascii_alphabetic() {
            return None;
        }
        packed |= u64::from(c.to_ascii_lowercase() as u8) << (8 * i);
    }
    Some(packed)
}

/// The letters of a packed skeleton.
fn unpack(packed: u64, out: &mut [u8; PACKED]) -> usize {
    let mut n = 0;
    while n < PACKED && (packed >> (8 * n)) & 0xFF != 0 {
        out[n] = (packed >> (8 * n)) as u8;
        n += 1;
    }
    n
}

/// Whether two skeletons are within [`SKELETON_EDITS`] letter edits (insertions, deletions,
/// substitutions): the cheap test a predicted word passes before its channel cost is
/// computed. The channel's reach is wider (it reads `rn` as `m`), but a word the context
/// predicts and the token spells with three letters wrong is not worth the table.
fn near(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > SKELETON_EDITS {
        return false;
    }
    let mut row = [0u8; PACKED + 1];
    for (j, x) in row.iter_mut().enumerate() {
        *x = j as u8;
    }
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i as u8 + 1;
        let mut best = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            let v = (diag + u8::from(ca != cb)).min(up + 1).min(row[j] + 1);
            diag = up;
            row[j + 1] = v;
            best = best.min(v);
        }
        if usize::from(best) > SKELETON_EDITS {
            return false;
        }
    }
    usize::from(row[b.len()]) <= SKELETON_EDITS
}

/// Letter edits between a token's skeleton and a predicted word's (see [`near`]).
const SKELETON_EDITS: usize = 2;

/// Most (context, token) pairs whose predictions a thread keeps before it clears them.
const CACHE_LIMIT: usize = 100_000;

/// Buffers reused across tokens (one per thread).
#[derive(Default)]
pub struct PredictScratch {
    /// Words of the readings that end where the token begins, with their edge costs.
    contexts: Vec<(f32, WordId)>,
    /// Words the token already reads as (no second reading of the same word).
    have: Vec<WordId>,
    /// The predictions of a context word for a token key, `(word, channel cost)`, by
    /// `"{v}\0{key}"`: they depend on nothing else, and word pairs repeat through a text far
    /// more than the tables cost to look up.
    cache: FxHashMap<Box<str>, Arc<[(WordId, f32)]>>,
    cache_key: String,
    query: crate::channel::Query,
    /// The key `query` was prepared for (a token's contexts share its preparation).
    query_key: String,
    rows: Vec<f32>,
    path: Vec<u16>,
    chars: Vec<char>,
    work: Vec<(WordId, f32)>,
    /// What [`predicted`] found: `(word, channel cost)`.
    pub found: Vec<(WordId, f32)>,
}

/// Fills `s.found` with the words that the readings ending at token `t` of `lattice` predict
/// and that `key` (the token's lexicon key, see `candidates::key_of`) is within
/// [`super::Params::max_cost`] of, leaving out the token's own one-word readings.
/// `start` is the history before the paragraph's first token ([`decode::BOS`] or
/// [`decode::OPEN`]): a paragraph's first token is predicted by the sentence start only when
/// the paragraph begins one.
pub(super) fn predicted(
    r: &Restorer,
    lattice: &Lattice,
    t: usize,
    start: WordId,
    key: &str,
    s: &mut PredictScratch,
) {
    s.found.clear();
    s.contexts.clear();
    if r.params().predict_contexts == 0 {
        return;
    }
    let edges = lattice.edges();
    let t32 = t as u32;
    if t == 0 {
        if start == decode::BOS {
            s.contexts.push((0.0, decode::BOS));
        }
    } else {
        // Edges come in order of `from`, and one spans at most two tokens: those ending at
        // `t` start at `t - 2` or `t - 1`.
        let lo = edges.partition_point(|e| e.from + 2 < t32);
        for e in edges[lo..].iter().take_while(|e| e.from < t32) {
            if e.to != t32 || e.n_words == 0 {
                continue;
            }
            let w = e.words[usize::from(e.n_words) - 1];
            if w == UNK {
                continue;
            }
            match s.contexts.iter_mut().find(|c| c.1 == w) {
                Some(c) => c.0 = c.0.min(e.cost),
                None => s.contexts.push((e.cost, w)),
            }
        }
        s.contexts
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        s.contexts.truncate(r.params().predict_contexts);
    }
    let lo = edges.partition_point(|e| e.from < t32);
    let have = edges[lo..]
        .iter()
        .take_while(|e| e.from == t32)
        .filter(|e| e.to == t32 + 1 && e.n_words == 1)
        .map(|e| e.words[0]);
    if s.contexts.is_empty() {
        return;
    }
    let mut have = Some(have);
    let mut skeleton = None;
    for k in 0..s.contexts.len() {
        let v = s.contexts[k].1;
        if r.model().lm.likely_after(v).next().is_none() {
            continue;
        }
        let list = predictions_of(r, v, key, &mut skeleton, s);
        if list.is_empty() {
            continue;
        }
        if let Some(own) = have.take() {
            s.have.clear();
            s.have.extend(own);
        }
        for &(w, cost) in list.iter() {
            if !s.have.contains(&w) && !s.found.iter().any(|f| f.0 == w) {
                s.found.push((w, cost));
            }
        }
    }
}

/// The words context word `v` predicts that token key `key` is within reach of, with their
/// channel costs (cached in `s`). `skeleton` is the key's packed skeleton once computed (the
/// token's contexts share it).
fn predictions_of(
    r: &Restorer,
    v: WordId,
    key: &str,
    skeleton: &mut Option<Option<u64>>,
    s: &mut PredictScratch,
) -> Arc<[(WordId, f32)]> {
    s.cache_key.clear();
    s.cache_key.push_str(key);
    s.cache_key.push('\0');
    // The id as four letters (ids are below 2^16; one letter per four bits).
    for shift in [12, 8, 4, 0] {
        s.cache_key
            .push(char::from(b'a' + ((v >> shift) & 0xF) as u8));
    }
    if let Some(list) = s.cache.get(s.cache_key.as_str()) {
        return Arc::clone(list);
    }
    s.work.clear();
    let model = r.model();
    let channel: &ErrorModel = &model.channel;
    let vocab = model.lm.vocab();
    let packed = *skeleton.get_or_insert_with(|| {
        r.skeletons().skeleton(key, &mut s.chars);
        pack(s.chars.iter().copied())
    });
    let mut mine = [0u8; PACKED];
    // A token longer than any syllable's skeleton, or with glyphs the channel folds to no
    // letter, is near no syllable.
    if let Some(packed) = packed {
        let n_mine = unpack(packed, &mut mine);
        let mut theirs = [0u8; PACKED];
        let cap = r.params().max_cost;
        for (w, _) in model.lm.likely_after(v) {
            let Some(skel) = r.skeleton_of(w) else {
                continue;
            };
            let n = unpack(skel, &mut theirs);
            if !near(&mine[..n_mine], &theirs[..n]) {
                continue;
            }
            if s.query_key != key {
                channel.prepare_for(key, Some(&[]), &mut s.query);
                s.query_key.clear();
                s.query_key.push_str(key);
            }
            s.path.clear();
            s.path
                .extend(vocab.word(w).chars().map(|c| channel.index(c)));
            let cost = channel.cost_capped(&mut s.query, &s.path, &mut s.rows, cap);
            if cost.is_finite() {
                s.work.push((w, cost));
            }
        }
    }
    let list: Arc<[(WordId, f32)]> = s.work.as_slice().into();
    if s.cache.len() >= CACHE_LIMIT {
        s.cache.clear();
    }
    s.cache
        .insert(s.cache_key.as_str().into(), Arc::clone(&list));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(word: &str) -> (usize, [u8; PACKED]) {
        let mut out = [0u8; PACKED];
        let n = unpack(pack(word.chars()).expect("packs"), &mut out);
        (n, out)
    }

    #[test]
    fn skeletons_pack_and_unpack_letters_only() {
        let (n, out) = packed("ngai");
        assert_eq!(&out[..n], b"ngai");
        assert_eq!(pack("nghieeng".chars()).map(|_| ()), Some(()));
        assert_eq!(pack("nghieengx".chars()), None, "longer than any syllable");
        assert_eq!(pack("s6".chars()), None, "a glyph that is no letter");
        assert_eq!(pack("".chars()), Some(0));
    }

    #[test]
    fn near_is_at_most_two_letter_edits() {
        let near_of = |a: &str, b: &str| {
            let ((na, a), (nb, b)) = (packed(a), packed(b));
            near(&a[..na], &b[..nb])
        };
        assert!(near_of("ngei", "ngai"));
        assert!(near_of("ngi", "ngai"));
        assert!(near_of("pi", "da"));
        assert!(near_of("ngai", "ngai"));
        assert!(!near_of("ngei", "cua"));
        assert!(!near_of("ng", "nghieng"));
        assert!(near_of("", "da"));
        assert!(!near_of("", "ngai"));
    }
}
