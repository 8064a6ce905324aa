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
//! uses, computed only as far as the thresholds below need: `render::path_confidence`, and only for
//! the occurrences that can change a target: see [`plan`]). Tokens are grouped by their letters with marks removed and lower-cased (`Quảng`,
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
use super::render::{self, PathEdge, KEPT_UNKNOWN_CONFIDENCE};
use super::{Params, Restorer};
use crate::lm::UNK;

/// The group of a word token: its letters with marks removed, lower-cased, hashed (FxHash:
/// the same on every run and thread).
pub(crate) fn group_of(token: &str) -> u64 {
    let mut h = FxHasher::default();
    if token.is_ascii() {
        // Most OCR tokens: the bytes are their own bases (the same hash as below).
        for &b in token.as_bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        return h.finish();
    }
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

/// One word token of a first decode's path, read as one word: what its confidence needs,
/// kept so that it is computed only if the token can matter (see [`plan`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occ {
    pub group: u64,
    /// Index of its paragraph among the piece's kept paragraphs ([`Evidence::paths`]).
    pub para: u32,
    /// Its token's index in the paragraph.
    pub tok: u32,
    /// What the first pass chose (`UNK` when it kept the token as written).
    pub chosen: WordId,
    /// The chosen edge's cost.
    pub cost: f32,
    /// The path's two words before it (`BOS` before the paragraph) and the `after` (0..=2)
    /// after it.
    pub ctx: [WordId; 4],
    pub after: u8,
    /// Its confidence is capped at [`KEPT_UNKNOWN_CONFIDENCE`] (a kept unknown word in OCR).
    pub capped: bool,
    /// It is capped too if the chosen word is a lone consonant (checked when needed).
    pub may_cap: bool,
    /// The other single-word readings of its token, with their edge costs: a range of
    /// [`Evidence::alts`].
    pub alts: (u32, u32),
}

/// What the first pass of one piece of a document saw.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    /// Every word token read as one word, in order.
    pub occs: Vec<Occ>,
    /// The other readings of the occurrences (see [`Occ::alts`]).
    pub alts: Vec<(WordId, f32)>,
    /// The piece's targets, in order of paragraph and token (see [`plan`]).
    pub targets: Vec<Target>,
    /// Paragraphs of this piece kept for a second decode so far (the next one's index): those
    /// with an occurrence that has other readings.
    pub paras: u32,
    /// The first decode's path of each kept paragraph: a range of `path`.
    pub paths: Vec<(u32, u32)>,
    pub path: Vec<PathEdge>,
}

impl Evidence {
    /// Whether `o` could vote: its reading is a word and its confidence can reach
    /// `confident`.
    fn could_vote(p: &Params, o: &Occ) -> bool {
        o.chosen != UNK && !(o.capped && KEPT_UNKNOWN_CONFIDENCE < p.doc_confident)
    }

    /// The other readings of `o` that are words.
    fn offered<'a>(&'a self, o: &'a Occ) -> impl Iterator<Item = WordId> + 'a {
        self.alts[o.alts.0 as usize..o.alts.1 as usize]
            .iter()
            .map(|a| a.0)
            .filter(move |&w| w != o.chosen && w != UNK)
    }
}

/// The confidence of occurrence `o` as far as the thresholds need it (see
/// `render::path_confidence`), with the cap of kept unknown words and lone consonants.
fn confidence(r: &Restorer, ev: &Evidence, o: &Occ) -> f32 {
    let p = r.params();
    let capped =
        o.capped || (o.may_cap && render::lone_consonant(r.model().lm.vocab().word(o.chosen)));
    if capped && KEPT_UNKNOWN_CONFIDENCE < p.doc_doubtful.min(p.doc_confident) {
        // Doubtful whatever the context says.
        return KEPT_UNKNOWN_CONFIDENCE;
    }
    let words = [o.ctx[0], o.ctx[1], o.chosen, o.ctx[2], o.ctx[3]];
    let alts = &ev.alts[o.alts.0 as usize..o.alts.1 as usize];
    let c = render::path_confidence(
        r,
        alts,
        (o.chosen, o.cost),
        &words[..3 + usize::from(o.after)],
        2,
        (p.doc_confident, p.doc_doubtful),
    );
    if capped {
        c.min(KEPT_UNKNOWN_CONFIDENCE)
    } else {
        c
    }
}

/// An occurrence: its piece and its index in the piece's [`Evidence::occs`].
type OccRef = (u32, u32);

/// Finds every piece's targets (into [`Evidence::targets`]), computing confidences only where
/// they can change one.
///
/// The occurrences are gathered by group. An occurrence can be a target only if it offers a
/// word that another occurrence of its group chose; a group with no such occurrence is
/// skipped. In the others, the group's reading is decided from bounds on its votes: each
/// occurrence whose confidence is not computed yet counts as a vote on the side that makes
/// the verdict hardest, and confidences are computed only until the verdict holds either way.
/// Then only the occurrences offering the reading are checked for doubt. The targets are
/// those of computing every confidence and building the [`Cache`] from all the votes (a test
/// checks it), and each group is decided on its own, so the result does not depend on the
/// order or the threads. `parallel` decides groups in parallel.
pub(crate) fn plan(r: &Restorer, evs: &mut [&mut Evidence], parallel: bool) {
    for ev in evs.iter_mut() {
        ev.targets.clear();
    }
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut groups: Vec<Vec<OccRef>> = Vec::new();
    for (k, ev) in evs.iter().enumerate() {
        for (i, o) in ev.occs.iter().enumerate() {
            let g = *index.entry(o.group).or_insert_with(|| {
                groups.push(Vec::new());
                (groups.len() - 1) as u32
            });
            groups[g as usize].push((k as u32, i as u32));
        }
    }
    let shared: Vec<&Evidence> = evs.iter().map(|e| &**e).collect();
    let found: Vec<(OccRef, Target)> = if parallel {
        use rayon::prelude::*;
        groups
            .par_iter()
            .filter(|g| g.len() > 1)
            .flat_map_iter(|g| decide(r, &shared, g))
            .collect()
    } else {
        groups
            .iter()
            .filter(|g| g.len() > 1)
            .flat_map(|g| decide(r, &shared, g))
            .collect()
    };
    let mut found = found;
    found.sort_unstable_by_key(|&((k, i), _)| (k, i));
    for ((k, _), t) in found {
        evs[k as usize].targets.push(t);
    }
}

/// The targets of one group (see [`plan`]).
fn decide(r: &Restorer, evs: &[&Evidence], group: &[OccRef]) -> Vec<(OccRef, Target)> {
    let p = r.params();
    let occ = |&(k, i): &OccRef| (evs[k as usize], &evs[k as usize].occs[i as usize]);
    // The words chosen by occurrences that could vote, with their counts.
    let mut words: Vec<(WordId, u32)> = Vec::new();
    for o in group.iter().map(|x| occ(x).1) {
        if Evidence::could_vote(p, o) {
            match words.iter_mut().find(|w| w.0 == o.chosen) {
                Some(w) => w.1 += 1,
                None => words.push((o.chosen, 1)),
            }
        }
    }
    // The words some occurrence offers that another chose: the only possible readings that
    // make a target.
    let mut wanted: Vec<(WordId, u32)> = Vec::new();
    for x in group {
        let (ev, o) = occ(x);
        for w in ev.offered(o) {
            if let Some(&c) = words.iter().find(|c| c.0 == w) {
                if !wanted.contains(&c) {
                    wanted.push(c);
                }
            }
        }
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    // Confidences computed so far, by position in `group`.
    let mut conf = vec![f32::NAN; group.len()];
    let mut conf_of = |j: usize| {
        if conf[j].is_nan() {
            let (ev, o) = occ(&group[j]);
            conf[j] = confidence(r, ev, o);
        }
        conf[j]
    };
    let share = p.doc_share;
    let reading = if share <= 0.5 {
        // Ties are possible: count every vote, as the cache does.
        let mut votes = Vec::new();
        for (j, x) in group.iter().enumerate() {
            let o = occ(x).1;
            if Evidence::could_vote(p, o) && conf_of(j) >= p.doc_confident {
                votes.push((o.group, o.chosen));
            }
        }
        Cache::build(votes.iter(), share)
            .reading
            .values()
            .next()
            .copied()
    } else {
        // Most chosen first: the likeliest reading.
        wanted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let passes = |n: u32, rest: u32| n >= 1 && n as f32 >= share * (n + rest) as f32;
        let mut reading = None;
        for &(w, n_w) in &wanted {
            let n_all: u32 = words.iter().map(|c| c.1).sum();
            // Votes known for and against `w`, and occurrences not yet known on each side.
            let (mut yes, mut open_w, mut no, mut open_r) = (0u32, n_w, 0u32, n_all - n_w);
            let sides: Vec<(usize, bool)> = group
                .iter()
                .enumerate()
                .filter(|(_, x)| Evidence::could_vote(p, occ(x).1))
                .map(|(j, x)| (j, occ(x).1.chosen == w))
                .collect();
            // The other side first, then `w`'s, each until the verdict holds.
            let order = sides
                .iter()
                .filter(|s| !s.1)
                .chain(sides.iter().filter(|s| s.1));
            let mut verdict = None;
            for &(j, mine) in order {
                if passes(yes, no + open_r) {
                    verdict = Some(true);
                    break;
                }
                if !passes(yes + open_w, no) {
                    verdict = Some(false);
                    break;
                }
                let voted = conf_of(j) >= p.doc_confident;
                match (mine, voted) {
                    (true, true) => yes += 1,
                    (false, true) => no += 1,
                    _ => {}
                }
                if mine {
                    open_w -= 1;
                } else {
                    open_r -= 1;
                }
            }
            if verdict.unwrap_or_else(|| passes(yes, no)) {
                reading = Some(w);
                break;
            }
        }
        reading
    };
    let Some(w) = reading else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (j, x) in group.iter().enumerate() {
        let (ev, o) = occ(x);
        if o.chosen == w || !ev.offered(o).any(|v| v == w) {
            continue;
        }
        let c = conf_of(j);
        if c < p.doc_confident && c < p.doc_doubtful {
            out.push((
                *x,
                Target {
                    para: o.para,
                    tok: o.tok,
                    word: w,
                },
            ));
        }
    }
    out
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
}

/// A doubtful occurrence to decode again with the document's reading favoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub para: u32,
    pub tok: u32,
    pub word: WordId,
}

/// Confidences of at least this much vote for their reading in [`weigh_by_document`].
const VOTE_CONFIDENT: f32 = 0.9;

/// Weighs each reported word's confidence by what the rest of its document says (`--mark`).
/// Words are grouped by their chosen reading's letters without marks; those of confidence at
/// least [`VOTE_CONFIDENT`] vote for their reading. Once a word's group has `min_votes` other
/// votes ([`Params::doc_votes`], 3) and one reading holds `share` of them
/// ([`Params::doc_share`]), the word's confidence, taken as the odds of its reading in its
/// own context, is multiplied by the odds the other votes give that reading (`(v + 1) /
/// (n + 2)`, Laplace's rule over `n` votes of which `v` agree). A doubt the document settles
/// (`xa` read `xã` where ten clean `xã` stand) is no longer flagged; a reading the document
/// contradicts (`tính` where it reads `tỉnh` confidently) is flagged more surely; a group
/// whose votes are split (`có`, `cô`, `cơ`) says nothing. The restored text does not change:
/// this is the document pass's evidence (`doc_bonus`), used for the confidence alone.
pub(crate) fn weigh_by_document(reports: &mut [render::TokenReport], min_votes: u32, share: f32) {
    let key = |r: &render::TokenReport| (group_of(&r.chosen), r.chosen.to_lowercase());
    let mut votes: FxHashMap<(u64, String), u32> = FxHashMap::default();
    let mut totals: FxHashMap<u64, u32> = FxHashMap::default();
    for r in reports.iter().filter(|r| r.confidence >= VOTE_CONFIDENT) {
        let k = key(r);
        *totals.entry(k.0).or_default() += 1;
        *votes.entry(k).or_default() += 1;
    }
    // The most votes one reading of each group has.
    let mut top: FxHashMap<u64, u32> = FxHashMap::default();
    for (&(g, _), &v) in &votes {
        let t = top.entry(g).or_default();
        *t = (*t).max(v);
    }
    for r in reports.iter_mut().filter(|r| r.confidence < 1.0) {
        let k = key(r);
        let own = u32::from(r.confidence >= VOTE_CONFIDENT);
        let n = totals.get(&k.0).copied().unwrap_or(0) - own;
        let t = top.get(&k.0).copied().unwrap_or(0);
        if n < min_votes || (t as f32) < share * (n + own) as f32 {
            continue;
        }
        let v = votes.get(&k).copied().unwrap_or(0) - own;
        let prior = (v as f32 + 1.0) / (n as f32 + 2.0);
        let c = r.confidence;
        r.confidence = c * prior / (c * prior + (1.0 - c) * (1.0 - prior));
    }
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
    fn the_pass_changes_some_words_of_the_dev_report_and_loses_nothing() {
        let (on, off) = restorers();
        let (a, b) = (on.restore(OCR_003), off.restore(OCR_003));
        let score = |t: &str| crate::eval::restore::score(t, GOLD_003, Some(OCR_003));
        let (sa, sb) = (score(&a.text), score(&b.text));
        // Since the vowel class of the error model (2026-12-07) the pass is flat on 003: it
        // settles `tinh` as `tỉnh` and `cap` as `cấp` where the report is sure, and as many
        // words of the commune table go wrong (README, "One reading per document"). With
        // the predicted readings (`restore::predicted`, on by default since 2026-12-08) it is
        // two words of 7,648 behind: pinned to lose no more than five.
        assert!(
            sa.accuracy_ci() >= sb.accuracy_ci() - 5.0 / 7648.0,
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

    /// The targets of computing every occurrence's confidence, voting with every confident
    /// one and building the cache from all the votes: what [`plan`] must find.
    fn every_confidence(r: &Restorer, evs: &[&Evidence]) -> Vec<Vec<Target>> {
        let p = r.params();
        let mut votes = Vec::new();
        let mut doubts = Vec::new();
        for (k, ev) in evs.iter().enumerate() {
            for o in &ev.occs {
                let c = confidence(r, ev, o);
                if c >= p.doc_confident {
                    if o.chosen != UNK {
                        votes.push((o.group, o.chosen));
                    }
                } else if c < p.doc_doubtful && ev.offered(o).next().is_some() {
                    doubts.push((k, *o));
                }
            }
        }
        let cache = Cache::build(votes.iter(), p.doc_share);
        let mut out = vec![Vec::new(); evs.len()];
        for (k, o) in doubts {
            if let Some(&w) = cache.reading.get(&o.group) {
                if w != o.chosen && evs[k].offered(&o).any(|x| x == w) {
                    out[k].push(Target {
                        para: o.para,
                        tok: o.tok,
                        word: w,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn the_plan_finds_the_targets_of_every_confidence() {
        use super::super::{Restorer, Session};
        use crate::model::Model;
        let (half, rest) = OCR_003.split_at(OCR_003.len() / 2 + 17);
        let half = &half[..half.rfind('\n').unwrap_or(0)];
        let mut checked = 0;
        for (share, confident, doubtful) in [
            (0.7, 0.9, 0.8),
            (0.5, 0.9, 0.8),
            (0.4, 0.9, 0.8),
            (0.9, 0.6, 0.95),
            (0.6, 0.4, 0.3),
        ] {
            let params = Params {
                doc_bonus: 2.0,
                doc_share: share,
                doc_confident: confident,
                doc_doubtful: doubtful,
                ..Params::default()
            };
            let r = Restorer::builder(Model::embedded().unwrap())
                .params(params)
                .build();
            let mut s = Session::default();
            let penalty = r.change_penalty(OCR_003);
            // One piece, and two pieces of one document.
            for texts in [vec![OCR_003], vec![half, rest]] {
                let mut firsts: Vec<_> = texts
                    .iter()
                    .map(|t| r.first_pass(t, &mut s, penalty, None, None, false))
                    .collect();
                let want = every_confidence(&r, &firsts.iter().map(|f| &f.ev).collect::<Vec<_>>());
                for parallel in [false, true] {
                    let mut evs: Vec<&mut Evidence> =
                        firsts.iter_mut().map(|f| &mut f.ev).collect();
                    plan(&r, &mut evs, parallel);
                    let got: Vec<Vec<Target>> = evs.iter().map(|e| e.targets.clone()).collect();
                    assert_eq!(got, want, "{share} {confident} {doubtful} {parallel}");
                    checked += got.iter().map(Vec::len).sum::<usize>();
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    fn report(observed: &str, chosen: &str, confidence: f32) -> render::TokenReport {
        render::TokenReport {
            start: 0,
            end: 0,
            r_start: 0,
            r_end: 0,
            observed: observed.to_string(),
            chosen: chosen.to_string(),
            alternatives: Vec::new(),
            confidence,
        }
    }

    #[test]
    fn the_document_weighs_reported_confidences() {
        let mut reps = vec![
            report("xa", "xã", 0.6),
            report("tinh", "tính", 0.7),
            report("co", "cơ", 0.7),
            report("Ngai", "Ngãi", 0.6),
        ];
        reps.extend((0..4).map(|_| report("xã", "xã", 0.99)));
        reps.extend((0..4).map(|_| report("tinh", "tỉnh", 0.95)));
        // Split votes (`có`, `cô`) are no document's reading; two votes are too few.
        reps.extend((0..2).map(|_| report("co", "có", 0.95)));
        reps.extend((0..2).map(|_| report("co", "cô", 0.95)));
        reps.extend((0..2).map(|_| report("Ngãi", "Ngãi", 0.99)));
        let before: Vec<f32> = reps.iter().map(|r| r.confidence).collect();
        weigh_by_document(&mut reps, 3, 0.7);
        // Four votes for `xã`: odds 0.6/0.4 × 5/1.
        assert!(
            (reps[0].confidence - 3.0 / 3.4).abs() < 1e-5,
            "{}",
            reps[0].confidence
        );
        // Four votes for `tỉnh`, none for `tính`: odds 0.7/0.3 × 1/5.
        assert!(
            (reps[1].confidence - 0.7 / 2.2).abs() < 1e-5,
            "{}",
            reps[1].confidence
        );
        assert_eq!(reps[2].confidence, before[2]);
        assert_eq!(reps[3].confidence, before[3]);
        // A confident vote is weighed by the others only (three more of its own: 0.99 up).
        assert!(reps[4].confidence > 0.99);
    }
}
