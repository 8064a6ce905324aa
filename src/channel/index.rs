//! The candidate search: a trie over the lexicon walked with one row of the weighted edit
//! distance per node (a Levenshtein automaton with the learned multi-character rules),
//! pruning every branch that can no longer come in under `max_cost`.

use super::model::{ErrorModel, Query};

/// A lexicon word within reach of an observed token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The id the word was indexed with.
    pub id: u32,
    /// Channel cost −ln P(observed | word), plus the word's prior when the index has priors.
    pub cost: f32,
}

/// Buffers reused across searches (one per thread): the expanded nodes and their DP rows, the
/// frontier, per-query rule tables.
#[derive(Default, Debug)]
pub struct SearchScratch {
    query: Query,
    /// DP rows of the expanded nodes, `s = m + 1` values each: record `r`'s row is
    /// `rows[r * s..(r + 1) * s]`.
    rows: Vec<f32>,
    /// Per record: its trie node, its parent record and its row minimum.
    recs: Vec<Rec>,
    /// The row of the child being expanded: copied to `rows` only if the child is kept as a
    /// record (most are leaves or pruned, and growing `rows` with zeros and cutting it back
    /// for each was a tenth of a walk's instructions).
    row: Vec<f32>,
    /// Per alphabet index `a`: the cheapest rule of this query whose intended side is two
    /// characters starting with `a` (how cheaply row `d - 1` can still reach row `d + 1`).
    min2: Vec<f32>,
    /// Per alphabet index `a`: the smaller of the query's `cheap[a]` and `min2[a]`.
    cheap: Vec<f32>,
    /// The indices whose `min2` and `cheap` the last walk set, to reset (unless `walk_full`:
    /// it set them all).
    touched: Vec<u16>,
    walk_full: bool,
    /// The frontier, best first: (lower bound bits << 32 | record).
    frontier: std::collections::BinaryHeap<std::cmp::Reverse<u64>>,
    /// Bit patterns of the best costs found so far (a max-heap of at most `limit`).
    heap: std::collections::BinaryHeap<u32>,
    exact: Exact,
    visited: u64,
    cells: u64,
}

/// Where a search's candidates go: keeps the budget (the cost above which nothing can be in
/// the answer any more) as candidates come in.
pub(crate) struct Sink<'a> {
    out: &'a mut Vec<Candidate>,
    /// Bit patterns of the best costs found so far (a max-heap of at most `limit`).
    heap: &'a mut std::collections::BinaryHeap<u32>,
    budget: f32,
    margin: f32,
    limit: usize,
}

impl Sink<'_> {
    /// Takes candidate `id` at `cost` if it is within the budget, and shrinks the budget: to
    /// `cost + margin` (the best is at most `cost`), and to the `limit`-th best cost so far.
    #[inline]
    fn offer(&mut self, id: u32, cost: f32) {
        if cost > self.budget {
            return;
        }
        self.out.push(Candidate { id, cost });
        self.budget = self.budget.min(cost + self.margin);
        if self.limit != usize::MAX {
            // Non-negative floats order like their bit patterns.
            self.heap.push(cost.max(0.0).to_bits());
            if self.heap.len() > self.limit {
                self.heap.pop();
            }
            if self.heap.len() == self.limit {
                if let Some(&top) = self.heap.peek() {
                    self.budget = self.budget.min(f32::from_bits(top));
                }
            }
        }
    }
}

/// Buffers of the exact scoring of a skeleton's words (see [`SkeletonIndex`]).
#[derive(Default, Debug)]
pub(crate) struct Exact {
    query: Query,
    /// DP rows of the word being scored, one per prefix length.
    rows: Vec<f32>,
    /// Row minima, one per prefix length.
    mins: Vec<f32>,
    path: Vec<u16>,
    /// Rows `0..=valid` hold the prefix `path[..valid]`.
    valid: usize,
    cells: u64,
}

/// A trie node whose DP row is computed.
#[derive(Clone, Copy, Debug)]
struct Rec {
    node: u32,
    parent: u32,
    min: f32,
}

impl SearchScratch {
    /// Trie nodes expanded by the searches made with this scratch so far (for benchmarks).
    pub fn visited(&self) -> u64 {
        self.visited
    }

    /// DP cells computed by the searches made with this scratch so far: the work a search
    /// does, whatever the machine (for tests that bound work by input length).
    pub fn cells(&self) -> u64 {
        self.cells + self.exact.cells
    }
}

/// The lexicon as a trie in preorder: node `i`'s subtree is `i..end[i]`.
#[derive(Debug)]
pub struct CandidateIndex {
    label: Vec<char>,
    end: Vec<u32>,
    /// Terminal ids of node `i`: `terms[term_start[i]..term_start[i + 1]]`.
    term_start: Vec<u32>,
    terms: Vec<(u32, f32)>,
    /// Lowest prior in the subtree, so pruning stays exact with priors.
    min_prior: Vec<f32>,
    limit: usize,
}

/// The bounds of one search (see [`CandidateIndex::search_with`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Highest cost (channel cost plus prior) a candidate may have.
    pub max_cost: f32,
    /// Widest gap allowed between a candidate's cost and the best one's.
    pub margin: f32,
    /// Most candidates returned.
    pub limit: usize,
}

/// How many candidates a search returns unless [`CandidateIndex::with_limit`] says otherwise:
/// as many as the restorer keeps (12), so its results are the same as with no limit.
pub const DEFAULT_LIMIT: usize = 12;

type Entry = (Vec<char>, u32, f32);

impl CandidateIndex {
    /// Indexes `(id, word)` pairs; words are lower-cased here.
    pub fn build<'a>(words: impl IntoIterator<Item = (u32, &'a str)>) -> CandidateIndex {
        Self::build_with_priors(words.into_iter().map(|(id, w)| (id, w, 0.0)))
    }

    /// Indexes `(id, word, −ln prior)`; the prior is added to every candidate's cost.
    pub fn build_with_priors<'a>(
        words: impl IntoIterator<Item = (u32, &'a str, f32)>,
    ) -> CandidateIndex {
        let mut entries: Vec<Entry> = words
            .into_iter()
            .map(|(id, w, p)| {
                let p = if p.is_finite() { p.max(0.0) } else { 0.0 };
                (w.chars().flat_map(char::to_lowercase).collect(), id, p)
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        entries.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut index = CandidateIndex {
            label: Vec::new(),
            end: Vec::new(),
            term_start: Vec::new(),
            terms: Vec::new(),
            min_prior: Vec::new(),
            limit: DEFAULT_LIMIT,
        };
        index.add(&entries, 0, '\0');
        index.term_start.push(index.terms.len() as u32);
        index
    }

    /// Appends the subtree of `entries` (all sharing their first `depth` characters) in
    /// preorder; returns its lowest prior.
    fn add(&mut self, entries: &[Entry], depth: usize, label: char) -> f32 {
        let node = self.label.len();
        self.label.push(label);
        self.end.push(0);
        self.min_prior.push(f32::INFINITY);
        self.term_start.push(self.terms.len() as u32);
        let mut min_prior = f32::INFINITY;
        let mut k = 0;
        while k < entries.len() && entries[k].0.len() == depth {
            self.terms.push((entries[k].1, entries[k].2));
            min_prior = min_prior.min(entries[k].2);
            k += 1;
        }
        while k < entries.len() {
            let c = entries[k].0[depth];
            let mut e = k;
            while e < entries.len() && entries[e].0[depth] == c {
                e += 1;
            }
            min_prior = min_prior.min(self.add(&entries[k..e], depth + 1, c));
            k = e;
        }
        self.end[node] = self.label.len() as u32;
        self.min_prior[node] = min_prior;
        min_prior
    }

    /// Number of distinct `(word, id)` entries.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Keeps only the `limit` best candidates of each search (default
    /// [`DEFAULT_LIMIT`]; `usize::MAX` for every word within `max_cost`). A finite limit lets the
    /// search stop early: walks with rising budgets until one finds `limit` candidates, each
    /// walk's budget shrinking to the `limit`-th best cost found so far. The result is exactly
    /// the `limit` best.
    pub fn with_limit(mut self, limit: usize) -> CandidateIndex {
        self.limit = limit.max(1);
        self
    }

    /// The `limit` best indexed words (by cost, then id) whose cost for `observed` (channel
    /// cost plus prior) is at most `max_cost`, into `out` (cleared first), sorted by cost then
    /// id.
    ///
    /// Best first: nodes are expanded in the order of a lower bound on every cost below them
    /// (the lowest value in the last two DP rows plus the lowest prior below), and the search
    /// stops when that bound exceeds `max_cost` or the `limit`-th best cost found so far. Exact:
    /// the bound never exceeds the cost of a word below the node, so every word that qualifies
    /// has all its ancestors expanded before the search stops.
    pub fn search(
        &self,
        model: &ErrorModel,
        observed: &str,
        max_cost: f32,
        out: &mut Vec<Candidate>,
        scratch: &mut SearchScratch,
    ) {
        let limits = Limits {
            max_cost,
            margin: f32::INFINITY,
            limit: self.limit,
        };
        self.search_with(model, observed, limits, out, scratch);
    }

    /// [`search`](Self::search) with every bound given: the words within `max_cost` that are
    /// also within `margin` of the best one, at most `limit` of them (the index's own limit
    /// still caps it). The margin prunes as the search goes: once a word of cost `c` is found,
    /// the best is at most `c`, so nothing above `c + margin` can be in the answer. The result
    /// is exactly the candidates that [`search`](Self::search) with no limit would return,
    /// filtered to the margin and cut to the limit.
    pub fn search_with(
        &self,
        model: &ErrorModel,
        observed: &str,
        limits: Limits,
        out: &mut Vec<Candidate>,
        scratch: &mut SearchScratch,
    ) {
        self.walk(
            model,
            observed,
            limits,
            out,
            scratch,
            None,
            |sink, _, id, prior, cost| sink.offer(id, cost + prior),
        );
    }

    /// The best-first walk behind [`search_with`](Self::search_with): `terminal(sink, exact,
    /// id, prior, cost)` is called for every indexed `(id, prior)` of a node reached at DP
    /// cost `cost`, and offers candidates to `sink`. (Private, called from two places: the
    /// arguments are the public searches' own, passed through.)
    #[allow(clippy::too_many_arguments)]
    fn walk<F>(
        &self,
        model: &ErrorModel,
        observed: &str,
        limits: Limits,
        out: &mut Vec<Candidate>,
        scratch: &mut SearchScratch,
        only: Option<&[u16]>,
        mut terminal: F,
    ) where
        F: FnMut(&mut Sink<'_>, &mut Exact, u32, f32, f32),
    {
        let max_cost = limits.max_cost;
        let margin = limits.margin.max(0.0);
        let limit = limits.limit.clamp(1, self.limit);
        out.clear();
        if self.label.is_empty() {
            return;
        }
        model.prepare_for(observed, only, &mut scratch.query);
        let q = &scratch.query;
        let m = q.obs.len();
        let s = m + 1;
        // The per-character bounds of this query, resetting only what the last one set
        // (unless it prepared every character): see `Query::prepared`.
        let n = model.width();
        let (min2, cheap, touched) = (&mut scratch.min2, &mut scratch.cheap, &mut scratch.touched);
        if min2.len() != n || scratch.walk_full {
            min2.clear();
            min2.resize(n, f32::INFINITY);
            cheap.clear();
            cheap.resize(n, f32::INFINITY);
        } else {
            for &a in touched.iter() {
                min2[usize::from(a)] = f32::INFINITY;
                cheap[usize::from(a)] = f32::INFINITY;
            }
        }
        touched.clear();
        for r in &q.rules {
            if r.alen == 2 {
                let x = &mut min2[usize::from(r.first)];
                *x = x.min(r.cost);
                touched.push(r.first);
            }
        }
        // Per alphabet index: the least one more intended character costs on the parent's
        // row minimum (by a rule of its own or the second half of a two-character one).
        scratch.walk_full = q.full;
        if q.full {
            for (a, x) in cheap.iter_mut().enumerate() {
                *x = super::model::min(q.cheap[a], min2[a]);
            }
        } else {
            touched.extend_from_slice(&q.prepared);
            for &a in touched.iter() {
                let a = usize::from(a);
                cheap[a] = super::model::min(q.cheap[a], min2[a]);
            }
        }
        let (rows, recs, frontier, heap, cur) = (
            &mut scratch.rows,
            &mut scratch.recs,
            &mut scratch.frontier,
            &mut scratch.heap,
            &mut scratch.row,
        );
        cur.clear();
        cur.resize(s, 0.0);
        let (cheap, min2) = (&scratch.cheap, &scratch.min2);
        rows.clear();
        recs.clear();
        frontier.clear();
        heap.clear();
        let exact = &mut scratch.exact;
        let mut sink = Sink {
            out: &mut *out,
            heap: &mut *heap,
            budget: max_cost,
            margin,
            limit,
        };
        let mut emit = |node: usize, cost: f32, sink: &mut Sink<'_>| {
            let (lo, hi) = (self.term_start[node], self.term_start[node + 1]);
            for &(id, prior) in &self.terms[lo as usize..hi as usize] {
                if cost + prior <= sink.budget {
                    terminal(sink, exact, id, prior, cost);
                }
            }
        };
        // The root: only insertions.
        rows.push(0.0);
        for j in 1..=m {
            let v = rows[j - 1] + model.ins[usize::from(q.obs[j - 1])];
            rows.push(v);
        }
        recs.push(Rec {
            node: 0,
            parent: u32::MAX,
            min: 0.0,
        });
        emit(0, rows[m], &mut sink);
        frontier.push(std::cmp::Reverse(
            u64::from(self.min_prior[0].max(0.0).to_bits()) << 32,
        ));
        let mut visited = 0u64;
        while let Some(std::cmp::Reverse(top)) = frontier.pop() {
            if f32::from_bits((top >> 32) as u32) > sink.budget {
                break;
            }
            let r = (top & 0xffff_ffff) as usize;
            let Rec { node, parent, min } = recs[r];
            let node = node as usize;
            // The parent's label, the first of two intended characters a rule may rewrite.
            let (a2, gmin, g) = if parent == u32::MAX {
                (None, f32::INFINITY, 0)
            } else {
                let p = parent as usize;
                (Some(model.index(self.label[node])), recs[p].min, p)
            };
            let end = self.end[node] as usize;
            let mut c = node + 1;
            while c < end {
                let next = self.end[c] as usize;
                let a = model.index(self.label[c]);
                let ai = usize::from(a);
                let two_up = if a2.is_some() {
                    gmin + q.end2[ai]
                } else {
                    f32::INFINITY
                };
                let least = super::model::min(min + cheap[ai], two_up);
                if least + self.min_prior[c] > sink.budget {
                    c = next;
                    continue;
                }
                // Row `d` for child `c`, from its parent's row (and its grandparent's for
                // two-character rules).
                let up = &rows[r * s..r * s + s];
                let up2 = &rows[g * s..g * s + s];
                let row_min = model.step_row(q, a, a2, up, up2, &mut cur[..s]);
                visited += 1;
                let bound = super::model::min(row_min, min + min2[ai]) + self.min_prior[c];
                if bound > sink.budget {
                    c = next;
                    continue;
                }
                emit(c, cur[m], &mut sink);
                if next > c + 1 {
                    rows.extend_from_slice(&cur[..s]);
                    let rec = recs.len();
                    recs.push(Rec {
                        node: c as u32,
                        parent: r as u32,
                        min: row_min,
                    });
                    frontier.push(std::cmp::Reverse(
                        (u64::from(bound.max(0.0).to_bits()) << 32) | rec as u64,
                    ));
                }
                c = next;
            }
        }
        scratch.visited += visited;
        scratch.cells += (visited + 1) * s as u64;
        let budget = sink.budget;
        out.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
        if let Some(best) = out.first().map(|c| c.cost) {
            let keep = budget.min(best + margin);
            out.retain(|c| c.cost <= keep);
        }
        out.truncate(limit);
    }
}

/// The lexicon searched in two steps, with the same answer as [`CandidateIndex`] for far
/// fewer DP rows: a trie of the words' skeletons (each letter's marks dropped, `đ` read as
/// `d`: the 4,480 words have 1,677 skeletons) is walked with a floor of the channel — every
/// intended letter costing the least of any letter of its class, for every edit — and only
/// the words of a skeleton reached within the budget are scored with the channel itself.
///
/// Exact: a word's edits are also edits of its skeleton under the floor, at no more cost, so
/// the floor's cost of a skeleton is a lower bound on the cost of each of its words, and every
/// word within the budget has its skeleton reached (the walk prunes only on lower bounds, as
/// [`CandidateIndex`] does). The words of a skeleton are scored in sorted order, sharing the
/// DP rows of common prefixes, each stopped as soon as its rows exceed the budget.
#[derive(Debug)]
pub struct SkeletonIndex {
    /// The trie of skeletons: a skeleton's id is its group, its prior the lowest of its words'.
    skeletons: CandidateIndex,
    /// The channel with each intended character's costs lowered to the least over its class.
    floor: ErrorModel,
    /// Group `g`'s words are `words[group_start[g]..group_start[g + 1]]`, sorted by text.
    group_start: Vec<u32>,
    /// `(id, prior)` of each word.
    words: Vec<(u32, f32)>,
    /// Word `k`'s characters are `chars[char_start[k]..char_start[k + 1]]`.
    char_start: Vec<u32>,
    chars: Vec<char>,
    /// The alphabet indices of the skeletons' characters (what a floor query prepares
    /// tables for; the exact query prepares the words' characters as it meets them).
    floor_chars: Vec<u16>,
    limit: usize,
}

/// One entry of [`SkeletonIndex::build_with_priors`]: skeleton, word, id, prior.
type SkeletonEntry = (Vec<char>, Vec<char>, u32, f32);

impl SkeletonIndex {
    /// Indexes `(id, word, −ln prior)` for searches with `model` (the floor is derived from
    /// it: search with the same model). Words are lower-cased here.
    pub fn build_with_priors<'a>(
        model: &ErrorModel,
        words: impl IntoIterator<Item = (u32, &'a str, f32)>,
    ) -> SkeletonIndex {
        let class = |c: char| crate::text::vietnamese::ascii_base(c);
        let mut entries: Vec<SkeletonEntry> = words
            .into_iter()
            .map(|(id, w, p)| {
                let p = if p.is_finite() { p.max(0.0) } else { 0.0 };
                let chars: Vec<char> = w.chars().flat_map(char::to_lowercase).collect();
                (chars.iter().map(|&c| class(c)).collect(), chars, id, p)
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        entries.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        let mut index = SkeletonIndex {
            skeletons: CandidateIndex::build(std::iter::empty()),
            floor: model.class_floor(class),
            group_start: Vec::new(),
            words: Vec::new(),
            char_start: Vec::new(),
            chars: Vec::new(),
            floor_chars: Vec::new(),
            limit: DEFAULT_LIMIT,
        };
        let mut groups: Vec<(u32, String, f32)> = Vec::new();
        for (i, (skeleton, chars, id, prior)) in entries.iter().enumerate() {
            if i == 0 || entries[i - 1].0 != *skeleton {
                index.group_start.push(index.words.len() as u32);
                groups.push((groups.len() as u32, skeleton.iter().collect(), *prior));
            }
            if let Some(g) = groups.last_mut() {
                g.2 = g.2.min(*prior);
            }
            index.words.push((*id, *prior));
            index.char_start.push(index.chars.len() as u32);
            index.chars.extend_from_slice(chars);
        }
        index.group_start.push(index.words.len() as u32);
        index.char_start.push(index.chars.len() as u32);
        let mut floor_chars: Vec<u16> =
            index.chars.iter().map(|&c| model.index(class(c))).collect();
        floor_chars.sort_unstable();
        floor_chars.dedup();
        index.floor_chars = floor_chars;
        index.skeletons =
            CandidateIndex::build_with_priors(groups.iter().map(|(g, s, p)| (*g, s.as_str(), *p)))
                .with_limit(usize::MAX);
        index
    }

    /// Number of distinct `(word, id)` entries.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// As [`CandidateIndex::with_limit`].
    pub fn with_limit(mut self, limit: usize) -> SkeletonIndex {
        self.limit = limit.max(1);
        self
    }

    /// As [`CandidateIndex::search`]: the same candidates.
    pub fn search(
        &self,
        model: &ErrorModel,
        observed: &str,
        max_cost: f32,
        out: &mut Vec<Candidate>,
        scratch: &mut SearchScratch,
    ) {
        let limits = Limits {
            max_cost,
            margin: f32::INFINITY,
            limit: self.limit,
        };
        self.search_with(model, observed, limits, out, scratch);
    }

    /// As [`CandidateIndex::search_with`]: the same candidates.
    pub fn search_with(
        &self,
        model: &ErrorModel,
        observed: &str,
        limits: Limits,
        out: &mut Vec<Candidate>,
        scratch: &mut SearchScratch,
    ) {
        let limits = Limits {
            limit: limits.limit.clamp(1, self.limit),
            ..limits
        };
        let ex = &mut scratch.exact;
        // No character prepared up front: `Exact::score` prepares each on first use.
        model.prepare_for(observed, Some(&[]), &mut ex.query);
        let s = ex.query.obs.len() + 1;
        ex.rows.clear();
        ex.rows.push(0.0);
        for j in 1..s {
            let v = ex.rows[j - 1] + model.ins[usize::from(ex.query.obs[j - 1])];
            ex.rows.push(v);
        }
        ex.mins.clear();
        ex.mins.push(0.0);
        ex.path.clear();
        ex.valid = 0;
        self.skeletons.walk(
            &self.floor,
            observed,
            limits,
            out,
            scratch,
            Some(&self.floor_chars),
            |sink, ex, g, _, floor_cost| {
                let (lo, hi) = (
                    self.group_start[g as usize],
                    self.group_start[g as usize + 1],
                );
                for k in lo as usize..hi as usize {
                    let (id, prior) = self.words[k];
                    if floor_cost + prior > sink.budget {
                        continue;
                    }
                    let word =
                        &self.chars[self.char_start[k] as usize..self.char_start[k + 1] as usize];
                    if let Some(c) = ex.score(model, word, sink.budget - prior) {
                        sink.offer(id, c + prior);
                    }
                }
            },
        );
    }
}

impl Exact {
    /// The channel cost of `word` for the prepared query, or `None` once it is sure to exceed
    /// `budget`. Reuses the rows of the prefix it shares with the word scored before.
    fn score(&mut self, model: &ErrorModel, word: &[char], budget: f32) -> Option<f32> {
        let s = self.query.obs.len() + 1;
        let mut keep = 0;
        while keep < self.valid.min(word.len()) && model.index(word[keep]) == self.path[keep] {
            keep += 1;
        }
        self.path.truncate(keep);
        self.path
            .extend(word[keep..].iter().map(|&c| model.index(c)));
        for &a in &self.path[keep..] {
            model.ensure_prepared(a, &mut self.query);
        }
        self.rows.truncate((keep + 1) * s);
        self.mins.truncate(keep + 1);
        self.valid = keep;
        for d in keep + 1..=word.len() {
            let base = d * s;
            self.rows.resize(base + s, 0.0);
            let (prev, cur) = self.rows.split_at_mut(base);
            let up = &prev[(d - 1) * s..d * s];
            let (a2, up2) = if d >= 2 {
                (Some(self.path[d - 2]), &prev[(d - 2) * s..(d - 1) * s])
            } else {
                (None, &prev[..0])
            };
            let row_min = model.step_row(&self.query, self.path[d - 1], a2, up, up2, cur);
            self.cells += s as u64;
            self.mins.push(row_min);
            self.valid = d;
            // Every way to the last row passes through row `d` or jumps over it from row
            // `d - 1` (a two-character rule), and costs only add.
            if super::model::min(row_min, self.mins[d - 1]) > budget {
                return None;
            }
        }
        Some(self.rows[word.len() * s + s - 1])
    }
}
