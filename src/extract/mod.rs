//! Extraction: what a restored report says, as a [`Record`].
//!
//! The [`Extractor`] is built once (tables embedded from `dictionaries/`, regexes and the
//! aho-corasick gazetteer compiled in [`Extractor::new`]) and shared by reference across workers.
//! It reads the restored text, but every keyword rule runs on a diacritic-folded copy and every
//! code is repaired by classes of confusable glyphs, so residual OCR damage is tolerated. Spans
//! are mapped back to the original input through the restorer's [`OffsetMap`].
//!
//! Parts: [`doc`] (type names), [`symbols`] (số/ký hiệu grammar), [`dates`], [`numbers`],
//! [`agencies`] (gazetteer), [`header`] (Nghị định 30/2020 layout), [`references`],
//! [`indicators`], and [`eval`] (scores against gold records).
//!
//! An example of use is the unit test `tests::the_module_example` (an internal module keeps
//! its example as a unit test: every doctest links the whole crate, model included).

pub mod agencies;
pub mod dates;
pub mod doc;
pub mod eval;
pub mod fold;
pub mod header;
pub mod indicators;
pub mod line_runs;
pub mod numbers;
pub mod path_header;
pub mod references;
pub mod symbols;

use crate::offsets::{OffsetMap, Segment};
use crate::record::{
    Agency, DateMention, Indicator, NamedReference, Record, Reference, Source, Span, Warning,
    WarningKind,
};

/// The built extractor (immutable, `Send + Sync`).
#[derive(Clone, Debug)]
pub struct Extractor {
    types: doc::DocTypes,
    symbols: symbols::Symbols,
    dates: dates::Dates,
    agencies: agencies::Agencies,
    header: header::HeaderRules,
    indicators: indicators::Indicators,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor::new()
    }
}

/// Maps restored offsets to original spans.
struct Spans<'a> {
    original: &'a str,
    map: &'a OffsetMap,
    line_starts: Vec<usize>,
}

impl Spans<'_> {
    fn span(&self, r_start: usize, r_end: usize) -> Span {
        let n = self.original.len();
        let start = self.map.to_original(r_start).min(n);
        let end = self.map.to_original(r_end).clamp(start, n);
        let line = self.line_starts.partition_point(|&s| s <= start);
        Span {
            line,
            start,
            end,
            ..Span::default()
        }
    }
}

impl Extractor {
    pub fn new() -> Extractor {
        let types = doc::DocTypes::new();
        Extractor {
            symbols: symbols::Symbols::new(&types),
            types,
            dates: dates::Dates::new(),
            agencies: agencies::Agencies::new(),
            header: header::HeaderRules::new(),
            indicators: indicators::Indicators::new(),
        }
    }

    /// Reads the header's type and symbol from the record's `source.path` when — and only
    /// when — its text yielded neither a type nor a symbol (a signature page, a gazette
    /// continuation: archives name files by the symbol, `nghi-quyet-so-115-nq-cp-469452.txt`,
    /// `123-QD-UBND.pdf.txt`), with a `header_from_path` warning so it is never silent. Never
    /// overrides what the text printed. It runs on the whole record, after the source is set
    /// (the chunks are extracted without it). Returns whether the header was filled.
    pub fn header_from_path(&self, record: &mut Record) -> bool {
        let h = &record.header;
        if h.doc_type.is_some() || h.symbol.is_some() {
            return false;
        }
        let Some(p) = record
            .source
            .path
            .as_deref()
            .and_then(|p| path_header::read(p, &self.types, &self.symbols))
        else {
            return false;
        };
        record.warnings.push(Warning {
            kind: WarningKind::HeaderFromPath,
            message: format!(
                "the text prints no header: type {} and symbol {} read from the file name",
                p.doc_type.as_deref().unwrap_or("-"),
                p.symbol.as_deref().unwrap_or("-")
            ),
            span: None,
        });
        record.header.doc_type = p.doc_type;
        record.header.number = p.number;
        record.header.symbol = p.symbol;
        true
    }

    /// Extracts the record of one document. `restored` must be line-aligned with `original`
    /// and `map` must map its byte offsets to `original`'s.
    pub fn extract(
        &self,
        original: &str,
        restored: &str,
        map: &OffsetMap,
        source: Source,
    ) -> Record {
        let mut record = Record::empty(source);
        let spans = Spans {
            original,
            map,
            line_starts: std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', original.as_bytes()).map(|i| i + 1))
                .collect(),
        };
        let folded = fold::Folded::new(restored);
        let found_agencies = self.agencies.find(&folded, restored);
        let (header, zones) = self.header.extract_from(
            original,
            restored,
            &folded,
            &self.agencies,
            &found_agencies,
            &self.types,
            &self.symbols,
        );
        let (found_dates, impossible) = self.dates.find_all(&folded, restored);
        let found_symbols = self.symbols.find(&folded, restored);
        let refs = references::build(
            &folded,
            &self.types,
            &found_symbols,
            &found_dates,
            &found_agencies,
            zones.own_symbol,
        );
        let named = references::by_name(restored, &found_dates);
        let mut excluded: Vec<(usize, usize)> = found_dates
            .iter()
            .map(|d| (d.start, d.end))
            .chain(found_symbols.iter().map(|s| (s.start, s.end)))
            .chain(zones.own_symbol)
            .map(|(s, e)| (folded.folded(s), folded.folded(e)))
            .collect();
        // Impossible dates (`31/02/2025`) are neither dates nor ratios: excluded, and warned.
        excluded.extend(
            impossible
                .iter()
                .map(|&(s, e)| (folded.folded(s), folded.folded(e))),
        );
        excluded.sort_unstable();
        let inds = self.indicators.find(&folded, restored, &excluded);

        if header.doc_type.is_none() && header.issuer.is_none() && !restored.trim().is_empty() {
            record.warnings.push(Warning {
                kind: WarningKind::NoHeader,
                message: "no document header (issuer, type) was recognised".into(),
                span: None,
            });
        }
        for &(s, e) in &impossible {
            record.warnings.push(Warning {
                kind: WarningKind::ImpossibleDate,
                message: format!("{:?} is not a calendar date", &restored[s..e]),
                span: Some(spans.span(s, e)),
            });
        }
        for (s, e) in self.symbols.overlong(&folded, restored) {
            record.warnings.push(Warning {
                kind: WarningKind::SymbolNumberTooLong,
                message: format!(
                    "{:?} has a number of more than five digits: not read as a symbol",
                    &restored[s..e]
                ),
                span: Some(spans.span(s, e)),
            });
        }
        record.header = header;
        record.references = refs
            .into_iter()
            .map(|r| Reference {
                doc_type: r.doc_type,
                symbol: r.symbol,
                number: r.number,
                date: r.date,
                issuer: r.issuer,
                span: spans.span(r.start, r.end),
            })
            .collect();
        record.named_references = named
            .into_iter()
            .map(|n| NamedReference {
                doc_type: n.doc_type,
                title: n.title,
                date: n.date,
                span: spans.span(n.start, n.end),
            })
            .collect();
        record.dates = found_dates
            .into_iter()
            .map(|d| DateMention {
                text: d.text,
                iso: d.iso,
                span: spans.span(d.start, d.end),
            })
            .collect();
        record.agencies = found_agencies
            .into_iter()
            .map(|a| Agency {
                name: a.name,
                abbr: a.abbr,
                surface: a.surface,
                span: spans.span(a.start, a.end),
            })
            .collect();
        for i in inds {
            let span = spans.span(i.start, i.end);
            if let (Some(a), Some(b), Some(p)) = (i.numerator, i.denominator, i.percent) {
                if b > 0.0 {
                    let r = 100.0 * a / b;
                    if (r - p).abs() > 0.6_f64.max(p * 0.01) {
                        record.warnings.push(Warning {
                            kind: WarningKind::PercentMismatch,
                            message: format!("{a}/{b} is {r:.2}% but the text says {p}%"),
                            span: Some(span),
                        });
                    }
                }
            }
            record.indicators.push(Indicator {
                label: i.label,
                value: i.value.and_then(numbers::json),
                numerator: i.numerator.and_then(numbers::json),
                denominator: i.denominator.and_then(numbers::json),
                percent: i.percent.and_then(numbers::json),
                unit: i.unit,
                qualifier: i.qualifier,
                span,
            });
        }
        record
    }
}

/// An offset map for a line-aligned restoration given without its map (gold files): tokens
/// are aligned when a line has as many as its original, else the whole line is one segment.
pub fn line_map(original: &str, restored: &str) -> OffsetMap {
    let mut map = OffsetMap::identity();
    let (mut o, mut r) = (0, 0);
    for (ol, rl) in original.split('\n').zip(restored.split('\n')) {
        if ol != rl {
            let ot = tokens(ol);
            let rt = tokens(rl);
            if ot.len() == rt.len() {
                for ((os, oe), (rs, re)) in ot.into_iter().zip(rt) {
                    if ol[os..oe] != rl[rs..re] {
                        map.push(Segment {
                            o_start: o + os,
                            o_end: o + oe,
                            r_start: r + rs,
                            r_end: r + re,
                        });
                    }
                }
            } else {
                map.push(Segment {
                    o_start: o,
                    o_end: o + ol.len(),
                    r_start: r,
                    r_end: r + rl.len(),
                });
            }
        }
        o += ol.len() + 1;
        r += rl.len() + 1;
    }
    map
}

/// Byte ranges of the white-space separated tokens of `s`.
fn tokens(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(b)) => {
                out.push((b, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(b) = start {
        out.push((b, s.len()));
    }
    out
}

#[cfg(test)]
mod tests;
