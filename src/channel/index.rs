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
    /// Per alphabet index `a`: the cheapest rule of this query whose intended side is two
    /// characters starting with `a` (how cheaply row `d - 1` can still reach row `d + 1`).
    min2: Vec<f32>,
    /// Per alphabet index `a`: the smaller of the query's `cheap[a]` and `min2[a]`.
    cheap: Vec<f32>,
    /// The frontier, best first: (lower bound bits << 32 | record).
    frontier: std::collections::BinaryHeap<std::cmp::Reverse<u64>>,
    /// Bit patterns of the best costs found so far (a max-heap of at most `limit`).
    heap: std::collections::BinaryHeap<u32>,
    visited: u64,
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
        self.cells
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
        let max_cost = limits.max_cost;
        let margin = limits.margin.max(0.0);
        let limit = limits.limit.clamp(1, self.limit);
        out.clear();
        if self.label.is_empty() {
            return;
        }
        model.prepare(observed, &mut scratch.query);
        let q = &scratch.query;
        let m = q.obs.len();
        let s = m + 1;
        let min2 = &mut scratch.min2;
        min2.clear();
        min2.resize(model.width(), f32::INFINITY);
        for r in &q.rules {
            if r.alen == 2 {
                let x = &mut min2[usize::from(r.first)];
                *x = x.min(r.cost);
            }
        }
        let (rows, recs, frontier, heap) = (
            &mut scratch.rows,
            &mut scratch.recs,
            &mut scratch.frontier,
            &mut scratch.heap,
        );
        // Per alphabet index: the least one more intended character costs on the parent's
        // row minimum (by a rule of its own or the second half of a two-character one).
        let cheap = &mut scratch.cheap;
        cheap.clear();
        cheap.extend(q.cheap.iter().zip(&scratch.min2).map(|(&c, &d)| super::model::min(c, d)));
        let (cheap, min2) = (&scratch.cheap, &scratch.min2);
        rows.clear();
        recs.clear();
        frontier.clear();
        heap.clear();
        let mut budget = max_cost;
        let mut emit = |node: usize, cost: f32, budget: &mut f32| {
            let (lo, hi) = (self.term_start[node], self.term_start[node + 1]);
            for &(id, prior) in &self.terms[lo as usize..hi as usize] {
                let c = cost + prior;
                if c <= *budget {
                    out.push(Candidate { id, cost: c });
                    *budget = budget.min(c + margin);
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
        emit(0, rows[m], &mut budget);
        frontier.push(std::cmp::Reverse(
            u64::from(self.min_prior[0].max(0.0).to_bits()) << 32,
        ));
        let mut visited = 0u64;
        while let Some(std::cmp::Reverse(top)) = frontier.pop() {
            if f32::from_bits((top >> 32) as u32) > budget {
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
                if least + self.min_prior[c] > budget {
                    c = next;
                    continue;
                }
                // Row `d` for child `c`, from its parent's row (and its grandparent's for
                // two-character rules).
                let base = rows.len();
                rows.resize(base + s, 0.0);
                let (prev, cur) = rows.split_at_mut(base);
                let up = &prev[r * s..r * s + s];
                let up2 = &prev[g * s..g * s + s];
                let row_min = model.step_row(q, a, a2, up, up2, &mut cur[..s]);
                visited += 1;
                let bound = super::model::min(row_min, min + min2[ai]) + self.min_prior[c];
                if bound > budget {
                    rows.truncate(base);
                    c = next;
                    continue;
                }
                emit(c, cur[m], &mut budget);
                if next > c + 1 {
                    let rec = recs.len();
                    recs.push(Rec {
                        node: c as u32,
                        parent: r as u32,
                        min: row_min,
                    });
                    frontier.push(std::cmp::Reverse(
                        (u64::from(bound.max(0.0).to_bits()) << 32) | rec as u64,
                    ));
                } else {
                    rows.truncate(base);
                }
                c = next;
            }
        }
        scratch.visited += visited;
        scratch.cells += (visited + 1) * s as u64;
        out.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.id.cmp(&b.id)));
        if let Some(best) = out.first().map(|c| c.cost) {
            let keep = budget.min(best + margin);
            out.retain(|c| c.cost <= keep);
        }
        out.truncate(limit);
    }
}
