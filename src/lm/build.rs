//! Training: streaming n-gram counts and the modified Kneser-Ney estimate.
//!
//! Two passes over the text, each parallel over ~4 MB chunks: the first counts words to fix
//! the vocabulary, the second counts trigrams of word ids as packed `u64` keys (sorted runs
//! merged pairwise). Lower orders are derived from the trigram counts, since with `<s> <s>`
//! padding every bigram occurrence ends a trigram. Counting only ever sums, and everything
//! afterwards works on sorted arrays in a fixed order, so the model's bytes do not depend on
//! the number of threads or on which thread read which chunk.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::vocab::{Vocab, SPECIALS};
use super::{
    dequant_lp, for_each_token, quant_bow, quant_lp, LmError, LmInfo, LmToken, NgramLm, Scratch,
    WordId, BOS, EOS, LOG_ZERO, NUM, UNK,
};

/// How a text file is cut into paragraphs (sentences of the model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paragraphs {
    /// Every non-blank line is a paragraph: the corpus format (`shared/corpus` has one
    /// paragraph per line and no blank lines at all).
    Lines,
    /// A paragraph is a run of non-blank lines, as the restorer cuts documents: for
    /// hard-wrapped texts such as the sample reports.
    BlankLineSeparated,
}

/// Settings of the estimate. The defaults (words and trigrams seen at least twice, every
/// bigram) give an 8 MB model from the shared corpus; keeping every trigram too gives 13 MB
/// for 3.5 % lower held-out perplexity but slower look-ups.
#[derive(Clone, Debug)]
pub struct LmBuilder {
    min_word_count: u64,
    min_bigram_count: u32,
    min_trigram_count: u32,
    paragraphs: Paragraphs,
    chunk_bytes: usize,
}

impl Default for LmBuilder {
    fn default() -> Self {
        LmBuilder {
            min_word_count: 2,
            min_bigram_count: 1,
            min_trigram_count: 2,
            paragraphs: Paragraphs::Lines,
            chunk_bytes: 4 << 20,
        }
    }
}

/// Word ids are stored in 16 bits, so the vocabulary keeps at most this many words (the
/// most frequent; `0xFFFF` is never an id, see `lm::hashed`); the shared corpus has about
/// 12 000 words seen twice.
pub const MAX_VOCAB: usize = (1 << 16) - 1;

/// Bits per word id in a packed n-gram key.
const KEY_BITS: u32 = 21;
const KEY_MASK: u64 = (1 << KEY_BITS) - 1;

#[inline]
fn key3(a: WordId, b: WordId, c: WordId) -> u64 {
    (u64::from(a) << (2 * KEY_BITS)) | (u64::from(b) << KEY_BITS) | u64::from(c)
}

impl LmBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Words seen fewer times become [`UNK`] (default 2).
    pub fn min_word_count(mut self, n: u64) -> Self {
        self.min_word_count = n.max(1);
        self
    }

    /// Bigrams seen fewer times are left to the back-off (default 1: keep all).
    pub fn min_bigram_count(mut self, n: u32) -> Self {
        self.min_bigram_count = n.max(1);
        self
    }

    /// Trigrams seen fewer times are left to the back-off (default 2).
    pub fn min_trigram_count(mut self, n: u32) -> Self {
        self.min_trigram_count = n.max(1);
        self
    }

    /// How files are cut into paragraphs (default [`Paragraphs::Lines`]).
    pub fn paragraphs(mut self, p: Paragraphs) -> Self {
        self.paragraphs = p;
        self
    }

    /// Trains on text files, streaming them. `skip(paragraph)` leaves a paragraph out
    /// (held-out evaluation text).
    pub fn train_files(
        &self,
        paths: &[PathBuf],
        skip: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<NgramLm, LmError> {
        let words = ChunkReader::new(paths, self.chunk_bytes, self.paragraphs)
            .par_bridge()
            .map(|chunk| chunk.map(|c| self.count_words(&c, skip)))
            .try_reduce(HashMap::new, |a, b| Ok(merge_word_counts(a, b)))?;
        let (vocab_words, unk_types) = self.select_vocab(words);
        let ids = word_ids(&vocab_words);
        let counts = ChunkReader::new(paths, self.chunk_bytes, self.paragraphs)
            .par_bridge()
            .map(|chunk| chunk.map(|c| self.count_trigrams(&c, skip, &ids)))
            .try_reduce(Counts::default, |a, b| Ok(a.merge(b)))?;
        self.estimate(&vocab_words, counts, unk_types)
    }

    /// Trains on in-memory texts (each cut into paragraphs like a file); for tests and small
    /// extra corpora.
    pub fn train_texts(
        &self,
        texts: &[&str],
        skip: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<NgramLm, LmError> {
        let words = texts
            .iter()
            .map(|t| self.count_words(t, skip))
            .fold(HashMap::new(), merge_word_counts);
        let (vocab_words, unk_types) = self.select_vocab(words);
        let ids = word_ids(&vocab_words);
        let counts = texts
            .iter()
            .map(|t| self.count_trigrams(t, skip, &ids))
            .fold(Counts::default(), Counts::merge);
        self.estimate(&vocab_words, counts, unk_types)
    }

    /// Pass 1: occurrences of every normalised word of a chunk (junk words included, so the
    /// number of types behind [`UNK`] is known).
    fn count_words(&self, text: &str, skip: &(dyn Fn(&str) -> bool + Sync)) -> WordCounts {
        let mut counts: WordCounts = HashMap::new();
        let mut s = Scratch::default();
        for para in paragraphs(text, self.paragraphs) {
            if skip(para) {
                continue;
            }
            for_each_token(para, &mut s, |t| {
                let (w, junk) = match t {
                    LmToken::Word(w) => (w, false),
                    LmToken::Junk(w) => (w, true),
                    LmToken::Num => return,
                };
                match counts.get_mut(w) {
                    Some(c) => c.0 += 1,
                    None => {
                        counts.insert(w.into(), (1, junk));
                    }
                }
            });
        }
        counts
    }

    /// The vocabulary in id order (specials, then by decreasing count and then by word, so
    /// the order is total) and the number of word types left out.
    fn select_vocab(&self, words: WordCounts) -> (Vec<String>, u64) {
        let total_types = words.len() as u64;
        let mut kept: Vec<(String, u64)> = words
            .into_iter()
            .filter(|(_, (c, junk))| !junk && *c >= self.min_word_count)
            .map(|(w, (c, _))| (w, c))
            .collect();
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(MAX_VOCAB - SPECIALS.len());
        let unk_types = total_types - kept.len() as u64;
        let words = SPECIALS
            .iter()
            .map(|s| s.to_string())
            .chain(kept.into_iter().map(|(w, _)| w))
            .collect();
        (words, unk_types)
    }

    /// Pass 2: trigram counts of a chunk, each paragraph padded `<s> <s> w1 … wn </s>`.
    fn count_trigrams(
        &self,
        text: &str,
        skip: &(dyn Fn(&str) -> bool + Sync),
        ids: &HashMap<&str, WordId>,
    ) -> Counts {
        let mut keys = Vec::new();
        let mut sent = Vec::new();
        let mut s = Scratch::default();
        let (mut sentences, mut tokens) = (0, 0);
        for para in paragraphs(text, self.paragraphs) {
            if skip(para) {
                continue;
            }
            sent.clear();
            sent.extend([BOS, BOS]);
            for_each_token(para, &mut s, |t| {
                sent.push(match t {
                    LmToken::Word(w) => ids.get(w).copied().unwrap_or(UNK),
                    LmToken::Junk(_) => UNK,
                    LmToken::Num => NUM,
                })
            });
            if sent.len() == 2 {
                continue; // nothing but punctuation or URLs
            }
            sentences += 1;
            tokens += sent.len() as u64 - 2;
            sent.push(EOS);
            keys.extend(sent.windows(3).map(|w| key3(w[0], w[1], w[2])));
        }
        keys.sort_unstable();
        let mut tri: Vec<(u64, u32)> = Vec::new();
        for k in keys {
            match tri.last_mut() {
                Some((last, c)) if *last == k => *c += 1,
                _ => tri.push((k, 1)),
            }
        }
        Counts {
            tri,
            sentences,
            tokens,
        }
    }

    /// Interpolated modified Kneser-Ney, then pruning, then back-off weights that make each
    /// pruned and quantised distribution sum to one again.
    fn estimate(
        &self,
        words: &[String],
        counts: Counts,
        unk_types: u64,
    ) -> Result<NgramLm, LmError> {
        if counts.sentences == 0 {
            return Err(LmError::NoText);
        }
        let nv = words.len();
        let tri = counts.tri;

        // Bigrams (v, w) from trigrams (u, v, w): raw count = Σ_u c, and the number of
        // distinct u (the KN continuation count).
        let mut pairs: Vec<(u64, u32)> =
            tri.iter().map(|&(k, c)| (k & ((1 << 42) - 1), c)).collect();
        pairs.par_sort_unstable_by_key(|p| p.0);
        let mut bigrams: Vec<Bigram> = Vec::new();
        for (k, c) in pairs {
            match bigrams.last_mut() {
                Some(b) if b.key == k => {
                    b.raw += c;
                    b.distinct += 1;
                }
                _ => bigrams.push(Bigram {
                    key: k,
                    raw: c,
                    distinct: 1,
                }),
            }
        }
        // Unigrams: raw counts, and the number of distinct left neighbours.
        let mut raw1 = vec![0u64; nv];
        let mut cont1 = vec![0u64; nv];
        for b in &bigrams {
            let w = (b.key & KEY_MASK) as usize;
            raw1[w] += u64::from(b.raw);
            cont1[w] += 1;
        }
        raw1[BOS as usize] = counts.sentences;
        // Bigrams after `<s>` cannot be extended to the left: they keep raw counts (as KenLM).
        let adjusted = |b: &Bigram| -> u32 {
            if (b.key >> KEY_BITS) as WordId == BOS {
                b.raw
            } else {
                b.distinct
            }
        };
        let is_pseudo = |k: u64| (k >> KEY_BITS) == key3(0, BOS, BOS) >> KEY_BITS;

        let d1 = Discounts::from_counts(cont1.iter().map(|&c| c as u32));
        let d2 = Discounts::from_counts(bigrams.iter().map(adjusted));
        let d3 =
            Discounts::from_counts(tri.iter().filter(|(k, _)| !is_pseudo(*k)).map(|&(_, c)| c));

        // Unigrams, interpolated with the uniform distribution over all words but `<s>`.
        let s1: f64 = cont1.iter().map(|&c| c as f64).sum();
        let gamma0: f64 = cont1.iter().map(|&c| d1.of(c as u32)).sum::<f64>() / s1;
        let uniform = 1.0 / (nv - 1) as f64;
        let mut p1 = vec![LOG_ZERO; nv];
        for w in 1..nv {
            let c = cont1[w] as f64;
            let p = (c - d1.of(cont1[w] as u32)).max(0.0) / s1 + gamma0 * uniform;
            p1[w] = p.ln() as f32;
        }

        // Bigrams, grouped by context v.
        let mut bow1 = vec![0f32; nv];
        let mut bi_start = vec![0u32; nv + 1];
        let mut bi = Vec::new();
        for group in bigrams.chunk_by(|a, b| a.key >> KEY_BITS == b.key >> KEY_BITS) {
            let v = (group[0].key >> KEY_BITS) as usize;
            let total: f64 = group.iter().map(|b| f64::from(adjusted(b))).sum();
            let gamma: f64 = group.iter().map(|b| d2.of(adjusted(b))).sum::<f64>() / total;
            let (mut kept_p, mut kept_lower) = (0.0, 0.0);
            for b in group.iter().filter(|b| b.raw >= self.min_bigram_count) {
                let w = (b.key & KEY_MASK) as usize;
                let lower = f64::from(p1[w]).exp();
                let a = f64::from(adjusted(b));
                let q = quant_lp(((a - d2.of(adjusted(b))) / total + gamma * lower).ln());
                kept_p += f64::from(dequant_lp(q)).exp();
                kept_lower += lower;
                bi.push(((w as u32) << 16) | q);
            }
            bi_start[v + 1] = bi.len() as u32;
            bow1[v] = backoff(kept_p, kept_lower) as f32;
        }
        fill_starts(&mut bi_start);

        let info = LmInfo {
            ngrams: [nv as u64, bi.len() as u64, 0],
            unk_types,
            tokens: counts.tokens,
            sentences: counts.sentences,
        };
        let mut lm = NgramLm {
            vocab: Vocab::new(words.iter().map(String::as_str), raw1),
            info,
            p1,
            bow1,
            bi_start,
            bi,
            ctx_start: vec![0; nv + 1],
            ctx: Vec::new(),
            tri_start: vec![0],
            tri: Vec::new(),
            tables: Default::default(),
        };

        // Trigrams, grouped by context (u, v); the lower order is the bigram model just
        // built, quantised as the decoder will see it.
        let (mut ctx, mut tri_start, mut tri_out) = (Vec::new(), vec![0u32], Vec::new());
        let mut ctx_start = vec![0u32; nv + 1];
        for group in tri.chunk_by(|a, b| a.0 >> KEY_BITS == b.0 >> KEY_BITS) {
            let k = group[0].0;
            if is_pseudo(k) || group.iter().all(|t| t.1 < self.min_trigram_count) {
                continue;
            }
            let (u, v) = (
                (k >> (2 * KEY_BITS)) as usize,
                ((k >> KEY_BITS) & KEY_MASK) as WordId,
            );
            let total: f64 = group.iter().map(|t| f64::from(t.1)).sum();
            let gamma: f64 = group.iter().map(|t| d3.of(t.1)).sum::<f64>() / total;
            let (mut kept_p, mut kept_lower) = (0.0, 0.0);
            for &(k, c) in group.iter().filter(|t| t.1 >= self.min_trigram_count) {
                let w = (k & KEY_MASK) as WordId;
                let lower = f64::from(lm.logprob_bigram(v, w)).exp();
                let q = quant_lp(((f64::from(c) - d3.of(c)) / total + gamma * lower).ln());
                kept_p += f64::from(dequant_lp(q)).exp();
                kept_lower += lower;
                tri_out.push((w << 16) | q);
            }
            tri_start.push(tri_out.len() as u32);
            ctx.push((v << 16) | quant_bow(backoff(kept_p, kept_lower)));
            ctx_start[u + 1] = ctx.len() as u32;
        }
        fill_starts(&mut ctx_start);
        lm.info.ngrams[2] = tri_out.len() as u64;
        lm.ctx_start = ctx_start;
        lm.ctx = ctx;
        lm.tri_start = tri_start;
        lm.tri = tri_out;
        lm.index()?;
        Ok(lm)
    }
}

/// Trains a model with the default settings; see [`LmBuilder::train_files`].
pub fn train_from_files(
    paths: &[PathBuf],
    skip: &(dyn Fn(&str) -> bool + Sync),
) -> Result<NgramLm, LmError> {
    LmBuilder::default().train_files(paths, skip)
}

/// ln of the back-off weight that gives the unstored words the mass the stored ones left:
/// `(1 − Σ stored P) / (1 − Σ stored P_lower)`.
fn backoff(kept_p: f64, kept_lower: f64) -> f64 {
    let num = (1.0 - kept_p).max(1e-12);
    let den = (1.0 - kept_lower).max(1e-12);
    (num / den).ln()
}

/// `starts[i + 1]` holds the end of group `i` or 0 when `i` had none: carry ends forward so
/// every group's range is `starts[i]..starts[i + 1]`.
fn fill_starts(starts: &mut [u32]) {
    for i in 1..starts.len() {
        starts[i] = starts[i].max(starts[i - 1]);
    }
}

struct Bigram {
    key: u64,
    raw: u32,
    distinct: u32,
}

/// Modified Kneser-Ney discounts for counts 1, 2 and 3+ (Chen & Goodman), from the counts
/// of counts; a small corpus where they are undefined gets 0.5, 1.0, 1.5.
struct Discounts([f64; 3]);

impl Discounts {
    fn from_counts(counts: impl Iterator<Item = u32>) -> Discounts {
        let mut n = [0f64; 5];
        for c in counts {
            if (1..=4).contains(&c) {
                n[c as usize] += 1.0;
            }
        }
        let y = n[1] / (n[1] + 2.0 * n[2]);
        let d = [
            1.0 - 2.0 * y * n[2] / n[1],
            2.0 - 3.0 * y * n[3] / n[2],
            3.0 - 4.0 * y * n[4] / n[3],
        ];
        let fallback = [0.5, 1.0, 1.5];
        let mut out = [0.0; 3];
        for i in 0..3 {
            out[i] = if d[i].is_finite() && d[i] > 0.0 && d[i] <= (i + 1) as f64 {
                d[i]
            } else {
                fallback[i]
            };
        }
        Discounts(out)
    }

    #[inline]
    fn of(&self, count: u32) -> f64 {
        match count {
            0 => 0.0,
            1 => self.0[0],
            2 => self.0[1],
            _ => self.0[2],
        }
    }
}

/// Word → (count, has digits or symbols).
type WordCounts = HashMap<String, (u64, bool)>;

fn merge_word_counts(mut a: WordCounts, mut b: WordCounts) -> WordCounts {
    if a.len() < b.len() {
        std::mem::swap(&mut a, &mut b);
    }
    for (w, (c, junk)) in b {
        a.entry(w).or_insert((0, junk)).0 += c;
    }
    a
}

/// Trigram counts of some text: sorted packed keys with counts.
#[derive(Default)]
struct Counts {
    tri: Vec<(u64, u32)>,
    sentences: u64,
    tokens: u64,
}

impl Counts {
    /// Merges two sorted count lists (commutative, so the result does not depend on which
    /// chunks a thread happened to read).
    fn merge(self, other: Counts) -> Counts {
        let (a, b) = (self.tri, other.tri);
        let mut tri = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => {
                    tri.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    tri.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    tri.push((a[i].0, a[i].1 + b[j].1));
                    i += 1;
                    j += 1;
                }
            }
        }
        tri.extend_from_slice(&a[i..]);
        tri.extend_from_slice(&b[j..]);
        Counts {
            tri,
            sentences: self.sentences + other.sentences,
            tokens: self.tokens + other.tokens,
        }
    }
}

/// The paragraphs of `text`, each as one slice (several lines for
/// [`Paragraphs::BlankLineSeparated`]).
fn paragraphs(text: &str, mode: Paragraphs) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let line_end = rest.find('\n').map_or(rest.len(), |p| p + 1);
        let line = &rest[..line_end];
        if line.trim().is_empty() {
            rest = &rest[line_end..];
            continue;
        }
        let mut end = line_end;
        if mode == Paragraphs::BlankLineSeparated {
            while end < rest.len() {
                let next_end = rest[end..].find('\n').map_or(rest.len(), |p| end + p + 1);
                if rest[end..next_end].trim().is_empty() {
                    break;
                }
                end = next_end;
            }
        }
        let para = &rest[..end];
        rest = &rest[end..];
        return Some(para);
    })
}

/// Reads files as chunks of about `target` bytes cut at paragraph boundaries, so memory
/// stays bounded whatever the corpus size. A paragraph never spans two files.
struct ChunkReader<'a> {
    paths: &'a [PathBuf],
    next: usize,
    current: Option<(&'a Path, BufReader<File>, u64)>,
    target: usize,
    mode: Paragraphs,
}

impl<'a> ChunkReader<'a> {
    fn new(paths: &'a [PathBuf], target: usize, mode: Paragraphs) -> Self {
        ChunkReader {
            paths,
            next: 0,
            current: None,
            target,
            mode,
        }
    }

    fn read_chunk(&mut self) -> Option<Result<String, LmError>> {
        loop {
            if self.current.is_none() {
                let path = self.paths.get(self.next)?;
                self.next += 1;
                match File::open(path) {
                    Ok(f) => self.current = Some((path, BufReader::with_capacity(1 << 16, f), 0)),
                    Err(source) => {
                        return Some(Err(LmError::Io {
                            path: path.clone(),
                            source,
                        }))
                    }
                }
            }
            let (path, reader, offset) = self.current.as_mut()?;
            let mut buf = Vec::with_capacity(self.target + (64 << 10));
            let start = *offset;
            loop {
                let before = buf.len();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) => break,
                    Ok(n) => *offset += n as u64,
                    Err(source) => {
                        let path = path.to_path_buf();
                        self.current = None;
                        return Some(Err(LmError::Io { path, source }));
                    }
                }
                let blank = buf[before..].iter().all(u8::is_ascii_whitespace);
                if buf.len() >= self.target && (self.mode == Paragraphs::Lines || blank) {
                    break;
                }
            }
            if buf.is_empty() {
                self.current = None;
                continue;
            }
            return Some(String::from_utf8(buf).map_err(|e| {
                let err = LmError::Utf8 {
                    path: path.to_path_buf(),
                    offset: start + e.utf8_error().valid_up_to() as u64,
                };
                self.current = None;
                err
            }));
        }
    }
}

impl Iterator for ChunkReader<'_> {
    type Item = Result<String, LmError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.read_chunk()
    }
}

/// Word → id for the selected vocabulary (ids are positions).
fn word_ids(words: &[String]) -> HashMap<&str, WordId> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as WordId))
        .collect()
}

/// A static mixture of two models (SRILM's `-mix-lm`): `P(w | h) = (1 − λ) P_a(w | h) + λ
/// P_b(w | h)`, with `λ = weight_b`, stored as one back-off model with the union of their
/// n-grams.
///
/// Why not pool the texts: a small second domain (general Vietnamese beside 25 times more legal
/// prose) either drowns, or, counted several times over, shifts the common words' statistics
/// that the legal decisions rest on (`cơ quan` read as `có quân`). In a mixture each model
/// keeps its own estimates and discounts; a history the legal model knows well keeps nearly its
/// probabilities (at most `ln(1 − λ)` lower), while where it has almost nothing to say, the
/// general model's `λ P_b` dominates.
///
/// Every stored n-gram's probability is the exact mixture of the two full back-off
/// probabilities; only the back-off weights are recomputed so each distribution sums to one
/// (their lower order is the mixture's own). A word one model lacks gets a share of that
/// model's `<unk>` probability, one per word type it left out. Word counts are `count_a +
/// count_b × (λ / (1 − λ)) × (tokens_a / tokens_b)`: the occurrences the mixture implies in a
/// text of model a's size, so the lexicon's word priors follow the mixture too.
pub fn mix(a: &NgramLm, b: &NgramLm, weight_b: f64) -> Result<NgramLm, LmError> {
    mix_on(a, b, weight_b, None)
}

/// [`mix`] over the vocabulary of `like` (its words, ids and counts), not the union's: words
/// outside it fall to `<unk>`. Two mixtures of the same texts at different weights then share
/// every word id and count, so the lexicon, priors and forms table derived from one serve
/// the other (see `model::GeneralDocs`).
pub fn mix_onto(
    a: &NgramLm,
    b: &NgramLm,
    weight_b: f64,
    like: &NgramLm,
) -> Result<NgramLm, LmError> {
    mix_on(a, b, weight_b, Some(&like.vocab))
}

fn mix_on(
    a: &NgramLm,
    b: &NgramLm,
    weight_b: f64,
    like: Option<&Vocab>,
) -> Result<NgramLm, LmError> {
    let lam = weight_b.clamp(0.0, 1.0);
    let (wa, wb) = ((1.0 - lam).ln(), lam.ln());
    let count_scale = if lam >= 1.0 {
        1.0
    } else {
        lam / (1.0 - lam) * a.info.tokens as f64 / (b.info.tokens.max(1)) as f64
    };

    // The union vocabulary, in the usual order: specials, then by decreasing count, then word.
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for id in SPECIALS.len()..a.vocab.len() {
        let id = id as WordId;
        *counts.entry(a.vocab.word(id)).or_default() += a.vocab.count(id);
    }
    for id in SPECIALS.len()..b.vocab.len() {
        let id = id as WordId;
        *counts.entry(b.vocab.word(id)).or_default() +=
            (b.vocab.count(id) as f64 * count_scale).round() as u64;
    }
    let mut kept: Vec<(&str, u64)> = match like {
        Some(v) => (SPECIALS.len()..v.len())
            .map(|id| (v.word(id as WordId), v.count(id as WordId)))
            .collect(),
        None => counts.into_iter().collect(),
    };
    if like.is_none() {
        kept.sort_unstable_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(y.0)));
        kept.truncate(MAX_VOCAB - SPECIALS.len());
    }
    let words: Vec<&str> = SPECIALS
        .iter()
        .copied()
        .chain(kept.iter().map(|(w, _)| *w))
        .collect();
    let nv = words.len();
    let to_a: Vec<WordId> = words.iter().map(|w| a.vocab.id_or_unk(w)).collect();
    let to_b: Vec<WordId> = words.iter().map(|w| b.vocab.id_or_unk(w)).collect();
    let mut raw1: Vec<u64> = std::iter::repeat_n(0, SPECIALS.len())
        .chain(kept.iter().map(|(_, c)| *c))
        .collect();
    match like {
        Some(v) => (0..SPECIALS.len()).for_each(|i| raw1[i] = v.count(i as WordId)),
        None => raw1[BOS as usize] = a.vocab.count(BOS) + b.vocab.count(BOS),
    }
    // A model's `<unk>` mass is shared by the words it lacks: the mixed vocabulary's words
    // outside its own, and the mixture's `<unk>` (the words neither kept) gets the rest. The
    // share of one is 1/(D + 1), D = the word types the model left out (at least those).
    let unk_shares = |m: &NgramLm, to: &[WordId]| -> Vec<f64> {
        let missing = (SPECIALS.len()..nv).filter(|&i| to[i] == UNK).count() as u64;
        let d = m.info.unk_types.max(missing) as f64 + 1.0;
        (0..nv)
            .map(|i| {
                if i == UNK as usize {
                    ((d - missing as f64) / d).ln()
                } else if to[i] == UNK {
                    -d.ln()
                } else {
                    0.0
                }
            })
            .collect()
    };
    let unk_a = unk_shares(a, &to_a);
    let unk_b = unk_shares(b, &to_b);
    let mixed = |la: f32, lb: f32, w: usize| -> f64 {
        let x = wa + f64::from(la) + unk_a[w];
        let y = wb + f64::from(lb) + unk_b[w];
        let m = x.max(y);
        if m == f64::NEG_INFINITY {
            return f64::from(LOG_ZERO);
        }
        m + ((x - m).exp() + (y - m).exp()).ln()
    };

    // Unigrams (`<s>` is never predicted).
    let mut p1 = vec![LOG_ZERO; nv];
    for (w, p) in p1.iter_mut().enumerate().skip(1) {
        let (ia, ib) = (to_a[w], to_b[w]);
        *p = mixed(a.logprob_unigram(ia), b.logprob_unigram(ib), w) as f32;
    }

    // Stored n-grams of either model, in mixed ids.
    let mut from_a = vec![UNK; a.vocab.len()];
    let mut from_b = vec![UNK; b.vocab.len()];
    for (i, w) in words.iter().enumerate() {
        if let Some(j) = a.vocab.id(w) {
            from_a[j as usize] = i as WordId;
        }
        if let Some(j) = b.vocab.id(w) {
            from_b[j as usize] = i as WordId;
        }
    }
    let mut bigram_keys: Vec<(WordId, WordId)> = Vec::new();
    let mut trigram_keys: Vec<(WordId, WordId, WordId)> = Vec::new();
    for (m, map) in [(a, &from_a), (b, &from_b)] {
        for (v, r) in super::group_ranges(&m.bi_start).enumerate() {
            for &e in &m.bi[r] {
                bigram_keys.push((map[v], map[(e >> 16) as usize]));
            }
        }
        for (u, r) in super::group_ranges(&m.ctx_start).enumerate() {
            for c in r {
                let v = map[(m.ctx[c] >> 16) as usize];
                let tr = m.tri_start[c] as usize..m.tri_start[c + 1] as usize;
                for &e in &m.tri[tr] {
                    trigram_keys.push((map[u], v, map[(e >> 16) as usize]));
                }
            }
        }
    }
    bigram_keys.par_sort_unstable();
    bigram_keys.dedup();
    trigram_keys.par_sort_unstable();
    trigram_keys.dedup();

    let mut bow1 = vec![0f32; nv];
    let mut bi_start = vec![0u32; nv + 1];
    let mut bi = Vec::with_capacity(bigram_keys.len());
    for group in bigram_keys.chunk_by(|x, y| x.0 == y.0) {
        let v = group[0].0 as usize;
        let (mut kept_p, mut kept_lower) = (0.0, 0.0);
        for &(_, w) in group {
            let w = w as usize;
            let lp = mixed(
                a.logprob_bigram(to_a[v], to_a[w]),
                b.logprob_bigram(to_b[v], to_b[w]),
                w,
            );
            let q = quant_lp(lp);
            kept_p += f64::from(dequant_lp(q)).exp();
            kept_lower += f64::from(p1[w]).exp();
            bi.push(((w as u32) << 16) | q);
        }
        bi_start[v + 1] = bi.len() as u32;
        bow1[v] = backoff(kept_p, kept_lower) as f32;
    }
    fill_starts(&mut bi_start);

    let info = LmInfo {
        ngrams: [nv as u64, bi.len() as u64, 0],
        unk_types: a.info.unk_types.min(b.info.unk_types),
        tokens: a.info.tokens + b.info.tokens,
        sentences: a.info.sentences + b.info.sentences,
    };
    let mut lm = NgramLm {
        vocab: Vocab::new(words.iter().copied(), raw1),
        info,
        p1,
        bow1,
        bi_start,
        bi,
        ctx_start: vec![0; nv + 1],
        ctx: Vec::new(),
        tri_start: vec![0],
        tri: Vec::new(),
        tables: Default::default(),
    };

    let (mut ctx, mut tri_start, mut tri_out) = (Vec::new(), vec![0u32], Vec::new());
    let mut ctx_start = vec![0u32; nv + 1];
    for group in trigram_keys.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        let (u, v) = (group[0].0 as usize, group[0].1 as usize);
        let (ca, cb) = (a.context(to_a[u], to_a[v]), b.context(to_b[u], to_b[v]));
        let (mut kept_p, mut kept_lower) = (0.0, 0.0);
        for &(_, _, w) in group {
            let w = w as usize;
            let lp = mixed(a.logprob_in(&ca, to_a[w]), b.logprob_in(&cb, to_b[w]), w);
            let q = quant_lp(lp);
            kept_p += f64::from(dequant_lp(q)).exp();
            kept_lower += f64::from(lm.logprob_bigram(v as WordId, w as WordId)).exp();
            tri_out.push(((w as u32) << 16) | q);
        }
        tri_start.push(tri_out.len() as u32);
        ctx.push(((v as u32) << 16) | quant_bow(backoff(kept_p, kept_lower)));
        ctx_start[u + 1] = ctx.len() as u32;
    }
    fill_starts(&mut ctx_start);
    lm.info.ngrams[2] = tri_out.len() as u64;
    lm.ctx_start = ctx_start;
    lm.ctx = ctx;
    lm.tri_start = tri_start;
    lm.tri = tri_out;
    lm.index()?;
    Ok(lm)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGAL: &str = "ủy ban nhân dân tỉnh quyết định\nủy ban nhân dân xã báo cáo\n\
        cơ quan nhà nước báo cáo ủy ban nhân dân tỉnh\nquyết định của ủy ban nhân dân\n";
    const GENERAL: &str = "người dân đi chợ sáng nay\nnhân dân đi chợ tết\n\
        người đi chợ mua cá\ntrời sáng người dân đi làm\n";

    fn toy(text: &str) -> NgramLm {
        LmBuilder::new()
            .min_word_count(1)
            .min_trigram_count(1)
            .train_texts(&[text], &|_| false)
            .unwrap()
    }

    /// ln P(w3 | w1 w2) of `m` with words given as text (an unknown word is `<unk>`).
    fn lp(m: &NgramLm, h: [&str; 2], w: &str) -> f64 {
        let id = |x: &str| m.vocab().id_or_unk(x);
        f64::from(m.logprob(id(h[0]), id(h[1]), id(w)))
    }

    #[test]
    fn mixture_is_the_weighted_sum_and_sums_to_one() {
        let (a, b) = (toy(LEGAL), toy(GENERAL));
        let m = mix(&a, &b, 0.25).unwrap();
        // The union of the vocabularies.
        for w in ["ủy", "quyết", "chợ", "trời"] {
            assert!(m.vocab().id(w).is_some(), "{w}");
        }
        // Words both models know: exactly the mixture of their probabilities (up to the
        // 16-bit quantisation).
        for (h, w) in [
            (["nhân", "dân"], "</s>"),
            (["<s>", "nhân"], "dân"),
            (["ủy", "ban"], "nhân"),
            (["<s>", "người"], "dân"),
        ] {
            let want = 0.75 * lp(&a, h, w).exp() + 0.25 * lp(&b, h, w).exp();
            let got = lp(&m, h, w).exp();
            assert!(
                (got - want).abs() < 2e-3 * want,
                "{h:?} {w}: {got} vs {want}"
            );
        }
        // Every distribution of the mixture sums to one.
        let v = m.vocab().len() as WordId;
        for h in [
            ["nhân", "dân"],
            ["ủy", "ban"],
            ["đi", "chợ"],
            ["báo", "cáo"],
        ] {
            let ctx = m.context(m.vocab().id_or_unk(h[0]), m.vocab().id_or_unk(h[1]));
            let s: f64 = (1..v).map(|w| f64::from(m.logprob_in(&ctx, w)).exp()).sum();
            assert!((s - 1.0).abs() < 5e-3, "P(·|{h:?}) sums to {s}");
        }
    }

    #[test]
    fn mixture_weight_zero_keeps_the_first_model() {
        let (a, b) = (toy(LEGAL), toy(GENERAL));
        let m = mix(&a, &b, 0.0).unwrap();
        for (h, w) in [
            (["nhân", "dân"], "tỉnh"),
            (["ủy", "ban"], "nhân"),
            (["báo", "cáo"], "ủy"),
            (["<s>", "<s>"], "cơ"),
        ] {
            assert!((lp(&m, h, w) - lp(&a, h, w)).abs() < 2e-3, "{h:?} {w}");
        }
        // The general model's own words get no count, so the lexicon does not take them.
        assert_eq!(m.vocab().count(m.vocab().id_or_unk("chợ")), 0);
        assert!(m.vocab().count(m.vocab().id_or_unk("ủy")) > 0);
    }

    #[test]
    fn paragraph_modes() {
        let t = "a b\nc\n\n  \nd\n";
        let lines: Vec<_> = paragraphs(t, Paragraphs::Lines).collect();
        assert_eq!(lines, ["a b\n", "c\n", "d\n"]);
        let blocks: Vec<_> = paragraphs(t, Paragraphs::BlankLineSeparated).collect();
        assert_eq!(blocks, ["a b\nc\n", "d\n"]);
        assert_eq!(paragraphs("x", Paragraphs::Lines).count(), 1);
    }

    #[test]
    fn skipped_paragraphs_are_not_counted() {
        let text = "một hai ba\nbốn năm sáu\nmột hai ba\n";
        let all = LmBuilder::new()
            .min_word_count(1)
            .train_texts(&[text], &|_| false)
            .unwrap();
        let some = LmBuilder::new()
            .min_word_count(1)
            .train_texts(&[text], &|p| p.contains("bốn"))
            .unwrap();
        assert_eq!(all.info().sentences, 3);
        assert_eq!(some.info().sentences, 2);
        assert_eq!(some.vocab().id("bốn"), None);
        assert!(matches!(
            LmBuilder::new().train_texts(&[text], &|_| true),
            Err(LmError::NoText)
        ));
    }

    #[test]
    fn blank_line_paragraphs_are_one_sentence() {
        let text = "một hai\nba bốn\n\nnăm sáu\n";
        let b = LmBuilder::new().min_word_count(1);
        let lines = b.train_texts(&[text], &|_| false).unwrap();
        let blocks = b
            .paragraphs(Paragraphs::BlankLineSeparated)
            .train_texts(&[text], &|_| false)
            .unwrap();
        assert_eq!(lines.info().sentences, 3);
        assert_eq!(blocks.info().sentences, 2);
        let v = blocks.vocab();
        let (hai, ba) = (v.id_or_unk("hai"), v.id_or_unk("ba"));
        assert!(blocks.logprob_bigram(hai, ba) > lines.logprob_bigram(hai, ba));
    }

    #[test]
    fn rare_and_junk_words_are_unknown() {
        let text = "một hai s6\nmột hai ba\nhai s6 x4\n";
        let lm = LmBuilder::new().train_texts(&[text], &|_| false).unwrap();
        assert!(lm.vocab().id("một").is_some() && lm.vocab().id("hai").is_some());
        assert_eq!(lm.vocab().id("ba"), None);
        assert_eq!(lm.vocab().id("s6"), None);
        assert_eq!(lm.info().unk_types, 3); // ba, s6, x4
        assert_eq!(lm.vocab().count(UNK), 4);
    }

    #[test]
    fn files_stream_and_threads_do_not_matter() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for f in 0..3 {
            let mut text = String::new();
            for i in 0..400 {
                let n = (i * 7 + f * 13) % 23;
                text.push_str(&format!(
                    "báo cáo số {n} về công tác {} của xã {} năm 2025\n",
                    ["hòa giải", "thủy lợi", "tư pháp", "hộ tịch"][i % 4],
                    ["Tây Trà", "Ba Tơ", "Sơn Hà"][(i + f) % 3],
                ));
            }
            let p = dir.path().join(format!("{f}.txt"));
            std::fs::write(&p, text).unwrap();
            paths.push(p);
        }
        let builder = LmBuilder {
            chunk_bytes: 1000, // many chunks, so threads interleave
            ..LmBuilder::default()
        };
        let skip = |p: &str| p.contains("số 5 ");
        let train = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| builder.train_files(&paths, &skip).unwrap())
                .to_bytes()
        };
        let one = train(1);
        assert_eq!(one, train(4));
        assert_eq!(one, train(3));
        // the same text in one piece gives the same model
        let texts: Vec<String> = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert_eq!(one, builder.train_texts(&refs, &skip).unwrap().to_bytes());
        let missing = [dir.path().join("nope.txt")];
        assert!(matches!(
            builder.train_files(&missing, &skip),
            Err(LmError::Io { .. })
        ));
    }
}
