//! The syllable trigram language model: `P(w3 | w1 w2)` over lower-case Vietnamese syllables.
//!
//! The decoder scores every path through a paragraph's lattice with this model, so it has to
//! be cheap to query (one probe per look-up into small per-group hash tables, see
//! `lm::hashed`) and cheap to load (one copy of a compact little-endian file of sorted groups,
//! then the groups hashed in parallel, no per-entry allocation).
//!
//! - [`LmBuilder`] streams corpus files, counts n-grams in parallel and estimates an
//!   interpolated modified Kneser-Ney trigram model, written in back-off form so pruned
//!   n-grams still leave a normalised distribution (the back-off weights are recomputed after
//!   pruning and quantisation).
//! - [`NgramLm`] answers queries; [`NgramLm::context`] + [`NgramLm::logprob_in`] resolve a
//!   two-word history once and then score many candidate words (the decoder's inner loop).
//! - [`normalize_word`] is the one key function shared by training and look-up: lower case and
//!   the traditional tone placement (`hoà` → `hòa`), because the corpus mixes both.
//!
//! Every paragraph is one sentence `<s> w1 … wn </s>`; punctuation is not a token, numbers
//! are [`NUM`], words with digits or symbols inside and rare words are [`UNK`].
//!
//! An example of use is the unit test `tests::the_module_example` (an internal module keeps
//! its example as a unit test: every doctest links the whole crate, model included).

mod build;
mod format;
mod hashed;
mod vocab;

pub use build::{mix, mix_onto, train_from_files, LmBuilder, Paragraphs};
pub use vocab::Vocab;

use crate::text::tokenize::{tokenize, Token, TokenKind};
use crate::text::vietnamese::{canonical_tone_placement, is_letter};

/// A word of the model's vocabulary. Ids are dense: `0..vocab.len()`.
pub type WordId = u32;
/// Sentence start; only ever a context, never predicted.
pub const BOS: WordId = 0;
/// Sentence end (end of paragraph).
pub const EOS: WordId = 1;
/// Any word outside the vocabulary (rare words, words with digits or symbols inside).
pub const UNK: WordId = 2;
/// Any number token (`2025`, `19/6/2025`, `26.082`).
pub const NUM: WordId = 3;

/// The natural-log probability given to impossible events (predicting `<s>`): finite, so the
/// decoder's sums never meet `inf - inf`.
pub const LOG_ZERO: f32 = -99.0;

/// Why a model could not be trained or loaded.
#[derive(Debug, thiserror::Error)]
pub enum LmError {
    #[error("reading {path}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not UTF-8 text near byte {offset}")]
    Utf8 {
        path: std::path::PathBuf,
        offset: u64,
    },
    #[error("not a sohoa language model (bad magic)")]
    BadMagic,
    #[error("language model format version {found}, this build reads version {expected}")]
    VersionMismatch { expected: u32, found: u32 },
    #[error("language model truncated: {what} needs {needed} bytes, {available} left")]
    Truncated {
        what: &'static str,
        needed: usize,
        available: usize,
    },
    #[error("language model corrupt: {0}")]
    Corrupt(&'static str),
    #[error("no training text (every paragraph was empty or skipped)")]
    NoText,
}

/// Sizes and provenance of a model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LmInfo {
    /// Stored n-grams by order: `[vocabulary size, bigrams, trigrams]`.
    pub ngrams: [u64; 3],
    /// Distinct word types of the training text mapped to [`UNK`]: an unknown word's own
    /// probability is about `P(UNK) / unk_types`, so callers subtract `ln(unk_types)`.
    pub unk_types: u64,
    /// Training tokens (words, numbers and unknowns; `<s>` and `</s>` not counted).
    pub tokens: u64,
    /// Training sentences (paragraphs).
    pub sentences: u64,
}

/// A resolved two-word history: what [`NgramLm::logprob_in`] needs to score any next word
/// without looking the history up again.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LmContext {
    /// The trigrams after `(w1, w2)` (empty when there are none).
    tri: hashed::Group,
    /// The bigrams after `w2`.
    bi: hashed::Group,
    /// Whether the model knows `(w1, w2)` as a trigram context.
    known: bool,
    /// ln back-off weight of `(w1, w2)` (0 when the pair has no trigrams).
    bow3: f32,
    /// ln back-off weight of `w2`.
    bow2: f32,
}

impl LmContext {
    /// Whether the history's first word matters: the model has trigrams (or a back-off
    /// weight) for the pair. When it does not, every next word is scored from `w2` alone.
    #[inline]
    pub fn uses_w1(&self) -> bool {
        self.known || self.bow3 != 0.0
    }
}

/// The n-gram groups again, hashed for the decoder (see `lm::hashed`); derived from the
/// sorted arrays when a model is built or loaded.
#[derive(Clone, Debug, Default, PartialEq)]
struct Tables {
    /// The bigram group of each word `v`: `w << 16 | q(ln P(w | v))`.
    bi_of: Vec<hashed::Group>,
    bi: hashed::GroupTables,
    /// The context group of each word `u`: `v << 16 | q(ln bow(u v))`.
    ctx_of: Vec<hashed::Group>,
    ctx: hashed::GroupTables,
    /// For each slot of `ctx`, the trigram group of the context stored there (raw).
    ctx_tri: hashed::HugeVec,
    /// Trigram groups: `w << 16 | q(ln P(w | u v))`.
    tri: hashed::GroupTables,
    /// The likely next words of each word `v` (see [`NgramLm::likely_after`]):
    /// `likely[likely_start[v]..likely_start[v + 1]]`, entries as in `bi`, most likely first.
    likely_start: Vec<u32>,
    likely: Vec<u32>,
}

/// The least `ln P(w | v)` of a bigram kept in [`NgramLm::likely_after`]: one in a hundred.
/// At most a hundred words per context, and few contexts have more than a dozen.
pub const LIKELY_MIN_LOGPROB: f32 = -4.6;

/// The least `ln P(w | v) − ln P(w)` of a bigram kept in [`NgramLm::likely_after`]: `v` must
/// make `w` some twenty times likelier than it is anywhere. A word the context makes no
/// likelier than its frequency does is ranked as well by the frequency alone, which is how a
/// token's own candidates are ranked; only the words a context singles out are worth
/// looking for again.
pub const LIKELY_MIN_PMI: f32 = 3.0;

/// A trigram model in back-off form: sorted flat arrays (what the file stores and training
/// writes) and, derived from them at load, the hashed groups that queries use.
///
/// Entries are `u32`s packing a word id (high 16 bits, so sorting by entry sorts by word) and
/// a 16-bit quantised value (low bits).
#[derive(Clone, Debug, PartialEq)]
pub struct NgramLm {
    vocab: Vocab,
    info: LmInfo,
    /// ln P1(w) and ln back-off weight of `w` as a bigram context.
    p1: Vec<f32>,
    bow1: Vec<f32>,
    /// Bigrams of context `v`: `bi[bi_start[v]..bi_start[v + 1]]`, entry = `w << 16 | q(ln p)`.
    bi_start: Vec<u32>,
    bi: Vec<u32>,
    /// Trigram contexts `(u, v)` of `u`: `ctx[ctx_start[u]..ctx_start[u + 1]]`,
    /// entry = `v << 16 | qbow(ln bow)`; their trigrams: `tri[tri_start[j]..tri_start[j + 1]]`.
    ctx_start: Vec<u32>,
    ctx: Vec<u32>,
    tri_start: Vec<u32>,
    tri: Vec<u32>,
    tables: Tables,
}

/// Quantisation of log-probabilities: `ln p` in `[LP_MIN, 0]` on 16 bits (step ≈ 0.0006,
/// i.e. 0.06 % relative error, far below what the decoder can notice).
const LP_MIN: f32 = -40.0;
const LP_STEP: f32 = -LP_MIN / 65535.0;
/// Back-off weights can exceed 1 after pruning: `ln bow` in `[-40, 25.5]` by steps of 0.001.
const BOW_MIN: f32 = -40.0;
const BOW_STEP: f32 = 0.001;

#[inline]
fn quant_lp(lp: f64) -> u32 {
    ((-lp as f32) / LP_STEP).round().clamp(0.0, 65535.0) as u32
}

#[inline]
fn dequant_lp(q: u32) -> f32 {
    -(q as f32) * LP_STEP
}

#[inline]
fn quant_bow(lb: f64) -> u32 {
    ((lb as f32 - BOW_MIN) / BOW_STEP)
        .round()
        .clamp(0.0, 65535.0) as u32
}

#[inline]
fn dequant_bow(q: u32) -> f32 {
    q as f32 * BOW_STEP + BOW_MIN
}

/// The entry ranges of the groups cut by `starts`.
fn group_ranges(starts: &[u32]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    starts.windows(2).map(|w| w[0] as usize..w[1] as usize)
}

/// The packed value of word `w` in a sorted entry slice.
#[inline]
fn find(entries: &[u32], w: u32) -> Option<usize> {
    let i = entries.partition_point(|&e| (e >> 16) < w);
    (entries.get(i).is_some_and(|&e| e >> 16 == w)).then_some(i)
}

impl NgramLm {
    /// The vocabulary: word ↔ id.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Sizes and training statistics.
    pub fn info(&self) -> LmInfo {
        self.info
    }

    /// Ids outside the vocabulary are read as [`UNK`] rather than panicking.
    #[inline]
    fn clamp(&self, w: WordId) -> usize {
        if (w as usize) < self.p1.len() {
            w as usize
        } else {
            UNK as usize
        }
    }

    /// Builds the hash tables the queries use from the sorted arrays; called once a model is
    /// complete (trained or loaded).
    fn index(&mut self) -> Result<(), LmError> {
        use hashed::GroupTables;
        let too_large = |_| LmError::Corrupt("too many n-grams for the look-up tables");
        let ((bi, ctx), tri) = rayon::join(
            || {
                (
                    GroupTables::build(&self.bi, &self.bi_start),
                    GroupTables::build(&self.ctx, &self.ctx_start),
                )
            },
            || GroupTables::build(&self.tri, &self.tri_start),
        );
        let ((bi, bi_of), (ctx, ctx_of), (tri, tri_of)) = (
            bi.map_err(too_large)?,
            ctx.map_err(too_large)?,
            tri.map_err(too_large)?,
        );
        let mut likely_start = Vec::with_capacity(self.bi_start.len());
        let mut likely = Vec::new();
        likely_start.push(0);
        for r in group_ranges(&self.bi_start) {
            let from = likely.len();
            likely.extend(self.bi[r].iter().filter(|&&e| {
                let lp = dequant_lp(e & 0xFFFF);
                lp >= LIKELY_MIN_LOGPROB && lp - self.p1[(e >> 16) as usize] >= LIKELY_MIN_PMI
            }));
            // Most likely first (the smallest quantised −ln p), ties by word.
            likely[from..].sort_unstable_by_key(|&e| (e & 0xFFFF, e >> 16));
            likely_start.push(likely.len() as u32);
        }
        let mut ctx_tri = hashed::huge_vec(ctx.len(), 0);
        for (u, r) in group_ranges(&self.ctx_start).enumerate() {
            for j in r {
                if let Some((_, slot)) = ctx.get(ctx_of[u], self.ctx[j] >> 16) {
                    ctx_tri[slot] = tri_of[j].raw();
                }
            }
        }
        self.tables = Tables {
            bi_of,
            bi,
            ctx_of,
            ctx,
            ctx_tri,
            tri,
            likely_start,
            likely,
        };
        Ok(())
    }

    /// Bytes held by the look-up tables built at load.
    pub fn table_bytes(&self) -> usize {
        let t = &self.tables;
        t.bi.bytes()
            + t.ctx.bytes()
            + t.tri.bytes()
            + 4 * (t.bi_of.len()
                + t.ctx_of.len()
                + t.ctx_tri.len()
                + t.likely_start.len()
                + t.likely.len())
    }

    /// Resolves the history `w1 w2` once, for scoring many next words with
    /// [`logprob_in`](Self::logprob_in).
    #[inline]
    pub fn context(&self, w1: WordId, w2: WordId) -> LmContext {
        let (w1, w2) = (self.clamp(w1), self.clamp(w2));
        let t = &self.tables;
        let group = t.ctx_of.get(w1).copied().unwrap_or_default();
        let found = t.ctx.get(group, w2 as u32);
        LmContext {
            tri: found.map_or(hashed::Group::default(), |(_, slot)| {
                hashed::Group::from_raw(t.ctx_tri[slot])
            }),
            bi: t.bi_of.get(w2).copied().unwrap_or_default(),
            known: found.is_some(),
            bow3: found.map_or(0.0, |(q, _)| dequant_bow(u32::from(q))),
            bow2: self.bow1[w2],
        }
    }

    /// Natural log of `P(w3 | ctx)`. `ctx` must come from this model's
    /// [`context`](Self::context) (one from another model gives meaningless scores, but no
    /// panic).
    #[inline(always)]
    pub fn logprob_in(&self, ctx: &LmContext, w3: WordId) -> f32 {
        let w = self.clamp(w3);
        if let Some((q, _)) = self.tables.tri.get(ctx.tri, w as u32) {
            return dequant_lp(u32::from(q));
        }
        match self.tables.bi.get(ctx.bi, w as u32) {
            Some((q, _)) => ctx.bow3 + dequant_lp(u32::from(q)),
            None => ctx.bow3 + ctx.bow2 + self.p1[w],
        }
    }

    /// Starts fetching the table slots that [`logprob_in`](Self::logprob_in) will read for
    /// `w3` (the first probe of the trigram and of the bigram group).
    #[inline]
    pub fn prefetch(&self, ctx: &LmContext, w3: WordId) {
        let w = self.clamp(w3) as u32;
        self.tables.tri.prefetch(ctx.tri, w);
        self.tables.bi.prefetch(ctx.bi, w);
    }

    /// [`logprob_in`](Self::logprob_in) for each of `ws`, written to `out[..ws.len()]`
    /// (`out` must be at least as long as `ws`; extra entries are left alone). The look-ups
    /// are independent, so the processor overlaps their cache misses.
    pub fn logprobs_in(&self, ctx: &LmContext, ws: &[WordId], out: &mut [f32]) {
        for (o, &w) in out.iter_mut().zip(ws) {
            *o = self.logprob_in(ctx, w);
        }
    }

    /// Natural log of `P(w3 | w1 w2)`.
    #[inline]
    pub fn logprob(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        self.logprob_in(&self.context(w1, w2), w3)
    }

    /// Natural log of `P(w3 | w2)`.
    pub fn logprob_bigram(&self, w2: WordId, w3: WordId) -> f32 {
        let (v, w) = (self.clamp(w2), self.clamp(w3));
        let bi = &self.bi[self.bi_start[v] as usize..self.bi_start[v + 1] as usize];
        match find(bi, w as u32) {
            Some(i) => dequant_lp(bi[i] & 0xFFFF),
            None => self.bow1[v] + self.p1[w],
        }
    }

    /// The words that follow `v` with `P(w | v)` of at least [`LIKELY_MIN_LOGPROB`], most
    /// likely first, as `(w, ln P(w | v))`: what a context predicts, for the restorer to look
    /// for in a token whose own candidates were cut before reaching a rare but expected word
    /// (`Quảng Ngéi`: `Ngãi` is far down the token's list, first in the context's). Empty for
    /// an id outside the vocabulary.
    pub fn likely_after(&self, v: WordId) -> impl Iterator<Item = (WordId, f32)> + '_ {
        let t = &self.tables;
        let v = v as usize;
        let r = match (t.likely_start.get(v), t.likely_start.get(v + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        t.likely[r]
            .iter()
            .map(|&e| (e >> 16, dequant_lp(e & 0xFFFF)))
    }

    /// Natural log of `P(w3)` (Kneser-Ney continuation probability).
    pub fn logprob_unigram(&self, w3: WordId) -> f32 {
        self.p1[self.clamp(w3)]
    }
}

/// Writes the look-up key of a word into `out`: lower case with the traditional tone
/// placement, the form the vocabulary is stored in.
pub fn normalize_word(word: &str, out: &mut String) {
    out.clear();
    for c in word.chars() {
        out.extend(c.to_lowercase());
    }
    if let std::borrow::Cow::Owned(canon) = canonical_tone_placement(out) {
        *out = canon;
    }
}

/// One token of a paragraph as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LmToken<'a> {
    /// A normalised word made of letters only.
    Word(&'a str),
    /// A normalised word with digits or symbols inside: always [`UNK`].
    Junk(&'a str),
    Num,
}

/// Reusable buffers for turning paragraphs into model tokens.
#[derive(Default)]
pub(crate) struct Scratch {
    tokens: Vec<Token>,
    key: String,
}

/// Calls `f` for each model token of `paragraph`, in order (URLs and e-mails are left out).
pub(crate) fn for_each_token(paragraph: &str, s: &mut Scratch, mut f: impl FnMut(LmToken<'_>)) {
    tokenize(paragraph, &mut s.tokens);
    for t in &s.tokens {
        match t.kind {
            TokenKind::Protected => {}
            TokenKind::Number => f(LmToken::Num),
            TokenKind::Word => {
                normalize_word(t.text(paragraph), &mut s.key);
                if s.key.chars().all(is_letter) {
                    f(LmToken::Word(&s.key));
                } else {
                    f(LmToken::Junk(&s.key));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module documentation's example of use.
    #[test]
    fn the_module_example() -> Result<(), crate::lm::LmError> {
        use crate::lm::{LmBuilder, NgramLm, BOS};

        let text = "Ủy ban nhân dân tỉnh\nỦy ban nhân dân xã\nhội đồng nhân dân tỉnh\n";
        let lm = LmBuilder::new()
            .min_word_count(1)
            .train_texts(&[text], &|_| false)?;
        let lm = NgramLm::from_bytes(&lm.to_bytes())?; // what `lm.bin` holds
        let v = lm.vocab();
        let (nhan, dan) = (v.id_or_unk("nhân"), v.id_or_unk("dân"));
        let ctx = lm.context(nhan, dan);
        assert!(lm.logprob_in(&ctx, v.id_or_unk("tỉnh")) > lm.logprob_in(&ctx, v.id_or_unk("ban")));
        assert_eq!(
            lm.logprob(BOS, BOS, v.id_or_unk("ủy")),
            lm.logprob_bigram(BOS, v.id_or_unk("ủy"))
        );
        Ok(())
    }

    #[test]
    fn after_the_open_history_words_are_scored_without_context() {
        // The decoder's history for a text that begins inside a sentence: nothing follows a
        // sentence end, so the first word gets its unigram, the second its bigram.
        use crate::restore::decode::OPEN;
        let lm = toy_model();
        let v = lm.vocab();
        let (nhan, dan, tinh) = (v.id_or_unk("nhân"), v.id_or_unk("dân"), v.id_or_unk("tỉnh"));
        for w in [nhan, dan, tinh, UNK, NUM] {
            assert_eq!(lm.logprob(OPEN, OPEN, w), lm.logprob_unigram(w));
            assert_eq!(lm.logprob(OPEN, nhan, w), lm.logprob_bigram(nhan, w));
        }
        assert_ne!(lm.logprob(OPEN, OPEN, nhan), lm.logprob(BOS, BOS, nhan));
    }

    /// A corpus where every paragraph is a line; the model is small enough to sum over.
    const TOY: &str = "Ủy ban nhân dân tỉnh Quảng Ngãi\n\
        ủy ban nhân dân xã Tây Trà\n\
        Ủy ban nhân dân huyện Trà Bồng\n\
        hội đồng nhân dân tỉnh Quảng Ngãi\n\
        báo cáo kết quả thực hiện năm 2025\n\
        báo cáo kết quả công tác hòa giải\n\
        báo cáo tình hình thực hiện 6 tháng\n\
        kết quả thực hiện nhiệm vụ năm 2025\n\
        công tác hoà giải ở cơ sở\n\
        thủy lợi và thuỷ sản của tỉnh\n";

    pub(crate) fn toy_model() -> NgramLm {
        LmBuilder::new()
            .min_word_count(1)
            .min_trigram_count(1)
            .train_texts(&[TOY], &|_| false)
            .unwrap()
    }

    /// The same text with singleton trigrams and bigrams pruned: the back-off weights must
    /// give the pruned mass back.
    fn pruned_toy_model() -> NgramLm {
        LmBuilder::new()
            .min_word_count(1)
            .min_bigram_count(2)
            .min_trigram_count(2)
            .train_texts(&[TOY], &|_| false)
            .unwrap()
    }

    fn id(lm: &NgramLm, w: &str) -> WordId {
        lm.vocab()
            .id(w)
            .unwrap_or_else(|| panic!("{w} not in vocab"))
    }

    #[test]
    fn tokens_fold_case_tone_and_numbers() {
        let lm = toy_model();
        let mut ids = Vec::new();
        lm.vocab()
            .encode("Hoà giải: 2025, THỦY lợi s6 https://a.gov.vn", &mut ids);
        let v = lm.vocab();
        assert_eq!(
            ids,
            [
                id(&lm, "hòa"),
                id(&lm, "giải"),
                NUM,
                id(&lm, "thủy"),
                id(&lm, "lợi"),
                UNK
            ]
        );
        assert_eq!(
            v.id("hoà"),
            None,
            "stored keys use the traditional placement"
        );
        let mut k = String::new();
        normalize_word("THUỶ", &mut k);
        assert_eq!(k, "thủy");
        normalize_word("Quý", &mut k);
        assert_eq!(k, "quý");
    }

    #[test]
    fn distributions_sum_to_one() {
        let (full, pruned) = (toy_model(), pruned_toy_model());
        assert!(pruned.info().ngrams[1] < full.info().ngrams[1]);
        assert!(pruned.info().ngrams[2] < full.info().ngrams[2]);
        assert!(pruned.info().ngrams[2] > 0);
        check_sums(&full);
        check_sums(&pruned);
    }

    fn check_sums(lm: &NgramLm) {
        let v = lm.vocab().len() as WordId;
        let contexts = [
            (BOS, BOS),
            (BOS, id(lm, "ủy")),
            (id(lm, "nhân"), id(lm, "dân")),
            (id(lm, "báo"), id(lm, "cáo")),
            (id(lm, "kết"), id(lm, "quả")),
            (id(lm, "sản"), id(lm, "tỉnh")),
            (UNK, NUM),
            (id(lm, "tây"), id(lm, "cáo")),
        ];
        for (w1, w2) in contexts {
            let ctx = lm.context(w1, w2);
            // the batched look-up gives exactly the single ones (chunks, out-of-range ids)
            let ws: Vec<WordId> = (0..v + 40).rev().collect();
            let mut batch = vec![0.0; ws.len()];
            lm.logprobs_in(&ctx, &ws, &mut batch);
            for (&w, &lp) in ws.iter().zip(&batch) {
                assert_eq!(lp, lm.logprob_in(&ctx, w), "word {w}");
            }
            let (mut s3, mut s2) = (0.0f64, 0.0f64);
            for w in (0..v).filter(|&w| w != BOS) {
                let lp = lm.logprob(w1, w2, w);
                assert_eq!(lp, lm.logprob_in(&ctx, w));
                s3 += f64::from(lp).exp();
                s2 += f64::from(lm.logprob_bigram(w2, w)).exp();
            }
            assert!((s3 - 1.0).abs() < 2e-3, "P(·|{w1} {w2}) sums to {s3}");
            assert!((s2 - 1.0).abs() < 2e-3, "P(·|{w2}) sums to {s2}");
        }
        let s1: f64 = (1..v).map(|w| f64::from(lm.logprob_unigram(w)).exp()).sum();
        assert!((s1 - 1.0).abs() < 1e-4, "P1 sums to {s1}");
        assert_eq!(lm.logprob(BOS, BOS, BOS), lm.logprob_bigram(BOS, BOS));
        assert!(lm.logprob(BOS, BOS, BOS) < -50.0);
    }

    /// `P(w3 | w1 w2)` by binary search in the sorted groups, as the file stores them.
    fn sorted_logprob(lm: &NgramLm, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        let (u, v, w) = (w1 as usize, w2 as usize, w3);
        let ctx = &lm.ctx[lm.ctx_start[u] as usize..lm.ctx_start[u + 1] as usize];
        let mut bow3 = 0.0;
        if let Some(j) = find(ctx, w2) {
            let j = lm.ctx_start[u] as usize + j;
            bow3 = dequant_bow(lm.ctx[j] & 0xFFFF);
            let tri = &lm.tri[lm.tri_start[j] as usize..lm.tri_start[j + 1] as usize];
            if let Some(i) = find(tri, w) {
                return dequant_lp(tri[i] & 0xFFFF);
            }
        }
        let bi = &lm.bi[lm.bi_start[v] as usize..lm.bi_start[v + 1] as usize];
        match find(bi, w) {
            Some(i) => bow3 + dequant_lp(bi[i] & 0xFFFF),
            None => bow3 + lm.bow1[v] + lm.p1[w as usize],
        }
    }

    #[test]
    fn hashed_lookups_match_the_sorted_groups() {
        for lm in [toy_model(), pruned_toy_model()] {
            let v = lm.vocab().len() as WordId;
            for w1 in 0..v {
                for w2 in 0..v {
                    let ctx = lm.context(w1, w2);
                    for w3 in 0..v {
                        assert_eq!(
                            lm.logprob_in(&ctx, w3),
                            sorted_logprob(&lm, w1, w2, w3),
                            "{w1} {w2} {w3}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn seen_trigram_beats_backoff() {
        let lm = toy_model();
        let (nhan, dan, tinh, xa) = (
            id(&lm, "nhân"),
            id(&lm, "dân"),
            id(&lm, "tỉnh"),
            id(&lm, "xã"),
        );
        let seen = lm.logprob(nhan, dan, tinh);
        // `tây dân` never occurs: the score is the bigram's, scaled by a back-off weight of 1.
        let unseen_ctx = lm.logprob(id(&lm, "tây"), dan, tinh);
        assert_eq!(unseen_ctx, lm.logprob_bigram(dan, tinh));
        assert!(seen > lm.logprob(nhan, dan, id(&lm, "sản")));
        assert!(lm.logprob(nhan, dan, xa) > lm.logprob(nhan, dan, id(&lm, "công")));
        // an unseen word after a seen context backs off to the unigram level
        let ctx = lm.context(nhan, dan);
        let lp = lm.logprob_in(&ctx, id(&lm, "giải"));
        assert!(lp < lm.logprob_unigram(id(&lm, "giải")));
        // out-of-range ids are unknown words, not panics
        assert_eq!(lm.logprob(nhan, dan, 1_000_000), lm.logprob(nhan, dan, UNK));
        assert_eq!(
            lm.logprob(9_999_999, 77_777, NUM),
            lm.logprob(UNK, UNK, NUM)
        );
        // a context resolved by a bigger model, used on a smaller one: no panic
        let tiny = LmBuilder::new()
            .min_word_count(1)
            .train_texts(&["một hai"], &|_| false)
            .unwrap();
        assert!(tiny.logprob_in(&ctx, 4).is_finite());
    }

    #[test]
    fn info_counts() {
        let lm = toy_model();
        let info = lm.info();
        assert_eq!(info.sentences, 10);
        assert_eq!(info.ngrams[0], lm.vocab().len() as u64);
        assert!(info.ngrams[1] > 0 && info.ngrams[2] > 0);
        assert_eq!(info.unk_types, 0);
        assert_eq!(lm.vocab().count(id(&lm, "báo")), 3);
        assert_eq!(lm.vocab().count(NUM), 3);
    }

    #[test]
    fn is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<NgramLm>();
    }
}
