//! The JSON record: what one document says, as data other systems consume.
//!
//! This is a wire format (contract version [`SCHEMA_VERSION`]): field names and meanings are
//! fixed; new optional fields may be added (they bump the minor version). `sohoa schema` prints the JSON Schema generated from
//! these types, and the integration tests deserialize every record with `deny_unknown_fields`,
//! so a renamed field fails the build's tests rather than a consumer's job.
//!
//! Conventions (see `../shared/gold/extract/CONVENTIONS.md`):
//! - dates are ISO: `YYYY-MM-DD`, `YYYY-MM` when the day is blank, `--MM-DD` when no year is known;
//! - document symbols are in their official form with `Đ` where due (`118/2025/NĐ-CP`);
//! - numbers are plain JSON numbers (`26.082` → 26082, `91,15` → 91.15);
//! - `null` means the document does not say.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Number;

/// The version of the record contract written in every record's `schema_version`.
///
/// `MAJOR.MINOR`: the minor number grows when optional fields are added (a consumer of an
/// older minor version reads the record as before: `1.1` added `span.page` and `span.bbox`
/// for hOCR and ALTO input, `1.2` added [`Record::named_references`]), the major number only
/// for a change that breaks consumers.
pub const SCHEMA_VERSION: &str = "1.2";

/// Where something was found: 1-based line of the original input and byte offsets into the
/// original input (restoration keeps lines aligned, so provenance survives cleaning).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// 1-based line number in the original input.
    pub line: usize,
    /// Byte offset (inclusive) into the original input.
    pub start: usize,
    /// Byte offset (exclusive) into the original input.
    pub end: usize,
    /// hOCR and ALTO input only: the 1-based page the item is on (that of its first word).
    /// For such input `line`, `start` and `end` point into the document's text as sohoa
    /// reads it (its words joined by spaces, its lines by line ends, a blank line after
    /// each paragraph), not into the XML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// hOCR and ALTO input only: `[x0, y0, x1, y1]`, the union of the boxes of the words
    /// the item covers, in the document's units (pixels for Tesseract), rounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[i64; 4]>,
}

/// One document's record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The input the record was made from.
    pub source: Source,
    /// The document's own identity (number, type, issuer, date, signer…).
    pub header: Header,
    /// Every citation of another document that has a number or symbol, one per mention.
    pub references: Vec<Reference>,
    /// Laws and codes cited by name and date with no symbol (`Luật Tổ chức Chính phủ ngày 18
    /// tháng 02 năm 2025`), one per mention; since schema `1.2`.
    #[serde(default)]
    pub named_references: Vec<NamedReference>,
    /// Every calendar date or partial date in the text.
    pub dates: Vec<DateMention>,
    /// Every mention of an agency or body, abbreviations expanded.
    pub agencies: Vec<Agency>,
    /// Quantitative statements: counts with units, money, ratios, percentages.
    pub indicators: Vec<Indicator>,
    /// Things a reviewer should look at (inconsistent numbers, doubtful reads).
    pub warnings: Vec<Warning>,
}

/// The input a record was made from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The path as given, or `null` for standard input or a stream record.
    pub path: Option<String>,
    /// SHA-256 of the input bytes, lower-case hex.
    pub sha256: String,
    /// Size of the input in bytes.
    pub bytes: u64,
}

/// The document's own identity, from its Nghị định 30/2020 header and signature block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Full name of the issuing body, abbreviations expanded.
    pub issuer: Option<String>,
    /// The body printed above the issuer, or `null`.
    pub parent_issuer: Option<String>,
    /// Type name as in Nghị định 30/2020 (`Báo cáo`, `Quyết định`…).
    pub doc_type: Option<String>,
    /// The number part as printed (`284`), `null` when left blank.
    pub number: Option<String>,
    /// Number and symbol normalised (`284/BC-UBND`); the symbol part alone when the number is blank.
    pub symbol: Option<String>,
    /// Place name of the date line.
    pub place: Option<String>,
    /// ISO issue date (`YYYY-MM-DD`, or `YYYY-MM` when the day is blank).
    pub issue_date: Option<String>,
    /// The trích yếu (subject), lines joined with single spaces.
    pub title: Option<String>,
    /// The (first) signature block.
    pub signer: Signer,
    /// Every signature block, in order, when the document has several (a joint thông tư
    /// signed by five ministers); empty when it has one or none.
    #[serde(default)]
    pub signers: Vec<Signer>,
    /// Each item of `Nơi nhận` / `Kính gửi`, without list dashes and trailing `;`.
    pub recipients: Vec<String>,
}

/// The signature block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    /// `TM`, `KT`, `TL`, `TUQ`, `Q` or `null`.
    pub authority: Option<String>,
    /// Position in normal case (`Chủ tịch`).
    pub position: Option<String>,
    /// The person's name.
    pub name: Option<String>,
}

/// A cited document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Full type name (`Kế hoạch`), or `null` when the text gives none and the symbol has no code.
    pub doc_type: Option<String>,
    /// Official form of the symbol (`02-KH/BCĐTW`).
    pub symbol: String,
    /// The number part (`02`), when there is one.
    pub number: Option<String>,
    /// ISO date of the cited document when the text gives it right there.
    pub date: Option<String>,
    /// Issuing body when stated in the same sentence.
    pub issuer: Option<String>,
    /// Where the citation is.
    pub span: Span,
}

/// A document cited by its type, name and date, with no symbol: how a decree cites the laws
/// it is based on since the 2025 Law on legal normative documents (`Căn cứ Luật Tổ chức Chính
/// phủ ngày 18 tháng 02 năm 2025;`). Kept apart from [`Reference`], whose symbol is always set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedReference {
    /// The type as cited: `Luật`, `Bộ luật` or `Pháp lệnh`.
    pub doc_type: String,
    /// The name after the type, white space collapsed (`Tổ chức Chính phủ`).
    pub title: String,
    /// ISO date printed right after the name.
    pub date: String,
    /// Where the citation is (type name to date).
    pub span: Span,
}

/// A date in the text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateMention {
    /// The date as printed (restored text).
    pub text: String,
    /// ISO form: `YYYY-MM-DD`, `YYYY-MM` or `--MM-DD`.
    pub iso: String,
    /// Where the date is.
    pub span: Span,
}

/// A mention of an agency or body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Full name, abbreviations expanded (`Ủy ban nhân dân tỉnh Quảng Ngãi`).
    pub name: String,
    /// The abbreviation used in the text, if any (`UBND`).
    pub abbr: Option<String>,
    /// The text as it appears in the (restored) document.
    pub surface: String,
    /// Where the mention is.
    pub span: Span,
}

/// How a figure is qualified in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `trên`, `hơn`: more than
    Gt,
    /// `dưới`: less than
    Lt,
    /// `khoảng`, `gần`: approximately
    Approx,
}

/// A quantitative statement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// The indicator's name as the text gives it (`Tổng số hồ sơ tiếp nhận`).
    pub label: Option<String>,
    /// A plain count or amount (money in đồng: `18.315 triệu đồng` → 18315000000).
    pub value: Option<Number>,
    /// Numerator of a ratio `a/b`.
    pub numerator: Option<Number>,
    /// Denominator of a ratio `a/b`.
    pub denominator: Option<Number>,
    /// A percentage (`6.76%` → 6.76).
    pub percent: Option<Number>,
    /// The unit (`hồ sơ`, `TTHC`, `đồng`).
    pub unit: Option<String>,
    /// `gt`, `lt`, `approx` when the text qualifies the figure.
    pub qualifier: Option<Qualifier>,
    /// Where the statement is.
    pub span: Span,
}

/// Something a reviewer should look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// What the warning is about (`percent_mismatch`, `no_header`…).
    pub kind: WarningKind,
    /// A human-readable explanation.
    pub message: String,
    /// Where, when the warning is about a place in the text.
    pub span: Option<Span>,
}

/// What a [`Warning`] is about: its `kind` in the JSON record, in `snake_case`. New kinds may
/// be added in later versions of the record (consumers should accept unknown ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WarningKind {
    /// No document header (number, type, issuer) was found.
    NoHeader,
    /// A date that cannot exist (`31/02/2025`).
    ImpossibleDate,
    /// A symbol whose number has more than five digits (an OCR misread, usually).
    SymbolNumberTooLong,
    /// A percentage that does not match its numerator and denominator.
    PercentMismatch,
    /// A word longer than any the restorer reads was left as it is.
    NotRestored,
    /// Stray NUL bytes were replaced by spaces.
    NulReplaced,
    /// A list reached the most items a record keeps (10,000); the rest were counted.
    ListTruncated,
    /// Extraction failed on part of the text (a bug, caught); its findings are missing.
    InternalError,
    /// The text was not processed (binary or UTF-16 content given to
    /// [`Engine::process`](crate::Engine::process)); it is returned unchanged.
    NotProcessed,
    /// The text prints neither a type line nor a number line, and the header's type and
    /// symbol were read from the file name (`nghi-quyet-so-115-nq-cp-469452.txt`). Added in
    /// schema 1.2 as a compatible addition: a new kind, no field changed.
    HeaderFromPath,
}

/// Why an input has no record: the `kind` of an [`ErrorInfo`], in `snake_case`. New kinds may
/// be added in later versions of the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not UTF-8 (the message gives the byte offset).
    InvalidUtf8,
    /// UTF-16 text.
    Utf16,
    /// NUL bytes, more than a text has by accident.
    Binary,
    /// The input could not be read.
    Io,
    /// The output could not be written.
    Output,
    /// The batch walk refused the entry (a dangling symlink, a FIFO…) without opening it.
    Refused,
    /// A bug met on this input (caught).
    Internal,
    /// A `sohoa pipe` line that is not a request (`text` missing or not a string).
    BadJson,
    /// A `sohoa pipe` line longer than `--max-line-bytes`, or an hOCR/ALTO document larger
    /// than sohoa reads (64 MiB).
    TooLarge,
    /// An hOCR/ALTO document in another encoding than UTF-8 (or not valid UTF-8).
    Encoding,
    /// An hOCR/ALTO document that is not well-formed XML, or declares entities.
    BadXml,
}

macro_rules! kind_names {
    ($t:ty { $($v:ident => $s:literal,)* }) => {
        impl $t {
            /// The kind's name in the JSON record.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(<$t>::$v => $s,)*
                }
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

kind_names!(WarningKind {
    NoHeader => "no_header",
    ImpossibleDate => "impossible_date",
    SymbolNumberTooLong => "symbol_number_too_long",
    PercentMismatch => "percent_mismatch",
    NotRestored => "not_restored",
    NulReplaced => "nul_replaced",
    ListTruncated => "list_truncated",
    InternalError => "internal_error",
    NotProcessed => "not_processed",
    HeaderFromPath => "header_from_path",
});

kind_names!(ErrorKind {
    InvalidUtf8 => "invalid_utf8",
    Utf16 => "utf16",
    Binary => "binary",
    Io => "io",
    Output => "output",
    Refused => "refused",
    Internal => "internal",
    BadJson => "bad_json",
    TooLarge => "too_large",
    Encoding => "encoding",
    BadXml => "bad_xml",
});

/// What is written instead of a record when an input could not be processed, so that nothing
/// is lost silently: `{"source": {...}, "error": {"kind", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorRecord {
    /// The input.
    pub source: Source,
    /// Why it has no record.
    pub error: ErrorInfo,
}

/// A machine-readable error kind and a human message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorInfo {
    /// `invalid_utf8`, `binary`, `io`, `too_large`, `bad_json`…
    pub kind: ErrorKind,
    /// A human-readable explanation (what the command line prints).
    pub message: String,
}

impl Span {
    /// The span moved `lines` lines and `bytes` bytes further into the document.
    #[doc(hidden)]
    pub fn shifted(self, lines: usize, bytes: usize) -> Span {
        Span {
            line: self.line + lines,
            start: self.start + bytes,
            end: self.end + bytes,
            ..self
        }
    }
}

/// The most items a record keeps in each of its lists. A real report mentions a few hundred
/// dates or indicators; an input with more is a dump of many documents (a 1 GB file), and
/// keeping all of them would make memory grow with the input. What is left out is counted and
/// reported in a `list_truncated` warning, never dropped silently.
pub const MAX_ITEMS: usize = 10_000;

/// Items left out of each list of a record by [`Record::cap_lists`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeftOut {
    pub references: u64,
    pub named_references: u64,
    pub dates: u64,
    pub agencies: u64,
    pub indicators: u64,
    pub warnings: u64,
}

/// Truncates `v` to `max` items and adds how many were cut to `count`.
fn cap<T>(v: &mut Vec<T>, max: usize, count: &mut u64) {
    if v.len() > max {
        *count += (v.len() - max) as u64;
        v.truncate(max);
    }
}

impl Record {
    /// Applies `f` to every span of the record (header fields carry none).
    #[doc(hidden)]
    pub fn map_spans(&mut self, f: impl Fn(Span) -> Span) {
        for r in &mut self.references {
            r.span = f(r.span);
        }
        for r in &mut self.named_references {
            r.span = f(r.span);
        }
        for d in &mut self.dates {
            d.span = f(d.span);
        }
        for a in &mut self.agencies {
            a.span = f(a.span);
        }
        for i in &mut self.indicators {
            i.span = f(i.span);
        }
        for w in &mut self.warnings {
            w.span = w.span.map(&f);
        }
    }

    /// Keeps the first `max` items of each list (in document order), counting the rest in
    /// `left_out`.
    #[doc(hidden)]
    pub fn cap_lists(&mut self, max: usize, left_out: &mut LeftOut) {
        cap(&mut self.references, max, &mut left_out.references);
        cap(
            &mut self.named_references,
            max,
            &mut left_out.named_references,
        );
        cap(&mut self.dates, max, &mut left_out.dates);
        cap(&mut self.agencies, max, &mut left_out.agencies);
        cap(&mut self.indicators, max, &mut left_out.indicators);
        cap(&mut self.warnings, max, &mut left_out.warnings);
    }

    /// Adds one `list_truncated` warning for each list that [`cap_lists`](Self::cap_lists)
    /// shortened.
    #[doc(hidden)]
    pub fn report_left_out(&mut self, max: usize, left_out: &LeftOut) {
        for (list, n) in [
            ("references", left_out.references),
            ("named references", left_out.named_references),
            ("dates", left_out.dates),
            ("agencies", left_out.agencies),
            ("indicators", left_out.indicators),
            ("warnings", left_out.warnings),
        ] {
            if n > 0 {
                self.warnings.push(Warning {
                    kind: WarningKind::ListTruncated,
                    message: format!(
                        "{n} more {list} were found after the first {max}; a record keeps at most {max} of each"
                    ),
                    span: None,
                });
            }
        }
    }

    /// Appends what a later chunk of the same document says; the chunk's text starts after
    /// `lines` line ends and `bytes` bytes of the document. The header stays the first chunk's:
    /// a header is at the top of a document.
    #[doc(hidden)]
    pub fn append_chunk(&mut self, other: Record, lines: usize, bytes: usize) {
        let sh = |s: Span| s.shifted(lines, bytes);
        self.references
            .extend(other.references.into_iter().map(|r| Reference {
                span: sh(r.span),
                ..r
            }));
        self.named_references
            .extend(other.named_references.into_iter().map(|r| NamedReference {
                span: sh(r.span),
                ..r
            }));
        self.dates
            .extend(other.dates.into_iter().map(|d| DateMention {
                span: sh(d.span),
                ..d
            }));
        self.agencies
            .extend(other.agencies.into_iter().map(|a| Agency {
                span: sh(a.span),
                ..a
            }));
        self.indicators
            .extend(other.indicators.into_iter().map(|i| Indicator {
                span: sh(i.span),
                ..i
            }));
        self.warnings
            .extend(other.warnings.into_iter().map(|w| Warning {
                span: w.span.map(sh),
                ..w
            }));
    }
    /// An empty record for `source` (what an empty document yields).
    pub fn empty(source: Source) -> Record {
        Record {
            schema_version: SCHEMA_VERSION.to_string(),
            source,
            ..Record::default()
        }
    }
}

/// The JSON Schema of [`Record`], as printed by `sohoa schema`.
pub fn schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Record);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_capped_and_the_rest_is_counted_in_a_warning() {
        let mut r = Record::empty(Source::default());
        r.dates = vec![DateMention::default(); 7];
        r.indicators = vec![Indicator::default(); 3];
        let mut left = LeftOut::default();
        r.cap_lists(5, &mut left);
        r.dates.extend(vec![DateMention::default(); 4]);
        r.cap_lists(5, &mut left);
        assert_eq!((r.dates.len(), r.indicators.len()), (5, 3));
        assert_eq!(
            left,
            LeftOut {
                dates: 6,
                ..LeftOut::default()
            }
        );
        r.report_left_out(5, &left);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].kind, "list_truncated");
        assert!(
            r.warnings[0].message.starts_with("6 more dates"),
            "{}",
            r.warnings[0].message
        );
    }

    #[test]
    fn empty_record_round_trips_strictly() {
        let r = Record::empty(Source {
            path: Some("a.txt".into()),
            sha256: "00".into(),
            bytes: 0,
        });
        let json = serde_json::to_string(&r).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert!(json.starts_with(r#"{"schema_version":"1.2","source":"#));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let bad = r#"{"line":1,"start":0,"end":1,"col":3}"#;
        assert!(serde_json::from_str::<Span>(bad).is_err());
    }

    #[test]
    fn schema_names_the_contract_fields() {
        let s = schema().to_string();
        for field in [
            "schema_version",
            "header",
            "references",
            "dates",
            "agencies",
            "indicators",
        ] {
            assert!(s.contains(field), "{field}");
        }
    }
}
