//! The document pass: confident readings of a word inform its doubtful occurrences.
//!
//! A report repeats its words (agencies, places, terms: `Quảng Ngãi`, `chuyển đổi số`), and
//! OCR damages each occurrence differently. Where the scan is clean, or the context leaves no
//! doubt, the decoder reads the word confidently; elsewhere the same letters, stripped of
//! their marks or garbled, leave it torn between readings the trigram context cannot tell
//! apart (`Quang` as `quang` / `quảng`). The document itself says which reading it uses: this
//! is the cache of cache language models (Kuhn & De Mori), made to act only where the decoder
//! is in doubt.
//!
//! After the first decode of a document, every word token read as one word on the chosen path
//! has a confidence (the posterior of [`super::TokenReport::confidence`], the one `--mark`
//! uses, computed only as far as the thresholds below need: `render::path_confidence`). Tokens are grouped by their letters with marks removed and lower-cased (`Quảng`,
//! `Quang` and `QUANG` are one group: the clean occurrences teach the damaged ones). A group's
//! confident occurrences (confidence at least [`Params::doc_confident`]) vote for their
//! reading; a reading that holds [`Params::doc_share`] of the votes or more is the document's
//! reading of that group. Each doubtful occurrence (confidence below [`Params::doc_doubtful`])
//! that was read otherwise, and whose lattice offers the document's reading, is a *target*.
//! Only paragraphs holding a target are decoded again, once, and only in the windows around
//! their targets (farther tokens keep the first decode's reading, with no search), with every
//! other reading of a target token (and every reading that spans it) made
//! [`Params::doc_bonus`] nats dearer:
//! the same as a bonus for the document's reading, with edge costs kept non-negative, as the
//! decoder's pruning needs. The language model still decides: a bonus only tips readings the
//! context left nearly even. Reported words (`--mark`) get their confidence without the
//! bonus: a word the document's reading settled is still marked as the doubt it was.
//!
//! A document with no target is decoded once, as before; clean text copied without decoding
//! gives no evidence and costs nothing. Votes are counted over the whole text given to the
//! restorer (all its parallel parts), and counting is order-free, so the result does not
//! depend on the number of threads. A document streamed in chunks (`chunked`, 1 MB) has one
//! cache per chunk.
//!
//! [`Params::doc_confident`]: super::Params::doc_confident
//! [`Params::doc_share`]: super::Params::doc_share
//! [`Params::doc_doubtful`]: super::Params::doc_doubtful
//! [`Params::doc_bonus`]: super::Params::doc_bonus

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use super::decode::WordId;
use super::render::PathEdge;
use super::Params;
use crate::lm::UNK;

/// The group of a word token: its letters with marks removed, lower-cased, hashed (FxHash:
/// the same on every run and thread).
pub(crate) fn group_of(token: &str) -> u64 {
    let mut h = FxHasher::default();
    for c in token.chars() {
        let b = crate::text::vietnamese::ascii_base(c);
        if b.is_ascii() {
            h.write_u8(b.to_ascii_lowercase() as u8);
        } else {
            for l in b.to_lowercase() {
                h.write_u32(l as u32);
            }
        }
    }
    h.finish()
}

/// A doubtful occurrence seen in the first pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Doubt {
    /// Index of its paragraph among the piece's paragraphs that hold doubts.
    pub para: u32,
    /// Its token's index in the paragraph.
    pub tok: u32,
    pub group: u64,
    /// What the first pass chose (`UNK` when it kept the token as written).
    pub chosen: WordId,
    /// The single-word readings its lattice offered, and where they sit in
    /// [`Evidence::offered`].
    pub offered: (u32, u32),
}

/// What the first pass of one piece of a document saw.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    /// `(group, word)` of every confident occurrence.
    pub votes: Vec<(u64, WordId)>,
    pub doubts: Vec<Doubt>,
    /// The readings of the doubts (see [`Doubt::offered`]).
    pub offered: Vec<WordId>,
    /// Paragraphs of this piece that hold doubts so far (the next one's index).
    pub paras: u32,
    /// The first decode's path of each paragraph that holds doubts: a range of `path`.
    pub paths: Vec<(u32, u32)>,
    pub path: Vec<PathEdge>,
}

impl Evidence {
    /// Records one word token of the chosen path, with the single-word readings its lattice
    /// offered. Returns whether it was a doubt.
    pub fn record(
        &mut self,
        p: &Params,
        tok: u32,
        group: u64,
        chosen: WordId,
        confidence: f32,
        offered: impl Iterator<Item = WordId>,
    ) -> bool {
        if confidence >= p.doc_confident {
            if chosen != UNK {
                self.votes.push((group, chosen));
            }
            false
        } else if confidence < p.doc_doubtful {
            let from = self.offered.len() as u32;
            self.offered
                .extend(offered.filter(|&w| w != chosen && w != UNK));
            let to = self.offered.len() as u32;
            if from == to {
                return false;
            }
            self.doubts.push(Doubt {
                para: self.paras,
                tok,
                group,
                chosen,
                offered: (from, to),
            });
            true
        } else {
            false
        }
    }
}

/// The document's reading of each group that has one.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    reading: FxHashMap<u64, WordId>,
}

impl Cache {
    /// Counts the votes of all pieces; a group's reading is the one with at least `share` of
    /// its votes (ties cannot pass a share above one half; below it the smaller word id wins,
    /// so the count's order never matters).
    pub fn build<'a>(votes: impl Iterator<Item = &'a (u64, WordId)>, share: f32) -> Cache {
        let mut counts: FxHashMap<(u64, WordId), u32> = FxHashMap::default();
        let mut totals: FxHashMap<u64, u32> = FxHashMap::default();
        for &(g, w) in votes {
            *counts.entry((g, w)).or_insert(0) += 1;
            *totals.entry(g).or_insert(0) += 1;
        }
        let mut best: FxHashMap<u64, (u32, WordId)> = FxHashMap::default();
        for (&(g, w), &n) in &counts {
            let b = best.entry(g).or_insert((0, UNK));
            if n > b.0 || (n == b.0 && w < b.1) {
                *b = (n, w);
            }
        }
        let reading = best
            .into_iter()
            .filter(|&(g, (n, _))| n as f32 >= share * totals[&g] as f32)
            .map(|(g, (_, w))| (g, w))
            .collect();
        Cache { reading }
    }

    /// Whether no group has a reading (then nothing is decoded again).
    pub fn is_empty(&self) -> bool {
        self.reading.is_empty()
    }

    /// The targets among a piece's doubts: `(paragraph, token, document's reading)`, in
    /// order of paragraph and token.
    pub fn targets(&self, ev: &Evidence) -> Vec<Target> {
        ev.doubts
            .iter()
            .filter_map(|d| {
                let &w = self.reading.get(&d.group)?;
                let offered = &ev.offered[d.offered.0 as usize..d.offered.1 as usize];
                (w != d.chosen && offered.contains(&w)).then_some(Target {
                    para: d.para,
                    tok: d.tok,
                    word: w,
                })
            })
            .collect()
    }
}

/// A doubtful occurrence to decode again with the document's reading favoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub para: u32,
    pub tok: u32,
    pub word: WordId,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The knobs with the pass on (`doc_bonus` 2, the measured setting; the default is off).
    fn params() -> Params {
        Params {
            doc_bonus: 2.0,
            ..Params::default()
        }
    }

    #[test]
    fn groups_ignore_marks_and_case() {
        let g = group_of("Quảng");
        assert_eq!(g, group_of("quang"));
        assert_eq!(g, group_of("QUANG"));
        assert_eq!(g, group_of("Quáng"));
        assert_ne!(g, group_of("Quan"));
        assert_eq!(group_of("Đồng"), group_of("dong"));
    }

    #[test]
    fn confident_readings_vote_and_doubtful_ones_become_targets() {
        let p = params();
        let mut ev = Evidence::default();
        let (quang, quảng, other) = (10, 11, 12);
        // Two confident `quảng`, one confident `quang`: two thirds of the votes.
        ev.record(&p, 0, 7, quảng, 0.99, [quang].into_iter());
        ev.record(&p, 1, 7, quảng, 0.97, [quang].into_iter());
        ev.record(&p, 2, 7, quang, 0.99, [quảng].into_iter());
        ev.paras = 1;
        // A doubtful `quang` that could be `quảng`: a target; one whose lattice lacks it:
        // not; a middling one: neither vote nor doubt.
        assert!(ev.record(&p, 3, 7, quang, 0.4, [quảng, other].into_iter()));
        assert!(ev.record(&p, 4, 7, quang, 0.4, [other].into_iter()));
        assert!(!ev.record(&p, 5, 7, quang, 0.85, [quảng].into_iter()));
        // A doubt with no other reading at all is not kept.
        assert!(!ev.record(&p, 6, 7, quang, 0.3, std::iter::empty()));
        assert_eq!(ev.doubts.len(), 2);
        let c = Cache::build(ev.votes.iter(), 0.6);
        assert_eq!(
            c.targets(&ev),
            [Target {
                para: 1,
                tok: 3,
                word: quảng
            }]
        );
        // Above two thirds, the group has no reading.
        assert!(Cache::build(ev.votes.iter(), 0.7).targets(&ev).is_empty());
    }

    #[test]
    fn the_cache_does_not_depend_on_the_order_of_the_votes() {
        let votes = [(1u64, 5u32), (1, 6), (2, 9), (1, 6), (1, 5), (3, 4)];
        let mut rev = votes;
        rev.reverse();
        for share in [0.0, 0.5, 0.51, 1.0] {
            let (a, b) = (
                Cache::build(votes.iter(), share),
                Cache::build(rev.iter(), share),
            );
            let mut a: Vec<_> = a.reading.into_iter().collect();
            let mut b: Vec<_> = b.reading.into_iter().collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "{share}");
        }
    }

    /// Restorers of the embedded model with the pass on (`doc_bonus` 2, the measured
    /// setting) and off (the default), built once.
    fn restorers() -> &'static (super::super::Restorer, super::super::Restorer) {
        use super::super::Restorer;
        use crate::model::Model;
        static R: std::sync::OnceLock<(Restorer, Restorer)> = std::sync::OnceLock::new();
        R.get_or_init(|| {
            let on = Params {
                doc_bonus: 2.0,
                ..Params::default()
            };
            let on = Restorer::builder(Model::embedded().unwrap())
                .params(on)
                .build();
            let off = Params::default();
            let off = Restorer::builder(Model::embedded().unwrap())
                .params(off)
                .build();
            (on, off)
        })
    }

    const OCR_003: &str = include_str!("../../fixtures/003_4c818c38c2080030.txt");
    const GOLD_003: &str = include_str!("../../fixtures/gold/restore/003_4c818c38c2080030.gold");

    #[test]
    fn the_pass_helps_the_dev_report_on_several_words() {
        let (on, off) = restorers();
        let (a, b) = (on.restore(OCR_003), off.restore(OCR_003));
        let score = |t: &str| crate::eval::restore::score(t, GOLD_003, Some(OCR_003));
        let (sa, sb) = (score(&a.text), score(&b.text));
        assert!(
            sa.accuracy_ci() > sb.accuracy_ci(),
            "{} vs {}",
            sa.accuracy_ci(),
            sb.accuracy_ci()
        );
        // The second decode changes only some paragraphs, and only some of their words.
        let changed = a
            .text
            .lines()
            .zip(b.text.lines())
            .filter(|(x, y)| x != y)
            .count();
        assert!(
            changed >= 5 && changed * 10 < OCR_003.lines().count(),
            "{changed}"
        );
        assert_eq!(a.text.lines().count(), OCR_003.lines().count());
    }

    #[test]
    fn the_pass_gives_the_same_result_whole_in_parts_reported_and_on_any_thread_count() {
        let (on, _) = restorers();
        // 003 is longer than a parallel part: its pieces share one cache.
        let doc = format!("{OCR_003}\n\n{OCR_003}");
        assert!(doc.len() > 2 * super::super::PARALLEL_CHUNK_BYTES);
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        let one = pool(1).install(|| on.restore(&doc));
        let two = pool(2).install(|| on.restore(&doc));
        assert_eq!(one, two);
        // The report path decodes the text as one piece, spliced the same way.
        let (reported, reports) = on.restore_report(&doc);
        assert_eq!(reported, one);
        let mut session = super::super::Session::default();
        assert_eq!(on.restore_with(&doc, &mut session), one);
        // Every report points at what was written for its token.
        for r in &reports {
            assert_eq!(&one.text[r.r_start..r.r_end], r.chosen, "{r:?}");
            assert_eq!(&doc[r.start..r.end], r.observed, "{r:?}");
        }
        // The offset map still takes every rewritten token back to its input.
        for seg in one.map.segments() {
            assert_eq!(one.map.to_original(seg.r_start), seg.o_start);
        }
    }

    #[test]
    fn text_without_doubts_is_decoded_once() {
        // Restorers of their own: the shared ones' cross-thread caches hold what other tests
        // searched, which would change the work counted.
        use super::super::Restorer;
        use crate::model::Model;
        let on = Restorer::builder(Model::embedded().unwrap())
            .params(params())
            .build();
        let off = Restorer::builder(Model::embedded().unwrap())
            .params(Params::default())
            .build();
        // Clean text with a few unknown words (decoded paragraphs), and an OCR line whose
        // words are all read with confidence or have no document reading.
        let clean = include_str!("../../fixtures/001_372855f636130f4e.txt");
        let mut text = String::new();
        for (i, line) in clean.lines().enumerate() {
            text.push_str(line);
            text.push_str(if i % 9 == 4 { " Zalo\n" } else { "\n" });
        }
        let (mut a, mut b) = (
            super::super::Session::default(),
            super::super::Session::default(),
        );
        assert_eq!(
            on.restore_with(&text, &mut a),
            off.restore_with(&text, &mut b)
        );
        assert_eq!(a.work(), b.work());
    }

    #[test]
    fn kept_tokens_do_not_vote() {
        let p = params();
        let mut ev = Evidence::default();
        ev.record(&p, 0, 1, UNK, 1.0, std::iter::empty());
        assert!(ev.votes.is_empty());
        assert!(Cache::build(ev.votes.iter(), 0.5).is_empty());
    }
}
