//! The lexicon: the words a token may be restored to.
//!
//! The language model knows every token of the corpus, junk included (`theomẫu`, foreign names,
//! typos); the lexicon is the reviewed subset that OCR tokens may become: Vietnamese syllables
//! attested by at least two syllable lists or by the corpus, the abbreviations of
//! administrative writing (UBND, QĐ, BCĐTW…), and frequent loanwords. It is a TSV in
//! `dictionaries/` so that changes diff cleanly, built by `sohoa train`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// First line of the lexicon file.
pub const HEADER: &str = "# sohoa lexicon v1\tword\tkind\tcount";

/// Why a word is in the lexicon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A Vietnamese syllable.
    Syllable,
    /// An abbreviation (stored lower case: `ubnd`, `qđ`).
    Abbreviation,
    /// A frequent non-syllable word of the corpus (loanwords: `internet`, `online`).
    Word,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Syllable => "syllable",
            Kind::Abbreviation => "abbr",
            Kind::Word => "word",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "syllable" => Some(Kind::Syllable),
            "abbr" => Some(Kind::Abbreviation),
            "word" => Some(Kind::Word),
            _ => None,
        }
    }
}

/// Why a lexicon file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LexiconError {
    #[error("not a sohoa lexicon (first line must be {HEADER:?})")]
    Header,
    #[error("lexicon line {line}: {message}")]
    Line { line: usize, message: String },
}

/// The lexicon: words with their kind and corpus count, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lexicon {
    entries: Vec<(String, Kind, u64)>,
}

impl Lexicon {
    /// The words.
    pub fn words(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.iter().map(|(w, _, _)| w.as_str())
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses the TSV form.
    pub fn from_tsv(text: &str) -> Result<Lexicon, LexiconError> {
        let mut lines = text.lines();
        if lines.next().map(str::trim_end) != Some(HEADER) {
            return Err(LexiconError::Header);
        }
        let mut entries = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = |message: &str| LexiconError::Line {
                line: i + 2,
                message: message.to_string(),
            };
            let mut f = line.split('\t');
            let (Some(w), Some(k), Some(c), None) = (f.next(), f.next(), f.next(), f.next()) else {
                return Err(bad("expected word<TAB>kind<TAB>count"));
            };
            let kind = Kind::parse(k).ok_or_else(|| bad("unknown kind"))?;
            let count = c.parse().map_err(|_| bad("count is not a number"))?;
            if w.is_empty() {
                return Err(bad("empty word"));
            }
            entries.push((w.to_string(), kind, count));
        }
        Ok(Lexicon { entries })
    }

    /// The TSV form (deterministic).
    pub fn to_tsv(&self) -> String {
        let mut s = String::with_capacity(self.entries.len() * 16);
        s.push_str(HEADER);
        s.push('\n');
        for (w, k, c) in &self.entries {
            let _ = writeln!(s, "{w}\t{}\t{c}", k.as_str());
        }
        s
    }

    /// Selects the lexicon from the language model's word counts.
    ///
    /// - `syllables`: `(syllable, number of lists attesting it)` from `lexicon/syllables.tsv`;
    ///   a syllable attested by one list only (mostly generated forms) must also be frequent
    ///   in the corpus;
    /// - `abbreviations`: keys of `lexicon/abbreviations.tsv`;
    /// - `counts`: corpus counts of lower-case tokens (the LM's vocabulary).
    pub fn select(
        counts: &BTreeMap<String, u64>,
        syllables: &[(String, u32)],
        abbreviations: &HashSet<String>,
    ) -> Lexicon {
        /// A syllable seen in one list only must occur this often in the corpus.
        const RARE_LIST_MIN: u64 = 20;
        /// An abbreviation must occur this often.
        const ABBR_MIN: u64 = 5;
        /// Any other all-letter token must occur this often (loanwords).
        const WORD_MIN: u64 = 300;
        let lists: BTreeMap<&str, u32> = syllables.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        let mut entries = Vec::new();
        for (w, &c) in counts {
            let kind = match lists.get(w.as_str()) {
                Some(&n) if n >= 2 && c >= 1 || c >= RARE_LIST_MIN => Some(Kind::Syllable),
                _ if abbreviations.contains(w) && c >= ABBR_MIN => Some(Kind::Abbreviation),
                _ if c >= WORD_MIN
                    && w.chars().all(char::is_alphabetic)
                    && w.chars().count() >= 2 =>
                {
                    Some(Kind::Word)
                }
                _ => None,
            };
            if let Some(k) = kind {
                entries.push((w.clone(), k, c));
            }
        }
        Lexicon { entries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_round_trip_and_errors() {
        let counts = BTreeMap::from([
            ("của".to_string(), 300_000),
            ("ubnd".to_string(), 900),
            ("internet".to_string(), 500),
            ("theomẫu".to_string(), 40),
            ("doẽm".to_string(), 1),
        ]);
        let syl = vec![("của".to_string(), 4), ("doẽm".to_string(), 1)];
        let abbr = HashSet::from(["ubnd".to_string()]);
        let lex = Lexicon::select(&counts, &syl, &abbr);
        let words: Vec<_> = lex.words().collect();
        assert_eq!(words, ["của", "internet", "ubnd"]);
        let back = Lexicon::from_tsv(&lex.to_tsv()).unwrap();
        assert_eq!(back, lex);
        assert_eq!(Lexicon::from_tsv("x"), Err(LexiconError::Header));
        let bad = format!("{HEADER}\nabc\tsyllable\n");
        assert!(matches!(
            Lexicon::from_tsv(&bad),
            Err(LexiconError::Line { line: 2, .. })
        ));
    }
}
