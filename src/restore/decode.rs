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
/// The history of a lattice that does not start a sentence (see [`DecodeParams::open_start`]):
/// no n-gram follows the sentence end, so after it the first word is scored by its unigram
/// probability and the second by its bigram after the first, as if the words before were
/// unknown.
pub const OPEN: WordId = EOS;

/// What the decoder needs from a language model: natural-log `P(w3 | w1 w2)`, with a fast
/// path for scoring many `w3` after the same two words (the decoder's inner loop: one state,
/// every edge leaving its position).
pub trait Scorer {
    /// A resolved two-word history.
    type Context: Copy + Default;
    fn context(&self, w1: WordId, w2: WordId) -> Self::Context;
    fn logprob_in(&self, ctx: &Self::Context, w3: WordId) -> f32;
    /// Whether the first word of the history matters for any next word. When it does not
    /// (the model has no trigram after `w1 w2` and backs off to `w2` alone), states that differ
    /// only in `w1` have the same future and the decoder keeps the cheapest of them.
    fn uses_w1(&self, _ctx: &Self::Context) -> bool {
        true
    }
    fn logprob(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        self.logprob_in(&self.context(w1, w2), w3)
    }
    /// Hints that `logprob_in(ctx, w)` will be asked soon (a model may start fetching the
    /// memory it needs).
    #[inline]
    fn prefetch(&self, _ctx: &Self::Context, _w: WordId) {}
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

    /// All edges, to change their costs before decoding (not their order or ends).
    pub fn edges_mut(&mut self) -> &mut [Edge] {
        &mut self.edges
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

/// The largest beam (the settled states' histories live in a fixed array).
pub const MAX_BEAM: usize = 64;

/// Marks a state whose first history word does not matter.
const NO_WORD: WordId = WordId::MAX;

/// Reusable buffers for [`decode`].
#[derive(Debug, Default)]
pub struct DecodeScratch {
    pending: Vec<Vec<State>>,
    arena: Vec<State>,
    /// Per settled state of the current position: its history's first word if it matters,
    /// else `NO_WORD`.
    futures: Vec<WordId>,
    /// The cheapest state pushed so far to each position.
    best_at: Vec<f32>,
    /// The edges leaving the current position worth scoring in one state (indices into the
    /// position's edges), their first words and their scores.
    live: Vec<u32>,
    words: Vec<WordId>,
    scores: Vec<f32>,
    /// The states of the position being settled, in order (see [`shortlist`]), and their
    /// sort keys.
    sorted: Vec<State>,
    keys: Vec<u64>,
    /// Edges scored in a state so far (the decoder's unit of work, for tests that bound it).
    steps: u64,
}

impl DecodeScratch {
    /// Edges scored in a state by the decodes made with this scratch so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }
}

/// Decoding knobs.
#[derive(Clone, Copy, Debug)]
pub struct DecodeParams {
    /// Weight of the language model against the channel.
    pub lm_weight: f32,
    /// States kept per position.
    pub beam: usize,
    /// States costing more than the position's best by this much are dropped (−ln units).
    pub beam_width: f32,
    /// The lattice does not start a sentence: its first words are scored after [`OPEN`]
    /// instead of the sentence start.
    pub open_start: bool,
    /// The lattice does not end a sentence: no sentence end is scored after its last word.
    pub open_end: bool,
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
    // The knobs as locals, read once (the struct is passed in memory).
    let DecodeParams {
        lm_weight,
        beam,
        beam_width,
        open_start,
        open_end,
    } = params;
    let beam = beam.clamp(1, MAX_BEAM);
    if scratch.pending.len() < n + 1 {
        scratch.pending.resize_with(n + 1, Vec::new);
    }
    for v in &mut scratch.pending[..=n] {
        v.clear();
    }
    scratch.best_at.clear();
    scratch.best_at.resize(n + 1, f32::INFINITY);
    scratch.arena.clear();
    let start = if open_start { OPEN } else { BOS };
    scratch.pending[0].push(State {
        w1: start,
        w2: start,
        cost: 0.0,
        back: u32::MAX,
        edge: u32::MAX,
    });

    let mut ctxs = [S::Context::default(); MAX_BEAM];
    for p in 0..n {
        // Settle the states of position p: the cheapest within the beam width, in cost
        // order, one per distinct future (see `Scorer::uses_w1`), up to the beam. Their
        // histories are resolved a few at a time, together (independent look-ups whose cache
        // misses overlap).
        let mut pushed = std::mem::take(&mut scratch.pending[p]);
        let mut here = std::mem::take(&mut scratch.sorted);
        shortlist(&pushed, &mut scratch.keys, &mut here, beam, beam_width);
        pushed.clear();
        scratch.pending[p] = pushed;
        let base = scratch.arena.len();
        let mut batch = [S::Context::default(); CTX_BATCH];
        'settle: for chunk in here.chunks(CTX_BATCH) {
            for (c, t) in batch.iter_mut().zip(chunk) {
                *c = lm.context(t.w1, t.w2);
            }
            for (j, s) in chunk.iter().enumerate() {
                let ctx = batch[j];
                let future = if lm.uses_w1(&ctx) { s.w1 } else { NO_WORD };
                let kept = &scratch.arena[base..];
                if kept
                    .iter()
                    .zip(&scratch.futures)
                    .any(|(k, &f)| k.w2 == s.w2 && f == future)
                {
                    continue;
                }
                ctxs[scratch.arena.len() - base] = ctx;
                scratch.arena.push(*s);
                scratch.futures.push(future);
                if scratch.arena.len() - base == beam {
                    break 'settle;
                }
            }
        }
        scratch.futures.clear();
        here.clear();
        scratch.sorted = here;
        let settled = base..scratch.arena.len();
        let first_edge = lattice.starts[p] as usize;
        let leaving = lattice.leaving(p);
        // The first probe of every look-up this position will make is prefetched, then the
        // edges leaving p are scored in each state, all look-ups at once. States come in cost
        // order, so the best cost reaching each later position is known early: an edge whose
        // cost before the language model already exceeds that best by more than the beam
        // width would be pruned there, and is not scored at all (the model's cost is not
        // negative, up to quantisation, so this drops nothing the beam would keep).
        for ctx in &ctxs[..settled.len()] {
            for e in leaving.iter().filter(|e| e.n_words > 0) {
                lm.prefetch(ctx, e.words[0]);
            }
        }
        for si in settled {
            let s = scratch.arena[si];
            let ctx = ctxs[si - base];
            scratch.live.clear();
            scratch.words.clear();
            for (k, e) in leaving.iter().enumerate() {
                if s.cost + e.cost <= scratch.best_at[e.to as usize] + beam_width {
                    scratch.live.push(k as u32);
                    if e.n_words > 0 {
                        scratch.words.push(e.words[0]);
                    }
                }
            }
            scratch.steps += scratch.live.len() as u64 + 1;
            scratch.scores.clear();
            scratch.scores.resize(scratch.words.len(), 0.0);
            lm.logprobs_in(&ctx, &scratch.words, &mut scratch.scores);
            let mut scores = scratch.scores.iter();
            for &k in &scratch.live {
                let e = &leaving[k as usize];
                let mut cost = s.cost + e.cost;
                let (w1, w2) = match e.n_words {
                    0 => (s.w1, s.w2),
                    1 => {
                        let lp = scores.next().copied().unwrap_or(0.0);
                        cost -= lm_weight * lp;
                        (s.w2, e.words[0])
                    }
                    _ => {
                        let [a, b] = e.words;
                        let lp = scores.next().copied().unwrap_or(0.0);
                        cost -= lm_weight * (lp + lm.logprob(s.w2, a, b));
                        (a, b)
                    }
                };
                let to = e.to as usize;
                let best = scratch.best_at[to];
                if cost > best + beam_width {
                    // `shortlist` would drop it: the position's best only gets cheaper.
                    continue;
                }
                if cost < best {
                    scratch.best_at[to] = cost;
                }
                scratch.pending[to].push(State {
                    w1,
                    w2,
                    cost,
                    back: si as u32,
                    edge: (first_edge + k as usize) as u32,
                });
            }
        }
    }

    // Close the paragraph with </s> (scored at no weight when the lattice ends inside a
    // sentence) and pick the best final state.
    let close_weight = if open_end { 0.0 } else { lm_weight };
    let mut best: Option<(f32, usize)> = None;
    let finals = std::mem::take(&mut scratch.pending[n]);
    let base = scratch.arena.len();
    scratch.arena.extend_from_slice(&finals);
    scratch.pending[n] = finals;
    for i in base..scratch.arena.len() {
        let s = scratch.arena[i];
        let c = s.cost - close_weight * lm.logprob(s.w1, s.w2, EOS);
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

/// The decoder's total order on the states pushed to one position: cost (as
/// `f32::total_cmp`), then the order they were pushed in, packed in one integer so that
/// sorting compares integers. Pushes come in increasing `(back, edge)` (positions are settled
/// in order, a position's states in arena order, a state's edges in order), so this is the
/// order by cost, `back`, `edge`: unique per state, deterministic.
#[inline]
fn order_key(cost: f32, pushed: usize) -> u64 {
    // `total_cmp`'s mapping of an f32 to an ordered signed integer, then shifted to unsigned.
    let b = cost.to_bits() as i32;
    let ordered = ((b ^ (((b >> 31) as u32) >> 1) as i32) as u32) ^ 0x8000_0000;
    (u64::from(ordered) << 32) | pushed as u64
}

/// The states of `states` (in push order) that can make the beam, into `out` in the
/// decoder's order: within `width` of the cheapest and among the cheapest few (states
/// sharing a history are merged afterwards, so a few more than `beam` are kept).
fn shortlist(states: &[State], keys: &mut Vec<u64>, out: &mut Vec<State>, beam: usize, width: f32) {
    out.clear();
    keys.clear();
    let Some(best) = states.iter().map(|s| s.cost).min_by(f32::total_cmp) else {
        return;
    };
    keys.extend(
        states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.cost <= best + width)
            .map(|(i, s)| order_key(s.cost, i)),
    );
    // Only the cheapest few can make the beam: select them (linear) before sorting.
    let keep = (beam * 4).min(keys.len());
    if keys.len() > keep {
        keys.select_nth_unstable(keep - 1);
        keys.truncate(keep);
    }
    keys.sort_unstable();
    out.extend(keys.iter().map(|&k| states[k as u32 as usize]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A bigram "model" from a table; everything else gets ln(0.001). `.1`: whether it
    /// admits that the first history word never matters.
    struct Bigrams(HashMap<(WordId, WordId), f32>, bool);

    impl Scorer for Bigrams {
        type Context = WordId;
        fn context(&self, _w1: WordId, w2: WordId) -> WordId {
            w2
        }
        fn logprob_in(&self, w2: &WordId, w3: WordId) -> f32 {
            self.0.get(&(*w2, w3)).copied().unwrap_or(0.001f32.ln())
        }
        fn uses_w1(&self, _ctx: &WordId) -> bool {
            !self.1
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
        run_with(l, lm, 8, f32::INFINITY)
    }

    fn run_with(l: &mut Lattice, lm: &Bigrams, beam: usize, beam_width: f32) -> Vec<u32> {
        let mut out = Vec::new();
        let params = DecodeParams {
            lm_weight: 1.0,
            beam,
            beam_width,
            open_start: false,
            open_end: false,
        };
        decode(l, lm, params, &mut DecodeScratch::default(), &mut out);
        out.iter().map(|&e| l.edges()[e as usize].payload).collect()
    }

    // words: 10 = "số", 11 = "sở", 12 = "hóa", 13 = "chuyển", 14 = "đổi"
    fn lm() -> Bigrams {
        Bigrams(
            HashMap::from([
                ((13, 14), 0.9f32.ln()),
                ((14, 10), 0.8f32.ln()),
                ((14, 11), 0.01f32.ln()),
                ((10, 12), 0.5f32.ln()),
                ((11, 12), 0.001f32.ln()),
            ]),
            false,
        )
    }

    /// "a|b x|y z": with a beam of 2, (a x) and (b x) crowd out (a y) unless the decoder
    /// knows they share one future; only y leads well into z.
    fn crowded() -> (Lattice, HashMap<(WordId, WordId), f32>) {
        let mut l = Lattice::default();
        l.reset(3);
        l.push(edge(0, 1, &[20], 0.0, 1)); // a
        l.push(edge(0, 1, &[21], 0.1, 2)); // b
        l.push(edge(1, 2, &[22], 0.0, 3)); // x
        l.push(edge(1, 2, &[23], 0.5, 4)); // y
        l.push(edge(2, 3, &[24], 0.0, 5)); // z
        let table = HashMap::from([((23, 24), 0.9f32.ln()), ((22, 24), 0.0001f32.ln())]);
        (l, table)
    }

    #[test]
    fn histories_with_one_future_share_a_beam_slot() {
        let (mut l, table) = crowded();
        assert_eq!(
            run_with(&mut l, &Bigrams(table.clone(), true), 2, f32::INFINITY),
            [1, 4, 5]
        );
        // A model that may use w1 keeps both (a x) and (b x), and y is lost.
        assert_eq!(
            run_with(&mut l, &Bigrams(table, false), 2, f32::INFINITY),
            [1, 3, 5]
        );
    }

    #[test]
    fn states_beyond_the_beam_width_are_dropped() {
        let (mut l, table) = crowded();
        let lm = Bigrams(table, true);
        assert_eq!(run_with(&mut l, &lm, 8, f32::INFINITY), [1, 4, 5]);
        // y is 0.5 + its LM cost behind x at position 2: a narrower width drops it.
        assert_eq!(run_with(&mut l, &lm, 8, 0.1), [1, 3, 5]);
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
