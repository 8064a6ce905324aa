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
/// more than the restorer keeps (12), so its results are the same as with no limit.
pub const DEFAULT_LIMIT: usize = 32;

/// The rising budgets (above the lowest prior) of the walks in [`CandidateIndex::search`]; the
/// last walk always uses `max_cost`.
const BUDGETS: [f32; 7] = [2.0, 4.0, 7.0, 11.0, 16.0, 22.0, f32::INFINITY];

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
    /// search stop early: it walks the trie with a rising cost budget and stops at the first
    /// budget that already holds `limit` candidates, which are then exactly the `limit` best.
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
        let base = self.min_prior[0];
        for step in BUDGETS {
            let budget = if self.limit == usize::MAX {
                max_cost
            } else {
                (base + step).min(max_cost)
            };
            out.clear();
            self.walk(model, scratch, budget, out);
            if budget >= max_cost || out.len() >= self.limit {
                break;
            }
        }
        out.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
        out.truncate(self.limit);
    }

    /// One depth-first walk of the trie, keeping every candidate within `budget`.
    fn walk(
        &self,
        model: &ErrorModel,
        scratch: &mut SearchScratch,
        budget: f32,
        out: &mut Vec<Candidate>,
    ) {
        let q = &scratch.query;
        let m = q.obs.len();
        let s = m + 1;
        let (rows, mins, path) = (&mut scratch.rows, &mut scratch.mins, &mut scratch.path);
        mins[0] = model.fill_row(q, path, rows, 0);
        self.emit(0, rows[m], budget, out);
        let mut i = 1;
        let n = self.label.len();
        while i < n {
            let d = usize::from(self.depth[i]);
            path[d - 1] = model.index(self.label[i]);
            let row_min = model.fill_row(q, path, rows, d);
            mins[d] = row_min;
            let bound = row_min.min(mins[d - 1]) + self.min_prior[i];
            if bound > budget {
                i = self.end[i] as usize;
                continue;
            }
            self.emit(i, rows[d * s + m], budget, out);
            i += 1;
        }
    }

    #[inline]
    fn emit(&self, node: usize, cost: f32, max_cost: f32, out: &mut Vec<Candidate>) {
        let (lo, hi) = (self.term_start[node], self.term_start[node + 1]);
        for &(id, prior) in &self.terms[lo as usize..hi as usize] {
            let c = cost + prior;
            if c <= max_cost {
                out.push(Candidate { id, cost: c });
            }
        }
    }
}
