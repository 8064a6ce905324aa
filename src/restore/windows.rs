//! Decoding a lattice in the windows where it has a choice.
//!
//! In clean text nearly every token has one reading (itself), and a paragraph is decoded only
//! because a word or two in it is unknown; decoding all of it looked up the language model for
//! every word of a paragraph of up to 16 KB, the largest cost of extracting clean documents.
//! Under a trigram model two consecutive words that are the only readings of their tokens cut
//! the lattice: every path goes through them, and after them every path is in the same state
//! (those two words), so the choices before and after them are independent. Each stretch of
//! tokens with a choice is therefore decoded on its own, with the two fixed words before it as
//! its context and the two after it (or the paragraph's end) as its close. The words of the
//! context are scored from the lattice's own start (a sentence start, or `decode::OPEN`)
//! instead of their real history, and the close ends as the lattice does (with a sentence end
//! unless it ends inside one): both add the same cost to every path of the window, so the
//! best path is the one the whole lattice gives.

use super::decode::{self, DecodeParams, DecodeScratch, Edge, Lattice, Scorer};

/// Reusable buffers for [`decode_windows`].
#[derive(Debug, Default)]
pub struct WindowScratch {
    /// Per position: the index of its only edge, or [`CHOICE`].
    only: Vec<u32>,
    /// The windows, as `(start, close)` positions.
    windows: Vec<(usize, usize)>,
    sub: Lattice,
    sub_path: Vec<u32>,
}

/// A position with more than one reading, none, or inside a reading of several tokens.
const CHOICE: u32 = u32::MAX;

/// Fixed words on each side of a window: a trigram model looks back two words.
const CONTEXT_WORDS: usize = 2;

/// The best path of `lattice`, as [`decode::decode`] finds it (edge indices in order; empty
/// when the lattice has a position with no way on), decoding only the windows with a choice.
pub fn decode_windows<S: Scorer + ?Sized>(
    lattice: &mut Lattice,
    lm: &S,
    params: DecodeParams,
    scratch: &mut DecodeScratch,
    ws: &mut WindowScratch,
    out: &mut Vec<u32>,
) {
    out.clear();
    let n = lattice.positions();
    let WindowScratch {
        only,
        windows,
        sub,
        sub_path,
    } = ws;
    only_readings(lattice.edges(), n, only);
    let edges = lattice.edges();
    // Where each window starts and ends, found one after the other.
    let mut p = 0;
    windows.clear();
    while p < n {
        if only[p] != CHOICE {
            p += 1;
            continue;
        }
        let start = match extend(only, edges, (0..p).rev()) {
            Walk::Reached(q) => q,
            // Before a choice (that of the window before, which this one joins) or at the
            // start.
            Walk::Choice(_) | Walk::End => 0,
        };
        // The window runs on over choices less than two fixed words apart.
        let mut end = p;
        let close = loop {
            while end < n && only[end] == CHOICE {
                end += 1;
            }
            match extend(only, edges, end..n) {
                Walk::Reached(q) => break q + 1,
                Walk::Choice(q) => end = q,
                Walk::End => break n,
            }
        };
        match windows.last_mut() {
            // Windows that meet are one window (a context word of one would be a choice of
            // the other's).
            Some(last) if start <= last.1 => last.1 = close,
            _ => windows.push((start, close)),
        }
        p = close;
    }
    if windows[..] == [(0, n)] {
        decode::decode(lattice, lm, params, scratch, out);
        return;
    }
    let mut at = 0;
    for &(start, close) in windows.iter() {
        out.extend(only[at..start].iter().copied());
        // The edges leaving the window's positions: contiguous, as edges come in order of
        // `from`, and none leaves the window (its last positions have one-token readings).
        let first = edges.partition_point(|e| (e.from as usize) < start);
        let last = edges.partition_point(|e| (e.from as usize) < close);
        sub.reset(close - start);
        for e in &edges[first..last] {
            sub.push(Edge {
                from: e.from - start as u32,
                to: e.to - start as u32,
                ..*e
            });
        }
        decode::decode(sub, lm, params, scratch, sub_path);
        if sub_path.is_empty() {
            out.clear();
            return;
        }
        out.extend(sub_path.iter().map(|&i| first as u32 + i));
        at = close;
    }
    out.extend(only[at..n].iter().copied());
}

/// Fills `only[p]` with the index of position `p`'s only edge when it has exactly one, of one
/// token, and no edge of several tokens passes over it; else [`CHOICE`].
fn only_readings(edges: &[Edge], n: usize, only: &mut Vec<u32>) {
    only.clear();
    only.resize(n, CHOICE);
    // Edges come in order of `from`: a position's second edge follows its first.
    let mut before = None;
    for (i, e) in edges.iter().enumerate() {
        let one = before != Some(e.from) && e.to == e.from + 1;
        only[e.from as usize] = if one { i as u32 } else { CHOICE };
        before = Some(e.from);
    }
    for e in edges.iter().filter(|e| e.to > e.from + 1) {
        for q in &mut only[e.from as usize + 1..e.to as usize] {
            *q = CHOICE;
        }
    }
}

/// Where a walk over fixed positions from a window's edge stopped.
enum Walk {
    /// At the position where the words walked over reached [`CONTEXT_WORDS`].
    Reached(usize),
    /// At a position with a choice, before that.
    Choice(usize),
    /// At the end of the lattice, before that.
    End,
}

/// Walks fixed positions in `order` from a window's edge until they hold [`CONTEXT_WORDS`]
/// words.
fn extend(only: &[u32], edges: &[Edge], order: impl Iterator<Item = usize>) -> Walk {
    let mut words = 0;
    for q in order {
        let e = only[q];
        if e == CHOICE {
            return Walk::Choice(q);
        }
        words += usize::from(edges[e as usize].n_words);
        if words >= CONTEXT_WORDS {
            return Walk::Reached(q);
        }
    }
    Walk::End
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::restore::decode::WordId;
    use proptest::prelude::*;

    /// A trigram "model" whose log-probabilities are hashes of the three words: every history
    /// matters, and no two paths tie.
    struct Hashed;

    impl Scorer for Hashed {
        type Context = (WordId, WordId);
        fn context(&self, w1: WordId, w2: WordId) -> (WordId, WordId) {
            (w1, w2)
        }
        fn logprob_in(&self, &(w1, w2): &(WordId, WordId), w3: WordId) -> f32 {
            let h = ((u64::from(w1) * 0x9E37_79B9) ^ (u64::from(w2) * 0x85EB_CA6B))
                .wrapping_mul(0xC2B2_AE35)
                ^ u64::from(w3).wrapping_mul(0x27D4_EB2F);
            -((h % 9973) as f32 / 997.0) - 0.01
        }
    }

    /// Lattices like those of clean text: most positions one reading of one word, some with
    /// several readings, some read with the next token, some URLs (no word).
    fn lattice(spec: &[(u8, u8)]) -> Lattice {
        let mut l = Lattice::default();
        l.reset(spec.len());
        let mut payload = 0;
        for (p, &(kind, seed)) in spec.iter().enumerate() {
            let mut push = |to: usize, words: &[WordId], cost: f32| {
                let mut w = [0; 2];
                w[..words.len()].copy_from_slice(words);
                l.push(Edge {
                    from: p as u32,
                    to: to as u32,
                    words: w,
                    n_words: words.len() as u8,
                    cost,
                    payload,
                });
                payload += 1;
            };
            let w = 2 + WordId::from(seed);
            match kind % 8 {
                0 => push(p + 1, &[], 0.0),
                1 | 2 => {
                    for k in 0..=(seed % 3) {
                        push(p + 1, &[w + WordId::from(k) * 7], f32::from(k) * 0.7);
                    }
                }
                3 if p + 2 <= spec.len() => {
                    push(p + 1, &[w], 0.3);
                    push(p + 2, &[w + 1], 1.1);
                }
                4 => push(p + 1, &[w, w + 3], 0.2),
                _ => push(p + 1, &[w], 0.0),
            }
        }
        l
    }

    fn paths(spec: &[(u8, u8)], beam: usize, open: (bool, bool)) -> (Vec<u32>, Vec<u32>) {
        let params = DecodeParams {
            lm_weight: 1.0,
            beam,
            beam_width: 12.0,
            open_start: open.0,
            open_end: open.1,
        };
        let (mut whole, mut windowed) = (Vec::new(), Vec::new());
        let mut scratch = DecodeScratch::default();
        decode::decode(
            &mut lattice(spec),
            &Hashed,
            params,
            &mut scratch,
            &mut whole,
        );
        let mut ws = WindowScratch::default();
        let mut l = lattice(spec);
        decode_windows(
            &mut l,
            &Hashed,
            params,
            &mut scratch,
            &mut ws,
            &mut windowed,
        );
        (whole, windowed)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn windows_give_the_whole_lattice_s_best_path(
            spec in proptest::collection::vec((0u8..24, 0u8..40), 0..40),
            beam in 1usize..6,
            open in (any::<bool>(), any::<bool>()),
        ) {
            // Kinds 5..24 are fixed words: most positions, as in clean text. A lattice that
            // begins or ends inside a sentence gives its windows the same open edges.
            let spec: Vec<(u8, u8)> =
                spec.iter().map(|&(k, s)| (if k >= 8 { 5 } else { k }, s)).collect();
            let (whole, windowed) = paths(&spec, beam, open);
            prop_assert_eq!(whole, windowed);
        }
    }

    #[test]
    fn a_position_with_no_way_on_leaves_the_path_empty() {
        let mut l = Lattice::default();
        l.reset(6);
        for p in [0u32, 1, 2, 4, 5] {
            l.push(Edge {
                from: p,
                to: p + 1,
                words: [5 + p, 0],
                n_words: 1,
                cost: 0.0,
                payload: p,
            });
        }
        let params = DecodeParams {
            lm_weight: 1.0,
            beam: 4,
            beam_width: 10.0,
            open_start: false,
            open_end: false,
        };
        let mut out = vec![7];
        let (mut scratch, mut ws) = (DecodeScratch::default(), WindowScratch::default());
        decode_windows(&mut l, &Hashed, params, &mut scratch, &mut ws, &mut out);
        assert!(out.is_empty());
        decode::decode(&mut l, &Hashed, params, &mut scratch, &mut out);
        assert!(out.is_empty());
    }
}
