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
//! total hides a family that is always wrong behind the many thông tư. The type is also scored
//! on the documents whose text prints their type's name at all (`type printed`): some gazette
//! files are a signature page whose text layer holds nothing but the signer, and no reading of
//! the text can type them.
//!
//! With the records ([`HeaderReport::add_document`]) the report also checks the citations: a
//! strict grammar of its own ([`cited_in_can_cu`]) reads the symbols and the laws cited by name
//! in the `Căn cứ` paragraphs, and each must be among the record's references (with its date
//! where the text prints one) or named references.
//!
//! An example of use is the unit test `tests::the_module_example` (an internal module keeps
//! its example as a unit test: every doctest links the whole crate, model included).

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::Deserialize;

use crate::extract::fold::fold_str;
use crate::record::{Header, Record};

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
    /// The type on the documents whose text prints the gold type's name somewhere.
    pub doc_type_printed: Count,
    /// The issue date on the documents whose header prints a place-and-date line
    /// ([`printed_issue_date`]).
    pub issue_date: Count,
    /// The signer's name on the documents that print a signature block ([`printed_signer`]).
    pub signer: Count,
}

/// The citations of the `Căn cứ` paragraphs found among the records' references.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CitationScore {
    /// Cited symbols that are among the references.
    pub symbols: Count,
    /// Of those printed with a date, the ones whose reference has that date.
    pub dated: Count,
    /// Laws cited by name and date that are among the named references, with that date.
    pub named: Count,
}

/// Scores per family and the misses, in the order the documents were added.
#[derive(Clone, Debug, Default)]
pub struct HeaderReport {
    pub families: BTreeMap<String, FamilyScore>,
    /// Filled by [`HeaderReport::add_document`].
    pub citations: CitationScore,
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
    /// Scores one document's header (its type counted as printed).
    pub fn add(&mut self, gold: &GoldDoc, header: &Header) {
        self.add_header(gold, header, true);
    }

    /// Scores one document's record made from `text`: its header, and the citations of its
    /// `Căn cứ` paragraphs against its references.
    pub fn add_document(&mut self, gold: &GoldDoc, record: &Record, text: &str) {
        self.add_document_from(gold, record, text, text);
    }

    /// As [`HeaderReport::add_document`], but the own checks of the issue date and the signer
    /// read `source`, the clean text the input was made from (an OCR'd page's typeset source
    /// lines): a strict grammar cannot read what OCR damaged, and the record is scored on what
    /// the page printed.
    pub fn add_document_from(&mut self, gold: &GoldDoc, record: &Record, text: &str, source: &str) {
        let printed = type_key(text).contains(&type_key(&gold.doc_type));
        self.add_header(gold, &record.header, printed);
        self.add_people(gold, &record.header, source);
        let (symbols, named) = cited_in_can_cu(text);
        let c = &mut self.citations;
        for (symbol, date) in symbols {
            let refs: Vec<_> = record
                .references
                .iter()
                .filter(|r| symbol_key(&r.symbol) == symbol)
                .collect();
            c.symbols.add(!refs.is_empty());
            if refs.is_empty() {
                self.misses
                    .push(format!("{}: cited symbol {symbol} not found", gold.file));
                continue;
            }
            if let Some(date) = date {
                let right = refs
                    .iter()
                    .any(|r| r.date.as_deref() == Some(date.as_str()));
                c.dated.add(right);
                if !right {
                    self.misses.push(format!(
                        "{}: cited symbol {symbol} found without its date {date}",
                        gold.file
                    ));
                }
            }
        }
        for (title, date) in named {
            let right = record
                .named_references
                .iter()
                .any(|n| n.date == date && type_key(&n.title).ends_with(&title));
            c.named.add(right);
            if !right {
                self.misses.push(format!(
                    "{}: law cited by name {title:?} {date} not found",
                    gold.file
                ));
            }
        }
    }

    /// Scores the issue date and the signer's name against what [`printed_issue_date`] and
    /// [`printed_signer`] read in `source`.
    pub fn add_people(&mut self, gold: &GoldDoc, header: &Header, source: &str) {
        let fam = self.families.entry(gold.doc_type.clone()).or_default();
        if let Some(want) = printed_issue_date(source) {
            let right = header.issue_date.as_deref() == Some(want.as_str());
            fam.issue_date.add(right);
            if !right {
                self.misses.push(format!(
                    "{}: issue_date got {:?} want {want:?}",
                    gold.file,
                    header.issue_date.as_deref().unwrap_or("-")
                ));
            }
        }
        if let Some(want) = printed_signer(source) {
            let right = std::iter::once(&header.signer)
                .chain(&header.signers)
                .any(|s| s.name.as_deref() == Some(want.as_str()));
            fam.signer.add(right);
            if !right {
                self.misses.push(format!(
                    "{}: signer got {:?} want {want:?}",
                    gold.file,
                    header.signer.name.as_deref().unwrap_or("-")
                ));
            }
        }
    }

    fn add_header(&mut self, gold: &GoldDoc, header: &Header, printed: bool) {
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
            if printed {
                fam.doc_type_printed.add(right);
            }
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
            t.doc_type_printed.right += f.doc_type_printed.right;
            t.doc_type_printed.scored += f.doc_type_printed.scored;
            t.issue_date.right += f.issue_date.right;
            t.issue_date.scored += f.issue_date.scored;
            t.signer.right += f.signer.right;
            t.signer.scored += f.signer.scored;
        }
        t
    }
}

impl fmt::Display for HeaderReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} {:>5}  {:>16}  {:>16}  {:>16}  {:>16}  {:>16}",
            "family", "docs", "symbol", "doc_type", "type printed", "issue date", "signer"
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
                "{:<20} {:>5}  {:>16}  {:>16}  {:>16}  {:>16}  {:>16}",
                name,
                s.docs,
                cell(&s.symbol),
                cell(&s.doc_type),
                cell(&s.doc_type_printed),
                cell(&s.issue_date),
                cell(&s.signer)
            )?;
        }
        let c = &self.citations;
        if c.symbols.scored + c.named.scored > 0 {
            writeln!(
                f,
                "cited in Căn cứ lines: symbols {}, their dates {}, laws by name and date {}",
                cell(&c.symbols),
                cell(&c.dated),
                cell(&c.named)
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

/// A symbol cited in a `Căn cứ` paragraph and the ISO date printed right after it.
pub type CitedSymbol = (String, Option<String>);
/// A law cited by name in a `Căn cứ` paragraph: its name (marks and case
/// ignored, white space collapsed) and its ISO date.
pub type CitedName = (String, String);

/// What a strict grammar finds in the `Căn cứ` paragraphs of `text` (a paragraph runs from a
/// line that starts with `Căn cứ` to the line that ends with `;`, `.` or `:`): the symbols
/// cited after `số` in the Nghị định 30/2020 forms (`n/yyyy/TYPE-ISSUER`, `n/TYPE-ISSUER`,
/// `n/yyyy/QH15`, Party `n-TYPE/ISSUER`), spaces removed, each with the ISO date printed right
/// after it (`ngày D tháng M năm Y`, `ngày D/M/Y`); and the laws cited by name and date
/// (`Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025`) as (name with marks and case ignored, date).
/// It is written apart from the extractor's grammar so that it checks it.
pub fn cited_in_can_cu(text: &str) -> (Vec<CitedSymbol>, Vec<CitedName>) {
    let re = |s: &str| Regex::new(s).expect("static regex");
    let symbol = re(
        r"\bsố\s+(\d{1,5}(?:/\d{4})?/\p{Lu}[\p{L}]*\d*(?:-\p{Lu}[\p{L}\d]*)*|\d{1,5}-\p{Lu}+/\p{Lu}+)",
    );
    let date =
        re(r"^\s*,?\s*ngày\s+(\d{1,2})(?:\s+tháng\s+(\d{1,2})\s+năm\s+|/(\d{1,2})/)(\d{4})\b");
    let named = re(
        r"(?:^|[\s,;])(?:Bộ luật|Luật|Pháp lệnh)\s+(\p{Lu}[^;:\d]*?)\s+ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})\b",
    );
    let iso = |d: &str, m: &str, y: &str| -> Option<String> {
        let (d, m): (u32, u32) = (d.parse().ok()?, m.parse().ok()?);
        ((1..=31).contains(&d) && (1..=12).contains(&m)).then(|| format!("{y}-{m:02}-{d:02}"))
    };
    let mut symbols = Vec::new();
    let mut names = Vec::new();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with("Căn cứ") {
            i += 1;
            continue;
        }
        let mut para = String::new();
        let mut j = i;
        while j < lines.len() && j < i + 8 {
            para.push_str(lines[j]);
            // A symbol broken after its `-` or `/` (`NĐ-` / `CP`) is one word again.
            if !lines[j].ends_with(['-', '/']) {
                para.push(' ');
            }
            j += 1;
            if lines[j - 1].ends_with([';', '.', ':']) {
                break;
            }
        }
        for c in symbol.captures_iter(&para) {
            let (Some(m), Some(s)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let d = date.captures(&para[m.end()..]).and_then(|d| {
                let month = d.get(2).or(d.get(3))?.as_str();
                iso(&d[1], month, &d[4])
            });
            symbols.push((symbol_key(s.as_str()), d));
        }
        for c in named.captures_iter(&para) {
            if let Some(d) = iso(&c[2], &c[3], &c[4]) {
                names.push((type_key(&c[1]), d));
            }
        }
        i = j;
    }
    (symbols, names)
}

/// The header's part of a document, where its own checks look: the first 6,000 characters
/// (the gazette gold's `symbol_in_header` window).
fn header_part(text: &str) -> &str {
    text.char_indices()
        .nth(6_000)
        .map_or(text, |(i, _)| &text[..i])
}

/// The issue date a strict grammar of its own reads in the header (its first 6,000
/// characters): a line that is nothing but a place and a full date, `Hà Nội, ngày 15 tháng 5
/// năm 2026` (the year may wrap to the next line), as ISO. A blank date (`ngày … tháng …`) is
/// none. Written apart from the extractor's grammar so that it checks it.
pub fn printed_issue_date(text: &str) -> Option<String> {
    let re = Regex::new(
        r"^\s*\p{Lu}[\p{L}\s.\-]*?,\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})\s*$",
    )
    .expect("static regex");
    let lines: Vec<&str> = header_part(text).lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let joined;
        let line = match lines.get(i + 1) {
            Some(n) if n.trim_start().starts_with("năm ") && !l.contains("năm ") => {
                joined = format!("{l} {n}");
                joined.as_str()
            }
            _ => l,
        };
        if let Some(c) = re.captures(line) {
            let (d, m): (u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?);
            if (1..=31).contains(&d) && (1..=12).contains(&m) {
                return Some(format!("{}-{m:02}-{d:02}", &c[3]));
            }
        }
    }
    None
}

/// The signer's name a strict grammar of its own reads: after a line in capitals that names a
/// signing position (`BỘ TRƯỞNG`, `PHÓ THỦ TƯỚNG`, `KT. CHỦ TỊCH`, …), within four lines in
/// capitals and the signature marks (`(Đã ký)`, `[daky]`), a line that is nothing but two to
/// five capitalised words (a mark glued before it, `y]Phạm Thị Thanh Trà`, removed). The first
/// such block of the text. Written apart from the extractor's grammar so that it checks it.
pub fn printed_signer(text: &str) -> Option<String> {
    let re = |s: &str| Regex::new(s).expect("static regex");
    let position = re(
        r"^\s*(?:(?:TM|KT|TL|TUQ|Q)\.\s*)?(?:PHÓ\s+)?(?:BỘ TRƯỞNG|THỨ TRƯỞNG|THỦ TƯỚNG|CHỦ TỊCH|TỔNG KIỂM TOÁN|THỐNG ĐỐC|CHÁNH ÁN|VIỆN TRƯỞNG|TỔNG THƯ KÝ|CHỦ NHIỆM|TỔNG GIÁM ĐỐC|GIÁM ĐỐC|TỔNG THANH TRA|CHÁNH VĂN PHÒNG|CỤC TRƯỞNG)\b",
    );
    let name = re(
        r"^\s*(?:\[?(?:đã\s*)?k?y\]|\]|\(Đã ký\))?\s*(\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+){1,4})\s*$",
    );
    let mark = re(r"^\s*[(\[]?(?:đã ký|Đã ký|daky)[)\]]?\s*$");
    let caps = |l: &str| !l.chars().any(char::is_lowercase);
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if !(position.is_match(l) && caps(l)) {
            continue;
        }
        let mut seen = 0;
        for m in lines[i + 1..].iter().take(11) {
            if m.trim().is_empty() || mark.is_match(m) {
                continue;
            }
            seen += 1;
            if let Some(c) = name.captures(m) {
                return Some(c[1].split_whitespace().collect::<Vec<_>>().join(" "));
            }
            if !caps(m) || seen > 4 {
                break;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::pipeline::Engine;
    use crate::restore::Restorer;
    use std::path::{Path, PathBuf};

    /// The module documentation's example of use.
    #[test]
    fn the_module_example() {
        use crate::eval::header::{GoldDoc, HeaderReport};
        use crate::record::Header;

        let gold: Vec<GoldDoc> = serde_json::from_str(
            r#"[{"file": "a.txt", "doc_type": "Nghị định",
            "symbol": "118/2025/NĐ-CP", "symbol_in_header": true}]"#,
        )
        .unwrap();
        let header = Header {
            symbol: Some("118/2025/NĐ-CP".into()),
            doc_type: Some("NGHỊ ĐỊNH".into()),
            ..Header::default()
        };
        let mut report = HeaderReport::default();
        report.add(&gold[0], &header);
        assert_eq!(report.total().symbol.right, 1);
        assert_eq!(report.total().doc_type.right, 1);
    }

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

    #[test]
    fn strict_citation_grammar() {
        let text = "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;\nCăn cứ Nghị định số 99/2019/NĐ-CP ngày 01 tháng 7 năm 2019 của Chính phủ quy định, được sửa đổi\nbởi Nghị định số 134/2021/NĐ-\nCP;\nCăn cứ Luật Bảo hiểm xã hội số 41/2024/QH15 và Quyết định số 06/QĐ-TTg ngày 06/01/2022;\nCăn cứ Kết luận số 183-KL/TW;\nTheo Thông tư số 01/2020/TT-BTC ngày 02 tháng 3 năm 2020;\n";
        let (symbols, named) = cited_in_can_cu(text);
        let symbols: Vec<(&str, Option<&str>)> = symbols
            .iter()
            .map(|(s, d)| (s.as_str(), d.as_deref()))
            .collect();
        assert_eq!(
            symbols,
            [
                ("99/2019/NĐ-CP", Some("2019-07-01")),
                ("134/2021/NĐ-CP", None),
                ("41/2024/QH15", None),
                ("06/QĐ-TTg", Some("2022-01-06")),
                ("183-KL/TW", None),
            ]
        );
        assert_eq!(
            named,
            [("to chuc chinh phu".to_string(), "2025-02-18".to_string())]
        );
    }

    #[test]
    fn strict_issue_date_and_signer_checks() {
        let dates = [
            (
                "BỘ TÀI CHÍNH\nHà Nội, ngày 15 tháng 5 năm 2026\n",
                Some("2026-05-15"),
            ),
            (
                "Thành phố Hồ Chí Minh, ngày 02 tháng 12\nnăm 2025\n",
                Some("2025-12-02"),
            ),
            // A blank date, a body sentence and a cited document's date are none.
            ("Hà Nội, ngày       tháng      năm 2026\n", None),
            ("có hiệu lực từ ngày 01 tháng 7 năm 2025.\n", None),
            (
                "Thông tư số 06/2022/TT-BTC ngày 08 tháng 02 năm 2022 của Bộ\n",
                None,
            ),
        ];
        for (text, want) in dates {
            assert_eq!(printed_issue_date(text).as_deref(), want, "{text:?}");
        }
        let signers = [
            (
                "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n\n(Đã ký)\n\nNguyễn Đức Chi\n",
                Some("Nguyễn Đức Chi"),
            ),
            (
                "TM. CHÍNH PHỦ\nKT. THỦ TƯỚNG\nPHÓ THỦ TƯỚNG\ny]Phạm Thị Thanh Trà\n",
                Some("Phạm Thị Thanh Trà"),
            ),
            // A form's blank signature, and a sentence naming a position, give none.
            ("GIÁM ĐỐC\n(Ký, ghi rõ họ tên)\n", None),
            ("Bộ trưởng Bộ Tài chính\nNguyễn Văn Thắng\n", None),
        ];
        for (text, want) in signers {
            assert_eq!(printed_signer(text).as_deref(), want, "{text:?}");
        }
    }

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gazette")
    }

    /// The whole pipeline (restore, then extract) on every document of a fixture bundle.
    /// The issue date and the signer are checked against `source` (the bundle the documents
    /// were made from).
    fn measure(bundle: &str, source: &str) -> HeaderReport {
        let gold: Vec<GoldDoc> =
            serde_json::from_slice(&std::fs::read(fixtures().join("gold.json")).unwrap()).unwrap();
        let docs = read_bundle(&std::fs::read_to_string(fixtures().join(bundle)).unwrap()).unwrap();
        let sources =
            read_bundle(&std::fs::read_to_string(fixtures().join(source)).unwrap()).unwrap();
        let engine = Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build());
        let mut report = HeaderReport::default();
        for g in &gold {
            let doc = docs.iter().find(|d| d.id == g.file).unwrap();
            let done = engine
                .process_bytes(Some(&g.file), doc.text.as_bytes(), Default::default())
                .unwrap();
            report.add(g, &done.record.header);
            let src = sources.iter().find(|d| d.id == g.file).unwrap();
            report.add_people(g, &done.record.header, &src.text);
        }
        report
    }

    /// The file-name fallback (`Extractor::header_from_path`, which the engine calls on a
    /// record with a path) on the clean first pages: it types the signature pages whose text
    /// holds no header (the six doc_type misses) and never changes a document whose text
    /// printed its type or symbol.
    #[test]
    fn header_from_path_types_the_headerless_pages() {
        let gold: Vec<GoldDoc> =
            serde_json::from_slice(&std::fs::read(fixtures().join("gold.json")).unwrap()).unwrap();
        let docs =
            read_bundle(&std::fs::read_to_string(fixtures().join("clean.jsonl")).unwrap()).unwrap();
        let engine = Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build());
        let (mut without, mut with) = (HeaderReport::default(), HeaderReport::default());
        let mut filled = 0;
        for g in &gold {
            let doc = docs.iter().find(|d| d.id == g.file).unwrap();
            let process = |path: Option<&str>| {
                engine
                    .process_bytes(path, doc.text.as_bytes(), Default::default())
                    .unwrap()
                    .record
            };
            let (text_alone, r) = (process(None), process(Some(&g.file)));
            without.add(g, &text_alone.header);
            let from_path = r
                .warnings
                .iter()
                .any(|w| w.kind == crate::record::WarningKind::HeaderFromPath);
            if from_path {
                filled += 1;
                let h = &text_alone.header;
                assert!(h.doc_type.is_none() && h.symbol.is_none());
            } else {
                assert_eq!(r.header, text_alone.header, "{}", g.file);
            }
            with.add(g, &r.header);
        }
        let (a, b) = (without.total(), with.total());
        eprintln!(
            "doc_type without {:?} with {:?}; filled {filled}",
            a.doc_type, b.doc_type
        );
        assert_eq!(b.doc_type.right, a.doc_type.right + 6, "{with:#}");
        assert!(b.symbol.right >= a.symbol.right);
        // The six, and a consolidated-text continuation (its type is not scored).
        assert!((6..=8).contains(&filled), "{filled}");
    }

    /// The hand check of the issue date (fixtures/gazette/date_check.tsv) stays true of what
    /// the pipeline extracts today: its `extracted` column is recomputed from the fixture
    /// texts, and its `ok` column from the printed date.
    #[test]
    fn date_check_is_current() {
        let tsv = std::fs::read_to_string(fixtures().join("date_check.tsv")).unwrap();
        let docs =
            read_bundle(&std::fs::read_to_string(fixtures().join("clean.jsonl")).unwrap()).unwrap();
        let engine = Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build());
        let date = Regex::new(r"ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})").unwrap();
        let mut rows = 0;
        for row in tsv.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let cols: Vec<&str> = row.split('\t').collect();
            let [file, printed, extracted, ok] = cols[..] else {
                panic!("bad row {row:?}");
            };
            let doc = docs.iter().find(|d| d.id == file).unwrap();
            let done = engine
                .process_bytes(Some(file), doc.text.as_bytes(), Default::default())
                .unwrap();
            let got = done.record.header.issue_date.unwrap_or_else(|| "-".into());
            assert_eq!(got, extracted, "{file}");
            let want = date.captures(printed).map_or("-".to_string(), |c| {
                format!("{}-{:0>2}-{:0>2}", &c[3], &c[2], &c[1])
            });
            assert_eq!(ok == "yes", want == extracted, "{file}");
            rows += 1;
        }
        assert_eq!(rows, 50);
    }

    /// Regression floors at the measured level less a small margin (see README "Accuracy").
    fn check(report: &HeaderReport, symbol: f64, doc_type: f64, date: f64, signer: f64) {
        let t = report.total();
        assert_eq!(t.docs, 205);
        assert!(
            t.symbol.percent() >= symbol
                && t.doc_type.percent() >= doc_type
                && t.issue_date.percent() >= date
                && t.signer.percent() >= signer,
            "{report:#}"
        );
    }

    #[test]
    fn gazette_clean_first_pages() {
        let r = measure("clean.jsonl", "clean.jsonl");
        // The first 6,000 characters hold the header (150 dates) but few signatures.
        assert!(r.total().issue_date.scored >= 140, "{r:#}");
        check(&r, 99.0, 95.5, 99.0, 90.0);
    }

    #[test]
    fn gazette_ocr_first_pages() {
        let r = measure("ocr.jsonl", "ocr_src.jsonl");
        // Twelve first pages print a signature block (short decisions and decrees).
        assert!(r.total().signer.scored >= 10, "{r:#}");
        check(&r, 98.0, 95.5, 97.0, 90.0);
    }
}
