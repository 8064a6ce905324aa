//! Which language model a document gets: the legal one (`lm.bin`) or the one for general
//! Vietnamese (`lm_general.bin`, `model::GeneralDocs`).
//!
//! Both are mixtures of the same legal and general texts, at different weights: one model
//! cannot serve both kinds of text, as the weight sweep in the README shows (a general weight
//! high enough for narrative and speech costs legal OCR a point). So the document chooses, by a
//! likelihood-ratio test of its words under the two models' unigram distributions: a word
//! counts `ln P_general(s) − ln P_legal(s)`, where `s` is the word with its marks removed and
//! each probability is summed over the vocabulary words of that skeleton (the text is OCR or
//! has lost its marks: its marked forms cannot be trusted, its letters mostly can). The sum
//! over the document must pass both [`GENERAL_LEAN`] per word and [`GENERAL_EVIDENCE`] in
//! all: this tool's input is mostly reports, so a short or mixed text stays with the legal
//! model.

use rustc_hash::FxHashMap;

use crate::lm::NgramLm;
use crate::text::vietnamese::{ascii_base, is_letter};

/// How far a document's words must lean to the general model, in nats per word, for it to
/// be read as general Vietnamese (the default of `restore::Params::general_lean`). Not the
/// sum: words of one text are not independent draws (a report that quotes a speech leans
/// general for a page), so a long text's sum would make a slight lean certain. Measured on
/// the shipped model (README, "Which language model"): the sample reports, the OCR'd eval
/// pages and the 205 gazette documents lean −0.40 to −0.07, the UDHR +0.03, narrative, speech
/// and scripture +0.44 to +0.52; 0.2 is about midway.
pub const GENERAL_LEAN: f32 = 0.2;

/// The least total lean (nats: odds of 1 000 to 1) for a text to leave the legal model: a
/// short line, as `sohoa pipe` requests are, says too little about its domain.
pub const GENERAL_EVIDENCE: f64 = 6.9;

/// The per-skeleton log ratios of the general to the legal model (`domain.tsv`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainTable {
    ratio: FxHashMap<Box<str>, f32>,
}

/// Why `domain.tsv` cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The first line is not this format's.
    #[error("not a sohoa domain table (first line must be `{HEADER}`)")]
    Header,
    /// A line is not `skeleton<TAB>ratio`.
    #[error("line {0}: expected a skeleton and a finite log ratio")]
    Line(usize),
}

const HEADER: &str = "sohoa-domain\t1";

impl DomainTable {
    /// Sums both models' unigram probabilities by skeleton. The two models share one
    /// vocabulary (see [`crate::lm::mix_onto`]).
    pub fn build(legal: &NgramLm, general: &NgramLm) -> DomainTable {
        let vocab = legal.vocab();
        let mut sums: FxHashMap<Box<str>, (f64, f64)> = FxHashMap::default();
        let mut key = String::new();
        for id in crate::lm::NUM + 1..vocab.len() as u32 {
            let word = vocab.word(id);
            if !skeleton_of(word, &mut key) {
                continue;
            }
            let a = f64::from(legal.logprob_unigram(id)).exp();
            let b = f64::from(general.logprob_unigram(id)).exp();
            let e = sums.entry(key.as_str().into()).or_default();
            e.0 += a;
            e.1 += b;
        }
        let ratio = sums
            .into_iter()
            .filter(|(_, (a, b))| *a > 0.0 && *b > 0.0)
            // Rounded as `domain.tsv` stores them, so a table read back is the same table.
            .map(|(k, (a, b))| (k, round4(b.ln() - a.ln())))
            .collect();
        DomainTable { ratio }
    }

    /// The log-likelihood ratio of `text`'s words (of two letters or more, known to the
    /// vocabulary by their skeleton) and how many counted.
    pub(crate) fn evidence(&self, text: &str) -> (f64, usize) {
        let (mut sum, mut n) = (0.0f64, 0usize);
        let mut key = String::new();
        for word in text.split(|c: char| !is_letter(c)) {
            if word.len() < 2 || !skeleton_of(word, &mut key) {
                continue;
            }
            if let Some(&r) = self.ratio.get(key.as_str()) {
                sum += f64::from(r);
                n += 1;
            }
        }
        (sum, n)
    }

    /// Skeletons in the table.
    pub fn len(&self) -> usize {
        self.ratio.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.ratio.is_empty()
    }

    /// The table as `domain.tsv`: a header line, then `skeleton<TAB>ratio` sorted by
    /// skeleton, ratios to 4 decimals (reviewable; rebuilt bit for bit by `sohoa train`).
    pub fn to_tsv(&self) -> String {
        let mut rows: Vec<(&str, f32)> = self.ratio.iter().map(|(k, &v)| (&**k, v)).collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = format!(
            "{HEADER}\n# skeleton (marks removed)\tln P_general(skeleton) - ln P_legal(skeleton)\n"
        );
        for (k, v) in rows {
            out.push_str(&format!("{k}\t{v:.4}\n"));
        }
        out
    }

    /// Reads `domain.tsv`; lines starting with `#` are comments.
    pub fn from_tsv(text: &str) -> Result<DomainTable, DomainError> {
        let mut lines = text.lines().enumerate();
        if lines.next().map(|(_, l)| l.trim_end()) != Some(HEADER) {
            return Err(DomainError::Header);
        }
        let mut ratio = FxHashMap::default();
        for (i, line) in lines {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (k, v) = line.split_once('\t').ok_or(DomainError::Line(i + 1))?;
            let v: f32 = v.trim().parse().map_err(|_| DomainError::Line(i + 1))?;
            if k.is_empty() || !v.is_finite() {
                return Err(DomainError::Line(i + 1));
            }
            ratio.insert(k.into(), v);
        }
        Ok(DomainTable { ratio })
    }
}

fn round4(x: f64) -> f32 {
    format!("{x:.4}").parse().unwrap_or(0.0)
}

/// Whether a text of `sum` nats of domain evidence over `n` words (see
/// [`DomainTable::evidence`]) reads as general Vietnamese rather than legal prose: its words
/// lean `lean` nats each to the general model, and [`GENERAL_EVIDENCE`] in all.
pub(crate) fn is_general(sum: f64, n: usize, lean: f32) -> bool {
    sum >= GENERAL_EVIDENCE && sum >= f64::from(lean) * n as f64
}

/// `word` lower-cased with its marks removed, into `key`; false for a word of more than 7
/// letters (no Vietnamese syllable is that long) or with a letter outside Latin.
fn skeleton_of(word: &str, key: &mut String) -> bool {
    key.clear();
    for c in word.chars() {
        let b = ascii_base(c).to_ascii_lowercase();
        if !b.is_ascii_lowercase() || key.len() >= 7 {
            return false;
        }
        key.push(b);
    }
    !key.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_are_lower_case_ascii_syllables() {
        let mut k = String::new();
        assert!(skeleton_of("Đường", &mut k));
        assert_eq!(k, "duong");
        assert!(skeleton_of("NGHIÊNG", &mut k));
        assert_eq!(k, "nghieng");
        assert!(!skeleton_of("nghiêngg", &mut k));
        assert!(!skeleton_of("Москва", &mut k));
        assert!(!skeleton_of("", &mut k));
    }

    #[test]
    fn the_table_reads_back_as_written_and_bad_files_are_refused() {
        let t = DomainTable::from_tsv("sohoa-domain\t1\n# c\nanh\t1.2500\ncua\t-0.5000\n").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(DomainTable::from_tsv(&t.to_tsv()).unwrap(), t);
        assert!(t.evidence("Anh ấy, CỦA anh 12") == (1.25 * 2.0 - 0.5, 3));
        assert!(matches!(
            DomainTable::from_tsv(""),
            Err(DomainError::Header)
        ));
        assert!(matches!(
            DomainTable::from_tsv("sohoa-domain\t1\nanh 1.0\n"),
            Err(DomainError::Line(2))
        ));
        assert!(matches!(
            DomainTable::from_tsv("sohoa-domain\t1\nanh\tNaN\n"),
            Err(DomainError::Line(2))
        ));
    }
}
