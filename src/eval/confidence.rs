//! How well the restorer's confidence picks out its own errors: the precision/recall curve
//! of flagging every word whose confidence is below a threshold, against a line-aligned gold
//! (`sohoa eval restore --confidence`).

use std::fmt;

use super::restore::{align, key, score_tokens};
use crate::restore::TokenReport;

/// One reported word: its confidence (as `--mark` judges it, alternatives or not) and whether
/// it is wrong against the gold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judged {
    /// The confidence the restorer gave.
    pub confidence: f32,
    /// Whether any scoring token written for it differs from the gold token aligned to it.
    pub wrong: bool,
}

/// Judges every report of `restored` (the restorer's text, line-aligned with `gold`). A
/// report is wrong when one of the scoring tokens written in its range is not aligned to an
/// equal gold token (case-insensitively, as the syllable score counts). Reports that wrote no
/// scoring token are left out.
pub fn judge(restored: &str, gold: &str, reports: &[TokenReport]) -> Vec<Judged> {
    // For every output scoring token: its absolute byte range and whether it is right.
    let mut tokens: Vec<(usize, usize, bool)> = Vec::new();
    let gold_lines: Vec<&str> = gold.split('\n').collect();
    let (mut ot, mut gt) = (Vec::new(), Vec::new());
    let mut at = 0;
    for (ln, line) in restored.split('\n').enumerate() {
        score_tokens(line, &mut ot);
        score_tokens(gold_lines.get(ln).copied().unwrap_or(""), &mut gt);
        let o: Vec<String> = ot.iter().map(|t| key(t, true)).collect();
        let g: Vec<String> = gt.iter().map(|t| key(t, true)).collect();
        let mut right = vec![false; o.len()];
        for (i, _) in align(&o, &g) {
            if let Some(i) = i {
                right[i] = true;
            }
        }
        for (t, ok) in ot.iter().zip(right) {
            let start = at + (t.as_ptr() as usize - line.as_ptr() as usize);
            tokens.push((start, start + t.len(), ok));
        }
        at += line.len() + 1;
    }
    reports
        .iter()
        .filter_map(|r| {
            let first = tokens.partition_point(|t| t.1 <= r.r_start);
            let inside: Vec<bool> = tokens[first..]
                .iter()
                .take_while(|t| t.0 < r.r_end)
                .map(|t| t.2)
                .collect();
            (!inside.is_empty()).then(|| Judged {
                confidence: r.confidence,
                wrong: inside.iter().any(|&ok| !ok),
            })
        })
        .collect()
}

/// The precision/recall curve of flagging the words below each threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Words judged.
    pub words: usize,
    /// Of them wrong.
    pub wrong: usize,
    /// Per threshold: (threshold, words flagged, wrong words flagged).
    pub rows: Vec<(f32, usize, usize)>,
}

/// The curve of `judged` at `thresholds` (a word is flagged when its confidence is below).
pub fn curve(judged: &[Judged], thresholds: &[f32]) -> Curve {
    Curve {
        words: judged.len(),
        wrong: judged.iter().filter(|j| j.wrong).count(),
        rows: thresholds
            .iter()
            .map(|&th| {
                let flagged = judged.iter().filter(|j| j.confidence < th);
                let (n, w) = flagged.fold((0, 0), |(n, w), j| (n + 1, w + usize::from(j.wrong)));
                (th, n, w)
            })
            .collect(),
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "confidence: {} words, {} wrong ({:.2} %)",
            self.words,
            self.wrong,
            pct(self.wrong, self.words)
        )?;
        writeln!(f, "  below   flagged  % words  precision  recall")?;
        for &(th, n, w) in &self.rows {
            writeln!(
                f,
                "  {th:<6.3} {n:>8}  {:>6.2} %   {:>6.2} %  {:>6.2} %",
                pct(n, self.words),
                pct(w, n),
                pct(w, self.wrong)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(r_start: usize, r_end: usize, confidence: f32, alts: bool) -> TokenReport {
        TokenReport {
            start: r_start,
            end: r_end,
            r_start,
            r_end,
            observed: String::new(),
            chosen: String::new(),
            alternatives: if alts { vec!["x".into()] } else { Vec::new() },
            confidence,
        }
    }

    #[test]
    fn words_are_judged_against_the_aligned_gold() {
        let restored = "Kết qua\nsố 12";
        let gold = "Kết quả\nsố 12";
        let reports = [
            report(0, 6, 0.9, true),
            report(7, 10, 0.3, true),
            report(11, 15, 0.2, false),
            report(16, 18, 0.5, true),
        ];
        let j = judge(restored, gold, &reports);
        let got: Vec<(f32, bool)> = j.iter().map(|j| (j.confidence, j.wrong)).collect();
        // A word without alternatives keeps its confidence: `--mark` flags it too (a token
        // kept as written though no word, `[Gmg]`).
        assert_eq!(got, [(0.9, false), (0.3, true), (0.2, false), (0.5, false)]);
        let c = curve(&j, &[0.4, 0.6, 2.0]);
        assert_eq!((c.words, c.wrong), (4, 1));
        assert_eq!(c.rows, [(0.4, 2, 1), (0.6, 3, 1), (2.0, 4, 1)]);
    }
}
