//! Alignment of (garbled, clean) pairs: whitespace tokens first, then the characters of each 1:1
//! token pair, and extraction of Brill & Moore style substring rules from the character
//! alignment.

use crate::text::tokenize::is_letter_symbol;
use crate::text::vietnamese::{ascii_base, canonical_tone_placement};

/// One step of a character alignment: `(intended, observed)`; `None` on one side is an insertion
/// (nothing intended, something observed) or a deletion.
pub(crate) type Op = (Option<char>, Option<char>);

/// The letter a glyph most looks like, with all marks dropped: the letter classes behind the
/// default costs of unseen edits (`ế`, `é`, `¢` → `e`; `6`, `&`, `ô` → `o`).
pub(crate) fn fold(c: char) -> char {
    match c {
        '6' | '0' | '&' | '@' | 'ø' | '°' => 'o',
        '4' => 'a',
        '1' | '|' | '!' => 'l',
        '¢' | '€' | '£' => 'e',
        '¥' => 'y',
        'đ' => 'd',
        _ => ascii_base(c),
    }
}

/// Apostrophes and primes that OCR puts where a horn or hook was.
fn is_inner_mark(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

/// A whitespace token without surrounding punctuation, lower case, traditional tone placement.
pub(crate) fn normalize_token(token: &str, out: &mut String) {
    let t = token
        .trim_start_matches(|c: char| !(c.is_alphanumeric() || is_letter_symbol(c)))
        .trim_end_matches(|c: char| {
            !(c.is_alphanumeric() || is_letter_symbol(c) || is_inner_mark(c))
        });
    out.clear();
    out.extend(t.chars().flat_map(char::to_lowercase));
    if let std::borrow::Cow::Owned(c) = canonical_tone_placement(out) {
        *out = c;
    }
}

/// Costs used to align characters.
pub(crate) trait AlignCosts {
    fn sub(&self, intended: char, observed: char) -> f32;
    fn del(&self, intended: char) -> f32;
    fn ins(&self, observed: char) -> f32;
}

/// The costs of the first alignment pass, before anything is learned: copies are free, a
/// change of mark or a look-alike glyph is cheap, anything else costs about one edit.
pub(crate) struct SeedCosts;

impl AlignCosts for SeedCosts {
    fn sub(&self, i: char, o: char) -> f32 {
        if i == o {
            0.0
        } else if fold(i) == fold(o) {
            0.4
        } else {
            1.0
        }
    }
    fn del(&self, _: char) -> f32 {
        0.8
    }
    fn ins(&self, _: char) -> f32 {
        0.8
    }
}

/// Weighted Levenshtein between `observed` and `intended`; with `ops`, the min-cost path is
/// written there (in order). Ties prefer substitution, then deletion, then insertion, so the
/// path is deterministic.
pub(crate) fn align_chars(
    observed: &[char],
    intended: &[char],
    costs: &impl AlignCosts,
    dp: &mut Vec<f32>,
    ops: Option<&mut Vec<Op>>,
) -> f32 {
    let (n, m) = (intended.len(), observed.len());
    let s = m + 1;
    dp.clear();
    dp.resize((n + 1) * s, 0.0);
    for j in 1..=m {
        dp[j] = dp[j - 1] + costs.ins(observed[j - 1]);
    }
    for i in 1..=n {
        dp[i * s] = dp[(i - 1) * s] + costs.del(intended[i - 1]);
        for j in 1..=m {
            let a = dp[(i - 1) * s + j - 1] + costs.sub(intended[i - 1], observed[j - 1]);
            let b = dp[(i - 1) * s + j] + costs.del(intended[i - 1]);
            let c = dp[i * s + j - 1] + costs.ins(observed[j - 1]);
            dp[i * s + j] = a.min(b).min(c);
        }
    }
    let total = dp[n * s + m];
    if let Some(ops) = ops {
        ops.clear();
        let (mut i, mut j) = (n, m);
        let close = |x: f32, y: f32| (x - y).abs() <= 1e-4 * (1.0 + x.abs());
        while i > 0 || j > 0 {
            let here = dp[i * s + j];
            if i > 0
                && j > 0
                && close(
                    here,
                    dp[(i - 1) * s + j - 1] + costs.sub(intended[i - 1], observed[j - 1]),
                )
            {
                ops.push((Some(intended[i - 1]), Some(observed[j - 1])));
                i -= 1;
                j -= 1;
            } else if i > 0 && close(here, dp[(i - 1) * s + j] + costs.del(intended[i - 1])) {
                ops.push((Some(intended[i - 1]), None));
                i -= 1;
            } else if j > 0 {
                ops.push((None, Some(observed[j - 1])));
                j -= 1;
            } else {
                ops.push((Some(intended[i - 1]), None));
                i -= 1;
            }
        }
        ops.reverse();
    }
    total
}

/// The 1:1 aligned token pairs of one line pair that look like the same word: `(observed,
/// intended)`, both normalised with `normalize_token`. Tokens are aligned by Levenshtein over
/// the token sequences, with the seed character distance as substitution cost.
pub fn align_tokens(garbled: &str, clean: &str) -> Vec<(String, String)> {
    let mut buf = String::new();
    let mut norm = |s: &str| -> Vec<Vec<char>> {
        s.split_whitespace()
            .map(|t| {
                normalize_token(t, &mut buf);
                buf.chars().collect()
            })
            .collect()
    };
    let (g, c) = (norm(garbled), norm(clean));
    let (n, m) = (c.len(), g.len());
    let s = m + 1;
    const GAP: f32 = 0.5;
    let mut scratch = Vec::new();
    let mut sub = vec![0f32; n * m];
    for i in 0..n {
        for j in 0..m {
            let len = c[i].len().max(g[j].len()).max(1) as f32;
            let d = align_chars(&g[j], &c[i], &SeedCosts, &mut scratch, None);
            sub[i * m + j] = (d / len).min(1.0);
        }
    }
    let mut dp = vec![0f32; (n + 1) * s];
    for (j, x) in dp.iter_mut().enumerate().take(s).skip(1) {
        *x = j as f32 * GAP;
    }
    for i in 1..=n {
        dp[i * s] = i as f32 * GAP;
        for j in 1..=m {
            let a = dp[(i - 1) * s + j - 1] + sub[(i - 1) * m + j - 1];
            let b = dp[(i - 1) * s + j] + GAP;
            let d = dp[i * s + j - 1] + GAP;
            dp[i * s + j] = a.min(b).min(d);
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let here = dp[i * s + j];
        let diag = dp[(i - 1) * s + j - 1] + sub[(i - 1) * m + j - 1];
        if (here - diag).abs() <= 1e-5 {
            let (o, t) = (&g[j - 1], &c[i - 1]);
            let (lo, li) = (o.len(), t.len());
            let plausible = sub[(i - 1) * m + j - 1] <= 0.5
                && lo <= 2 * li + 1
                && li <= 2 * lo + 1
                && lo > 0
                && li > 0;
            if plausible {
                out.push((o.iter().collect(), t.iter().collect()));
            }
            i -= 1;
            j -= 1;
        } else if (here - (dp[(i - 1) * s + j] + GAP)).abs() <= 1e-5 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    out.reverse();
    out
}

/// Substring rules `(α, β)` (intended, observed; each at most two characters) read off one
/// alignment: every window of up to three consecutive steps that starts and ends with an edit,
/// plus an insertion or deletion with one copied neighbour as context.
pub(crate) fn extract_rules(ops: &[Op], mut emit: impl FnMut(&str, &str)) {
    let is_id = |op: &Op| op.0.is_some() && op.0 == op.1;
    let (mut a, mut b) = (String::new(), String::new());
    for start in 0..ops.len() {
        a.clear();
        b.clear();
        let (mut la, mut lb) = (0, 0);
        for end in start..ops.len().min(start + 3) {
            let op = ops[end];
            if let Some(c) = op.0 {
                a.push(c);
                la += 1;
            }
            if let Some(c) = op.1 {
                b.push(c);
                lb += 1;
            }
            if la > 2 || lb > 2 {
                break;
            }
            let w = end - start + 1;
            let (first, last) = (&ops[start], &op);
            let ok = if w == 1 {
                !is_id(first)
            } else if !is_id(first) && !is_id(last) {
                true
            } else {
                w == 2
                    && (is_id(first) != is_id(last))
                    && [first, last].iter().any(|o| o.0.is_none() || o.1.is_none())
            };
            // Two characters appearing or vanishing are left to two single edits.
            if ok && ((la > 0 && lb > 0) || la + lb == 1) {
                emit(&a, &b);
            }
        }
    }
}
