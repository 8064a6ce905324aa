//! Cited documents: every symbol with a number, typed by the name printed before it
//! (`Kế hoạch số …`) or else by its type code, dated by a date right after it (`… ngày 19/6/2025`)
//! and attributed by `của <agency>` right after that.

use super::agencies::FoundAgency;
use super::dates::FoundDate;
use super::doc::DocTypes;
use super::fold::{fold_str, lower_starts_with, Folded};
use super::symbols::FoundSymbol;

/// A reference (offsets into the restored text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundReference {
    pub start: usize,
    pub end: usize,
    pub doc_type: Option<String>,
    pub symbol: String,
    pub number: Option<String>,
    pub date: Option<String>,
    pub issuer: Option<String>,
}

const OF: &[&str] = &["cua", "ctia", "ciia", "cia", "cda", "eua", "cta"];

/// Builds the references from the symbols, dates and agencies already found.
pub fn build(
    folded: &Folded,
    types: &DocTypes,
    symbols: &[FoundSymbol],
    dates: &[FoundDate],
    agencies: &[FoundAgency],
    own: Option<(usize, usize)>,
) -> Vec<FoundReference> {
    let t = folded.text.as_str();
    let lower = t.to_ascii_lowercase();
    // Folded starts of the dates and agencies (both in text order), so that each symbol looks
    // only at those right after it.
    let date_starts: Vec<usize> = dates.iter().map(|d| folded.folded(d.start)).collect();
    let agency_starts: Vec<usize> = agencies.iter().map(|a| folded.folded(a.start)).collect();
    let mut out = Vec::new();
    for s in symbols {
        if own.is_some_and(|(a, b)| s.start < b && a < s.end) {
            continue;
        }
        let fs = folded.folded(s.start);
        let fe = folded.folded(s.end);
        let mut from = fs.saturating_sub(80);
        while !lower.is_char_boundary(from) {
            from += 1;
        }
        // A law or resolution of the legislature carries no type code (`41/2024/QH15`), and
        // its name comes between the type and the number (`Luật Bảo hiểm xã hội số …`): the
        // last type named before it in the clause types it; never `Công văn`.
        let legislature = s.type_code.is_none() && is_legislature(&s.symbol);
        let doc_type = type_before(&lower[from..fs], types)
            .or_else(|| {
                legislature
                    .then(|| last_type_in(&lower[from..fs], types))
                    .flatten()
            })
            .or_else(|| {
                s.type_code
                    .as_deref()
                    .and_then(|c| types.name_of_code(c))
                    .map(str::to_string)
            })
            .or_else(|| (s.type_code.is_none() && !legislature).then(|| "Công văn".to_string()));
        // A date right after: `, ngày 19/6/2025`.
        let mut after = fe;
        let first = date_starts.partition_point(|&ds| ds < fe);
        let date = date_starts[first..]
            .iter()
            .zip(&dates[first..])
            .take_while(|&(&ds, _)| ds - fe <= 24)
            .find(|&(&ds, _)| {
                let gap =
                    lower[fe..ds].trim_matches(|c: char| c.is_whitespace() || c == ',' || c == ':');
                gap.is_empty() || (gap.starts_with("ng") && gap.len() <= 4)
            })
            .map(|(_, d)| d);
        if let Some(d) = date {
            after = folded.folded(d.end);
        }
        let issuer = issuer_after(&lower, folded, after, agencies, &agency_starts);
        out.push(FoundReference {
            start: s.start,
            end: s.end,
            doc_type,
            symbol: s.symbol.clone(),
            number: Some(s.number.clone()),
            date: date.map(|d| d.iso.clone()),
            issuer,
        });
    }
    out
}

/// A law or code cited by its name and date, with no symbol (offsets into the restored text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundNamed {
    pub start: usize,
    pub end: usize,
    pub doc_type: String,
    pub title: String,
    pub date: String,
}

/// The types cited by name: a law's symbol is often left out, its name and date being unique.
/// Each starts with `B`, `P` or `L` (a unit test checks it): the places a name may start are
/// found with `memchr3`.
const NAMED_TYPES: &[&str] = &["Bộ luật", "Pháp lệnh", "Luật"];

/// Words that never stand in a law's name in lower case: the words of a sentence about a law
/// (`Luật này có hiệu lực thi hành từ ngày …`), not of a citation.
const NOT_IN_A_NAME: &[&str] = &[
    "này", "được", "đã", "từ", "đến", "kể", "trước", "sau", "là", "hiệu", "ngày", "thì", "khi",
    "nếu",
];

/// Laws and codes cited by name and date (`Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm
/// 2025;`): a full date (`ngày D tháng M năm Y` or `ngày D/M/Y`) right after a capitalised name
/// that follows `Luật`, `Bộ luật` or `Pháp lệnh` in the same clause, with no number in between
/// (a cited symbol makes it a [`FoundReference`] instead). `Luật sửa đổi, bổ sung …` names a
/// law too.
pub fn by_name(restored: &str, dates: &[FoundDate]) -> Vec<FoundNamed> {
    let mut out = Vec::new();
    for d in dates {
        if d.iso.len() != 10 || d.iso.starts_with('-') {
            continue;
        }
        // What comes before the date, without its `ngày` and a comma. The citation grammar
        // introduces the date with `ngày` (a bare `12/8/2023` is a table cell's date).
        let before = restored[..d.start].trim_end();
        let before = if lower_starts_with(&fold_str(&d.text), "ngay") {
            before
        } else {
            match before.rsplit_once(char::is_whitespace) {
                Some((head, w)) if fold_str(w).eq_ignore_ascii_case("ngay") => head,
                None if fold_str(before).eq_ignore_ascii_case("ngay") => "",
                _ => continue,
            }
        };
        let before = before.trim_end().trim_end_matches(',').trim_end();
        // A blank line between the name and the date: they are not one citation.
        if restored[before.len()..d.start].matches('\n').count() >= 2 {
            continue;
        }
        // The clause: after the last `;`, `.`, `:` or blank line, at most 400 bytes back.
        let mut from = before.len().saturating_sub(400);
        while !before.is_char_boundary(from) {
            from += 1;
        }
        let window = &before[from..];
        let mut cut = window.rfind([';', '.', ':']).map_or(0, |k| k + 1);
        let mut line_start = 0;
        for (k, line) in window.split_inclusive('\n').enumerate() {
            if k > 0 && line.trim().is_empty() {
                cut = cut.max(line_start + line.len());
            }
            line_start += line.len();
        }
        let clause = &window[cut..];
        let base = from + cut;
        // Every type name starts with `B`, `P` or `L`: only those bytes can start one.
        let found = memchr::memchr3_iter(b'B', b'P', b'L', clause.as_bytes())
            .filter(|&i| {
                !clause[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
            })
            .find_map(|i| {
                let ty = NAMED_TYPES.iter().find(|t| {
                    clause[i..]
                        .strip_prefix(**t)
                        .is_some_and(|r| r.starts_with(char::is_whitespace))
                })?;
                let title = clause[i + ty.len()..]
                    .split_whitespace()
                    .collect::<Vec<_>>();
                let first = title.first()?;
                let named = first.starts_with(char::is_uppercase)
                    || (first.to_lowercase() == "sửa" && title.get(1) == Some(&"đổi,"));
                let sentence = title.iter().any(|w| {
                    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
                    NOT_IN_A_NAME.contains(&w) || w.chars().any(|c| c.is_ascii_digit())
                });
                (named && !sentence && title.len() <= 80).then(|| (i, ty, title.join(" ")))
            });
        if let Some((i, ty, title)) = found {
            out.push(FoundNamed {
                start: base + i,
                end: d.end,
                doc_type: (*ty).to_string(),
                title,
                date: d.iso.clone(),
            });
        }
    }
    out
}

/// Is `symbol` one of the legislature's (`…/QH15`, `…/UBTVQH15`, no type code)?
fn is_legislature(symbol: &str) -> bool {
    let last = symbol.rsplit('/').next().unwrap_or("");
    let code = last.trim_end_matches(|c: char| c.is_ascii_digit());
    (code == "QH" || code == "UBTVQH") && code.len() < last.len()
}

/// The last type name in `lower_before` (folded, lower case) that starts a word, within the
/// clause (after the last `;`).
fn last_type_in(lower_before: &str, types: &DocTypes) -> Option<String> {
    let clause = lower_before.rsplit(';').next().unwrap_or("");
    clause
        .char_indices()
        .filter(|&(i, _)| {
            i == 0
                || !clause[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
        .filter_map(|(i, _)| types.name_at_start(&clause[i..]))
        .next_back()
        .map(|t| t.name.clone())
}

/// The type name printed right before a symbol: `Kế hoạch số`, `Quyết định số:`, `Công văn`.
fn type_before(lower_before: &str, types: &DocTypes) -> Option<String> {
    let mut p = lower_before
        .trim_end()
        .trim_end_matches([':', '.', ','])
        .trim_end();
    // `số` and its OCR readings (s6, sb, so, sé6).
    // The gap may be any whitespace, U+2028 (3 bytes) among them.
    if let Some((i, gap)) = p.char_indices().rev().find(|(_, c)| c.is_whitespace()) {
        let w = &p[i + gap.len_utf8()..];
        if w.starts_with('s') && w.len() <= 3 && w.chars().skip(1).all(|c| c.is_alphanumeric()) {
            p = p[..i].trim_end();
        }
    }
    types.name_at_end(p).map(|t| t.name.clone())
}

/// `của Bộ Chính trị, Ban Bí thư` right after folded offset `at`. `starts` are the agencies'
/// folded starts.
fn issuer_after(
    lower: &str,
    folded: &Folded,
    at: usize,
    agencies: &[FoundAgency],
    starts: &[usize],
) -> Option<String> {
    let rest = lower[at..].trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    let w_end = rest
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(rest.len());
    if !OF.contains(&&rest[..w_end]) {
        return None;
    }
    let mut pos = at + (lower[at..].len() - rest.len()) + w_end;
    let mut names: Vec<&str> = Vec::new();
    let first = starts.partition_point(|&s| s < pos);
    for (&s, a) in starts[first..].iter().zip(&agencies[first..]) {
        if s < pos {
            continue;
        }
        let gap = lower[pos..s].trim();
        let ok = if names.is_empty() {
            gap.is_empty()
        } else {
            gap == "," || gap == "va"
        };
        if !ok {
            break;
        }
        names.push(&a.name);
        pos = folded.folded(a.end);
    }
    (!names.is_empty()).then(|| names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::{agencies::Agencies, dates::Dates, symbols::Symbols};
    use super::*;

    #[test]
    fn named_types_start_with_the_bytes_searched() {
        for t in NAMED_TYPES {
            assert!(t.starts_with(['B', 'P', 'L']), "{t}");
        }
    }

    fn refs(text: &str) -> Vec<FoundReference> {
        let types = DocTypes::new();
        let f = Folded::new(text);
        let syms = Symbols::new(&types).find(&f, text);
        let dates = Dates::new().find(&f, text);
        let ags = Agencies::new().find(&f, text);
        build(&f, &types, &syms, &dates, &ags, None)
    }

    /// (text, the laws cited by name: type, title, date).
    #[test]
    fn laws_cited_by_name_and_date() {
        type Named<'a> = (&'a str, &'a str, &'a str);
        let cases: &[(&str, &[Named])] = &[
            (
                "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;",
                &[("Luật", "Tổ chức Chính phủ", "2025-02-18")],
            ),
            (
                "Căn cứ Bộ luật Lao động ngày 20 tháng 11 năm 2019;\nCăn cứ Pháp lệnh Ưu đãi người có công với cách mạng ngày 09/12/2020;",
                &[
                    ("Bộ luật", "Lao động", "2019-11-20"),
                    ("Pháp lệnh", "Ưu đãi người có công với cách mạng", "2020-12-09"),
                ],
            ),
            // A name wrapped onto the next line; two laws in one clause.
            (
                "Căn cứ Luật Ban hành văn bản quy phạm\npháp luật ngày 19 tháng 02 năm 2025 và Luật sửa đổi, bổ sung một số điều của Luật Chứng khoán, Luật Kế toán ngày 29 tháng 11 năm 2024;",
                &[
                    ("Luật", "Ban hành văn bản quy phạm pháp luật", "2025-02-19"),
                    (
                        "Luật",
                        "sửa đổi, bổ sung một số điều của Luật Chứng khoán, Luật Kế toán",
                        "2024-11-29",
                    ),
                ],
            ),
            // Names with the words of a sentence in them (`theo`, `tại`, `vào`).
            (
                "Căn cứ Luật Đầu tư theo phương thức đối tác công tư ngày 18 tháng 6 năm 2020; Luật Nhập cảnh, xuất cảnh, quá cảnh, cư trú của người nước ngoài tại Việt Nam ngày 16 tháng 6 năm 2014",
                &[
                    ("Luật", "Đầu tư theo phương thức đối tác công tư", "2020-06-18"),
                    (
                        "Luật",
                        "Nhập cảnh, xuất cảnh, quá cảnh, cư trú của người nước ngoài tại Việt Nam",
                        "2014-06-16",
                    ),
                ],
            ),
            // Cited with a symbol: a reference, not a named one.
            (
                "Căn cứ Luật Bảo hiểm xã hội số 41/2024/QH15 ngày 29 tháng 6 năm 2024;",
                &[],
            ),
            // Sentences about a law, and a date with no law before it.
            (
                "Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2025.\nLuật Đất đai được sửa đổi ngày 01 tháng 8 năm 2024.\nHà Nội, ngày 12 tháng 5 năm 2025",
                &[],
            ),
            // A partial date is no citation date; a blank line ends the clause; a table's
            // bare date after a name is not introduced by `ngày`.
            (
                "Luật Đầu tư tháng 6 năm 2020\nCăn cứ Luật Đầu tư\n\nngày 17 tháng 6 năm 2020\nđiều của Luật Quy hoạch\n12/8/2023",
                &[],
            ),
        ];
        for &(text, want) in cases {
            let f = Folded::new(text);
            let dates = Dates::new().find(&f, text);
            let got = by_name(text, &dates);
            let got: Vec<Named> = got
                .iter()
                .map(|n| (n.doc_type.as_str(), n.title.as_str(), n.date.as_str()))
                .collect();
            assert_eq!(got, want, "{text:?}");
            for n in by_name(text, &dates) {
                assert!(text[n.start..n.end].starts_with(n.doc_type.as_str()));
            }
        }
    }

    #[test]
    fn a_multibyte_space_before_the_symbol_is_a_gap() {
        // U+2028 is whitespace of 3 bytes: the word before it starts after all of them.
        let r = refs("Căn cứ \u{2028}\u{2028}41/2024/QH15\u{2028} 13-NQ/TU\u{2028}");
        let got: Vec<_> = r.iter().map(|r| r.symbol.as_str()).collect();
        assert_eq!(got, ["41/2024/QH15", "13-NQ/TU"]);
    }

    #[test]
    fn typed_dated_attributed() {
        let r = refs("Thực hiện Công văn số 25-CV/TU ngày 23/9/2025 của Tỉnh ủy Quảng Ngãi về việc thực hiện Kết luận số 183-KL/TW ngày 01/8/2025 của Bộ Chính trị, Ban Bí thư và Kế hoạch số 02-KH/BCĐTW");
        let got: Vec<_> = r
            .iter()
            .map(|r| {
                (
                    r.doc_type.as_deref(),
                    r.symbol.as_str(),
                    r.date.as_deref(),
                    r.issuer.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("Công văn"),
                    "25-CV/TU",
                    Some("2025-09-23"),
                    Some("Tỉnh ủy Quảng Ngãi")
                ),
                (
                    Some("Kết luận"),
                    "183-KL/TW",
                    Some("2025-08-01"),
                    Some("Bộ Chính trị, Ban Bí thư")
                ),
                (Some("Kế hoạch"), "02-KH/BCĐTW", None, None),
            ]
        );
    }

    #[test]
    fn legislature_symbols_are_typed_by_the_name_before_them() {
        let r = refs("Căn cứ Luật Bảo hiểm xã hội số 41/2024/QH15; Căn cứ Nghị quyết số 142/2024/QH15 của Quốc hội; theo Luật số 84/2025/QH15; 12/2019/QH14");
        let got: Vec<_> = r
            .iter()
            .map(|r| (r.doc_type.as_deref(), r.symbol.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("Luật"), "41/2024/QH15"),
                (Some("Nghị quyết"), "142/2024/QH15"),
                (Some("Luật"), "84/2025/QH15"),
                (None, "12/2019/QH14"),
            ]
        );
        assert_eq!(r[1].issuer.as_deref(), Some("Quốc hội"));
    }

    #[test]
    fn broken_across_lines_and_lists() {
        let r = refs("Quyết định số 06/QĐ-\n\nTTg, ngày 06/01/2022 của Thủ tướng Chính phủ; 4365/UBND-KGVX ngày 30/6/2025; 1044/0D-UBND ngày 26/6/2025");
        let got: Vec<_> = r
            .iter()
            .map(|r| (r.doc_type.as_deref(), r.symbol.as_str(), r.date.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("Quyết định"), "06/QĐ-TTg", Some("2022-01-06")),
                (Some("Công văn"), "4365/UBND-KGVX", Some("2025-06-30")),
                (Some("Quyết định"), "1044/QĐ-UBND", Some("2025-06-26")),
            ]
        );
        assert_eq!(r[0].issuer.as_deref(), Some("Thủ tướng Chính phủ"));
    }
}
