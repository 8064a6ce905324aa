//! Restoration: the noisy-channel repair of OCR text.
//!
//! For each paragraph (a run of non-blank lines) the tokens are read into a lattice of
//! candidate readings — each word token as one lexicon word, as two words (OCR glued them), or
//! together with its neighbour as one word (OCR split it) — scored by the learned OCR error
//! model, and the best path under the syllable trigram language model is decoded over the whole
//! paragraph (see [`decode`]). The chosen words are written back in the case pattern of the
//! input; everything that is not a rewritten token (spaces, punctuation, numbers, URLs, line
//! ends) is copied verbatim, so output line N is the restoration of input line N.
//!
//! [`Restorer`] is built once from a [`Model`] and is immutable and `Send + Sync`; per-thread
//! buffers and the cache of candidate lists live in a [`Session`].

pub mod candidates;
pub mod decode;
mod document;
pub mod forms;
mod predicted;
mod render;
mod skeleton;
mod windows;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::channel::SkeletonIndex;
use crate::model::Model;
use crate::offsets::OffsetMap;
use crate::text::tokenize::Token;

pub use candidates::Reading;
pub use render::TokenReport;

/// Decoding knobs, set on [`RestorerBuilder`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Weight of the language model's −ln P against the channel's.
    pub lm_weight: f32,
    /// Weight of the channel's −ln P(observed | intended).
    pub channel_weight: f32,
    /// States kept per lattice position.
    pub beam: usize,
    /// States this far (−ln) behind the position's best are dropped.
    pub beam_width: f32,
    /// Candidate readings kept per token.
    pub max_candidates: usize,
    /// Channel cost above which a candidate is not considered.
    pub max_cost: f32,
    /// The same for a word read from two tokens.
    pub merge_max_cost: f32,
    /// The same for each part of a token read as two words.
    pub split_max_cost: f32,
    /// Readings worse than the token's best by more than this are dropped before decoding.
    pub margin: f32,
    /// Cost of leaving a token that is not in the lexicon as it is.
    pub keep_cost: f32,
    /// Extra cost of reading one token as two words.
    pub split_penalty: f32,
    /// Extra cost of reading two tokens as one word.
    pub merge_penalty: f32,
    /// Splits are tried when the best whole-token reading costs more than this.
    pub split_trigger: f32,
    /// Weight of the word-frequency prior that ranks the channel's candidates before the
    /// list is cut to `max_candidates`: an unmarked `doi` fits some 20 syllables almost equally
    /// well, and the frequent ones (`đổi`, `đối`) must survive the cut for the LM to choose.
    /// Only for ranking: the edge cost is the channel cost alone, the LM brings the frequency.
    pub prior_weight: f32,
    /// Candidates ranked (channel cost plus prior) this far behind the best are dropped: the
    /// decoder's work grows with every candidate, and far-behind ones almost never win.
    pub rank_margin: f32,
    /// Cost of changing a token in a text that reads as clean (see [`Restorer::change_penalty`]).
    pub change_weight: f32,
    /// Extra cost of reading a short number token as a word (`Ty 16 hé so` = `Tỷ lệ hồ sơ`,
    /// `16p` = `lớp`), on top of the channel cost; its number reading costs nothing, so the
    /// word must be carried by its context (see `render::number_may_be_word`).
    pub number_word_penalty: f32,
    /// Extra cost of writing a lone consonant (`X`, `s`, `B`) for a token that is not one
    /// (`X&` = `Xã`, `s6` = `số`): no Vietnamese word is a consonant alone, and OCR seldom
    /// loses a whole vowel and its marks, so such a reading is mostly wrong (on dev 003, 16 of
    /// 19). A lone consonant read as such (a list label, `điểm b`) pays nothing.
    pub lone_penalty: f32,
    /// The document pass (see `restore::document`): how much dearer the other readings of a doubtful
    /// word are made, in its second decode, than the reading the document gives that word
    /// where it is confident. 0 turns the pass off.
    pub doc_bonus: f32,
    /// Confidence from which a word's reading counts as the document's evidence.
    pub doc_confident: f32,
    /// Confidence below which a word is doubtful (`--mark` flags below 0.8).
    pub doc_doubtful: f32,
    /// Share of a word's confident readings that one reading must hold to be the document's
    /// (for the document pass and for the weighing of `--mark` confidences).
    pub doc_share: f32,
    /// Fewest confident other occurrences of a word that weigh its reported confidence
    /// (`restore::document`; `--mark` only, the text is the same). 0 turns the
    /// weighing off.
    pub doc_votes: u32,
    /// How far a document's words must lean to general Vietnamese, in nats per word, for it to
    /// get the model's general-domain language model (see [`crate::domain`]); `inf` keeps every
    /// document on the legal one.
    pub general_lean: f32,
    /// Readings of the previous token whose words may bring the token readings its own
    /// search cut (see `restore::predicted`); 0 turns the prediction off.
    pub predict_contexts: usize,
    /// How badly the decoded path's reading of a token must fit (its edge cost plus its
    /// surprisal, −ln P under the trigram model) for the token's neighbours to be asked for
    /// readings (see `render::add_predicted`); 0 asks for every token with no lexicon reading
    /// as written.
    pub predict_cost: f32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            lm_weight: 1.0,
            channel_weight: 1.0,
            beam: 12,
            beam_width: 8.0,
            max_candidates: 12,
            max_cost: 14.0,
            merge_max_cost: 10.0,
            split_max_cost: 14.0,
            margin: 10.0,
            keep_cost: 9.0,
            split_penalty: 4.0,
            merge_penalty: 4.0,
            split_trigger: 5.0,
            prior_weight: 1.0,
            change_weight: 6.0,
            rank_margin: 8.0,
            number_word_penalty: 3.0,
            lone_penalty: 4.0,
            // Off unless asked for (`--set doc_bonus=2`): on OCR it costs far more than it
            // gains in speed terms (README, "One reading per document").
            doc_bonus: 0.0,
            doc_confident: 0.9,
            doc_doubtful: 0.8,
            doc_share: 0.7,
            doc_votes: 3,
            general_lean: crate::domain::GENERAL_LEAN,
            // Asked only where the first decode's reading fits badly (`predict_cost`): asked
            // everywhere it cost +22 % of the instructions of unseen OCR, gated +5.4 %
            // (README, "Words the previous word predicts").
            predict_contexts: 3,
            predict_cost: 12.0,
        }
    }
}

impl Params {
    /// Sets one knob by name (`lm_weight=1.2`), for tuning from the command line.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let (key, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=VALUE, got {assignment:?}"))?;
        let num = || {
            value
                .trim()
                .parse::<f32>()
                .map_err(|e| format!("{key}: {e}"))
        };
        match key.trim() {
            "lm_weight" => self.lm_weight = num()?,
            "channel_weight" => self.channel_weight = num()?,
            "beam" => self.beam = num()? as usize,
            "beam_width" => self.beam_width = num()?,
            "max_candidates" => self.max_candidates = num()? as usize,
            "max_cost" => self.max_cost = num()?,
            "merge_max_cost" => self.merge_max_cost = num()?,
            "split_max_cost" => self.split_max_cost = num()?,
            "margin" => self.margin = num()?,
            "keep_cost" => self.keep_cost = num()?,
            "split_penalty" => self.split_penalty = num()?,
            "merge_penalty" => self.merge_penalty = num()?,
            "split_trigger" => self.split_trigger = num()?,
            "prior_weight" => self.prior_weight = num()?,
            "change_weight" => self.change_weight = num()?,
            "rank_margin" => self.rank_margin = num()?,
            "number_word_penalty" => self.number_word_penalty = num()?,
            "lone_penalty" => self.lone_penalty = num()?,
            "doc_bonus" => self.doc_bonus = num()?,
            "doc_confident" => self.doc_confident = num()?,
            "doc_doubtful" => self.doc_doubtful = num()?,
            "doc_share" => self.doc_share = num()?,
            "doc_votes" => self.doc_votes = num()? as u32,
            "general_lean" => self.general_lean = num()?,
            "predict_contexts" => self.predict_contexts = num()? as usize,
            "predict_cost" => self.predict_cost = num()?,
            other => return Err(format!("unknown knob {other:?}")),
        }
        Ok(())
    }
}

/// Builds a [`Restorer`] from a model, with knobs.
pub struct RestorerBuilder {
    model: Model,
    params: Params,
}

impl RestorerBuilder {
    /// Sets all knobs at once.
    pub fn params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }

    /// Weight of the language model.
    pub fn lm_weight(mut self, w: f32) -> Self {
        self.params.lm_weight = w;
        self
    }

    /// States kept per position.
    pub fn beam(mut self, b: usize) -> Self {
        self.params.beam = b;
        self
    }

    /// Builds the candidate index and the restorer.
    pub fn build(self) -> Restorer {
        let vocab = self.model.lm.vocab();
        let max_count = (0..vocab.len() as u32)
            .map(|id| vocab.count(id))
            .max()
            .unwrap_or(1);
        let mut priors = vec![0.0f32; vocab.len()];
        let words: Vec<(u32, &str)> = self
            .model
            .lexicon
            .words()
            .filter_map(|w| vocab.id(w).map(|id| (id, w)))
            .collect();
        for &(id, _) in &words {
            let ratio = max_count as f64 / vocab.count(id).saturating_add(1) as f64;
            priors[id as usize] = self.params.prior_weight * ratio.ln() as f32;
        }
        let mut known = vec![false; vocab.len()];
        for &(id, _) in &words {
            known[id as usize] = true;
        }
        let lone = (0..vocab.len() as u32)
            .map(|id| render::lone_consonant(vocab.word(id)))
            .collect();
        let index = SkeletonIndex::build_with_priors(
            &self.model.channel,
            words.iter().map(|&(id, w)| (id, w, priors[id as usize])),
        );
        let skeletons =
            skeleton::Skeletons::build(words.iter().map(|&(_, w)| w), &self.model.channel);
        let mut word_skeletons = vec![None; vocab.len()];
        for &(id, w) in &words {
            word_skeletons[id as usize] =
                predicted::pack(w.chars().map(crate::text::vietnamese::ascii_base));
        }
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Restorer {
            model: self.model,
            index,
            skeletons,
            word_skeletons,
            priors,
            known,
            lone,
            params: self.params,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            shared: candidates::Shared::default(),
            forms_fit: std::sync::OnceLock::new(),
            general: std::sync::OnceLock::new(),
        }
    }
}

/// The restoration engine. Immutable; share it by reference across threads.
pub struct Restorer {
    model: Model,
    index: SkeletonIndex,
    /// Which strings could be a lexicon word at all (tested before a merge's search).
    skeletons: skeleton::Skeletons,
    /// The packed skeleton of each lexicon word, by vocabulary id (see `restore::predicted`).
    word_skeletons: Vec<Option<u64>>,
    /// The ranking prior of each vocabulary word (see [`Params::prior_weight`]).
    priors: Vec<f32>,
    /// Whether each vocabulary word is a lexicon word (for [`Restorer::cleanliness`]).
    known: Vec<bool>,
    /// Whether each vocabulary word is a lone consonant (see [`Params::lone_penalty`]),
    /// looked up for every reading of every token.
    lone: Vec<bool>,
    params: Params,
    /// Distinguishes restorers in the per-thread session cache.
    id: u64,
    /// Readings cached for all threads (see [`candidates::Shared`]).
    shared: candidates::Shared,
    /// Whether the model's forms table was computed for this model and these knobs
    /// (checked on first use: clean text never needs it).
    forms_fit: std::sync::OnceLock<bool>,
    /// This restorer with the model's general-domain language model, for documents in general
    /// Vietnamese (see [`crate::domain`]); made when the first one comes.
    general: std::sync::OnceLock<Option<Box<Restorer>>>,
}

/// The result of restoring a text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Restored {
    /// The restored text, line-aligned with the input.
    pub text: String,
    /// Maps byte offsets of `text` back to the input.
    pub map: OffsetMap,
    /// Byte ranges (in the input) of word tokens left as they are without being read,
    /// because they are longer than any word OCR could have made of a lexicon word
    /// ([`candidates::MAX_SEARCH_CHARS`]): what keeps restoration time linear in the input
    /// whatever it holds. Callers may warn about them.
    pub passed_through: Vec<std::ops::Range<usize>>,
}

impl Restored {
    /// One `not_restored` warning per token in [`Restored::passed_through`], with its span
    /// in `text` (the text that was restored), for a record's `warnings`.
    pub fn passed_through_warnings(&self, text: &str) -> Vec<crate::record::Warning> {
        let (mut line, mut at) = (1, 0);
        self.passed_through
            .iter()
            .map(|r| {
                // The ranges are in text order: count lines once, forward.
                let upto = r.start.clamp(at, text.len());
                line += text.as_bytes()[at..upto].iter().filter(|&&b| b == b'\n').count();
                at = upto;
                crate::record::Warning {
                    kind: crate::record::WarningKind::NotRestored,
                    message: format!(
                        "a word of {} bytes, longer than any word the restorer reads, was left as it is",
                        r.end - r.start
                    ),
                    span: Some(crate::record::Span {
                        line,
                        start: r.start,
                        end: r.end,
                        ..Default::default()
                    }),
                }
            })
            .collect()
    }
}

/// Per-thread buffers and the cache of candidate lists. Reuse one per worker thread.
#[derive(Default)]
pub struct Session {
    owner: u64,
    cands: candidates::Scratch,
    para: render::ParagraphScratch,
}

impl Session {
    /// The work this session has done: DP cells of the channel's lexicon searches plus
    /// edges scored by the decoder. A count, not a time, so that a test can bound it by the
    /// input's length whatever the machine.
    pub fn work(&self) -> u64 {
        self.cands.cells() + self.para.steps()
    }
}

/// Word tokens of a text counted for [`Restorer::cleanliness`]; they add up over the pieces
/// of a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CleanCounts {
    /// Word tokens (letters only).
    pub words: usize,
    /// Those that are lexicon words as written and carry a mark (a tone, a hat, `đ`).
    pub marked: usize,
    /// Those that are lexicon words as written with no mark at all.
    pub unmarked: usize,
}

/// How many unmarked lexicon words one marked one lets vouch for cleanliness. An unmarked
/// word (`bao`, `cao`, `so`, `tinh`) is as likely in text whose marks were lost as in clean
/// text, so on its own it is no evidence: `Bao cao so 12 ngay 3 thang 4` is all lexicon words
/// and all wrong. Clean Vietnamese has some six marked words to one unmarked lexicon word
/// (legal prose, measured on the corpus), so one-for-one leaves clean text its full count and
/// gives marks-lost text none, however few its tokens.
const UNMARKED_PER_MARKED: usize = 1;

impl CleanCounts {
    /// The share of word tokens that vouch for the text being clean: marked lexicon words,
    /// and unmarked ones up to [`UNMARKED_PER_MARKED`] per marked one. 1.0 for no words.
    pub fn cleanliness(&self) -> f32 {
        if self.words == 0 {
            return 1.0;
        }
        let vouching = self.marked + self.unmarked.min(UNMARKED_PER_MARKED * self.marked);
        vouching as f32 / self.words as f32
    }
}

impl std::ops::AddAssign for CleanCounts {
    fn add_assign(&mut self, o: CleanCounts) {
        self.words += o.words;
        self.marked += o.marked;
        self.unmarked += o.unmarked;
    }
}

/// Cleanliness (see [`Restorer::cleanliness`]) up to which text is treated as raw OCR, and
/// from which as clean; the change penalty rises linearly in between.
const CLEAN_LOW: f32 = 0.85;
const CLEAN_HIGH: f32 = 0.97;

/// Paragraphs per parallel work item when one large text is restored.
const PARALLEL_CHUNK_BYTES: usize = 32 * 1024;

/// [`Restorer::lexicon_id`] of the tokens this thread has seen, for the restorer `owner`.
#[derive(Default)]
struct WordIds {
    owner: u64,
    ids: rustc_hash::FxHashMap<Box<str>, u32>,
}

/// The memo's mark of a token that is not a lexicon word as written.
const NOT_A_WORD: u32 = u32::MAX;
/// The memo is emptied when it holds this many tokens (a few MB at most), so that memory
/// stays bounded however many distinct tokens a long run meets.
const MEMO_WORDS: usize = 1 << 17;
/// Longer tokens are not memoised: no Vietnamese word is this long, and junk is rarely seen
/// twice.
const MEMO_WORD_BYTES: usize = 32;

thread_local! {
    static WORD_IDS: RefCell<WordIds> = RefCell::new(WordIds::default());
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
}

impl Restorer {
    /// A builder over `model` with the default knobs.
    pub fn builder(model: Model) -> RestorerBuilder {
        RestorerBuilder {
            model,
            params: Params::default(),
        }
    }

    /// The model this restorer was built from.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The knobs in use.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The model back, for writing it (`sohoa train`).
    pub fn into_model(self) -> Model {
        self.model
    }

    /// The model's forms table, if it was computed for this model and these knobs (see
    /// [`forms`]).
    pub fn forms(&self) -> Option<&crate::forms::Forms> {
        let table = self.model.forms.as_ref()?;
        let embedded = self.model.origin == crate::model::Origin::Embedded;
        self.forms_fit
            .get_or_init(|| forms::fits(table, self, embedded))
            .then_some(table)
    }

    /// Restores `text`. Large texts are split into paragraph groups decoded in parallel;
    /// the result does not depend on the number of threads.
    pub fn restore(&self, text: &str) -> Restored {
        self.restore_with_penalty(text, self.change_penalty(text))
    }

    /// [`Restorer::restore`] with the change penalty given: that of the whole document when
    /// `text` is one chunk of it (see [`Restorer::cleanliness_counts`]), so that how clean a
    /// text is judged does not depend on how it was cut.
    pub fn restore_with_penalty(&self, text: &str, penalty: f32) -> Restored {
        self.restore_parts(text, penalty, None)
    }

    /// [`Restorer::restore_with_penalty`] of a text whose word tokens were already looked up
    /// by [`Restorer::cleanliness_scan`]: in clean text, a paragraph with none of `unknown` in
    /// it is copied as it is, without tokenizing it again. The same output.
    pub(crate) fn restore_known(&self, text: &str, penalty: f32, unknown: &[u32]) -> Restored {
        self.restore_parts(text, penalty, Some(Unknown::new(unknown)))
    }

    /// [`Restorer::restore_with_penalty`] given what [`Restorer::cleanliness_scan`] left:
    /// where the unknown words start (see [`Restorer::restore_known`]) and the text's tokens,
    /// which its paragraphs then take instead of being tokenized again. The same output.
    pub(crate) fn restore_scanned(
        &self,
        text: &str,
        penalty: f32,
        unknown: Option<&[u32]>,
        tokens: &[Token],
    ) -> Restored {
        let pre = Pretokens { tokens, base: 0 };
        self.restore_doc(text, penalty, unknown.map(Unknown::new), Some(pre), false)
            .0
    }

    fn restore_parts(&self, text: &str, penalty: f32, unknown: Option<Unknown<'_>>) -> Restored {
        self.restore_doc(text, penalty, unknown, None, false).0
    }

    /// Restores a whole text: the first pass of every piece (in parallel when the text is
    /// large), the document's cache from all their votes, then the second pass of the pieces
    /// that hold targets (see [`document`]). With `reports`, the text is one piece and every
    /// word is reported.
    fn restore_doc(
        &self,
        text: &str,
        penalty: f32,
        unknown: Option<Unknown<'_>>,
        pre: Option<Pretokens<'_>>,
        reports: bool,
    ) -> (Restored, Vec<TokenReport>) {
        let r = self.for_text(text, penalty);
        if !std::ptr::eq(r, self) {
            return r.restore_doc(text, penalty, unknown, pre, reports);
        }
        if reports || text.len() <= PARALLEL_CHUNK_BYTES {
            return self.with_session(|s| {
                let mut first = self.first_pass(text, s, penalty, unknown, pre, reports);
                self.plan(std::slice::from_mut(&mut first), false);
                self.second_pass(text, s, penalty, first, reports)
            });
        }
        let chunks = paragraph_chunks(text, PARALLEL_CHUNK_BYTES);
        let mut firsts: Vec<FirstPass> = chunks
            .par_iter()
            .map(|&(start, end)| {
                // A part's edges count as the text's only where they are at whitespace.
                let edges = at_whitespace(text, start, end);
                let part = unknown.filter(|_| edges).map(|u| u.shifted(start));
                let tokens = pre.filter(|_| edges).map(|p| p.shifted(start));
                self.with_session(|s| {
                    self.first_pass(&text[start..end], s, penalty, part, tokens, false)
                })
            })
            .collect();
        self.plan(&mut firsts, true);
        let parts: Vec<(usize, Restored)> = chunks
            .par_iter()
            .zip(firsts)
            .map(|(&(start, end), first)| {
                let r = self.with_session(|s| {
                    self.second_pass(&text[start..end], s, penalty, first, false)
                        .0
                });
                (start, r)
            })
            .collect();
        let mut out = Restored {
            text: String::with_capacity(text.len() + text.len() / 8),
            map: OffsetMap::identity(),
            passed_through: Vec::new(),
        };
        for (start, part) in parts {
            out.map.extend_shifted(&part.map, start, out.text.len());
            out.passed_through.extend(
                part.passed_through
                    .iter()
                    .map(|r| r.start + start..r.end + start),
            );
            out.text.push_str(&part.text);
        }
        (out, Vec::new())
    }

    /// Restores `text` with an explicit session (no parallelism inside).
    pub fn restore_with(&self, text: &str, session: &mut Session) -> Restored {
        let penalty = self.change_penalty(text);
        let r = self.for_text(text, penalty);
        if !std::ptr::eq(r, self) {
            return r.restore_with(text, session);
        }
        let mut first = self.first_pass(text, session, penalty, None, None, false);
        self.plan(std::slice::from_mut(&mut first), false);
        self.second_pass(text, session, penalty, first, false).0
    }

    /// The restorer for `text`: this one, or its twin with the general-domain language model
    /// if the model has one and `text` is not clean and reads as general Vietnamese (see
    /// [`crate::domain`]). A text judged clean is mostly copied as it is: it needs neither.
    fn for_text(&self, text: &str, penalty: f32) -> &Restorer {
        match &self.model.general {
            Some(g) if !self.is_clean_penalty(penalty) => {
                self.for_evidence(g.domain.evidence(text))
            }
            _ => self,
        }
    }

    /// This restorer or its general twin, for a text of that domain evidence (nats, words).
    fn for_evidence(&self, (sum, n): (f64, usize)) -> &Restorer {
        if crate::domain::is_general(sum, n, self.params.general_lean) {
            self.general_twin().unwrap_or(self)
        } else {
            self
        }
    }

    /// How far `text`'s words lean to general Vietnamese (nats in all, and the words counted;
    /// see [`crate::domain`]), and whether a restore of it gets the general-domain language
    /// model. `None` if the model has none.
    pub fn domain_of(&self, text: &str) -> Option<(f64, usize, bool)> {
        let g = self.model.general.as_ref()?;
        let (sum, n) = g.domain.evidence(text);
        let clean = self.is_clean_penalty(self.change_penalty(text));
        let general = !clean && !std::ptr::eq(self.for_evidence((sum, n)), self);
        Some((sum, n, general))
    }

    /// This restorer over the model's general-domain language model (the same id: the two
    /// share every reading, so they share the per-thread caches too). `None` if the model has
    /// none, or its bytes do not read (a folder's are checked at load, the embedded ones by a
    /// test).
    fn general_twin(&self) -> Option<&Restorer> {
        self.general
            .get_or_init(|| {
                let g = self.model.general.as_ref()?;
                let lm = match &g.lm {
                    std::borrow::Cow::Borrowed(b) => crate::lm::NgramLm::from_embedded_bytes(b),
                    std::borrow::Cow::Owned(b) => crate::lm::NgramLm::from_bytes(b),
                }
                .ok()?;
                let model = Model {
                    lm,
                    channel: self.model.channel.clone(),
                    lexicon: self.model.lexicon.clone(),
                    forms: self.model.forms.clone(),
                    general: None,
                    origin: self.model.origin.clone(),
                };
                let mut twin = Restorer::builder(model).params(self.params).build();
                twin.id = self.id;
                Some(Box::new(twin))
            })
            .as_deref()
    }

    /// The targets of all the pieces' first passes (see [`document::plan`]), the groups
    /// decided in parallel or not: the same result.
    fn plan(&self, firsts: &mut [FirstPass], parallel: bool) {
        if self.params.doc_bonus <= 0.0 {
            return;
        }
        let mut evs: Vec<&mut document::Evidence> = firsts.iter_mut().map(|f| &mut f.ev).collect();
        document::plan(self, &mut evs, parallel);
    }

    /// How much a text reads as clean already: the share of its word tokens (letters only)
    /// that vouch for it (see [`CleanCounts::cleanliness`]). OCR of this kind scores about 0.6
    /// (marks lost, letters turned into digits), clean reports about 0.99, text with every
    /// mark removed about 0.
    pub fn cleanliness(&self, text: &str) -> f32 {
        self.cleanliness_counts(text).cleanliness()
    }

    /// The counts behind [`Restorer::cleanliness`]. They add up over the chunks of a document
    /// read piece by piece, giving the whole document's cleanliness.
    pub fn cleanliness_counts(&self, text: &str) -> CleanCounts {
        self.scan(text, None)
    }

    /// [`Restorer::cleanliness_counts`], also appending to `unknown` where each word token
    /// that is not a lexicon word as written starts, in text order: what
    /// [`Restorer::restore_known`] needs to pass the other paragraphs of clean text through
    /// without tokenizing them a second time. `text` must be shorter than 4 GiB.
    /// With `tokens`, the text's tokens are left there (for [`Restorer::restore_scanned`]).
    pub(crate) fn cleanliness_scan(
        &self,
        text: &str,
        unknown: &mut Vec<u32>,
        tokens: Option<&mut Vec<Token>>,
    ) -> CleanCounts {
        match tokens {
            Some(t) => self.scan_into(text, Some(unknown), t),
            None => self.scan(text, Some(unknown)),
        }
    }

    fn scan(&self, text: &str, unknown: Option<&mut Vec<u32>>) -> CleanCounts {
        self.scan_into(text, unknown, &mut Vec::new())
    }

    fn scan_into(
        &self,
        text: &str,
        mut unknown: Option<&mut Vec<u32>>,
        tokens: &mut Vec<Token>,
    ) -> CleanCounts {
        crate::text::tokenize::tokenize(text, tokens);
        let mut counts = CleanCounts::default();
        let mut key = String::new();
        for t in tokens
            .iter()
            .filter(|t| t.kind == crate::text::tokenize::TokenKind::Word)
        {
            let w = t.text(text);
            counts.words += 1;
            if self.known_as_written(w, &mut key) {
                if w.is_ascii() {
                    counts.unmarked += 1;
                } else {
                    counts.marked += 1;
                }
            } else if let Some(u) = unknown.as_deref_mut() {
                u.push(t.start as u32);
            }
        }
        counts
    }

    /// Whether `penalty` is that of clean text, in which a word that is a lexicon word as
    /// written keeps its one reading (see [`render::restore_paragraph`]).
    pub(crate) fn is_clean_penalty(&self, penalty: f32) -> bool {
        penalty > 0.0 && penalty >= self.params.change_weight
    }

    /// The change penalty (see [`Restorer::change_penalty`]) of a text with these
    /// [`Restorer::cleanliness_counts`].
    pub fn penalty_of_counts(&self, counts: CleanCounts) -> f32 {
        let t = ((counts.cleanliness() - CLEAN_LOW) / (CLEAN_HIGH - CLEAN_LOW)).clamp(0.0, 1.0);
        self.params.change_weight * t
    }

    /// The packed skeleton of lexicon word `id` (see `predicted::pack`); `None` for a word
    /// outside the lexicon.
    #[inline]
    pub(crate) fn skeleton_of(&self, id: crate::lm::WordId) -> Option<u64> {
        self.word_skeletons.get(id as usize).copied().flatten()
    }

    /// Whether word `id` is a lone consonant (`x`, `s`, `b`).
    #[inline]
    pub(crate) fn is_lone(&self, id: crate::lm::WordId) -> bool {
        self.lone.get(id as usize).copied().unwrap_or(false)
    }

    /// Whether word token `w` is a lexicon word exactly as written (letters only, marks
    /// included; `key` is scratch).
    pub(crate) fn known_as_written(&self, w: &str, key: &mut String) -> bool {
        self.lexicon_id(w, key).is_some()
    }

    /// The vocabulary id of word token `w` if it is a lexicon word exactly as written.
    ///
    /// Every word of a document is looked up here twice (its cleanliness, then its
    /// restoration) and a document repeats its words, so the answers are memoised per thread
    /// by the token as written: a hit skips the lower-casing and tone canonicalisation of the
    /// key, which were a sixth of the cost of clean text.
    pub(crate) fn lexicon_id(&self, w: &str, key: &mut String) -> Option<u32> {
        if w.len() > MEMO_WORD_BYTES {
            return self.lexicon_id_uncached(w, key);
        }
        WORD_IDS.with(|cell| {
            let Ok(mut memo) = cell.try_borrow_mut() else {
                return self.lexicon_id_uncached(w, key);
            };
            if memo.owner != self.id {
                memo.owner = self.id;
                memo.ids.clear();
            }
            if let Some(&id) = memo.ids.get(w) {
                return (id != NOT_A_WORD).then_some(id);
            }
            let id = self.lexicon_id_uncached(w, key);
            if memo.ids.len() >= MEMO_WORDS {
                memo.ids.clear();
            }
            memo.ids.insert(w.into(), id.unwrap_or(NOT_A_WORD));
            id
        })
    }

    fn lexicon_id_uncached(&self, w: &str, key: &mut String) -> Option<u32> {
        if !w.chars().all(crate::text::vietnamese::is_letter) {
            return None;
        }
        candidates::key_of(w, key);
        self.model
            .lm
            .vocab()
            .id(key)
            .filter(|&id| self.known.get(id as usize).copied().unwrap_or(false))
    }

    /// The extra cost of changing any token of `text`: zero for text that looks like OCR, up
    /// to [`Params::change_weight`] for text that is clean already. The error model's rates
    /// are those of raw OCR; a document whose words are nearly all valid as written has a far
    /// lower error rate, and its rare names and unmarked words must not be "corrected".
    pub fn change_penalty(&self, text: &str) -> f32 {
        self.penalty_of_counts(self.cleanliness_counts(text))
    }

    /// Makes `session` this restorer's (a session cached by another restorer is emptied: its
    /// candidates came from another model) and an empty result sized for `text`.
    fn start(&self, text: &str, session: &mut Session) -> Restored {
        if session.owner != self.id {
            *session = Session {
                owner: self.id,
                ..Session::default()
            };
        }
        Restored {
            text: String::with_capacity(text.len() + text.len() / 8),
            map: OffsetMap::identity(),
            passed_through: Vec::new(),
        }
    }

    /// The first decode of one piece of a text, recording the words' evidence for the
    /// document pass (see [`document`]) unless it is off.
    fn first_pass(
        &self,
        text: &str,
        session: &mut Session,
        penalty: f32,
        unknown: Option<Unknown<'_>>,
        pre: Option<Pretokens<'_>>,
        with_reports: bool,
    ) -> FirstPass {
        let mut out = self.start(text, session);
        let mut reports = Vec::new();
        let mut ev = document::Evidence::default();
        let mut spans = Vec::new();
        let doc = self.params.doc_bonus > 0.0;
        let known = unknown.filter(|_| self.is_clean_penalty(penalty));
        for (start, end, is_para) in paragraphs(text) {
            // What `restore_paragraph` would find after tokenizing it: every word known as
            // written, so the paragraph is copied. Only for a paragraph that begins and ends
            // at whitespace (not one cut inside a very long line), whose tokens are those the
            // scan saw.
            if !is_para
                || known.is_some_and(|k| at_whitespace(text, start, end) && k.none_in(start, end))
            {
                out.text.push_str(&text[start..end]);
                continue;
            }
            let before = Marks::of(&out, &reports);
            let kept = ev.paras;
            render::restore_paragraph(
                self,
                text,
                start,
                end,
                session,
                &mut out,
                with_reports.then_some(&mut reports),
                penalty,
                if doc {
                    render::Pass::First(&mut ev)
                } else {
                    render::Pass::Plain
                },
                pre.filter(|_| at_whitespace(text, start, end)),
            );
            if ev.paras > kept {
                spans.push(ParaSpan {
                    start,
                    end,
                    before,
                    after: Marks::of(&out, &reports),
                });
            }
        }
        FirstPass {
            out,
            reports,
            spans,
            ev,
        }
    }

    /// The second decode of the paragraphs of `first` that hold targets of `cache`; every
    /// other paragraph's output is kept as the first pass wrote it. Nothing is decoded when
    /// there is no target.
    fn second_pass(
        &self,
        text: &str,
        session: &mut Session,
        penalty: f32,
        first: FirstPass,
        with_reports: bool,
    ) -> (Restored, Vec<TokenReport>) {
        if first.ev.targets.is_empty() {
            return (first.out, first.reports);
        }
        let FirstPass {
            out: old,
            reports: old_reports,
            spans,
            ev,
        } = first;
        let mut out = self.start(text, session);
        let mut reports = Vec::new();
        // Where the first pass's output has been copied up to.
        let mut at = Marks::default();
        let mut toks: Vec<(u32, decode::WordId)> = Vec::new();
        let targets = &ev.targets;
        let mut i = 0;
        while i < targets.len() {
            let para = targets[i].para;
            toks.clear();
            while i < targets.len() && targets[i].para == para {
                toks.push((targets[i].tok, targets[i].word));
                i += 1;
            }
            let span = &spans[para as usize];
            copy_first(&old, &old_reports, at, span.before, &mut out, &mut reports);
            render::restore_paragraph(
                self,
                text,
                span.start,
                span.end,
                session,
                &mut out,
                with_reports.then_some(&mut reports),
                penalty,
                render::Pass::Second(&toks, {
                    let (a, b) = ev.paths[para as usize];
                    &ev.path[a as usize..b as usize]
                }),
                None,
            );
            at = span.after;
        }
        let end = Marks::of(&old, &old_reports);
        copy_first(&old, &old_reports, at, end, &mut out, &mut reports);
        (out, reports)
    }

    /// Restores `text` and reports every word token: what was read, what was chosen, the
    /// alternatives and a confidence (for `sohoa clean --mark` and reviewers' tools).
    pub fn restore_report(&self, text: &str) -> (Restored, Vec<TokenReport>) {
        let (out, mut reports) =
            self.restore_doc(text, self.change_penalty(text), None, None, true);
        if self.params.doc_votes > 0 {
            document::weigh_by_document(&mut reports, self.params.doc_votes, self.params.doc_share);
        }
        (out, reports)
    }

    fn with_session<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        SESSION.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => f(&mut s),
            // Re-entrant use on one thread (not expected): use a fresh session.
            Err(_) => f(&mut Session::default()),
        })
    }

    /// The ranking prior included in a candidate's search cost.
    pub(crate) fn prior(&self, id: u32) -> f32 {
        self.priors.get(id as usize).copied().unwrap_or(0.0)
    }

    pub(crate) fn index(&self) -> &SkeletonIndex {
        &self.index
    }

    pub(crate) fn skeletons(&self) -> &skeleton::Skeletons {
        &self.skeletons
    }
}

/// A piece's first pass (see [`Restorer::first_pass`]).
struct FirstPass {
    out: Restored,
    reports: Vec<TokenReport>,
    /// The paragraphs that hold doubts, in order ([`document::Doubt::para`] indexes them).
    spans: Vec<ParaSpan>,
    ev: document::Evidence,
}

/// How far a result has been written: its text's length, and how many offset segments,
/// passed-through tokens and reports it holds.
#[derive(Clone, Copy, Debug, Default)]
struct Marks {
    text: usize,
    map: usize,
    passed: usize,
    reports: usize,
}

impl Marks {
    fn of(out: &Restored, reports: &[TokenReport]) -> Marks {
        Marks {
            text: out.text.len(),
            map: out.map.segments().len(),
            passed: out.passed_through.len(),
            reports: reports.len(),
        }
    }
}

/// A paragraph `start..end` of a piece, and where its first-pass output begins and ends.
#[derive(Clone, Copy, Debug)]
struct ParaSpan {
    start: usize,
    end: usize,
    before: Marks,
    after: Marks,
}

/// Copies the first pass's output between `from` and `to` (text, offset segments, passed
/// tokens, reports) to the end of `out`, shifting its restored-text offsets to their new
/// place; offsets into the input stay as they are.
fn copy_first(
    old: &Restored,
    old_reports: &[TokenReport],
    from: Marks,
    to: Marks,
    out: &mut Restored,
    reports: &mut Vec<TokenReport>,
) {
    let shift = |r: usize| r - from.text + out.text.len();
    for seg in &old.map.segments()[from.map..to.map] {
        out.map.push(crate::offsets::Segment {
            r_start: shift(seg.r_start),
            r_end: shift(seg.r_end),
            ..*seg
        });
    }
    for rep in &old_reports[from.reports..to.reports] {
        reports.push(TokenReport {
            r_start: shift(rep.r_start),
            r_end: shift(rep.r_end),
            ..rep.clone()
        });
    }
    out.passed_through
        .extend_from_slice(&old.passed_through[from.passed..to.passed]);
    out.text.push_str(&old.text[from.text..to.text]);
}

/// Splits `text` into alternating runs: paragraphs (maximal runs of lines with something
/// other than whitespace) and separators (blank lines), as `(start, end, is_paragraph)`.
/// A paragraph ends after its last line's terminator. No run is longer than
/// [`MAX_PARAGRAPH`] bytes, and every byte is looked at a bounded
/// number of times: lines are scanned only inside the window of the run being built, so a
/// 10 MB line costs 10 MB of scanning, not 10 MB per cut.
fn paragraphs(text: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let start = pos;
        let mut limit = (start + MAX_PARAGRAPH).min(text.len());
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        if limit == start {
            // One character longer than the window (impossible for UTF-8, but never stall).
            limit = text[start..]
                .chars()
                .next()
                .map_or(text.len(), |c| start + c.len_utf8());
        }
        let (end, complete, blank) = scan_line(text, start, limit);
        if !complete {
            // One line longer than the window: cut inside it.
            pos = if blank {
                end
            } else {
                cut_inside(text, start, end)
            };
            return Some((start, pos, !blank));
        }
        pos = end;
        while pos < text.len() {
            let (e, complete, b) = scan_line(text, pos, limit);
            if !complete || b != blank {
                break;
            }
            pos = e;
        }
        Some((start, pos, !blank))
    })
}

/// The longest stretch decoded as one lattice. Real paragraphs are far shorter; the cap keeps
/// memory and latency bounded on a text with no blank lines or a single 100 MB line, at the
/// cost of the language-model context across the cut.
const MAX_PARAGRAPH: usize = 16 * 1024;

/// The line starting at `pos`, looked at no further than `limit` (a character boundary):
/// `(end, complete, blank)`, where `end` is after its `\n` (or the end of the text) when
/// `complete`, else `limit`; `blank` says whether what was seen is all whitespace.
fn scan_line(text: &str, pos: usize, limit: usize) -> (usize, bool, bool) {
    let window = &text[pos..limit];
    let (end, complete) = match window.find('\n') {
        Some(i) => (pos + i + 1, true),
        None => (limit, limit == text.len()),
    };
    (end, complete, text[pos..end].trim().is_empty())
}

/// A cut in `text[start..limit]`: after its last space or tab, else at the last character
/// boundary; always after `start`.
fn cut_inside(text: &str, start: usize, limit: usize) -> usize {
    let window = &text.as_bytes()[start..limit];
    if let Some(i) = window.iter().rposition(|&b| b == b' ' || b == b'\t') {
        return start + i + 1;
    }
    limit
}

/// Whether `text[start..end]` begins and ends at whitespace or at the text's edges: then no
/// token of `text` crosses its edges, and it tokenizes to the same tokens.
fn at_whitespace(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    (start == 0 || b[start - 1].is_ascii_whitespace())
        && (end == b.len() || b[end - 1].is_ascii_whitespace())
}

/// The starts of a text's word tokens that are not lexicon words as written (sorted, from
/// [`Restorer::cleanliness_scan`]), seen from a piece of that text beginning at `base`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Unknown<'a> {
    starts: &'a [u32],
    base: usize,
}

impl<'a> Unknown<'a> {
    fn new(starts: &'a [u32]) -> Unknown<'a> {
        Unknown { starts, base: 0 }
    }

    /// The same starts seen from `at` bytes further into the text.
    fn shifted(self, at: usize) -> Unknown<'a> {
        Unknown {
            base: self.base + at,
            ..self
        }
    }

    /// Whether no unknown word starts in the piece's `start..end`.
    fn none_in(&self, start: usize, end: usize) -> bool {
        let (a, b) = (self.base + start, self.base + end);
        let i = self.starts.partition_point(|&s| (s as usize) < a);
        self.starts.get(i).is_none_or(|&s| s as usize >= b)
    }
}

/// The tokens of a whole text (from [`Restorer::cleanliness_scan`], offsets into that text),
/// seen from a piece of it beginning at `base`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pretokens<'a> {
    tokens: &'a [Token],
    base: usize,
}

impl<'a> Pretokens<'a> {
    /// The same tokens seen from `at` bytes further into the text.
    fn shifted(self, at: usize) -> Pretokens<'a> {
        Pretokens {
            base: self.base + at,
            ..self
        }
    }

    /// The tokens of the piece's `start..end` into `out`, offsets into that range: what
    /// tokenizing it would give when it begins and ends at whitespace (no token spans it).
    pub(crate) fn paragraph(&self, start: usize, end: usize, out: &mut Vec<Token>) {
        let (a, b) = (self.base + start, self.base + end);
        let i = self.tokens.partition_point(|t| t.start < a);
        let j = i + self.tokens[i..].partition_point(|t| t.start < b);
        out.clear();
        out.extend(self.tokens[i..j].iter().map(|t| Token {
            start: t.start - a,
            end: t.end - a,
            ..*t
        }));
    }
}

/// Groups paragraphs into chunks of about `target` bytes, cut only at paragraph boundaries.
fn paragraph_chunks(text: &str, target: usize) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for (_, end, _) in paragraphs(text) {
        if end - start >= target {
            chunks.push((start, end));
            start = end;
        }
    }
    if start < text.len() {
        chunks.push((start, text.len()));
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    #[test]
    fn paragraphs_alternate_and_cover_the_text() {
        let t = "a b\nc\n\n  \nd\r\n\ne";
        let p: Vec<_> = paragraphs(t).collect();
        assert_eq!(
            p,
            [
                (0, 6, true),
                (6, 10, false),
                (10, 13, true),
                (13, 14, false),
                (14, 15, true)
            ]
        );
        assert!(paragraphs("").next().is_none());
    }

    #[test]
    fn long_paragraphs_and_lines_are_cut_and_still_cover_the_text() {
        let line = "một hai ba bốn ".repeat(3000);
        for t in [
            format!("{line}\n{line}\n"),
            "đ".repeat(40_000),
            format!("a\n{}", "x ".repeat(20_000)),
        ] {
            let p: Vec<_> = paragraphs(&t).collect();
            let mut at = 0;
            for &(s, e, _) in &p {
                assert_eq!(s, at);
                assert!(e > s && e - s <= MAX_PARAGRAPH + 1);
                at = e;
            }
            assert_eq!(at, t.len());
        }
    }

    #[test]
    fn chunks_cover_everything_at_paragraph_boundaries() {
        let t = "x\n\n".repeat(100);
        let c = paragraph_chunks(&t, 10);
        assert_eq!(c.first().map(|c| c.0), Some(0));
        assert_eq!(c.last().map(|c| c.1), Some(t.len()));
        for w in c.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
    }

    #[test]
    fn restorer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Restorer>();
    }

    /// The embedded model's restorer, built once for these tests.
    #[test]
    fn known_paragraphs_copied_give_what_restoring_them_gives() {
        let r = restorer();
        let clean = include_str!("../../fixtures/001_372855f636130f4e.txt");
        let mut mixed = String::new();
        for (i, line) in clean.lines().enumerate() {
            mixed.push_str(line);
            mixed.push_str(if i % 5 == 2 {
                " Facebook cUa Bo\n"
            } else {
                "\n"
            });
        }
        // Long enough to be restored in parallel parts, and a line longer than a paragraph
        // may be (cut inside it, where the copy must not be used).
        let long = format!(
            "{}\n{}\n{}",
            mixed.repeat(12),
            "một cUa xã ".repeat(3000),
            "một".repeat(6000)
        );
        assert!(long.len() > PARALLEL_CHUNK_BYTES);
        // OCR, with CRLF line ends, and a URL glued to its line's end.
        let ocr = include_str!("../../fixtures/003_4c818c38c2080030.txt")
            .replace('\n', "\r\n")
            .replace("UBND", "UBND http://x.vn/a?b=1");
        for text in [clean, mixed.as_str(), long.as_str(), &ocr, "", "Zxq\n"] {
            let (mut unknown, mut tokens) = (Vec::new(), Vec::new());
            let counts = r.cleanliness_scan(text, &mut unknown, Some(&mut tokens));
            assert_eq!(counts, r.cleanliness_counts(text));
            for penalty in [r.params().change_weight, 0.0] {
                let plain = r.restore_with_penalty(text, penalty);
                assert_eq!(r.restore_known(text, penalty, &unknown), plain, "{penalty}");
                // The paragraphs given the scan's tokens, not tokenized again.
                assert_eq!(r.restore_scanned(text, penalty, None, &tokens), plain);
                assert_eq!(
                    r.restore_scanned(text, penalty, Some(&unknown), &tokens),
                    plain
                );
            }
        }
    }

    #[test]
    fn unknown_starts_are_found_in_their_ranges() {
        let u = Unknown::new(&[5, 9, 20]);
        assert!(u.none_in(0, 5) && !u.none_in(0, 6) && u.none_in(10, 20));
        assert!(!u.shifted(4).none_in(1, 2) && u.shifted(4).none_in(2, 5));
        assert!(u.none_in(21, 40) && Unknown::new(&[]).none_in(0, 100));
    }

    fn restorer() -> &'static Restorer {
        static R: std::sync::OnceLock<Restorer> = std::sync::OnceLock::new();
        R.get_or_init(|| Restorer::builder(Model::embedded().unwrap()).build())
    }

    fn readings_of(token: &str) -> Vec<String> {
        let r = restorer();
        let mut s = candidates::Scratch::default();
        let vocab = r.model().lm.vocab();
        candidates::readings(r, token, &mut s)
            .iter()
            .map(|rd| {
                let words: Vec<&str> = rd.words[..usize::from(rd.n)]
                    .iter()
                    .map(|&w| vocab.word(w))
                    .collect();
                if rd.keep {
                    format!("={token}")
                } else {
                    words.join(" ")
                }
            })
            .collect()
    }

    #[test]
    fn candidates_cover_learned_ocr_confusions() {
        for (observed, intended) in [
            ("ctia", "của"),
            ("s6", "số"),
            ("nghé", "nghệ"),
            ("doi", "đổi"),
        ] {
            let got = readings_of(observed);
            assert!(got.iter().any(|g| g == intended), "{observed}: {got:?}");
        }
    }

    #[test]
    fn a_merged_token_gets_a_two_word_reading() {
        let got = readings_of("Thanh1ap");
        assert!(got.iter().any(|g| g == "thành lập"), "{got:?}");
    }

    #[test]
    fn an_unknown_code_may_stay_as_it_is() {
        let got = readings_of("KGVX");
        assert!(got.iter().any(|g| g == "=KGVX"), "{got:?}");
    }

    #[test]
    fn decoding_keeps_case_spacing_numbers_and_urls() {
        let input = "UBND TINH QUANG NGAI\r\n\r\nKé hoach  s6 02-KH/BCDTW ngay 19/6/2025 tai https://dx.gov.vn\tnam 2025\n";
        let out = restorer().restore(input);
        assert_eq!(
            out.text,
            "UBND TỈNH QUẢNG NGÃI\r\n\r\nKế hoạch  số 02-KH/BCĐTW ngày 19/6/2025 tại https://dx.gov.vn\tnăm 2025\n"
        );
    }

    #[test]
    fn a_number_is_read_as_a_word_only_where_the_context_carries_it() {
        for (input, want) in [
            // Digits that stand for a word.
            (
                "chuyén d6i s theo hudng, to chuc 16p tap huan cho can bo",
                "chuyển đổi số theo hướng, tổ chức lớp tập huấn cho cán bộ",
            ),
            // Glyphs the parallel pairs never show for these letters (`6` for `ệ`, `3` for
            // `ã`): the channel's glyph backoff.
            (
                "Buoc nop so tien phi, 16 phi; tinh hop 16 cua ho so",
                "Buộc nộp số tiền phí, lệ phí; tính hợp lệ của hồ sơ",
            ),
            ("ty 16 du no cho vay", "tỷ lệ dư nợ cho vay"),
            ("d3 duoc phe duyet", "đã được phê duyệt"),
            // Numbers that stay numbers: dates, counts, articles, list markers, percentages.
            (
                "Ngay 16 thang 3 nam 2025, xa co 16 thon va 13 to dan pho.",
                "Ngày 16 tháng 3 năm 2025, xã có 16 thôn và 13 tổ dân phố.",
            ),
            ("Diéu 13. Khoan 1 va 2", "Điều 13. Khoản 1 và 2"),
            ("xe o to tren 16 cho ngoi", "xe ô tô trên 16 chỗ ngồi"),
            ("1. Tinh hinh chung", "1. Tình hình chung"),
            (
                "Dat 16 % ke hoach, tang 13, 5 so voi 18 thang",
                "Đạt 16 % kế hoạch, tăng 13, 5 so với 18 tháng",
            ),
        ] {
            assert_eq!(restorer().restore(input).text, want, "{input}");
        }
    }

    #[test]
    fn a_kept_token_that_is_no_word_is_doubtful_unless_written_like_a_code() {
        let (_, reports) = restorer().restore_report("chuyén d6i s theo hudng Gmg thiee KGVX");
        let conf = |w: &str| {
            reports
                .iter()
                .find(|r| r.observed == w)
                .map(|r| (r.chosen.clone(), r.confidence))
        };
        for w in ["Gmg", "thiee"] {
            let (chosen, c) = conf(w).unwrap_or_default();
            assert_eq!(chosen, w);
            assert!(c <= render::KEPT_UNKNOWN_CONFIDENCE, "{w}: {c}");
        }
        let (chosen, c) = conf("KGVX").unwrap_or_default();
        assert_eq!(chosen, "KGVX");
        assert!(c > 0.9, "KGVX: {c}");
    }

    #[test]
    fn a_kept_word_the_model_knows_and_a_list_label_as_read_are_not_capped() {
        let input = "Theo quy dinh tai diem b khoan 2 Dieu 5, nha mang Viettel cung cap dich vu.";
        let (_, reports) = restorer().restore_report(input);
        for w in ["Viettel", "b"] {
            let r = reports.iter().find(|r| r.observed == w);
            let (chosen, c) = r
                .map(|r| (r.chosen.as_str(), r.confidence))
                .unwrap_or_default();
            assert_eq!(chosen, w);
            assert!(c > render::KEPT_UNKNOWN_CONFIDENCE, "{w}: {c}");
        }
    }

    #[test]
    fn restored_offsets_map_back_to_the_original_token() {
        let input = "Ban Chi dao ctia tinh\n";
        let out = restorer().restore(input);
        let at = out.text.find("của").unwrap();
        let o = out.map.to_original(at);
        assert_eq!(&input[o..o + 4], "ctia");
        let end = out.map.to_original(out.text.len());
        assert_eq!(end, input.len());
    }

    #[test]
    fn misread_symbol_codes_are_written_in_their_official_form() {
        let input = "thuc hién Ké hoach s6 02-KH/BCDTW ngay 19/6/2025 va Quyét dinh 1044/0D-UBND\n";
        let (out, reports) = restorer().restore_report(input);
        assert!(
            out.text.contains("02-KH/BCĐTW ngày 19/6/2025"),
            "{}",
            out.text
        );
        assert!(out.text.contains("1044/QĐ-UBND"), "{}", out.text);
        // The offsets still map back: the code to the printed code, the end to the end.
        let at = out.text.find("BCĐTW").unwrap();
        let o = out.map.to_original(at);
        assert_eq!(&input[o..o + 5], "BCDTW");
        assert_eq!(out.map.to_original(out.text.len()), input.len());
        // The report says what was written, with no alternatives to doubt it.
        let rep = reports.iter().find(|r| r.observed == "BCDTW").unwrap();
        assert_eq!((rep.chosen.as_str(), rep.confidence), ("BCĐTW", 1.0));
        // A date is no symbol, a code already official stays as it is.
        let clean = "Quyết định số 118/2025/NĐ-CP ngày 19/6/2025 của Chính phủ\n";
        assert_eq!(restorer().restore(clean).text, clean);
    }

    #[test]
    fn codes_printed_alone_with_a_misread_d_stroke_are_written_officially() {
        let input = "Ban Chi dao Trung uong (BCDTW) da ban hanh Ké hoach ung dung CBS\n";
        let (out, reports) = restorer().restore_report(input);
        assert!(out.text.contains("(BCĐTW)"), "{}", out.text);
        assert!(out.text.contains("CĐS"), "{}", out.text);
        let rep = reports.iter().find(|r| r.observed == "CBS").unwrap();
        assert_eq!((rep.chosen.as_str(), rep.confidence), ("CĐS", 1.0));
        let o = out.map.to_original(out.text.find("CĐS").unwrap());
        assert_eq!(&input[o..o + 3], "CBS");
        // Clean text is not OCR: its codes are what they say.
        let clean = "Đài CBS của Hoa Kỳ đưa tin.\n";
        assert_eq!(restorer().restore(clean).text, clean);
    }

    /// A deterministic xorshift stream of `len` characters drawn from `alphabet`, with a space
    /// after every `word` characters (`usize::MAX`: none).
    fn noise(seed: u64, len: usize, alphabet: &[u8], word: usize) -> String {
        let mut x = seed;
        (0..len)
            .map(|i| {
                if word != usize::MAX && i % (word + 1) == word {
                    return ' ';
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(alphabet[(x % alphabet.len() as u64) as usize])
            })
            .collect()
    }

    #[test]
    fn work_is_linear_in_the_input_whatever_it_holds() {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let ocr = include_str!("../../fixtures/003_4c818c38c2080030.txt");
        let cases = [
            ("real OCR", ocr.to_string()),
            (
                "10 KB of letters, no space",
                noise(1, 10_000, LETTERS, usize::MAX),
            ),
            ("1 MB, one token", noise(2, 1_000_000, LETTERS, usize::MAX)),
            (
                "2 KB of random alphanumerics",
                noise(3, 2_000, ALNUM, usize::MAX),
            ),
            ("1,2,3… 100 KB", "1,".repeat(50_000)),
            ("AB&CD&… 100 KB", "AB&".repeat(33_000)),
            // The most work a token can ask for: as long as a split is still tried.
            ("20-letter words", noise(4, 20_000, LETTERS, 20)),
            ("12-letter words", noise(5, 20_000, ALNUM, 12)),
        ];
        let mut per_byte = Vec::new();
        // A restorer of its own: the shared static one may hold readings other tests put in
        // its cross-thread cache, which would make this test's work depend on theirs. Without
        // the forms table: it is the searches' work that is bounded here, and the table would
        // spare real OCR most of them, not the junk.
        let model = Model {
            forms: None,
            ..Model::embedded().unwrap()
        };
        let r = Restorer::builder(model).build();
        for (what, text) in &cases {
            let mut session = Session::default();
            let out = r.restore_with(text, &mut session);
            assert_eq!(out.text.lines().count(), text.lines().count(), "{what}");
            let w = session.work() as f64 / text.len() as f64;
            per_byte.push((what, w));
        }
        // Work per input byte: every token's work is capped (its length for the searches,
        // `TOKEN_CELLS` for its splits), so the worst input costs a fixed multiple of real
        // OCR per byte (random 12-letter words, all needing every split: about 30 times).
        let ocr_rate = per_byte[0].1;
        for &(what, w) in &per_byte {
            assert!(
                w <= 40.0 * ocr_rate,
                "{what}: {w:.0} units of work per byte, real OCR {ocr_rate:.0} ({per_byte:?})"
            );
        }
        // Text too long to be a word costs next to nothing.
        for &(what, w) in &per_byte[1..6] {
            assert!(w <= 0.1 * ocr_rate, "{what}: {w:.1} per byte");
        }
    }

    #[test]
    fn a_token_too_long_for_any_word_passes_through_and_is_reported() {
        let long = "x".repeat(candidates::MAX_SEARCH_CHARS + 1);
        let input = format!("Ban Chi dao {long} ctia tinh\n");
        let out = restorer().restore(&input);
        assert!(out.text.contains(&long), "{}", out.text);
        let at = input.find(&long).unwrap();
        assert_eq!(out.passed_through, vec![at..at + long.len()]);
        let w = out.passed_through_warnings(&input);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, "not_restored");
        assert_eq!(w[0].span.as_ref().map(|s| (s.line, s.start)), Some((1, at)));
        assert!(restorer()
            .restore("Ban Chi dao\n")
            .passed_through
            .is_empty());
    }

    #[test]
    fn lexicon_words_of_clean_text_are_kept_as_written() {
        let clean = "Ủy ban nhân dân tỉnh Quảng Ngãi ban hành Kế hoạch số 12/KH-UBND về dân số.\n";
        let input = format!("{clean}Tỷ số giới tính khi sinh là số bé trai trên 100 bé gái.\n");
        let r = restorer();
        assert!(r.change_penalty(&input) >= r.params().change_weight);
        assert_eq!(r.restore(&input).text, input);
        // The same text through the report path gives the same text.
        assert_eq!(r.restore_report(&input).0.text, input);
    }

    #[test]
    fn a_short_line_is_judged_by_its_marked_words() {
        let r = restorer();
        // Unmarked lexicon words alone do not vouch for cleanliness: each line is restored
        // as a request of its own, as `sohoa pipe` users send them.
        for (input, want) in [
            (
                "Bao cao so 12/BC-UBND ngay 3 thang 4 nam 2025",
                "Báo cáo số 12/BC-UBND ngày 3 tháng 4 năm 2025",
            ),
            ("bao cao so 12", "báo cáo số 12"),
            ("Bao cao tinh hinh", "Báo cáo tình hình"),
        ] {
            assert_eq!(r.change_penalty(input), 0.0, "{input}");
            assert_eq!(r.restore(input).text, want, "{input}");
        }
        // Short clean lines, with unmarked words among marked ones, stay as they are.
        for clean in [
            "Ban hành",
            "Ủy ban nhân dân tỉnh Quảng Ngãi",
            "Kính gửi: Bộ Tài chính",
        ] {
            assert_eq!(r.change_penalty(clean), r.params().change_weight, "{clean}");
            assert_eq!(r.restore(clean).text, clean);
        }
    }

    #[test]
    fn a_line_begun_inside_a_sentence_is_not_read_as_a_sentence_start() {
        // Lines of a hard-wrapped report sent alone: their first word is no sentence's first
        // word, and their last no sentence's last (`chtre` kept as written, `Xà` before).
        let r = restorer();
        for (input, want) in [
            ("chtre, vién chure cua tinh", "chức, viên chức của tỉnh"),
            (
                "28 | Xa Son Ha 08/BC-UBND ngay 16/7/2025",
                "28 | Xã Sơn Hà 08/BC-UBND ngày 16/7/2025",
            ),
        ] {
            assert_eq!(r.restore(input).text, want, "{input}");
        }
    }

    #[test]
    fn clean_counts_add_up_and_cap_unmarked_words() {
        let r = restorer();
        let (a, b) = ("Ban hành kế hoạch", "bao cao so");
        let mut sum = r.cleanliness_counts(a);
        sum += r.cleanliness_counts(b);
        assert_eq!(sum, r.cleanliness_counts(&format!("{a} {b}")));
        assert_eq!(
            sum,
            CleanCounts {
                words: 7,
                marked: 3,
                unmarked: 4
            }
        );
        // Three marked words let three of the four unmarked ones vouch.
        assert_eq!(sum.cleanliness(), 6.0 / 7.0);
        assert_eq!(CleanCounts::default().cleanliness(), 1.0);
    }

    #[test]
    fn text_that_lost_every_mark_is_restored_around_loanwords_and_names() {
        // Without a single marked letter, restoring marks is the expected repair, not the
        // rare OCR error the channel's costs price it as.
        for (input, want) in [
            (
                "trang web cua Bo de co them thong tin",
                "trang web của Bộ để có thêm thông tin",
            ),
            ("email cua Bo de co them", "email của Bộ để có thêm"),
            (
                "tai ung dung Zalo cua Bo de co them thong tin",
                "tải ứng dụng Zalo của Bộ để có thêm thông tin",
            ),
            (
                "dang tai tren Facebook cua UBND tinh",
                "đăng tải trên Facebook của UBND tỉnh",
            ),
        ] {
            assert_eq!(restorer().restore(input).text, want, "{input}");
        }
    }

    /// A rare word its neighbour all but dictates is found though a dozen commoner words
    /// look more like the token (`Ngéi`: `Ngồi`, `Ngôi`, `Người`...): the first decode's
    /// reading fits badly, so the previous word is asked (`restore::predicted`). With the
    /// prediction off, or the gate set too high to open, it is lost.
    #[test]
    fn a_word_the_previous_word_predicts_joins_the_token_s_readings() {
        let input = "UBND tinh Quang Ngéi ban hanh ke hoach";
        let with = |params: Params| {
            Restorer::builder(Model::embedded().unwrap())
                .params(params)
                .build()
                .restore(input)
                .text
        };
        let out = restorer().restore(input).text;
        assert!(out.contains("Quảng Ngãi"), "{out}");
        for params in [
            Params {
                predict_contexts: 0,
                ..Params::default()
            },
            Params {
                predict_cost: 1.0e3,
                ..Params::default()
            },
        ] {
            assert!(!with(params).contains("Quảng Ngãi"));
        }
        // Asked at every doubtful token, the answer is the same.
        let everywhere = with(Params {
            predict_cost: 0.0,
            ..Params::default()
        });
        assert_eq!(everywhere, out);
    }

    /// Capitalised words OCR glued (`XaBaTo`) are read as words of their own and get their
    /// spaces back; a token of more pieces is an identifier and stays whole, and in clean text
    /// nothing is split (`text::tokenize::split_title_case`).
    #[test]
    fn title_case_words_glued_by_ocr_are_split() {
        let out = restorer()
            .restore("Danh sach cac xa: XaBaTo, XaSonHa va PhuongTruongQuangTrong cua tinh")
            .text;
        assert!(out.contains("Xã Ba Tơ, Xã Sơn Hà"), "{out}");
        assert!(out.contains(" PhuongTruongQuangTrong "), "{out}");
        let clean = "Ủy ban nhân dân tỉnh Quảng Ngãi gửi Bộ Công Thương tệp CongThuong.gdb \
                     về các xã của tỉnh, theo mẫu của Bộ.\n";
        assert_eq!(restorer().restore(clean).text, clean);
    }

    #[test]
    fn clean_text_passes_through_byte_for_byte() {
        let input = "Ủy ban nhân dân tỉnh Quảng Ngãi ban hành Kế hoạch số 12/KH-UBND.\n";
        assert_eq!(restorer().restore(input).text, input);
    }

    /// Narrative with its marks lost reads as general Vietnamese and gets the general-domain
    /// model, which restores what the legal one cannot (`mẹ tôi`, `bảo rằng mai`); a report
    /// line, and a line too short to tell, stay with the legal one.
    #[test]
    fn a_document_in_general_vietnamese_gets_the_general_language_model() {
        let r = restorer();
        let story = "Sang nay me toi di cho mua rau va ca. Troi mua nen em be o nha choi voi con \
                     meo.\nChieu ve, ca nha ngoi an com va noi chuyen vui ve. Anh ay bao rang mai \
                     se ve que tham ong ba.\n";
        let (lean, words, general) = r.domain_of(story).expect("the embedded model has one");
        assert!(general && words > 30 && lean > 0.0, "{lean} over {words}");
        let out = r.restore(story).text;
        assert!(
            out.contains("mẹ tôi đi chợ") && out.contains("bảo rằng mai"),
            "{out}"
        );
        let legal_only = Restorer::builder(Model::embedded().unwrap())
            .params(Params {
                general_lean: f32::INFINITY,
                ..Params::default()
            })
            .build();
        assert_eq!(legal_only.domain_of(story).map(|d| d.2), Some(false));
        assert_ne!(legal_only.restore(story).text, out);

        let report =
            "Bao cao so 12/BC-UBND ngay 3 thang 4 nam 2025 ve tinh hinh thuc hien nhiem vu";
        assert_eq!(r.domain_of(report).map(|d| d.2), Some(false));
        assert_eq!(r.domain_of("me toi di cho").map(|d| d.2), Some(false));
    }

    /// The choice is made for the whole text before it is cut into pieces decoded in
    /// parallel: the same output whatever the number of threads.
    #[test]
    fn a_long_general_text_is_restored_the_same_on_any_number_of_threads() {
        let r = restorer();
        let para = "Chieu ve, ca nha ngoi an com va noi chuyen vui ve. Anh ay bao rang mai se ve \
                    que tham ong ba.\n\n";
        let text = para.repeat(2 * PARALLEL_CHUNK_BYTES / para.len() + 2);
        assert_eq!(r.domain_of(&text).map(|d| d.2), Some(true));
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        let one = pool(1).install(|| r.restore(&text));
        assert_eq!(pool(2).install(|| r.restore(&text)), one);
        assert_eq!(
            one.text.matches("bảo rằng mai").count(),
            text.matches("bao rang mai").count()
        );
    }
}
