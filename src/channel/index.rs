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

/// Buffers reused across searches (one per thread): DP rows, the path, per-query rule tables.
#[derive(Default, Debug)]
pub struct SearchScratch {
    query: Query,
    rows: Vec<f32>,
    mins: Vec<f32>,
    path: Vec<u16>,
    /// Per alphabet index `a`: the cheapest rule of this query whose intended side is two
    /// characters starting with `a` (how cheaply row `d - 1` can still reach row `d + 1`).
    min2: Vec<f32>,
    /// Bit patterns of the best costs found so far (a max-heap of at most `limit`).
    heap: std::collections::BinaryHeap<u32>,
    visited: u64,
}

impl SearchScratch {
    /// Trie nodes expanded by the searches made with this scratch so far (for benchmarks).
    pub fn visited(&self) -> u64 {
        self.visited
    }
}

/// The lexicon as a trie in preorder: node `i`'s subtree is `i..end[i]`.
#[derive(Debug)]
pub struct CandidateIndex {
    label: Vec<char>,
    depth: Vec<u16>,
    end: Vec<u32>,
    /// Terminal ids of node `i`: `terms[term_start[i]..term_start[i + 1]]`.
    term_start: Vec<u32>,
    terms: Vec<(u32, f32)>,
    /// Lowest prior in the subtree, so pruning stays exact with priors.
    min_prior: Vec<f32>,
    max_depth: usize,
    limit: usize,
}

/// How many candidates a search returns unless [`CandidateIndex::with_limit`] says otherwise:
/// as many as the restorer keeps (12), so its results are the same as with no limit.
pub const DEFAULT_LIMIT: usize = 12;

/// The budgets (above the lowest prior) of the walks in [`CandidateIndex::search`]: the first
/// is enough for lost and changed marks, so most tokens need no second walk; each later walk
/// only adds what costs more than the previous budget.
const BUDGETS: [f32; 3] = [4.0, 9.0, f32::INFINITY];

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
            depth: Vec::new(),
            end: Vec::new(),
            term_start: Vec::new(),
            terms: Vec::new(),
            min_prior: Vec::new(),
            max_depth: 0,
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
        self.depth.push(depth as u16);
        self.end.push(0);
        self.min_prior.push(f32::INFINITY);
        self.term_start.push(self.terms.len() as u32);
        self.max_depth = self.max_depth.max(depth);
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
    /// id. Exact: the pruning bound (the lowest value in the last two DP rows plus the lowest
    /// prior below) never cuts a candidate that qualifies.
    pub fn search(
        &self,
        model: &ErrorModel,
        observed: &str,
        max_cost: f32,
        out: &mut Vec<Candidate>,
        scratch: &mut SearchScratch,
    ) {
        out.clear();
        if self.label.is_empty() {
            return;
        }
        model.prepare(observed, &mut scratch.query);
        let m = scratch.query.obs.len();
        let levels = self.max_depth + 1;
        scratch.rows.clear();
        scratch.rows.resize(levels * (m + 1), 0.0);
        scratch.mins.clear();
        scratch.mins.resize(levels, 0.0);
        scratch.path.clear();
        scratch.path.resize(levels, 0);
        scratch.min2.clear();
        scratch.min2.resize(model.width(), f32::INFINITY);
        for r in &scratch.query.rules {
            if r.alen == 2 {
                let x = &mut scratch.min2[usize::from(r.first)];
                *x = x.min(r.cost);
            }
        }
        let base = self.min_prior[0];
        scratch.heap.clear();
        if self.limit == usize::MAX {
            self.walk(model, scratch, f32::NEG_INFINITY, max_cost, out);
        } else {
            let mut floor = f32::NEG_INFINITY;
            for step in BUDGETS {
                let cap = (base + step).min(max_cost);
                self.walk(model, scratch, floor, cap, out);
                if out.len() >= self.limit || cap >= max_cost {
                    break;
                }
                floor = cap;
            }
        }
        out.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
        out.truncate(self.limit);
    }

    /// One depth-first walk of the trie, adding every candidate that costs more than `floor`
    /// (those were found by an earlier walk) and at most `cap` — or, once `limit` candidates
    /// are known, at most the `limit`-th best cost so far, which is also the pruning budget.
    fn walk(
        &self,
        model: &ErrorModel,
        scratch: &mut SearchScratch,
        floor: f32,
        cap: f32,
        out: &mut Vec<Candidate>,
    ) {
        let q = &scratch.query;
        let m = q.obs.len();
        let s = m + 1;
        let (rows, mins, path) = (&mut scratch.rows, &mut scratch.mins, &mut scratch.path);
        let (min2, heap) = (&scratch.min2, &mut scratch.heap);
        let limit = self.limit;
        let mut budget = cap;
        let mut visited = 0u64;
        let mut emit = |node: usize, cost: f32, budget: &mut f32| {
            let (lo, hi) = (self.term_start[node], self.term_start[node + 1]);
            for &(id, prior) in &self.terms[lo as usize..hi as usize] {
                let c = cost + prior;
                if c > floor && c <= *budget {
                    out.push(Candidate { id, cost: c });
                    if limit != usize::MAX {
                        // Non-negative floats order like their bit patterns.
                        heap.push(c.max(0.0).to_bits());
                        if heap.len() > limit {
                            heap.pop();
                        }
                        if heap.len() == limit {
                            if let Some(&top) = heap.peek() {
                                *budget = budget.min(f32::from_bits(top));
                            }
                        }
                    }
                }
            }
        };
        mins[0] = model.fill_row(q, path, rows, 0);
        emit(0, rows[m], &mut budget);
        let mut i = 1;
        let n = self.label.len();
        while i < n {
            let d = usize::from(self.depth[i]);
            let a = model.index(self.label[i]);
            let ai = usize::from(a);
            let two_up = if d >= 2 {
                mins[d - 2] + q.end2[ai]
            } else {
                f32::INFINITY
            };
            let cheap = (mins[d - 1] + q.cheap[ai].min(min2[ai])).min(two_up);
            if cheap + self.min_prior[i] > budget {
                i = self.end[i] as usize;
                continue;
            }
            path[d - 1] = a;
            let row_min = model.fill_row(q, path, rows, d);
            visited += 1;
            mins[d] = row_min;
            let bound = row_min.min(mins[d - 1] + min2[usize::from(a)]) + self.min_prior[i];
            if bound > budget {
                i = self.end[i] as usize;
                continue;
            }
            emit(i, rows[d * s + m], &mut budget);
            i += 1;
        }
        scratch.visited += visited;
    }
}
