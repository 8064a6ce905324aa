//! Viterbi decoding of a paragraph lattice under a trigram language model.
//!
//! The lattice has one position between every two decodable tokens of a paragraph. An [`Edge`]
//! is one reading of a stretch of tokens: usually one token read as one word, but also one
//! token read as two words (a merge by OCR: `Thanh1ap` = thành lập) or two tokens read as one
//! word (a split by OCR: `hi u` = hiệu), or a token that emits nothing into the language model
//! (a URL). The decoder finds the path minimising
//! `Σ edge.cost + lm_weight · Σ −ln P(w | two previous words)`, with the context flowing across
//! line breaks, so the whole paragraph is decoded at once.
//!
//! States are `(previous word, word)` pairs, kept in a beam per position; all buffers live in
//! [`DecodeScratch`] and are reused, so decoding allocates nothing once warmed up.

/// A word of the language model's vocabulary.
pub type WordId = u32;

/// Sentence start and end, as in the language model.
pub const BOS: WordId = 0;
pub const EOS: WordId = 1;

/// What the decoder needs from a language model: natural-log `P(w3 | w1 w2)`, with a fast
/// path for scoring many `w3` after the same two words (the decoder's inner loop: one state,
/// every edge leaving its position).
pub trait Scorer {
    /// A resolved two-word history.
    type Context: Copy + Default;
    fn context(&self, w1: WordId, w2: WordId) -> Self::Context;
    fn logprob_in(&self, ctx: &Self::Context, w3: WordId) -> f32;
    fn logprob(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        self.logprob_in(&self.context(w1, w2), w3)
    }
    /// `logprob_in` for each of `ws` into `out[..ws.len()]`; a model can overlap the
    /// look-ups (they are independent).
    fn logprobs_in(&self, ctx: &Self::Context, ws: &[WordId], out: &mut [f32]) {
        for (o, &w) in out.iter_mut().zip(ws) {
            *o = self.logprob_in(ctx, w);
        }
    }
}

/// One reading of the tokens between positions `from` and `to`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    /// The words this reading puts into the language model (`n_words` of them, 0..=2).
    pub words: [WordId; 2],
    pub n_words: u8,
    /// Channel cost and penalties (−ln, ≥ 0).
    pub cost: f32,
    /// Index into the caller's own table of readings.
    pub payload: u32,
}

/// The readings of one paragraph. Edges must be pushed in order of `from`.
#[derive(Clone, Debug, Default)]
pub struct Lattice {
    edges: Vec<Edge>,
    /// `starts[p]..starts[p + 1]` are the edges leaving position `p`.
    starts: Vec<u32>,
    positions: u32,
}

impl Lattice {
    /// Clears the lattice for a paragraph of `positions` decodable tokens.
    pub fn reset(&mut self, positions: usize) {
        self.edges.clear();
        self.starts.clear();
        self.positions = positions as u32;
    }

    /// Adds an edge; edges must come in non-decreasing order of `from`.
    pub fn push(&mut self, e: Edge) {
        debug_assert!(e.to > e.from && e.to <= self.positions);
        debug_assert!(self.edges.last().is_none_or(|l| l.from <= e.from));
        self.edges.push(e);
    }

    /// Number of positions (tokens).
    pub fn positions(&self) -> usize {
        self.positions as usize
    }

    /// All edges.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    fn index(&mut self) {
        self.starts.clear();
        let mut e = 0usize;
        for p in 0..=self.positions {
            while e < self.edges.len() && self.edges[e].from < p {
                e += 1;
            }
            self.starts.push(e as u32);
        }
        self.starts.push(self.edges.len() as u32);
    }

    fn leaving(&self, p: usize) -> &[Edge] {
        &self.edges[self.starts[p] as usize..self.starts[p + 1] as usize]
    }
}

#[derive(Clone, Copy, Debug)]
struct State {
    w1: WordId,
    w2: WordId,
    cost: f32,
    /// Index of the previous state in the arena (u32::MAX for the start).
    back: u32,
    /// Index of the edge that led here.
    edge: u32,
}

/// States whose histories are resolved together.
const CTX_BATCH: usize = 8;

/// Reusable buffers for [`decode`].
#[derive(Debug, Default)]
pub struct DecodeScratch {
    pending: Vec<Vec<State>>,
    arena: Vec<State>,
    /// First word of each edge leaving the current position, and its score in one state.
    words: Vec<WordId>,
    scores: Vec<f32>,
}

/// Decoding knobs.
#[derive(Clone, Copy, Debug)]
pub struct DecodeParams {
    /// Weight of the language model against the channel.
    pub lm_weight: f32,
    /// States kept per position.
    pub beam: usize,
}

/// Finds the best path; writes the chosen edge indices (into `lattice.edges()`) to `out`, in
/// order. A position with no leaving edge makes the lattice unusable: the caller always adds
/// a keep-as-is reading, and if it did not, `out` is left empty.
pub fn decode<S: Scorer + ?Sized>(
    lattice: &mut Lattice,
    lm: &S,
    params: DecodeParams,
    scratch: &mut DecodeScratch,
    out: &mut Vec<u32>,
) {
    out.clear();
    lattice.index();
    let n = lattice.positions();
    if n == 0 {
        return;
    }
    let beam = params.beam.max(1);
    if scratch.pending.len() < n + 1 {
        scratch.pending.resize_with(n + 1, Vec::new);
    }
    for v in &mut scratch.pending[..=n] {
        v.clear();
    }
    scratch.arena.clear();
    scratch.pending[0].push(State {
        w1: BOS,
        w2: BOS,
        cost: 0.0,
        back: u32::MAX,
        edge: u32::MAX,
    });

    for p in 0..n {
        // Settle the states of position p: best per (w1, w2), then the beam.
        let mut here = std::mem::take(&mut scratch.pending[p]);
        prune(&mut here, beam);
        let base = scratch.arena.len() as u32;
        scratch.arena.extend_from_slice(&here);
        here.clear();
        scratch.pending[p] = here;
        let settled = base as usize..scratch.arena.len();
        let first_edge = lattice.starts[p] as usize;
        let leaving = lattice.leaving(p);
        scratch.words.clear();
        scratch
            .words
            .extend(leaving.iter().filter(|e| e.n_words > 0).map(|e| e.words[0]));
        scratch.scores.clear();
        scratch.scores.resize(scratch.words.len(), 0.0);
        // The histories of a few states are resolved first, together (independent look-ups
        // whose cache misses overlap), then every leaving edge is scored in each, all
        // look-ups at once.
        let mut ctxs = [S::Context::default(); CTX_BATCH];
        for si in settled {
            let s = scratch.arena[si];
            let slot = (si - base as usize) % CTX_BATCH;
            if slot == 0 {
                let batch = &scratch.arena[si..scratch.arena.len().min(si + CTX_BATCH)];
                for (c, t) in ctxs.iter_mut().zip(batch) {
                    *c = lm.context(t.w1, t.w2);
                }
            }
            let ctx = ctxs[slot];
            lm.logprobs_in(&ctx, &scratch.words, &mut scratch.scores);
            let mut scores = scratch.scores.iter();
            for (k, e) in leaving.iter().enumerate() {
                let mut cost = s.cost + e.cost;
                let (w1, w2) = match e.n_words {
                    0 => (s.w1, s.w2),
                    1 => {
                        let lp = scores.next().copied().unwrap_or(0.0);
                        cost -= params.lm_weight * lp;
                        (s.w2, e.words[0])
                    }
                    _ => {
                        let [a, b] = e.words;
                        let lp = scores.next().copied().unwrap_or(0.0);
                        cost -= params.lm_weight * (lp + lm.logprob(s.w2, a, b));
                        (a, b)
                    }
                };
                scratch.pending[e.to as usize].push(State {
                    w1,
                    w2,
                    cost,
                    back: si as u32,
                    edge: (first_edge + k) as u32,
                });
            }
        }
    }

    // Close the paragraph with </s> and pick the best final state.
    let mut best: Option<(f32, usize)> = None;
    let finals = std::mem::take(&mut scratch.pending[n]);
    let base = scratch.arena.len();
    scratch.arena.extend_from_slice(&finals);
    scratch.pending[n] = finals;
    for i in base..scratch.arena.len() {
        let s = scratch.arena[i];
        let c = s.cost - params.lm_weight * lm.logprob(s.w1, s.w2, EOS);
        if best.is_none_or(|(bc, bi)| c < bc || (c == bc && i < bi)) {
            best = Some((c, i));
        }
    }
    let Some((_, mut i)) = best else { return };
    while scratch.arena[i].back != u32::MAX {
        out.push(scratch.arena[i].edge);
        i = scratch.arena[i].back as usize;
    }
    out.reverse();
}

/// The decoder's total order on states: cost (as `f32::total_cmp`), then `back`, then `edge`,
/// packed in one integer so that sorting compares once instead of three times. `(back, edge)`
/// is unique per state, so there are no ties and the order is deterministic.
#[inline]
fn order_key(s: &State) -> u128 {
    // `total_cmp`'s mapping of an f32 to an ordered signed integer, then shifted to unsigned.
    let b = s.cost.to_bits() as i32;
    let ordered = ((b ^ (((b >> 31) as u32) >> 1) as i32) as u32) ^ 0x8000_0000;
    (u128::from(ordered) << 64) | (u128::from(s.back) << 32) | u128::from(s.edge)
}

/// Keeps the best state per `(w1, w2)` and then the `beam` best, deterministically.
fn prune(states: &mut Vec<State>, beam: usize) {
    // Only the cheapest few can make the beam: select them (linear) before sorting.
    let keep = (beam * 4).min(states.len());
    if keep == 0 {
        return;
    }
    if states.len() > keep {
        states.select_nth_unstable_by_key(keep - 1, order_key);
        states.truncate(keep);
    }
    states.sort_unstable_by_key(order_key);
    // The best state per history (w1, w2), in cost order, up to `beam` of them.
    let mut n = 0;
    for i in 0..states.len() {
        let s = states[i];
        if !states[..n].iter().any(|k| k.w1 == s.w1 && k.w2 == s.w2) {
            states[n] = s;
            n += 1;
            if n == beam {
                break;
            }
        }
    }
    states.truncate(n);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A bigram "model" from a table; everything else gets ln(0.001).
    struct Bigrams(HashMap<(WordId, WordId), f32>);

    impl Scorer for Bigrams {
        type Context = WordId;
        fn context(&self, _w1: WordId, w2: WordId) -> WordId {
            w2
        }
        fn logprob_in(&self, w2: &WordId, w3: WordId) -> f32 {
            self.0.get(&(*w2, w3)).copied().unwrap_or(0.001f32.ln())
        }
    }

    fn edge(from: u32, to: u32, words: &[WordId], cost: f32, payload: u32) -> Edge {
        let mut w = [0; 2];
        w[..words.len()].copy_from_slice(words);
        Edge {
            from,
            to,
            words: w,
            n_words: words.len() as u8,
            cost,
            payload,
        }
    }

    fn run(l: &mut Lattice, lm: &Bigrams) -> Vec<u32> {
        let mut out = Vec::new();
        let params = DecodeParams {
            lm_weight: 1.0,
            beam: 8,
        };
        decode(l, lm, params, &mut DecodeScratch::default(), &mut out);
        out.iter().map(|&e| l.edges()[e as usize].payload).collect()
    }

    // words: 10 = "số", 11 = "sở", 12 = "hóa", 13 = "chuyển", 14 = "đổi"
    fn lm() -> Bigrams {
        Bigrams(HashMap::from([
            ((13, 14), 0.9f32.ln()),
            ((14, 10), 0.8f32.ln()),
            ((14, 11), 0.01f32.ln()),
            ((10, 12), 0.5f32.ln()),
            ((11, 12), 0.001f32.ln()),
        ]))
    }

    #[test]
    fn context_beats_a_cheaper_channel() {
        // "chuyển đổi s6": the channel slightly prefers sở, the LM strongly prefers số.
        let mut l = Lattice::default();
        l.reset(3);
        l.push(edge(0, 1, &[13], 0.0, 100));
        l.push(edge(1, 2, &[14], 0.0, 101));
        l.push(edge(2, 3, &[11], 1.0, 102)); // sở
        l.push(edge(2, 3, &[10], 1.5, 103)); // số
        assert_eq!(run(&mut l, &lm()), [100, 101, 103]);
    }

    #[test]
    fn a_token_can_be_read_as_two_words_or_two_tokens_as_one() {
        // position 0: "chuyểnđổi" glued (one token → two words) vs kept
        // positions 1..3: "s" "6" merged into số, or kept apart
        let mut l = Lattice::default();
        l.reset(3);
        l.push(edge(0, 1, &[2], 3.0, 1)); // keep unknown
        l.push(edge(0, 1, &[13, 14], 1.0, 2)); // split reading
        l.push(edge(1, 2, &[2], 3.0, 3));
        l.push(edge(1, 3, &[10], 1.0, 4)); // merge reading
        l.push(edge(2, 3, &[2], 3.0, 5));
        assert_eq!(run(&mut l, &lm()), [2, 4]);
    }

    #[test]
    fn silent_edges_keep_the_context() {
        // "đổi <url> s6": the URL emits no word, so số still follows đổi.
        let mut l = Lattice::default();
        l.reset(3);
        l.push(edge(0, 1, &[14], 0.0, 1));
        l.push(edge(1, 2, &[], 0.0, 2));
        l.push(edge(2, 3, &[11], 1.0, 3));
        l.push(edge(2, 3, &[10], 1.5, 4));
        assert_eq!(run(&mut l, &lm()), [1, 2, 4]);
    }

    #[test]
    fn empty_lattice_gives_empty_path() {
        let mut l = Lattice::default();
        l.reset(0);
        assert!(run(&mut l, &lm()).is_empty());
    }

    #[test]
    fn missing_edges_give_empty_path_not_a_panic() {
        let mut l = Lattice::default();
        l.reset(2);
        l.push(edge(0, 1, &[10], 0.0, 1));
        assert!(run(&mut l, &lm()).is_empty());
    }
}
