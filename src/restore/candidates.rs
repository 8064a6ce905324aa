//! Candidate readings of one OCR token.
//!
//! A token is looked up in the lexicon through the learned error model (the candidate index
//! does a weighted edit-distance search), giving words `w` with channel cost
//! `−ln P(token | w)`. Tokens that OCR glued together (`Thanh1ap`, `SOKHOA`, `XaTayTra`) also
//! get two-word readings from every split point; a token that is not in the lexicon also keeps
//! a reading as itself, so names and codes the model does not know pass through unchanged when
//! nothing credible replaces them.
//!
//! The readings of a token depend only on its text, so they are cached per session: a report
//! repeats the same few thousand tokens, and the cache makes the search a one-time cost.

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use crate::channel::{Candidate, Limits, SearchScratch};
use crate::lm::UNK;

use super::decode::WordId;
use super::Restorer;

/// One way to read a token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// The word(s) read (`n` of them).
    pub words: [WordId; 2],
    pub n: u8,
    /// For two words: the char index in the token where the second word's letters begin
    /// (used to give each word the case of its own part).
    pub split: u16,
    /// Channel cost and penalties (−ln).
    pub cost: f32,
    /// Leave the token as it is.
    pub keep: bool,
    /// The reading writes the token as it is (case aside): not a change.
    pub same: bool,
}

/// Most distinct tokens cached per session before the cache is cleared (bounds memory).
const CACHE_LIMIT: usize = 200_000;

/// Candidates kept per searched string (whole tokens and split parts).
const SEARCH_TOP: usize = 12;

/// Readings kept for two tokens read as one word.
const MERGE_TOP: usize = 3;

/// Candidates kept for each side of a token read as two words: a split reading pairs the two
/// best of each side. A search for two stops far sooner than one for twelve (its budget
/// shrinks to the second-best cost found), and gives the same two.
const SPLIT_TOP: usize = 2;

/// Longest token, in characters, that is looked up in the lexicon at all. The channel's rules
/// rewrite at most two characters as two, the longest lexicon syllable has 7 letters and the
/// longest OCR word token in the parallel pairs 18 (`Hypophthalmichthys`); a longer token is
/// no word the lexicon could give back, and searching it would cost time in proportion to its
/// length for every trie node reached. It passes through as it is (see
/// [`Restored::passed_through`](super::Restored::passed_through)).
pub const MAX_SEARCH_CHARS: usize = 24;

/// Longest token, in characters, that is also tried as two words glued by OCR (two
/// syllables of 7 letters each, with room for OCR's longer spellings: `ư` → `tt`).
const MAX_SPLIT_CHARS: usize = 20;

/// Longest side of such a split, in characters.
const MAX_SPLIT_PART: usize = 12;

/// DP cells of channel search after which a token tries no further split point: with
/// [`MAX_SEARCH_CHARS`], the cap on one token's work. Above what any real token needs: over
/// the distinct word tokens of the parallel pairs' OCR side the median token costs
/// 2,700 cells, the 99.9th percentile 98,000 and the most costly 110,000.
const TOKEN_CELLS: u64 = 150_000;

/// Whether `token` is longer than [`MAX_SEARCH_CHARS`]: it gets no search, only its own
/// reading. Looks at no more than that many characters.
pub fn too_long(token: &str) -> bool {
    token.len() > MAX_SEARCH_CHARS && token.chars().nth(MAX_SEARCH_CHARS).is_some()
}

/// One cached channel search: its candidates and the DP cells it cost.
type Searched = (Arc<[Candidate]>, u64);

/// Per-session buffers and caches.
#[derive(Default)]
pub struct Scratch {
    /// Readings by token as written (case and all): a hit costs one hash of the token, with
    /// no normalisation. (Fx hashing: the keys are short and come from our own text, not
    /// from an adversary that could aim at collisions any more than at a slow document.)
    readings: FxHashMap<Box<str>, Arc<[Reading]>>,
    /// Channel search results by string, one map per [`Purpose`].
    /// Each with the DP cells its search cost (charged again on a cache hit, so that what a
    /// token may still search does not depend on what was cached before it).
    searched: [FxHashMap<Box<str>, Searched>; 3],
    /// DP cells charged to the token being read (see [`TOKEN_CELLS`]).
    charged: u64,
    out: Vec<Candidate>,
    search: SearchScratch,
    key: String,
    key2: String,
    chars: Vec<char>,
    work: Vec<Reading>,
    /// The one reading of a token too long to search.
    single: Vec<Reading>,
}

impl Scratch {
    /// DP cells the channel searches of this session have computed (see
    /// [`SearchScratch::cells`]).
    pub fn cells(&self) -> u64 {
        self.search.cells()
    }
}

/// Readings computed by any thread, for the others: one restorer's, beside each thread's
/// own cache.
///
/// Each rayon worker has its own [`Scratch`] (no lock on the hot path: a token's readings
/// are looked up for every occurrence). Without this, every worker would search each of a
/// document's distinct tokens itself: at two threads, about 5 % more work than at one. A
/// worker asks here only when its own cache misses, and puts here what it computed, so a
/// token is searched about once per process. The readings of a token depend on its text and
/// the restorer alone, so where they come from changes nothing in the output.
///
/// The searches of merge keys (two neighbouring tokens read as one word) are shared the same
/// way: they are made outside any token's readings.
#[derive(Default)]
pub struct Shared {
    map: RwLock<FxHashMap<Box<str>, Arc<[Reading]>>>,
    merges: RwLock<FxHashMap<Box<str>, Searched>>,
}

/// `map[key]`, if the lock is not poisoned.
fn shared_get<V: Clone>(map: &RwLock<FxHashMap<Box<str>, V>>, key: &str) -> Option<V> {
    map.read().ok()?.get(key).cloned()
}

/// Puts `value` under `key`, clearing the map first when it holds [`CACHE_LIMIT`] entries.
fn shared_put<V>(map: &RwLock<FxHashMap<Box<str>, V>>, key: &str, value: V) {
    if let Ok(mut map) = map.write() {
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(key.into(), value);
    }
}

impl Shared {
    fn get(&self, token: &str) -> Option<Arc<[Reading]>> {
        shared_get(&self.map, token)
    }

    fn put(&self, token: &str, list: &Arc<[Reading]>) {
        shared_put(&self.map, token, Arc::clone(list));
    }
}

/// The lexicon key of a token: lower case, traditional tone placement.
///
/// An ASCII token (most OCR tokens, every mark lost) has no tone to move: its key is its lower
/// case, without the per-character case mapping of the general path (this runs for every word
/// of a document, twice).
pub fn key_of(token: &str, out: &mut String) {
    if token.is_ascii() {
        out.clear();
        out.push_str(token);
        out.make_ascii_lowercase();
        return;
    }
    crate::lm::normalize_word(token, out);
}

/// What a channel search is for; each has its own cost budget and cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// A whole token read as one word.
    Whole = 0,
    /// One side of a token read as two words.
    Split = 1,
    /// Two tokens read as one word: most adjacent short tokens are tried, and a merge needs
    /// a close match to beat the two words as they stand, so a tighter budget spends far less
    /// search on hopeless concatenations (`cong` + `tac` → `congtac`).
    Merge = 2,
}

/// The channel search for one string, cached.
fn search<'a>(r: &Restorer, s: &'a mut Scratch, key: &str, purpose: Purpose) -> &'a [Candidate] {
    let p = r.params();
    let budget = match purpose {
        Purpose::Whole => p.max_cost,
        Purpose::Split => p.split_max_cost,
        Purpose::Merge => p.merge_max_cost,
    };
    // A split part searched with the whole-token budget (the default knobs) is answered by a
    // whole token's search when there is one (its first `SPLIT_TOP` are the same): `thanh` is
    // not searched again as the left side of `thanhlap`.
    let slot = match purpose {
        Purpose::Split
            if p.split_max_cost == p.max_cost
                && s.searched[Purpose::Whole as usize].contains_key(key) =>
        {
            Purpose::Whole as usize
        }
        _ => purpose as usize,
    };
    let map = &mut s.searched[slot];
    let shared = match purpose {
        Purpose::Merge if !map.contains_key(key) => shared_get(&r.shared.merges, key),
        _ => None,
    };
    if let Some(found) = shared {
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(key.into(), found);
    }
    let map = &mut s.searched[slot];
    if !map.contains_key(key) {
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        let before = s.search.cells();
        let limits = Limits {
            max_cost: budget,
            margin: p.rank_margin,
            limit: match purpose {
                Purpose::Whole => SEARCH_TOP,
                Purpose::Split => SPLIT_TOP,
                Purpose::Merge => MERGE_TOP,
            },
        };
        r.index()
            .search_with(&r.model().channel, key, limits, &mut s.out, &mut s.search);
        // The prior only ranked the candidates; the cost handed on is the channel's.
        for c in &mut s.out {
            c.cost = (c.cost - r.prior(c.id)).max(0.0);
        }
        let cells = s.search.cells() - before;
        let found: Searched = (s.out.as_slice().into(), cells);
        if purpose == Purpose::Merge {
            shared_put(&r.shared.merges, key, found.clone());
        }
        s.searched[slot].insert(key.into(), found);
    }
    match s.searched[slot].get(key) {
        Some((list, cells)) => {
            s.charged += cells;
            list
        }
        None => &[],
    }
}

/// The readings of `token` (original case), best first.
pub fn readings<'a>(r: &Restorer, token: &str, s: &'a mut Scratch) -> &'a [Reading] {
    if too_long(token) {
        // Not cached either: the cache must not hold megabyte keys.
        s.single.clear();
        s.single.push(Reading {
            words: [UNK, 0],
            n: 1,
            split: 0,
            cost: 0.0,
            keep: true,
            same: true,
        });
        return &s.single;
    }
    if !s.readings.contains_key(token) {
        if s.readings.len() >= CACHE_LIMIT {
            s.readings.clear();
        }
        let list = match r.shared.get(token) {
            Some(list) => list,
            None => {
                let mut key = std::mem::take(&mut s.key);
                key_of(token, &mut key);
                // A common OCR form's readings were computed by `sohoa train` (see
                // [`super::forms`]): the same list, without the search.
                let vocab = r.model().lm.vocab().len();
                let list = match r.forms().and_then(|f| super::forms::lookup(f, &key, vocab)) {
                    Some(found) => found,
                    None => compute(r, &key, s),
                };
                s.key = key;
                r.shared.put(token, &list);
                list
            }
        };
        s.readings.insert(token.into(), list);
    }
    s.readings.get(token).map_or(&[][..], |v| &v[..])
}

/// The readings of two adjacent tokens read as one word (`hi u` = hiệu), best first.
pub fn merged(r: &Restorer, a: &str, b: &str, s: &mut Scratch, out: &mut Vec<Reading>) {
    out.clear();
    let (mut key, mut kb) = (std::mem::take(&mut s.key), std::mem::take(&mut s.key2));
    key_of(a, &mut key);
    key_of(b, &mut kb);
    key.push_str(&kb);
    let p = *r.params();
    if !r.skeletons().is_near(&key, &mut s.chars) {
        (s.key, s.key2) = (key, kb);
        return;
    }
    for c in search(r, s, &key, Purpose::Merge) {
        out.push(Reading {
            words: [c.id, 0],
            n: 1,
            split: 0,
            cost: p.channel_weight * c.cost + p.merge_penalty,
            keep: false,
            same: false,
        });
    }
    (s.key, s.key2) = (key, kb);
}

/// The readings of the lexicon key `key`, searched (what [`readings`] caches).
pub(super) fn compute(r: &Restorer, key: &str, s: &mut Scratch) -> Arc<[Reading]> {
    let p = *r.params();
    let vocab = r.model().lm.vocab();
    let mut work = std::mem::take(&mut s.work);
    work.clear();
    let self_id = vocab.id(key);
    let mut has_self = false;
    s.charged = 0;
    for c in search(r, s, key, Purpose::Whole) {
        let same = Some(c.id) == self_id;
        has_self |= same;
        work.push(Reading {
            words: [c.id, 0],
            n: 1,
            split: 0,
            cost: p.channel_weight * c.cost,
            keep: false,
            same,
        });
    }
    if !has_self {
        // Not a lexicon word (a name, a code, a loanword): it may stay as it is.
        let (id, cost) = match self_id {
            Some(id) => (id, p.keep_cost * 0.5),
            None => (UNK, p.keep_cost),
        };
        work.push(Reading {
            words: [id, 0],
            n: 1,
            split: 0,
            cost,
            keep: true,
            same: true,
        });
    }
    let best_whole = work.iter().map(|w| w.cost).fold(f32::INFINITY, f32::min);
    let n_chars = key.chars().count();
    if (4..=MAX_SPLIT_CHARS).contains(&n_chars) && (best_whole > p.split_trigger || n_chars >= 7) {
        add_splits(r, key, s, &mut work);
    }
    work.sort_by(|a, b| {
        a.cost
            .total_cmp(&b.cost)
            .then(a.words.cmp(&b.words))
            .then(a.split.cmp(&b.split))
    });
    let best = work.first().map_or(0.0, |w| w.cost);
    work.retain(|w| w.cost <= best + p.margin);
    work.truncate(p.max_candidates.max(1));
    let list: Arc<[Reading]> = work.as_slice().into();
    s.work = work;
    list
}

/// Two-word readings from every split point of `key` whose sides are both at most
/// [`MAX_SPLIT_PART`] characters long.
fn add_splits(r: &Restorer, key: &str, s: &mut Scratch, work: &mut Vec<Reading>) {
    let p = *r.params();
    let bounds: Vec<usize> = key.char_indices().map(|(i, _)| i).skip(1).collect();
    let n_chars = bounds.len() + 1;
    for (ci, &b) in bounds.iter().enumerate() {
        if s.charged > TOKEN_CELLS {
            break;
        }
        if ci + 1 > MAX_SPLIT_PART || n_chars - (ci + 1) > MAX_SPLIT_PART {
            continue;
        }
        let (left, right) = key.split_at(b);
        // Two words glued by OCR are two close matches (split readings cost their penalty
        // on top): a side that is no word's skeleton within one edit is not searched.
        let sk = r.skeletons();
        if !sk.is_near(left, &mut s.chars) || !sk.is_near(right, &mut s.chars) {
            continue;
        }
        // Keep the two best of each side.
        let l: Vec<Candidate> = search(r, s, left, Purpose::Split)
            .iter()
            .take(SPLIT_TOP)
            .copied()
            .collect();
        if l.is_empty() {
            continue;
        }
        let rr: Vec<Candidate> = search(r, s, right, Purpose::Split)
            .iter()
            .take(SPLIT_TOP)
            .copied()
            .collect();
        for a in &l {
            for c in &rr {
                work.push(Reading {
                    words: [a.id, c.id],
                    n: 2,
                    split: (ci + 1) as u16,
                    cost: p.channel_weight * (a.cost + c.cost) + p.split_penalty,
                    keep: false,
                    same: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_key_is_the_general_one() {
        let (mut fast, mut general) = (String::new(), String::new());
        for t in [
            "", "cUa", "THONG", "x4y", "0D", "hoa", "Quy", "ctia", "s6", "Hoà", "THỦY",
        ] {
            key_of(t, &mut fast);
            crate::lm::normalize_word(t, &mut general);
            assert_eq!(fast, general, "{t}");
        }
    }
}
