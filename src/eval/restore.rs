//! Syllable accuracy of a restoration against a line-aligned gold.
//!
//! Tokens are maximal runs of letters and digits (what a reader counts as syllables and
//! numbers). Each output line is aligned to its gold line by a Levenshtein alignment of tokens;
//! a gold token is correct when it is aligned to an equal output token. Two comparisons are
//! made: case-insensitive and exact; both canonicalise tone placement first (`hoà` = `hòa`), since
//! either convention is correct Vietnamese.
//!
//! The breakdown says what kind of repair each gold token needed, judged by aligning the OCR
//! input line to the gold line the same way: already correct, marks only, letters changed, or
//! split/merged/lost (no input token aligned to it).

use std::fmt;

use crate::text::vietnamese::{canonical_tone_placement, strip_marks};

/// Kinds of repair a gold token needs, in report order.
pub const KINDS: [&str; 4] = [
    "already correct",
    "marks only",
    "letters changed",
    "split/merge/lost",
];

/// How many errors a score keeps for inspection: enough to count a whole dev set's errors by
/// kind, few enough that a large eval keeps its memory small.
pub const MAX_EXAMPLES: usize = 5000;

/// Counts for one evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreScore {
    pub gold_tokens: usize,
    pub correct_ci: usize,
    pub correct_exact: usize,
    /// Per kind of repair: (gold tokens, correct case-insensitively).
    pub by_kind: [(usize, usize); 4],
    /// Lines whose count differs between output and gold (must be zero).
    pub line_count_mismatch: bool,
    /// Up to [`MAX_EXAMPLES`] errors, for inspection (`--errors`): line, the input token
    /// aligned to the gold token (empty when none or no input was given), output token, gold token.
    pub examples: Vec<(usize, String, String, String)>,
}

impl RestoreScore {
    /// Case-insensitive syllable accuracy.
    pub fn accuracy_ci(&self) -> f64 {
        ratio(self.correct_ci, self.gold_tokens)
    }

    /// Exact (case-sensitive) syllable accuracy.
    pub fn accuracy_exact(&self) -> f64 {
        ratio(self.correct_exact, self.gold_tokens)
    }

    /// Adds another document's counts.
    pub fn add(&mut self, other: &RestoreScore) {
        self.gold_tokens += other.gold_tokens;
        self.correct_ci += other.correct_ci;
        self.correct_exact += other.correct_exact;
        for (a, b) in self.by_kind.iter_mut().zip(other.by_kind.iter()) {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.line_count_mismatch |= other.line_count_mismatch;
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples
            .extend(other.examples.iter().take(room).cloned());
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

impl fmt::Display for RestoreScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "syllable accuracy: {:.2} % case-insensitive, {:.2} % exact ({} gold tokens)",
            100.0 * self.accuracy_ci(),
            100.0 * self.accuracy_exact(),
            self.gold_tokens
        )?;
        if self.line_count_mismatch {
            writeln!(f, "WARNING: output and gold have different line counts")?;
        }
        for (kind, (n, ok)) in KINDS.iter().zip(self.by_kind.iter()) {
            if *n > 0 {
                writeln!(
                    f,
                    "  {kind:<18} {:>6} tokens  {:6.2} % correct",
                    n,
                    100.0 * ratio(*ok, *n)
                )?;
            }
        }
        Ok(())
    }
}

/// Appends the scoring tokens of `line` (runs of letters and digits).
pub fn score_tokens<'a>(line: &'a str, out: &mut Vec<&'a str>) {
    out.clear();
    let mut start = None;
    for (i, c) in line.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(&line[s..i]);
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
}

/// The comparison key of a token: tone placement canonicalised, optionally lower-cased.
pub(crate) fn key(tok: &str, fold_case: bool) -> String {
    if fold_case {
        canonical_tone_placement(&tok.to_lowercase()).into_owned()
    } else {
        // Canonicalise on the lower-case form and put the case back letter by letter.
        let lower = tok.to_lowercase();
        let canon = canonical_tone_placement(&lower);
        if canon == lower {
            return tok.to_string();
        }
        tok.chars()
            .zip(canon.chars())
            .map(|(orig, c)| {
                if orig.is_uppercase() {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    }
}

/// Levenshtein alignment of token keys; returns for each `b` token the index of the `a` token
/// it is aligned to with equal keys (`Some`) or not (`None`), plus whether it was aligned to
/// any `a` token at all (substitution) as the second element.
pub(crate) fn align(a: &[String], b: &[String]) -> Vec<(Option<usize>, bool)> {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut d = vec![0u32; (n + 1) * w];
    for (j, cell) in d[..w].iter_mut().enumerate() {
        *cell = j as u32;
    }
    for i in 1..=n {
        d[i * w] = i as u32;
        for j in 1..=m {
            let sub = d[(i - 1) * w + j - 1] + u32::from(a[i - 1] != b[j - 1]);
            let del = d[(i - 1) * w + j] + 1;
            let ins = d[i * w + j - 1] + 1;
            d[i * w + j] = sub.min(del).min(ins);
        }
    }
    let mut out = vec![(None, false); m];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let here = d[i * w + j];
        let eq = a[i - 1] == b[j - 1];
        if here == d[(i - 1) * w + j - 1] + u32::from(!eq) {
            out[j - 1] = (eq.then_some(i - 1), true);
            i -= 1;
            j -= 1;
        } else if here == d[(i - 1) * w + j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    out
}

/// Scores `output` against `gold` (both whole texts, line-aligned). `input` is the OCR text
/// the output was restored from, used for the breakdown by kind of repair; pass `None` to
/// count every token as "letters changed".
pub fn score(output: &str, gold: &str, input: Option<&str>) -> RestoreScore {
    let out_lines: Vec<&str> = output.split('\n').collect();
    let gold_lines: Vec<&str> = gold.split('\n').collect();
    let in_lines: Vec<&str> = input.map(|i| i.split('\n').collect()).unwrap_or_default();
    let mut s = RestoreScore {
        line_count_mismatch: out_lines.len() != gold_lines.len()
            || (input.is_some() && in_lines.len() != gold_lines.len()),
        ..RestoreScore::default()
    };
    let (mut ot, mut gt, mut it) = (Vec::new(), Vec::new(), Vec::new());
    for (ln, g) in gold_lines.iter().enumerate() {
        score_tokens(g, &mut gt);
        if gt.is_empty() {
            continue;
        }
        score_tokens(out_lines.get(ln).copied().unwrap_or(""), &mut ot);
        let g_ci: Vec<String> = gt.iter().map(|t| key(t, true)).collect();
        let o_ci: Vec<String> = ot.iter().map(|t| key(t, true)).collect();
        let g_ex: Vec<String> = gt.iter().map(|t| key(t, false)).collect();
        let o_ex: Vec<String> = ot.iter().map(|t| key(t, false)).collect();
        let ci = align(&o_ci, &g_ci);
        let ex = align(&o_ex, &g_ex);
        // Kind of repair, from the input line.
        let mut input_of: Vec<Option<usize>> = vec![None; gt.len()];
        let kinds: Vec<usize> = match in_lines.get(ln) {
            Some(inp) if input.is_some() => {
                score_tokens(inp, &mut it);
                let i_ci: Vec<String> = it.iter().map(|t| key(t, true)).collect();
                let i_strip: Vec<String> = i_ci.iter().map(|t| strip_marks(t)).collect();
                let g_strip: Vec<String> = g_ci.iter().map(|t| strip_marks(t)).collect();
                let by_strip = align(&i_strip, &g_strip);
                for (j, slot) in input_of.iter_mut().enumerate() {
                    *slot = match by_strip[j] {
                        (Some(i), _) => Some(i),
                        (None, true) => Some(aligned_index(&by_strip, j, it.len())),
                        (None, false) => None,
                    };
                }
                (0..gt.len())
                    .map(|j| match by_strip[j] {
                        (Some(i), _) if i_ci[i] == g_ci[j] => 0,
                        (Some(_), _) => 1,
                        (None, true) => 2,
                        (None, false) => 3,
                    })
                    .collect()
            }
            _ => vec![2; gt.len()],
        };
        for j in 0..gt.len() {
            s.gold_tokens += 1;
            let ok_ci = ci[j].0.is_some();
            if ok_ci {
                s.correct_ci += 1;
            } else if s.examples.len() < MAX_EXAMPLES {
                let got = ot
                    .get(aligned_index(&ci, j, ot.len()))
                    .map_or(String::new(), |t| t.to_string());
                let from = input_of[j]
                    .and_then(|i| it.get(i))
                    .map_or(String::new(), |t| t.to_string());
                s.examples.push((ln + 1, from, got, gt[j].to_string()));
            }
            if ex[j].0.is_some() {
                s.correct_exact += 1;
            }
            let k = kinds[j];
            s.by_kind[k].0 += 1;
            s.by_kind[k].1 += usize::from(ok_ci);
        }
    }
    s
}

/// `input` restored line by line, each line a request of its own (as `sohoa pipe` users send
/// them), with `restore` run on the lines in parallel; the lines are joined back in order, so
/// the result scores against the same line-aligned gold as the whole document's restoration.
/// What a short input is judged to be (clean or OCR) then rests on its own few tokens.
pub fn restore_per_line(input: &str, restore: impl Fn(&str) -> String + Sync) -> String {
    use rayon::prelude::*;
    let lines: Vec<&str> = input.split('\n').collect();
    let out: Vec<String> = lines
        .par_iter()
        .map(|l| {
            if l.trim().is_empty() {
                l.to_string()
            } else {
                restore(l)
            }
        })
        .collect();
    out.join("\n")
}

/// Best guess of the output token that stood where gold token `j` is (for error examples).
fn aligned_index(al: &[(Option<usize>, bool)], j: usize, n_out: usize) -> usize {
    // Output tokens aligned before j, counted from the alignment of equal tokens.
    let prev = al[..j].iter().rev().find_map(|(i, _)| *i);
    prev.map_or(j.min(n_out.saturating_sub(1)), |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_letter_digit_runs() {
        let mut v = Vec::new();
        score_tokens("Số: 284 /BC-UBND, ngày 20 tháng", &mut v);
        assert_eq!(v, ["Số", "284", "BC", "UBND", "ngày", "20", "tháng"]);
    }

    #[test]
    fn perfect_and_partial() {
        let gold = "Kết quả thực hiện\n\nSố: 284";
        assert_eq!(score(gold, gold, None).accuracy_ci(), 1.0);
        let out = "Kết qua thực hiện\n\nSỐ: 284";
        let s = score(out, gold, None);
        assert_eq!((s.gold_tokens, s.correct_ci, s.correct_exact), (6, 5, 4));
    }

    #[test]
    fn tone_placement_is_not_an_error() {
        let s = score("hoà bình, thuỷ lợi", "hòa bình, thủy lợi", None);
        assert_eq!(s.correct_exact, 4);
    }

    #[test]
    fn alignment_survives_splits_and_merges() {
        // the output merged two gold tokens and missed one: the rest still counts
        let s = score("Thành lập Xã TâyTrà năm", "Thành lập Xã Tây Trà năm", None);
        assert_eq!((s.gold_tokens, s.correct_ci), (6, 4));
    }

    #[test]
    fn breakdown_by_kind_of_repair() {
        let input = "Két qua s6 UBND";
        let gold = "Kết quả số UBND";
        let out = "Kết quả sở UBND";
        let s = score(out, gold, Some(input));
        // UBND: already correct; Két, qua: marks only; s6: letters changed
        assert_eq!(s.by_kind[0], (1, 1));
        assert_eq!(s.by_kind[1], (2, 2));
        assert_eq!(s.by_kind[2], (1, 0));
    }

    #[test]
    fn per_line_restoration_keeps_every_line_in_place() {
        let input = "a b\n\n  \nc\r\nd";
        let out = restore_per_line(input, |l| l.to_uppercase());
        assert_eq!(out, "A B\n\n  \nC\r\nD");
        // Each call sees one line only.
        let out = restore_per_line(input, |l| l.split('\n').count().to_string());
        assert_eq!(out, "1\n\n  \n1\n1");
    }

    #[test]
    fn line_count_mismatch_is_flagged() {
        assert!(score("a\nb", "a", None).line_count_mismatch);
    }
}
