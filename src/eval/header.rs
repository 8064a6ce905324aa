//! The real-document header benchmark: `header.symbol` and `header.doc_type` of records made
//! from the Official Gazette documents (`../shared/gazette`, a copy in `fixtures/gazette/`),
//! scored against the publisher's own metadata the way `../shared/gazette/README.md` says:
//!
//! - the symbol must equal the gold `symbol` with spaces removed, on documents whose gold says
//!   `symbol_in_header` (the printed symbol is in the first 6,000 characters);
//! - the type must equal the gold `doc_type` with marks and case ignored, on every document but
//!   the consolidated texts (`Văn bản hợp nhất`), which are often gazette continuations that
//!   print no header of their own.
//!
//! Scores are given per family (the gold `doc_type`), because a benchmark that only reports a
//! total hides a family that is always wrong behind the many thông tư.
//!
//! ```
//! use sohoa::eval::header::{GoldDoc, HeaderReport};
//! use sohoa::record::Header;
//!
//! let gold: Vec<GoldDoc> = serde_json::from_str(r#"[{"file": "a.txt", "doc_type": "Nghị định",
//!     "symbol": "118/2025/NĐ-CP", "symbol_in_header": true}]"#).unwrap();
//! let header = Header {
//!     symbol: Some("118/2025/NĐ-CP".into()),
//!     doc_type: Some("NGHỊ ĐỊNH".into()),
//!     ..Header::default()
//! };
//! let mut report = HeaderReport::default();
//! report.add(&gold[0], &header);
//! assert_eq!(report.total().symbol.right, 1);
//! assert_eq!(report.total().doc_type.right, 1);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::extract::fold::fold_str;
use crate::record::Header;

/// The consolidated-text family, whose type is not scored.
const VBHN: &str = "Văn bản hợp nhất";

/// One entry of the gazette's `gold.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldDoc {
    /// The document's file name in `dev/` (and in `ocr/`).
    pub file: String,
    /// The type named by the publisher (`Thông tư`, `Nghị định`, …): the family.
    pub doc_type: String,
    /// The symbol as printed in the text, `null` when the text does not print it.
    pub symbol: Option<String>,
    /// The printed symbol occurs in the first 6,000 characters.
    #[serde(default)]
    pub symbol_in_header: bool,
}

/// One document of a bundle: the request format of `sohoa pipe` (`{"id", "text"}`), the id
/// being the gold's `file`.
#[derive(Clone, Debug, Deserialize)]
pub struct BundledDoc {
    pub id: String,
    pub text: String,
}

/// Reads a bundle (JSON Lines of [`BundledDoc`]): the shipped copy of the gazette documents is
/// one file per form, so that `sohoa run fixtures` still walks only the sample reports.
pub fn read_bundle(jsonl: &str) -> Result<Vec<BundledDoc>, serde_json::Error> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

/// Right answers out of the documents scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub right: usize,
    pub scored: usize,
}

impl Count {
    fn add(&mut self, right: bool) {
        self.scored += 1;
        self.right += usize::from(right);
    }

    /// The share right, in percent (100 when nothing was scored).
    pub fn percent(&self) -> f64 {
        if self.scored == 0 {
            100.0
        } else {
            100.0 * self.right as f64 / self.scored as f64
        }
    }
}

/// The scores of one family (or of all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FamilyScore {
    pub docs: usize,
    pub symbol: Count,
    pub doc_type: Count,
}

/// Scores per family and the misses, in the order the documents were added.
#[derive(Clone, Debug, Default)]
pub struct HeaderReport {
    pub families: BTreeMap<String, FamilyScore>,
    /// `file: field got … want …`, shown by `{:#}`.
    pub misses: Vec<String>,
}

/// A symbol as compared: white space removed.
fn symbol_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A type name as compared: marks and case ignored, white space collapsed.
fn type_key(s: &str) -> String {
    fold_str(s)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl HeaderReport {
    /// Scores one document's header.
    pub fn add(&mut self, gold: &GoldDoc, header: &Header) {
        let fam = self.families.entry(gold.doc_type.clone()).or_default();
        fam.docs += 1;
        if gold.symbol_in_header {
            let want = gold.symbol.as_deref().map(symbol_key);
            let got = header.symbol.as_deref().map(symbol_key);
            let right = want.is_some() && got == want;
            fam.symbol.add(right);
            if !right {
                self.misses.push(format!(
                    "{}: symbol got {:?} want {:?}",
                    gold.file,
                    header.symbol.as_deref().unwrap_or("-"),
                    gold.symbol.as_deref().unwrap_or("-")
                ));
            }
        }
        if type_key(&gold.doc_type) != type_key(VBHN) {
            let right = header
                .doc_type
                .as_deref()
                .is_some_and(|t| type_key(t) == type_key(&gold.doc_type));
            fam.doc_type.add(right);
            if !right {
                self.misses.push(format!(
                    "{}: doc_type got {:?} want {:?}",
                    gold.file,
                    header.doc_type.as_deref().unwrap_or("-"),
                    gold.doc_type
                ));
            }
        }
    }

    /// All families together.
    pub fn total(&self) -> FamilyScore {
        let mut t = FamilyScore::default();
        for f in self.families.values() {
            t.docs += f.docs;
            t.symbol.right += f.symbol.right;
            t.symbol.scored += f.symbol.scored;
            t.doc_type.right += f.doc_type.right;
            t.doc_type.scored += f.doc_type.scored;
        }
        t
    }
}

impl fmt::Display for HeaderReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} {:>5}  {:>16}  {:>16}",
            "family", "docs", "symbol", "doc_type"
        )?;
        let cell = |c: &Count| {
            if c.scored == 0 {
                "-".to_string()
            } else {
                format!("{}/{} {:5.1}%", c.right, c.scored, c.percent())
            }
        };
        let total = self.total();
        for (name, s) in self
            .families
            .iter()
            .map(|(n, s)| (n.as_str(), s))
            .chain(std::iter::once(("total", &total)))
        {
            writeln!(
                f,
                "{:<20} {:>5}  {:>16}  {:>16}",
                name,
                s.docs,
                cell(&s.symbol),
                cell(&s.doc_type)
            )?;
        }
        if f.alternate() {
            for m in &self.misses {
                writeln!(f, "  {m}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::pipeline::Engine;
    use crate::restore::Restorer;
    use std::path::{Path, PathBuf};

    #[test]
    fn bundles_read_as_pipe_requests() {
        let docs = read_bundle("{\"id\": \"a.txt\", \"text\": \"Số: 1\"}\n\n").unwrap();
        assert_eq!(
            (docs[0].id.as_str(), docs[0].text.as_str()),
            ("a.txt", "Số: 1")
        );
        assert!(read_bundle("not json").is_err());
    }

    fn gold_doc(doc_type: &str, symbol: Option<&str>, in_header: bool) -> GoldDoc {
        GoldDoc {
            file: "x.txt".into(),
            doc_type: doc_type.into(),
            symbol: symbol.map(str::to_string),
            symbol_in_header: in_header,
        }
    }

    fn header(doc_type: Option<&str>, symbol: Option<&str>) -> Header {
        Header {
            doc_type: doc_type.map(str::to_string),
            symbol: symbol.map(str::to_string),
            ..Header::default()
        }
    }

    #[test]
    fn scoring_rules() {
        let mut r = HeaderReport::default();
        // Spaces in the symbol and marks/case in the type are ignored.
        r.add(
            &gold_doc("Thông tư", Some("02/2025/TT-BLĐTBXH"), true),
            &header(Some("THONG TU"), Some("02/2025/TT- BLĐTBXH")),
        );
        // A symbol not in the header is not scored, whatever was found.
        r.add(
            &gold_doc("Thông tư", Some("3/2025/TT-BCA"), false),
            &header(Some("Nghị định"), None),
        );
        // A consolidated text's type is not scored; its symbol is.
        r.add(
            &gold_doc(VBHN, Some("04/VBHN-BYT"), true),
            &header(None, Some("04/VBHN-BTC")),
        );
        let tt = r.families["Thông tư"];
        assert_eq!(tt.docs, 2);
        assert_eq!(
            tt.symbol,
            Count {
                right: 1,
                scored: 1
            }
        );
        assert_eq!(
            tt.doc_type,
            Count {
                right: 1,
                scored: 2
            }
        );
        let vb = r.families[VBHN];
        assert_eq!(
            vb.symbol,
            Count {
                right: 0,
                scored: 1
            }
        );
        assert_eq!(vb.doc_type.scored, 0);
        assert_eq!(r.misses.len(), 2);
        let shown = format!("{r:#}");
        assert!(shown.contains("symbol got \"04/VBHN-BTC\" want \"04/VBHN-BYT\""));
        assert!(shown.contains("total"));
    }

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gazette")
    }

    /// The whole pipeline (restore, then extract) on every document of a fixture bundle.
    fn measure(bundle: &str) -> HeaderReport {
        let gold: Vec<GoldDoc> =
            serde_json::from_slice(&std::fs::read(fixtures().join("gold.json")).unwrap()).unwrap();
        let docs = read_bundle(&std::fs::read_to_string(fixtures().join(bundle)).unwrap()).unwrap();
        let engine = Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build());
        let mut report = HeaderReport::default();
        for g in &gold {
            let doc = docs.iter().find(|d| d.id == g.file).unwrap();
            let done = engine
                .process_bytes(Some(&g.file), doc.text.as_bytes(), Default::default())
                .unwrap();
            report.add(g, &done.record.header);
        }
        report
    }

    /// Regression floors at the measured level less a small margin (see README "Accuracy").
    fn check(report: &HeaderReport, symbol: f64, doc_type: f64) {
        let t = report.total();
        assert_eq!(t.docs, 205);
        assert!(
            t.symbol.percent() >= symbol && t.doc_type.percent() >= doc_type,
            "{report:#}"
        );
    }

    #[test]
    fn gazette_clean_first_pages() {
        check(&measure("clean.jsonl"), 99.0, 95.5);
    }

    #[test]
    fn gazette_ocr_first_pages() {
        check(&measure("ocr.jsonl"), 98.0, 95.5);
    }
}
