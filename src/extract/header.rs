//! The document's own identity from its Nghị định 30/2020 layout: issuer block (with the parent
//! body above it), Quốc hiệu, `Số:`, place-and-date line, type line and trích yếu, signature
//! block (`TM.`/`KT.`/`TL.`) and `Nơi nhận:`. OCR often flattens the two header columns into one
//! line, so each cue is searched inside lines, not only at their start.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use super::agencies::{Agencies, FoundAgency};
use super::dates;
use super::doc::DocTypes;
use super::fold::{fold_str, lower_starts_with, Folded};
use super::line_runs::lines as lines_of;
use super::symbols::Symbols;
use crate::record::{Header, Signer};

/// Where the header's own parts lie (restored byte ranges), so the body rules can skip them.
#[derive(Clone, Debug, Default)]
pub struct HeaderZones {
    /// The `Số:` line's symbol range.
    pub own_symbol: Option<(usize, usize)>,
}

/// Compiled header patterns.
#[derive(Clone, Debug)]
pub struct HeaderRules {
    so: Regex,
    date_line: Regex,
    authority: Regex,
    /// Folded lower-case family names, sorted.
    surnames: Vec<String>,
    /// The family names as printed, by their folded lower-case form (the commonest first).
    surname_forms: Vec<(String, String)>,
    /// The given-name list: (folded lower-case form, printed form, weight), sorted by folded
    /// form, the heaviest first within one.
    given: Vec<(String, String, u32)>,
    /// The Quốc hiệu's words, ASCII case ignored (searched in every line of a header block).
    quoc_hieu: AhoCorasick,
    /// A consolidated text's attestation (`XÁC THỰC` / `XÁC NHẬN`, `VĂN BẢN HỢP NHẤT`), ASCII
    /// case ignored (searched in every line of a document's middle).
    attestation: AhoCorasick,
}

/// The words of a consolidated text's attestation: either of the first two, and the third.
const ATTESTATION: [&str; 3] = ["XAC THUC", "XAC NHAN", "VAN BAN HOP NHAT"];

/// A searcher for `words` with ASCII case ignored, leftmost match first.
fn ascii_ci(words: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(words)
        .expect("static patterns")
}

const SURNAMES: &str = include_str!("../../dictionaries/surnames.tsv");
/// Given-name syllables with their weights (tools/given-names.py).
const GIVEN_NAMES: &str = include_str!("../../dictionaries/given_names.tsv");

/// How much text after a `Số:` cue the symbol grammar reads: far more than the longest symbol
/// and the line break a symbol may wrap over.
const SYMBOL_WINDOW: usize = 400;

/// The document's own symbol as read after its `Số:` cue.
struct OwnSymbol {
    symbol: String,
    number: Option<String>,
    type_code: Option<String>,
    /// Restored offset of its end.
    end: usize,
}

/// One line of the restored text and its folded form (the same line of the folded text).
struct Line<'a> {
    start: usize,
    /// The offset of `folded` in the folded text.
    fstart: usize,
    text: &'a str,
    folded: &'a str,
    /// The same line of the input (the OCR'd text), or `text` itself.
    original: &'a str,
}

impl Line<'_> {
    fn blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `PHÓ CHỦ TỊCH` → `Phó Chủ tịch`.
fn position_case(s: &str) -> String {
    let lower = collapse(s).to_lowercase();
    let mut out = String::new();
    let mut cap_next = true;
    for w in lower.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        if cap_next {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push_str(w);
        }
        cap_next = fold_str(w) == "pho";
    }
    out
}

impl HeaderRules {
    pub fn new() -> HeaderRules {
        let re = |s: &str| Regex::new(s).expect("static regex");
        HeaderRules {
            // Số: 284/BC-UBND (OCR: S6:, Sb:, So:)
            // `Số:` (OCR: `S6:`, `Sb:`, `$6:`, `§6:`, `Số;`), `Số 12/…` with no colon, and a
            // type name before a lower-case `số:` (`Luật số:`, `Nghị quyết số:`, `Lệnh số:`).
            // Never the gazette's page furniture `CÔNG BÁO/Số 851 + 852/Ngày …` (after `/`).
            so: re(
                r"(?:^|\s)(?:(?P<tn>[A-Z][a-z]*(?:[ \t]+[a-z]+){0,3})[ \t]+s[o06][ \t]*[:;]|[S$§](?:[o06bOeE]{1,2}[ \t]*[:;.]|[o06bOeE][ \t]+[0-9/]))",
            ),
            date_line: re(
                r"(?i),?[ \t]*ng[a-z]y[ \t]+(\d{1,2}|[ \t./…]*)[ \t]*th[a-z]ng[ \t]+(\d{1,2}|[ \t./…]*)[ \t,]*n[a-z]m[ \t]+(\d{4})",
            ),
            authority: re(r"(?:^|[\s;.])(TM|KT|TL|TUQ|Q)\.[ \t]*"),
            surnames: {
                let mut v: Vec<String> = SURNAMES
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                    .map(|l| fold_str(l.trim()).to_lowercase())
                    .collect();
                v.sort();
                v.dedup();
                v
            },
            surname_forms: {
                let mut v: Vec<(String, String)> = SURNAMES
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                    .map(|l| (fold_str(l.trim()).to_lowercase(), l.trim().to_string()))
                    .collect();
                // Stable: the file lists the commonest family names first.
                v.sort_by(|a, b| a.0.cmp(&b.0));
                v
            },
            given: {
                let mut v: Vec<(String, String, u32)> = GIVEN_NAMES
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .filter_map(|l| {
                        let (name, weight) = l.split_once('\t')?;
                        Some((
                            fold_str(name).to_lowercase(),
                            name.to_string(),
                            weight.trim().parse().ok()?,
                        ))
                    })
                    .collect();
                v.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)));
                v
            },
            quoc_hieu: ascii_ci(&["CONG HOA", "XA HOI CHU NGHIA", "DOC LAP", "DOC 1AP"]),
            attestation: ascii_ci(&ATTESTATION),
        }
    }

    /// The lines from `from` on that hold the words of an attestation block (`XÁC THỰC` or
    /// `XÁC NHẬN`, and `VĂN BẢN HỢP NHẤT`), in order. The lines are searched as one haystack:
    /// no word holds a line break, so the matches are those of each line searched alone.
    fn attestation_lines(&self, folded: &str, lines: &[Line], from: usize) -> Vec<usize> {
        let (Some(first), Some(last)) = (lines.get(from), lines.last()) else {
            return Vec::new();
        };
        let (start, end) = (first.fstart, last.fstart + last.folded.len());
        let mut out = Vec::new();
        let mut line = None;
        let mut seen = [false; ATTESTATION.len()];
        let attests = |seen: &[bool; ATTESTATION.len()]| (seen[0] || seen[1]) && seen[2];
        for m in self.attestation.find_iter(&folded[start..end]) {
            let at = start + m.start();
            let i = lines.partition_point(|l| l.fstart <= at) - 1;
            if line != Some(i) {
                if let Some(prev) = line.filter(|_| attests(&seen)) {
                    out.push(prev);
                }
                line = Some(i);
                seen = [false; ATTESTATION.len()];
            }
            seen[m.pattern().as_usize()] = true;
        }
        if let Some(prev) = line.filter(|_| attests(&seen)) {
            out.push(prev);
        }
        out
    }

    /// `found` are the agencies of the whole text (`agencies.find(folded, restored)`).
    pub fn extract(
        &self,
        restored: &str,
        folded: &Folded,
        agencies: &Agencies,
        found: &[FoundAgency],
        types: &DocTypes,
        symbols: &Symbols,
    ) -> (Header, HeaderZones) {
        self.extract_from(restored, restored, folded, agencies, found, types, symbols)
    }

    /// As [`HeaderRules::extract`], with the `original` text `restored` was made from (line
    /// aligned): the signer's name is read from both, as a name ([`HeaderRules::read_name`]).
    #[allow(clippy::too_many_arguments)]
    pub fn extract_from(
        &self,
        original: &str,
        restored: &str,
        folded: &Folded,
        agencies: &Agencies,
        found: &[FoundAgency],
        types: &DocTypes,
        symbols: &Symbols,
    ) -> (Header, HeaderZones) {
        let mut lines = Vec::new();
        let (mut pos, mut fpos) = (0, 0);
        let mut originals = lines_of(original);
        // Folding keeps every line break and maps no other char to one, so the lines pair up.
        for (text, folded) in lines_of(restored).zip(lines_of(&folded.text)) {
            lines.push(Line {
                start: pos,
                fstart: fpos,
                text,
                folded,
                original: originals.next().unwrap_or(text),
            });
            pos += text.len() + 1;
            fpos += folded.len() + 1;
        }
        let mut h = Header::default();
        let mut zones = HeaderZones::default();
        // The header is on the first page, but a gazette's text layer may put the page's body
        // before it: look through the first 12,000 bytes (about two pages).
        let top = lines
            .iter()
            .position(|l| l.start > 12_000)
            .unwrap_or(lines.len())
            .clamp(lines.len().min(40), lines.len());

        // Số line
        let mut so_line = None;
        let mut own_type = None;
        // A consolidated text (VBHN) prints its own number in the attestation block at its
        // end: when the top has no number line, the last 12,000 bytes are searched too.
        let tail = lines
            .iter()
            .position(|l| l.start + 12_000 > restored.len())
            .unwrap_or(lines.len())
            .max(top);
        // Its attestation block (`XÁC THỰC VĂN BẢN HỢP NHẤT`, the number line just above it)
        // may also stand mid-file, before the appended footnotes and gazette pages.
        let attested: Vec<usize> = self
            .attestation_lines(&folded.text, &lines[..tail], top)
            .into_iter()
            .flat_map(|i| i.saturating_sub(6)..(i + 3).min(tail))
            .collect();
        'lines: for i in (0..top).chain(attested).chain(tail..lines.len()) {
            let l = &lines[i];
            for c in self.so.captures_iter(l.folded) {
                let cue = c.get(0).map_or(0..0, |m| m.range());
                // `Luật số:`, `Nghị quyết số:`: the words before a lower-case `số` must name a
                // document type, or this is a sentence that mentions a number.
                if let Some(tn) = c.name("tn") {
                    let name = tn.as_str().to_lowercase();
                    if types
                        .name_at_start(&name)
                        .is_none_or(|t| t.folded.len() != name.len())
                    {
                        continue;
                    }
                }
                // The no-colon form `Số 12/…` matched the number's first character too.
                let mut after = cue.end;
                if l.folded[..after].ends_with(|c: char| c.is_ascii_digit() || c == '/') {
                    after -= 1;
                }
                let rest = &l.folded[after..];
                let pad = rest.len() - rest.trim_start().len();
                let at = l.start + byte_of(l.text, after + pad);
                let Some(own) = self.own_symbol(restored, at, symbols) else {
                    continue;
                };
                // A cited document carries its date right after its symbol (`SỐ 90/QĐ-TTg NGÀY
                // 18/01/2022` in a title); the document's own number line never does.
                let next_word = restored[own.end..]
                    .split(|c: char| !c.is_alphanumeric())
                    .find(|w| !w.is_empty())
                    .map(|w| fold_str(w).to_lowercase());
                if next_word.as_deref() == Some("ngay") {
                    continue;
                }
                h.number = own.number;
                h.symbol = Some(own.symbol);
                own_type = own.type_code;
                zones.own_symbol = Some((l.start + byte_of(l.text, cue.start), own.end));
                so_line = Some(i);
                break 'lines;
            }
        }

        // Quốc hiệu, and the issuer block to the left of / above it.
        // Leftmost: where the first of its words starts.
        let qh = |f: &str| self.quoc_hieu.find(f).map(|m| m.start());
        // The Quốc hiệu that goes with the Số line (its column neighbour), else the first.
        let qh_line = so_line
            .and_then(|so| {
                (so.saturating_sub(8)..(so + 8).min(lines.len()))
                    .find(|&i| qh(lines[i].folded).is_some())
            })
            .or_else(|| lines[..top].iter().position(|l| qh(l.folded).is_some()));
        let block_end = so_line
            .or(qh_line.map(|q| q + 3))
            .unwrap_or(0)
            .min(lines.len());
        let block_start = so_line
            .or(qh_line)
            .map_or(0, |a| a.saturating_sub(8))
            .min(block_end);
        let mut bodies: Vec<String> = Vec::new();
        if qh_line.is_some() || so_line.is_some() {
            for l in &lines[block_start..block_end] {
                if furniture(l.folded) {
                    continue;
                }
                let cut = qh(l.folded).map_or(l.text.len(), |k| byte_of(l.text, k));
                // The issuer column is in capitals: keep its leading run of all-caps words
                // (a damaged Quốc hiệu such as `DPjc 1ap` ends it).
                let seg = collapse(&l.text[..cut]);
                let seg = seg
                    .split(' ')
                    .take_while(|w| !w.chars().any(char::is_lowercase))
                    .collect::<Vec<_>>()
                    .join(" ");
                let seg = seg
                    .trim_end_matches(|c: char| !c.is_alphanumeric())
                    .to_string();
                if seg.chars().filter(|c| c.is_alphabetic()).count() < 3 {
                    continue;
                }
                let f = Folded::new(&seg);
                let lower = f.text.to_lowercase();
                // A type line (`VĂN BẢN HỢP NHẤT`) or the attestation of a consolidated text
                // is never an issuer.
                if types.name_at_start(&lower).is_some()
                    || lower.starts_with("xac thuc")
                    || lower.starts_with("xac nhan")
                {
                    continue;
                }
                // A body starts with a known agency or with the head word of a body's name
                // (`BỘ …`, `SỞ …`: the gazetteer does not list every ministry and department);
                // `TỈNH …`, `XÃ …` continue the line above (`UBND` / `TỈNH QUẢNG NGÃI`).
                let head = lower.split(' ').next().unwrap_or("");
                let starts_body = agencies
                    .find(&f, &seg)
                    .first()
                    .is_some_and(|a| a.start == 0)
                    || matches!(head, "bo" | "so" | "cuc" | "tong" | "vien" | "toa" | "ngan");
                match bodies.last_mut() {
                    // The gazette repeats the issuer line above its header.
                    Some(b) if fold_str(b) == fold_str(&seg) => {}
                    Some(b) if !starts_body => {
                        b.push(' ');
                        b.push_str(&seg);
                    }
                    _ => bodies.push(seg),
                }
            }
        }
        let name_of = |body: &str| -> String {
            let f = Folded::new(body);
            match agencies.find(&f, body).first() {
                Some(a) if a.start == 0 && a.end * 10 >= body.len() * 6 => a.name.clone(),
                _ => body.to_string(),
            }
        };
        if let Some(b) = bodies.last() {
            h.issuer = Some(name_of(b));
        }
        if bodies.len() >= 2 {
            h.parent_issuer = Some(name_of(&bodies[bodies.len() - 2]));
        }
        if h.parent_issuer.is_some() && h.parent_issuer == h.issuer {
            h.parent_issuer = None;
        }

        // Place and date: next to the Số line when there is one (a body sentence may read
        // `…, ngày 12 tháng 7 năm 2021`), else anywhere in the top.
        let anchor = so_line.or(qh_line);
        let near = match anchor {
            Some(a) => a.saturating_sub(4)..(a + 10).min(lines.len()),
            None => 0..top,
        };
        let mut date_line = None;
        for i in near {
            let l = &lines[i];
            // A date broken across two lines: `Hà Nội, ngày 15 tháng 5` / `năm 2026`.
            let joined;
            let (text, folded) = match lines.get(i + 1) {
                Some(n) if !self.date_line.is_match(l.folded) => {
                    joined = (
                        format!("{} {}", l.text, n.text),
                        format!("{} {}", l.folded, n.folded),
                    );
                    (joined.0.as_str(), joined.1.as_str())
                }
                _ => (l.text, l.folded),
            };
            if let Some(c) = self.date_line.captures(folded) {
                let m = c.get(0).map_or(0..0, |m| m.range());
                if m.start > l.folded.len() {
                    continue;
                }
                let before = &text[..byte_of(text, m.start)];
                let place = place_before(before);
                // With no Số line or Quốc hiệu to stand next to, only a place-and-date line
                // is the issue date (a line may start with a body sentence's `ngày …`). A date
                // with no place is one only when it stands alone on its line: a title that
                // wraps before a cited document's date (`Hướng dẫn Quyết định số 170/2008/QĐ-TTg`
                // / `ngày 18 tháng 12 năm 2008 của Thủ tướng …`) goes on after it.
                let alone = folded[..m.start].trim().is_empty()
                    && !folded[m.end..].chars().any(char::is_alphanumeric);
                if place.is_none() && (anchor.is_none() || !alone) {
                    continue;
                }
                let Ok(year) = c[3].parse() else {
                    continue;
                };
                let day = c[1].trim().parse().ok();
                // A blank month (`ngày … tháng … năm 2026`, not yet dated): no issue date.
                h.issue_date = c[2]
                    .trim()
                    .parse()
                    .ok()
                    .and_then(|month| dates::iso(day, month, Some(year)));
                h.place = place;
                date_line = Some(i);
                break;
            }
        }

        // Type line and trích yếu.
        let from = [so_line, qh_line, date_line]
            .into_iter()
            .flatten()
            .max()
            .map_or(0, |i| i + 1);
        let mut type_line = None;
        for (i, l) in lines.iter().enumerate().skip(from).take(20) {
            let t = l.text.trim();
            if t.is_empty() || t.chars().any(|c| c.is_lowercase()) {
                continue;
            }
            if let Some(dt) = types.name_at_start(&fold_str(t).to_lowercase()) {
                h.doc_type = Some(dt.name.clone());
                type_line = Some(i);
                break;
            }
        }
        if let Some(tl) = type_line {
            h.title = title_after(&lines, tl + 1);
        } else if let Some((i, l)) = lines[..top]
            .iter()
            .enumerate()
            .find(|(_, l)| lower_starts_with(l.folded.trim_start(), "v/v"))
        {
            h.doc_type = Some("Công văn".to_string());
            let first = l.text.trim_start();
            let first = first.get(3..).unwrap_or("").trim();
            let mut t = title_after(&lines, i + 1).unwrap_or_default();
            if !first.is_empty() {
                t = if t.is_empty() {
                    first.to_string()
                } else {
                    format!("{first} {t}")
                };
            }
            h.title = (!t.is_empty()).then_some(collapse(&t));
        } else if let Some(name) = own_type.as_deref().and_then(|c| types.name_of_code(c)) {
            // No type line after the header (the text layer put it elsewhere, or the page
            // lost it): the symbol's type code names the type (`…/TT-BNV` → Thông tư).
            h.doc_type = Some(name.to_string());
        } else if let Some((i, dt)) = lines[..top].iter().enumerate().find_map(|(i, l)| {
            // A type line standing alone anywhere in the top (`THÔNG TƯ` above its header).
            let t = l
                .text
                .trim()
                .trim_end_matches(|c: char| !c.is_alphanumeric());
            if t.is_empty() || t.chars().any(char::is_lowercase) {
                return None;
            }
            let f = fold_str(t).to_lowercase();
            types
                .name_at_start(&f)
                .filter(|d| d.folded.len() == f.len())
                .map(|d| (i, d))
        }) {
            h.doc_type = Some(dt.name.clone());
            h.title = title_after(&lines, i + 1);
        }

        // Issuer from the body when the header block is missing: `UBND xã Bình An (kính) báo cáo`.
        if h.issuer.is_none() {
            let t = folded.text.as_str();
            let lower = t.to_ascii_lowercase();
            for a in found {
                let fe = folded.folded(a.end);
                let rest = lower[fe..].trim_start();
                let rest = rest.strip_prefix("kinh").map_or(rest, str::trim_start);
                if let Some(r) = rest.strip_prefix("bao") {
                    if r.trim_start().starts_with("cao") && a.name.split(' ').count() > 3 {
                        h.issuer = Some(a.name.clone());
                        break;
                    }
                }
            }
        }

        let blocks = self.signature_blocks(&lines);
        match blocks.first() {
            Some((_, first)) => {
                h.signer = first.clone();
                if blocks.len() > 1 {
                    h.signers = blocks.iter().map(|(_, s)| s.clone()).collect();
                }
            }
            None => h.signer = self.signer(&lines),
        }
        h.recipients = recipients(&lines, blocks.first().map(|(i, _)| *i));
        (h, zones)
    }

    /// The document's own symbol printed from restored offset `at` (after the `Số:` cue), on
    /// its line or, when the line ends there, at the start of the next one: (symbol, number,
    /// restored end).
    fn own_symbol(&self, restored: &str, at: usize, symbols: &Symbols) -> Option<OwnSymbol> {
        let mut at = at;
        let line_end = restored[at..].find('\n').map_or(restored.len(), |k| at + k);
        if restored[at..line_end].trim().is_empty() && line_end < restored.len() {
            let next = &restored[line_end + 1..];
            at = line_end + 1 + (next.len() - next.trim_start_matches([' ', '\t']).len());
        }
        let rest = &restored[at..];
        if rest.starts_with('/') {
            // A blank number: the grammar reads the symbol part as if a number stood before it.
            let end = rest.find('\n').unwrap_or(rest.len());
            let found = symbols.parse_prefix(&format!("0{}", &rest[..end]))?;
            return Some(OwnSymbol {
                symbol: found.symbol[1..].to_string(),
                number: None,
                type_code: found.type_code,
                end: at + found.end - 1,
            });
        }
        // A symbol is a few dozen bytes: the grammar gets a window, not the rest of the
        // document (folding that for every `Số:` cue cost more than the whole header).
        let mut window = rest.len().min(SYMBOL_WINDOW);
        while !rest.is_char_boundary(window) {
            window -= 1;
        }
        let found = symbols.parse_prefix(&rest[..window])?;
        Some(OwnSymbol {
            symbol: found.symbol,
            number: Some(found.number),
            type_code: found.type_code,
            end: at + found.end,
        })
    }

    /// Is `word` (marks ignored) a Vietnamese family name?
    fn surname(&self, word: &str) -> bool {
        let f = fold_str(word).to_lowercase();
        self.surnames.binary_search(&f).is_ok()
    }

    /// A signature's name line read as a name: a family name and given names. OCR damages
    /// names as it damages words (`Neguyén`, `N guyen`, `H6 Duc Phoc`), and the restorer,
    /// which reads them as words, may pick a word where the name is a name (`Đúng` for `Dũng`,
    /// `Phước` for `Phớc`). So each syllable is read against the name lists: the first word (or
    /// the first two run together) as the family name whose folded form it is, or is one edit
    /// from; every other word kept when the given-name list has it as restored, else the
    /// list's heaviest form with the original's folded form (the OCR's letters), else with the
    /// restored word's. A word no list knows stays as restored. A glued signature mark before
    /// the name (`y]Phạm Thị Thanh Trà`) and stray punctuation after it go. Returns the line
    /// (space separated) for [`HeaderRules::person_name`] to judge.
    fn read_name(&self, restored: &str, original: &str) -> String {
        let strip = |s: &str| -> Vec<String> {
            let s = s.trim();
            // A signature mark glued before the name: `[daky]`, `ky]`, `y]`, `]`.
            let s = match s.find(']') {
                Some(k)
                    if k <= 7
                        && fold_str(&s[..k])
                            .to_lowercase()
                            .trim_start_matches('[')
                            .chars()
                            .all(|c| "daky ".contains(c)) =>
                {
                    &s[k + 1..]
                }
                _ => s,
            };
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .map(|w| {
                    // Digits inside a word are OCR's letters (`H6` is `Hô`).
                    if w.starts_with(char::is_alphabetic) {
                        w.chars()
                            .map(|c| match c {
                                '6' | '0' => 'o',
                                '1' => 'l',
                                c => c,
                            })
                            .collect()
                    } else {
                        w.to_string()
                    }
                })
                .collect()
        };
        let key = |w: &str| fold_str(w).to_lowercase();
        let mut words = strip(restored);
        let mut orig = strip(original);
        // A family name split by OCR (`N guyen`): the two run together, when that is one.
        for ws in [&mut words, &mut orig] {
            if ws.len() > 2 && ws[0].chars().count() == 1 {
                let joined = format!("{}{}", ws[0], ws[1]);
                if self.surname(&joined) {
                    ws.splice(0..2, [joined]);
                }
            }
        }
        // A military rank before the name (`Thượng tướng`) is no part of it: read the rest.
        let rank = words.len() > 3
            && ["dai", "thuong", "trung", "thieu"].contains(&key(&words[0]).as_str())
            && ["tuong", "ta", "uy"].contains(&key(&words[1]).as_str());
        if rank {
            let rest = self.read_name(
                &words[2..].join(" "),
                &orig.get(2..).map_or(String::new(), |o| o.join(" ")),
            );
            return format!("{} {} {rest}", words[0], words[1]);
        }
        // The original prints marks: its words are read as printed where the restorer kept them.
        let marked = original.chars().any(|c| c.is_alphabetic() && !c.is_ascii());
        let Some(first) = words.first() else {
            return String::new();
        };
        if !first.starts_with(char::is_uppercase) {
            return words.join(" ");
        }
        let orig = (orig.len() == words.len()).then_some(orig);
        let fam = |w: &str| -> Option<String> {
            let k = key(w);
            let at = self
                .surname_forms
                .partition_point(|(f, _)| f.as_str() < k.as_str());
            if let Some((f, form)) = self.surname_forms.get(at) {
                if *f == k {
                    return Some(form.clone());
                }
            }
            (k.chars().count() >= 4)
                .then(|| {
                    self.surname_forms
                        .iter()
                        .find(|(f, _)| f.chars().count() >= 4 && within_one_edit(f, &k))
                        .map(|(_, form)| form.clone())
                })
                .flatten()
        };
        let surname_known = self.surname_forms.iter().any(|(_, f)| f == first);
        if !surname_known {
            let read = fam(first).or_else(|| orig.as_ref().and_then(|o| fam(&o[0])));
            if let Some(read) = read {
                words[0] = read;
            }
        }
        let given = |k: &str| -> Option<&str> {
            let at = self.given.partition_point(|(f, _, _)| f.as_str() < k);
            self.given
                .get(at)
                .filter(|(f, _, _)| f == k)
                .map(|(_, form, _)| form.as_str())
        };
        for i in 1..words.len() {
            // A word of a line printed with marks, left as printed, is read as printed (`Tân`
            // is no OCR damage of `Tấn`, nor `Tam` of `Tâm`).
            let as_printed = orig.as_ref().is_some_and(|o| o[i] == words[i] && marked);
            if as_printed || self.given.iter().any(|(_, form, _)| *form == words[i]) {
                continue;
            }
            let from_orig = orig.as_ref().and_then(|o| given(&key(&o[i])));
            if let Some(form) = from_orig.or_else(|| given(&key(&words[i]))) {
                words[i] = form.to_string();
            }
        }
        words.join(" ")
    }

    /// A person's name on a signature line: 2–6 capitalised words, the first a family name,
    /// after an optional military rank (`Trung tướng Nguyễn Duy Ngọc` → `Nguyễn Duy Ngọc`).
    fn person_name(&self, line: &str) -> Option<String> {
        let t = collapse(line);
        let mut words: Vec<&str> = t.split(' ').collect();
        let rank = ["dai", "thuong", "trung", "thieu"];
        if words.len() > 3
            && rank.contains(&fold_str(words[0]).to_lowercase().as_str())
            && ["tuong", "ta", "uy"].contains(&fold_str(words[1]).to_lowercase().as_str())
        {
            words.drain(..2);
        }
        let name_word = |w: &str| {
            let mut c = w.chars();
            c.next().is_some_and(char::is_uppercase) && c.all(|c| c.is_lowercase() || c == '\'')
        };
        ((2..=6).contains(&words.len())
            && words.iter().all(|w| name_word(w))
            && self.surname(words[0]))
        .then(|| words.join(" "))
    }

    /// Every signature block with a person's name, in document order: a line in capitals that
    /// carries an authority prefix (`TM.`, `KT.`, `TL.`, `TUQ.`, `Q.`) or names a position
    /// (`BỘ TRƯỞNG`, `CHỦ TỊCH QUỐC HỘI`), more such lines, then the name after the signature
    /// gap (blank lines, `(Đã ký)`, `[daky]`). The document's own block comes before its
    /// appendices, whose forms leave the name blank (`(Ký, ghi rõ họ tên)`), so they give none.
    fn signature_blocks(&self, lines: &[Line]) -> Vec<(usize, Signer)> {
        // Most lines have a lower-case letter within a few chars: that is tested first, and the
        // chars are counted only up to the bound.
        let caps_line = |l: &Line| {
            let t = without_sign_mark(l.text);
            !t.chars().any(char::is_lowercase)
                && (3..=90).contains(&t.chars().take(91).count())
                && t.chars().filter(|c| c.is_alphabetic()).count() >= 3
        };
        let position = |folded: &str| {
            let u = folded.to_uppercase();
            let words: Vec<&str> = u.split_whitespace().collect();
            words.iter().any(|w| w.starts_with("TRUONG"))
                || [
                    "CHU TICH",
                    "GIAM DOC",
                    "BI THU",
                    "CHANH AN",
                    "THONG DOC",
                    "TONG KIEM TOAN",
                    "CHU NHIEM",
                    "TONG THANH TRA",
                ]
                .iter()
                .any(|k| u.contains(k))
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let l = &lines[i];
            let cue = caps_line(l)
                && (self.authority.is_match(l.folded.trim_start()) || position(l.folded));
            if !cue {
                i += 1;
                continue;
            }
            // The block: its capital lines, then the gap, then the name.
            let mut block: Vec<&Line> = vec![l];
            let mut name = None;
            let mut j = i + 1;
            let mut seen = 0;
            while j < lines.len() && seen < 10 {
                let n = &lines[j];
                j += 1;
                if n.blank() {
                    continue;
                }
                seen += 1;
                let f = n.folded.trim().to_lowercase();
                // The signature gap: marks for the signature and stamp, stray glyphs.
                if f.starts_with("(da ky")
                    || f.starts_with("[daky")
                    || f == "da ky"
                    || !f.chars().any(char::is_alphanumeric)
                {
                    continue;
                }
                if caps_line(n) && block.len() < 5 {
                    block.push(n);
                    continue;
                }
                name = self.person_name(&self.read_name(n.text, n.original));
                break;
            }
            let Some(name) = name else {
                i += 1;
                continue;
            };
            let mut s = Signer {
                name: Some(name),
                ..Signer::default()
            };
            for b in &block {
                if let Some(c) = self.authority.captures(b.folded.trim_start()) {
                    s.authority = Some(c[1].to_string());
                }
            }
            // The position: the last line of the block; after a KT./TL./TUQ./Q. prefix the
            // words after it (`KT. BỘ TRƯỞNG` signed by the minister's deputy reads on the
            // next line, `THỨ TRƯỞNG`).
            if let Some(last) = block.last() {
                let text = without_sign_mark(last.text);
                let pos = match self.authority.find(&fold_str(text)) {
                    Some(m) => text[byte_of(text, m.end())..].to_string(),
                    None => text.to_string(),
                };
                let pos = collapse(pos.trim_matches(|c: char| !c.is_alphanumeric()));
                if !pos.is_empty() {
                    s.position = Some(position_case(&pos));
                }
            }
            out.push((i, s));
            i = j;
        }
        out
    }

    fn signer(&self, lines: &[Line]) -> Signer {
        let from = lines.len().saturating_sub(80);
        let mut s = Signer::default();
        let mut last = None;
        for (i, l) in lines.iter().enumerate().skip(from) {
            if let Some(c) = self.authority.captures(l.folded) {
                let rest = &l.folded[c.get(0).map_or(0, |m| m.end())..];
                if rest.starts_with(|c: char| c.is_uppercase()) {
                    s.authority = Some(c[1].to_string());
                    last = Some((
                        i,
                        l.text[byte_of(l.text, c.get(0).map_or(0, |m| m.end()))..]
                            .trim()
                            .to_string(),
                    ));
                }
            }
        }
        let Some((i, own)) = last else {
            return s;
        };
        let mut rest = lines[i + 1..].iter().filter(|l| !l.blank()).take(12);
        let next = rest.next();
        let caps = |t: &str| {
            t.chars().count() < 40
                && !t.chars().any(char::is_lowercase)
                && t.chars().filter(|c| c.is_alphabetic()).count() >= 3
        };
        match next {
            Some(l) if caps(l.text.trim()) => s.position = Some(position_case(l.text)),
            // Two columns flattened: `- Sở Khoa học và Công nghệ; CHỦ TỊCH`.
            Some(l) if l.text.contains(';') => {
                let tail = l.text.rsplit(';').next().unwrap_or("").trim();
                if caps(tail) {
                    s.position = Some(position_case(tail));
                }
            }
            _ => {}
        }
        if s.position.is_none()
            && matches!(
                s.authority.as_deref(),
                Some("KT") | Some("TL") | Some("TUQ") | Some("Q")
            )
            && !own.is_empty()
        {
            s.position = Some(position_case(&own));
        }
        // The name: the first line after the block that reads as a person's name.
        for l in lines[i + 1..].iter().filter(|l| !l.blank()).take(15) {
            let t = collapse(l.text);
            let words: Vec<&str> = t.split(' ').collect();
            if (2..=5).contains(&words.len())
                && words.iter().all(|w| {
                    w.starts_with(char::is_uppercase) && w.chars().all(char::is_alphabetic)
                })
                && t.chars().any(char::is_lowercase)
            {
                s.name = Some(t);
                break;
            }
        }
        s
    }
}

impl Default for HeaderRules {
    fn default() -> Self {
        HeaderRules::new()
    }
}

/// Are `a` and `b` at most one edit apart (one letter changed, added or lost)?
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let head = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if short.len() == long.len() {
        short[head + 1.min(short.len() - head)..] == long[head + 1.min(long.len() - head)..]
    } else {
        short[head..] == long[head + 1..]
    }
}

/// A signature line without the signature mark the text layer glued to its end
/// (`PHÓ THỦ TƯỚNG[daky]`, `PHÓ THỦ TƯỚNGky]`, `PHÓ THỦ TƯỚNG]`), trimmed: the mark stands
/// where the signature image was, so it says nothing about the position.
fn without_sign_mark(text: &str) -> &str {
    let t = text.trim();
    let Some(r) = t.strip_suffix(']') else {
        return t;
    };
    let cut = r.rfind('[').unwrap_or_else(|| {
        r.len()
            - r.chars()
                .rev()
                .take_while(|c| c.is_lowercase())
                .map(char::len_utf8)
                .sum::<usize>()
    });
    let mark = fold_str(&r[cut..]).to_lowercase();
    let mark = mark.trim_start_matches('[').replace(' ', "");
    if matches!(mark.as_str(), "" | "ky" | "daky") {
        r[..cut].trim_end()
    } else {
        t
    }
}

/// The byte offset in `text` of folded byte `f` of `fold_str(text)`.
fn byte_of(text: &str, f: usize) -> usize {
    Folded::new(text).src(f)
}

/// The gazette's page furniture and signature stamp, never part of a header block.
fn furniture(folded: &str) -> bool {
    let t = folded.trim();
    let u = t.to_ascii_uppercase();
    t.bytes()
        .all(|b| b.is_ascii_digit() || b == b' ' || b == b',' || b == b'.')
        || [
            "CONG BAO",
            "KY BOI",
            "NGUOI KY",
            "CO QUAN:",
            "EMAIL",
            "THOI GIAN KY",
            "NGAY KY",
            "VAN BAN QUY PHAM PHAP LUAT",
            "VAN BAN KHAC",
            "VAN BAN PHAP LUAT KHAC",
        ]
        .iter()
        .any(|k| u.starts_with(k))
}

/// The place name ending right before `, ngày`: the trailing run of capitalised words.
fn place_before(before: &str) -> Option<String> {
    // OCR reads the comma as a full stop or a semicolon (`Hà NỘI. ngày …`), and may lower a
    // capital inside the place's name (`Hà nội`): one lower-case word is let through when a
    // capitalised one stands before it.
    let words: Vec<&str> = before
        .trim_end()
        .trim_end_matches([',', '.', ';'])
        .split_whitespace()
        .collect();
    let mut take = 0;
    let mut lower = 0;
    for w in words.iter().rev() {
        if !w.chars().all(|c| c.is_alphabetic() || c == '-') {
            break;
        }
        if !w.starts_with(|c: char| c.is_uppercase()) {
            lower += 1;
            if lower > 1 {
                break;
            }
        }
        take += 1;
    }
    let run = &words[words.len() - take..];
    let skip = run
        .iter()
        .take_while(|w| !w.starts_with(|c: char| c.is_uppercase()))
        .count();
    let run = &run[skip..];
    (!run.is_empty() && run.len() <= 5).then(|| run.join(" "))
}

/// The trích yếu: lines after the type line up to the body's first paragraph.
fn title_after(lines: &[Line], from: usize) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut blanks = 0;
    for l in lines.iter().skip(from).take(20) {
        if l.blank() {
            blanks += 1;
            if !parts.is_empty() && blanks >= 2 {
                break;
            }
            continue;
        }
        let f = l.folded.trim_start().to_lowercase();
        let opener = [
            "thuc hien",
            "can cu",
            "kinh gui",
            "(",
            "i.",
            "1.",
            "phan ",
            "- ",
            "+ ",
            "theo ",
        ]
        .iter()
        .any(|o| f.starts_with(o));
        if !parts.is_empty()
            && (opener
                || parts
                    .last()
                    .is_some_and(|p| p.trim_end().ends_with(['.', ':'])))
        {
            break;
        }
        if parts.is_empty() && f.starts_with('(') {
            break;
        }
        parts.push(l.text.trim());
        blanks = 0;
        if parts.len() >= 8 {
            break;
        }
    }
    let t = collapse(&parts.join(" "));
    (!t.is_empty()).then_some(t)
}

/// The items of the document's own `Nơi nhận:` (or of `Kính gửi:` in its top when there is
/// none). When the signature block is known (line `sign`), the `Nơi nhận` next to it: forms in
/// the appendices have their own (`Nơi nhận: Ông (bà) …`).
fn recipients(lines: &[Line], sign: Option<usize>) -> Vec<String> {
    let starts = |l: &Line, key: &str| lower_starts_with(l.folded.trim_start(), key);
    let noi_nhan = match sign {
        Some(s) => {
            let lo = s.saturating_sub(30);
            // Before the block, or beside it (two columns flattened puts it a few lines on).
            let hi = (s + 12).min(lines.len());
            (lo..hi)
                .filter(|&i| starts(&lines[i], "noi nh"))
                .min_by_key(|&i| i.abs_diff(s))
        }
        None => lines.iter().rposition(|l| starts(l, "noi nh")),
    };
    let kinh_gui = || lines.iter().take(80).position(|l| starts(l, "kinh gui"));
    let Some(i) = noi_nhan.or_else(kinh_gui) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let push = |s: &str, out: &mut Vec<String>| {
        // The signature column flattened into the same line: `Nơi nhận: TM. ỦY BAN NHÂN DÂN`.
        let s = ["TM.", "KT.", "TL.", "TUQ."]
            .iter()
            .filter_map(|k| s.find(k))
            .min()
            .map_or(s, |k| &s[..k]);
        for (k, item) in s.split(';').enumerate() {
            // After a `;`, an all-caps tail is the signature column (`…; CHỦ TỊCH`).
            let letters = item.chars().filter(|c| c.is_alphabetic()).count();
            if letters == 0
                || (k > 0 && !item.chars().any(char::is_lowercase) && item.trim().contains(' '))
            {
                continue;
            }
            let item = collapse(
                item.trim()
                    .trim_start_matches(['-', '+', '•'])
                    .trim()
                    .trim_end_matches(['.', ';']),
            );
            if !item.is_empty() {
                out.push(item);
            }
        }
    };
    if let Some((_, same)) = lines[i].text.split_once(':') {
        if !same.trim().is_empty() {
            push(same, &mut out);
        }
    }
    for l in &lines[i + 1..] {
        if l.blank() {
            continue;
        }
        let t = l.text.trim_start();
        if t.starts_with(['-', '+', '•']) {
            push(t, &mut out);
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The attestation lines found in one search are those found line by line.
        #[test]
        fn attestation_lines_as_searched_line_by_line(
            text in "(XAC THUC|xac nhan|Van ban hop nhat|VAN BAN|HOP NHAT|\n|x| |é){0,24}",
            from in 0usize..6,
        ) {
            let rules = HeaderRules::new();
            let (mut lines, mut fpos) = (Vec::new(), 0);
            for t in text.split('\n') {
                lines.push(Line { start: fpos, fstart: fpos, text: t, folded: t, original: t });
                fpos += t.len() + 1;
            }
            let want: Vec<usize> = (from..lines.len())
                .filter(|&i| {
                    let mut seen = [false; ATTESTATION.len()];
                    for m in rules.attestation.find_iter(lines[i].folded) {
                        seen[m.pattern().as_usize()] = true;
                    }
                    (seen[0] || seen[1]) && seen[2]
                })
                .collect();
            proptest::prop_assert_eq!(rules.attestation_lines(&text, &lines, from), want);
        }
    }

    fn header(text: &str) -> Header {
        let types = DocTypes::new();
        let folded = Folded::new(text);
        let agencies = Agencies::new();
        let found = agencies.find(&folded, text);
        HeaderRules::new()
            .extract(
                text,
                &folded,
                &agencies,
                &found,
                &types,
                &Symbols::new(&types),
            )
            .0
    }

    #[test]
    fn place_before_the_date() {
        let cases = [
            ("Hà Nội, ", Some("Hà Nội")),
            ("Số: 14/2021/TT-BLĐTBXH Hà NỘI. ", Some("Hà NỘI")),
            ("Hà nội, ", Some("Hà nội")),
            ("Thành phố Hồ Chí Minh, ", Some("Thành phố Hồ Chí Minh")),
            ("tại Hà Nội, ", Some("Hà Nội")),
            ("có hiệu lực từ ", None),
            ("", None),
        ];
        for (before, want) in cases {
            assert_eq!(place_before(before).as_deref(), want, "{before:?}");
        }
    }

    /// (restored name line, its original, the name read) for each kind of damage.
    #[test]
    fn names_read_as_names() {
        let rules = HeaderRules::new();
        let cases = [
            // The restorer's word where a name stands: the original's letters name it.
            ("Nguyễn Chí Đúng", "Nguyen Chi Dung", "Nguyễn Chí Dũng"),
            ("Hồ Đức Phước , .", "H6 Duc Phoc , .", "Hồ Đức Phớc"),
            ("Nguyễn Danh Hủy", "Nguyen Danh Huy", "Nguyễn Danh Huy"),
            // A family name OCR split or garbled.
            ("N guyen Đục Chi", "N guyen Duc Chi", "Nguyễn Đức Chi"),
            ("Neguyén Văn Thắng", "Neguyén Van Thang", "Nguyễn Văn Thắng"),
            (
                "Neuyén Thị Bích Ngọc",
                "Neuyén Thi Bich Ngoc",
                "Nguyễn Thị Bích Ngọc",
            ),
            // A glued signature mark; a rank kept for person_name to drop.
            (
                "y]Phạm Thị Thanh Trà",
                "y]Phạm Thị Thanh Trà",
                "Phạm Thị Thanh Trà",
            ),
            (
                "Thượng tướng Vũ Hải Sản",
                "Thượng tướng Vũ Hải Sản",
                "Thượng tướng Vũ Hải Sản",
            ),
            // Printed with marks and kept by the restorer: read as printed, even when the
            // list knows a heavier form of the same letters.
            (
                "Nguyễn Sinh Nhật Tân",
                "Nguyễn Sinh Nhật Tân",
                "Nguyễn Sinh Nhật Tân",
            ),
            ("Lương Tam Quang", "Lương Tam Quang", "Lương Tam Quang"),
        ];
        for (restored, original, want) in cases {
            assert_eq!(rules.read_name(restored, original), want, "{original:?}");
        }
        assert_eq!(rules.read_name("", ""), "");
        assert!(within_one_edit("nguyen", "neuyen") && within_one_edit("nguyen", "neguyen"));
        assert!(!within_one_edit("nguyen", "ngu") && !within_one_edit("truong", "thuyng"));
    }

    /// (header text, symbol, doc_type, issue date, place) for each header shape.
    #[test]
    fn header_shapes() {
        type Want<'a> = Option<&'a str>;
        let cases: &[(&str, Want, Want, Want, Want)] = &[
            // A law: `Luật số:`, no date line, the type line after the number.
            (
                "CÔNG BÁO/Số 1523 + 1524/Ngày 29-12-2024\n3\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nQUỐC HỘI\nLuật số: 51/2024/QH15\nLUẬT\nSỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU\nCăn cứ Hiến pháp;\n",
                Some("51/2024/QH15"),
                Some("Luật"),
                None,
                None,
            ),
            // A Standing Committee resolution read by OCR: the term apart from its code.
            (
                "ỦY BAN THƯỜNG VỤ QUỐC HỘI\nNghị quyết số: 89/2025/UBTVQH 15\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHà Nội, ngày 19 tháng 6 năm 2025\nNGHỊ QUYẾT\nVề mức chi\n",
                Some("89/2025/UBTVQH15"),
                Some("Nghị quyết"),
                Some("2025-06-19"),
                Some("Hà Nội"),
            ),
            // OCR cues `S60:` and `$6:`, the gazette furniture before them never read as Số.
            (
                "CÔNG BÁO/Số 483 + 484/Ngày 04-4-2024\nBỘ KẾ HOẠCH VÀ ĐẦU TƯ\nS60: 02/2024/TT-BKHĐT ,\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nHà Nội, ngày 06 tháng 3 năm 2024\nTHÔNG TƯ’\nQuy định hoạt động\n",
                Some("02/2024/TT-BKHĐT"),
                Some("Thông tư"),
                Some("2024-03-06"),
                Some("Hà Nội"),
            ),
            (
                "BỘ LAO ĐỘNG - THƯƠNG BINH\nVÀ XÃ HỘI\n$6: 02/2025/TT- BLĐTBXH\nHà Nội, ngày 10 tháng 01 năm 2025\nTHÔNG TƯ\nHướng dẫn\n",
                Some("02/2025/TT-BLĐTBXH"),
                Some("Thông tư"),
                Some("2025-01-10"),
                Some("Hà Nội"),
            ),
            // The text layer put the header after the first page's body, the type line above
            // it; a later body date is not the issue date; the date runs onto the next line.
            (
                "THÔNG TƯ\nSửa đổi Thông tư số 21/2021/TT-BLĐTBXH ngày 15\ntháng 12 năm 2021 của Bộ trưởng\nCăn cứ Luật số 69/2020/QH14;\nBỘ NỘI VỤ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 09/2026/TT-BNV\nHà Nội, ngày 15 tháng 05\nnăm 2026\nKý bởi: CÔNG BÁO\n",
                Some("09/2026/TT-BNV"),
                Some("Thông tư"),
                Some("2026-05-15"),
                Some("Hà Nội"),
            ),
            // A blank day and month: a place but no issue date; the type line still found.
            (
                "BỘ TÀI CHÍNH\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố:  372 /QĐ-BTC\nHà Nội, ngày       tháng      năm 2026\nQUYẾT ĐỊNH\nVề việc đính chính\nCăn cứ BIC, ngày 12 tháng 7 năm 2021;\n",
                Some("372/QĐ-BTC"),
                Some("Quyết định"),
                None,
                Some("Hà Nội"),
            ),
            // No type line at all: the symbol's type code names it.
            (
                "BỘ KHOA HỌC VÀ CÔNG NGHỆ\nSố: 32/2026/TT-BKHCN\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nHà Nội, ngày 11 tháng 6 năm 2026\nKý bởi: CÔNG BÁO\n2. Viên chức thuộc tổ chức\n",
                Some("32/2026/TT-BKHCN"),
                Some("Thông tư"),
                Some("2026-06-11"),
                Some("Hà Nội"),
            ),
            // A cited decision in a capitals title line (`SỐ 90/QĐ-TTg NGÀY …`) is not the
            // number line; with no header on top the type line still types the document.
            (
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTHÔNG TƯ\nHƯỚNG DẪN THỰC HIỆN QUYẾT ĐỊNH\nSỐ 90/QĐ-TTg NGÀY 18/01/2022 CỦA THỦ TƯỚNG\n",
                None,
                Some("Thông tư"),
                None,
                None,
            ),
            // The no-colon number line keeps its first digit.
            (
                "ỦY BAN NHÂN DÂN\nXÃ BÌNH AN\nSố 12/BC-UBND\nBình An, ngày 02 tháng 8 năm 2025\nBÁO CÁO\nKết quả\n",
                Some("12/BC-UBND"),
                Some("Báo cáo"),
                Some("2025-08-02"),
                Some("Bình An"),
            ),
            // A consolidated text and a công văn with no type code.
            (
                "BỘ Y TẾ\nSố: 04/VBHN-BYT\nHà Nội, ngày 20 tháng 3 năm 2024\n",
                Some("04/VBHN-BYT"),
                Some("Văn bản hợp nhất"),
                Some("2024-03-20"),
                Some("Hà Nội"),
            ),
            (
                "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 123/UBND-VP\nV/v triển khai\nQuảng Ngãi, ngày 02 tháng 8 năm 2025\n",
                Some("123/UBND-VP"),
                Some("Công văn"),
                Some("2025-08-02"),
                Some("Quảng Ngãi"),
            ),
        ];
        for &(text, symbol, doc_type, date, place) in cases {
            let h = header(text);
            assert_eq!(
                (
                    h.symbol.as_deref(),
                    h.doc_type.as_deref(),
                    h.issue_date.as_deref(),
                    h.place.as_deref()
                ),
                (symbol, doc_type, date, place),
                "{text:?}"
            );
        }
    }

    #[test]
    fn consolidated_text_numbered_in_its_closing_block() {
        let body =
            "Điều 1. Nội dung của văn bản được hợp nhất, ngày 18 tháng 12 năm 2008.\n".repeat(300);
        let text = format!("{body}BỘ LAO ĐỘNG - THƯƠNG BINH\nVÀ XÃ HỘI\n\nSố: 4246/VBHN-BLĐTBXH\n\nXÁC NHẬN VĂN BẢN HỢP NHẤT\n\nHà Nội, ngày 24 tháng 11 năm 2021\nBỘ TRƯỞNG\n\nĐào Ngọc Dung\n");
        let h = header(&text);
        assert_eq!(h.symbol.as_deref(), Some("4246/VBHN-BLĐTBXH"));
        assert_eq!(h.doc_type.as_deref(), Some("Văn bản hợp nhất"));
        assert_eq!(h.issue_date.as_deref(), Some("2021-11-24"));
        // With no header at all, a body sentence's date is not an issue date.
        assert_eq!(header(&body).issue_date, None);
    }

    /// A consolidated text whose attestation block stands mid-file (footnotes and gazette
    /// pages after it), its top a title that wraps before a cited document's date.
    #[test]
    fn consolidated_text_attested_mid_file() {
        let top = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nTHÔNG TƯ\nHướng dẫn thực hiện Quyết định số 170/2008/QĐ-TTg\nngày 18 tháng 12 năm 2008 của Thủ tướng Chính phủ về chế độ\n";
        let body = "Điều 1. Nội dung của văn bản được hợp nhất.\n".repeat(300);
        let end = "BỘ LAO ĐỘNG -\nTHƯƠNG BINH VÀ XÃ HỘI\nSố: 836/VBHN-BLĐTBXH\nXÁC THỰC VĂN BẢN HỢP NHẤT\nHà Nội, ngày 05 tháng 3 năm 2024\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n\nNguyễn Bá Hoan\n";
        let notes =
            "1 Thông tư số 08/2023/TT-BLĐTBXH ngày 29 tháng 8 năm 2023 sửa đổi.\n".repeat(300);
        let h = header(&format!("{top}{body}{end}{notes}"));
        assert_eq!(h.symbol.as_deref(), Some("836/VBHN-BLĐTBXH"));
        assert_eq!(h.issue_date.as_deref(), Some("2024-03-05"));
        assert_eq!(h.place.as_deref(), Some("Hà Nội"));
        // Without the attestation block the wrapped title's date is still no issue date.
        assert_eq!(header(&format!("{top}{body}")).issue_date, None);
    }

    /// (signature text, authority, position, name) for each signature shape.
    #[test]
    fn signature_shapes() {
        type Want<'a> = Option<&'a str>;
        let cases: &[(&str, Want, Want, Want)] = &[
            (
                "Nghị định này có hiệu lực.\n\nTM. CHÍNH PHỦ\nKT. THỦ TƯỚNG\nPHÓ THỦ TƯỚNG\n\nLê Minh Khái\n\nPhụ lục\nTHỦ TRƯỞNG ĐƠN VỊ\n(Ký, ghi rõ họ tên)\n",
                Some("KT"),
                Some("Phó Thủ tướng"),
                Some("Lê Minh Khái"),
            ),
            (
                "Luật này được Quốc hội thông qua.\n\nCHỦ TỊCH QUỐC HỘI\n\nTrần Thanh Mẫn\n",
                None,
                Some("Chủ tịch quốc hội"),
                Some("Trần Thanh Mẫn"),
            ),
            (
                "Nơi nhận:\n- Như Điều 3;\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n(Đã ký)\n\nNguyễn Đức Chi\n",
                Some("KT"),
                Some("Thứ trưởng"),
                Some("Nguyễn Đức Chi"),
            ),
            (
                "KT. THỦ TƯỚNG\nPHÓ THỦ TƯỚNG]\n [\n[daky]\nPhạm Thị Thanh Trà\n",
                Some("KT"),
                Some("Phó Thủ tướng"),
                Some("Phạm Thị Thanh Trà"),
            ),
            (
                "KT. BỘ TRƯỞNG BỘ QUỐC PHÒNG\nTHỨ TRƯỞNG\n\n\nThượng tướng Võ Minh Lương\n",
                Some("KT"),
                Some("Thứ trưởng"),
                Some("Võ Minh Lương"),
            ),
            // The text layer glued the signature mark to the position line.
            (
                "TM. CHÍNH PHỦ\nKT. THỦ TƯỚNG\n    PHÓ THỦ TƯỚNGky]\n\nNguyễn Văn Thắng\n",
                Some("KT"),
                Some("Phó Thủ tướng"),
                Some("Nguyễn Văn Thắng"),
            ),
            (
                "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG[daky]\nLê Văn Thanh\n",
                Some("KT"),
                Some("Thứ trưởng"),
                Some("Lê Văn Thanh"),
            ),
            // A form's blank signature is no signer.
            ("GIÁM ĐỐC\n(Ký, ghi rõ họ tên, đóng dấu)\n", None, None, None),
        ];
        for &(text, authority, position, name) in cases {
            let s = header(text).signer;
            assert_eq!(
                (
                    s.authority.as_deref(),
                    s.position.as_deref(),
                    s.name.as_deref()
                ),
                (authority, position, name),
                "{text:?}"
            );
        }
    }

    #[test]
    fn several_signers() {
        let text = "KT. CHÁNH ÁN\nTÒA ÁN NHÂN DÂN TỐI CAO\nPHÓ CHÁNH ÁN\n\nNguyễn Trí Tuệ\n\nKT. BỘ TRƯỞNG\nBỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI\nTHỨ TRƯỞNG\n\nNguyễn Thị Hà\n";
        let h = header(text);
        let got: Vec<_> = h
            .signers
            .iter()
            .map(|s| (s.position.as_deref(), s.name.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("Phó Chánh án"), Some("Nguyễn Trí Tuệ")),
                (Some("Thứ trưởng"), Some("Nguyễn Thị Hà"))
            ]
        );
        assert_eq!(h.signer, h.signers[0]);
    }

    #[test]
    fn issuer_block_of_the_gazette() {
        // The issuer printed whole, then again wrapped over two lines; a section title and the
        // consolidated text's type line above it.
        let h = header("VĂN BẢN PHÁP LUẬT KHÁC\nVĂN BẢN HỢP NHẤT\nBỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI\nBỘ LAO ĐỘNG - THƯƠNG BINH\nVÀ XÃ HỘI\nSố: 4246/VBHN-BLĐTBXH\n");
        assert_eq!(
            h.issuer.as_deref(),
            Some("Bộ Lao động - Thương binh và Xã hội")
        );
        assert_eq!(h.parent_issuer, None);
        // A ministry the gazetteer does not list still starts a body of its own.
        let h = header("BỘ CÔNG AN - BỘ QUỐC PHÒNG\nBỘ NGOẠI GIAO\nSố: 01/2022/TTLT-BCA-BQP-BNG\n");
        assert_eq!(
            h.parent_issuer.as_deref(),
            Some("BỘ CÔNG AN - BỘ QUỐC PHÒNG")
        );
        assert_eq!(h.symbol.as_deref(), Some("01/2022/TTLT-BCA-BQP-BNG"));
    }

    #[test]
    fn recipients_are_the_documents_own() {
        let form = "Nội dung của mẫu.\n".repeat(12);
        let text = format!("KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n\nNguyễn Văn Hùng\n\nPhụ lục\nMẫu số 01\n{form}Nơi nhận:\n- Ông (bà) ……;\n- Lưu.\n");
        assert!(header(&text).recipients.is_empty());
        let text =
            "Nơi nhận:\n- Các Bộ;\n- Lưu: VT.\nKT. BỘ TRƯỞNG\nTHỨ TRƯỞNG\n\nNguyễn Văn Hùng\n";
        assert_eq!(header(text).recipients, ["Các Bộ", "Lưu: VT"]);
    }

    #[test]
    fn repeated_issuer_is_not_its_own_parent() {
        let h = header("CÔNG BÁO/Số 131 + 132/Ngày 20-01-2025\nBỘ KẾ HOẠCH VÀ ĐẦU TƯ\nBỘ KẾ HOẠCH VÀ ĐẦU TƯ’\nSố: 01/2025/TT-BKHĐT\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n");
        assert_eq!(h.parent_issuer, None);
        assert!(h
            .issuer
            .is_some_and(|i| fold_str(&i).to_uppercase() == "BO KE HOACH VA DAU TU"));
    }

    #[test]
    fn flattened_two_column_header() {
        let text = "UBND TỈNH QUẢNG NGÃI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nSỞ KHOA HỌC VÀ CÔNG NGHỆ Độc lập - Tự do - Hạnh phúc\nSb: 589 /BC-SKHCN Quảng Ngãi, ngày 02 tháng 8 năm 2025\nBÁO CÁO\n\nKết quả triển khai\ncủa Ban Chỉ đạo\n\nThực hiện chỉ đạo\n";
        let h = header(text);
        assert_eq!(h.issuer.as_deref(), Some("Sở Khoa học và Công nghệ"));
        assert_eq!(
            h.parent_issuer.as_deref(),
            Some("Ủy ban nhân dân tỉnh Quảng Ngãi")
        );
        assert_eq!(h.symbol.as_deref(), Some("589/BC-SKHCN"));
        assert_eq!(h.number.as_deref(), Some("589"));
        assert_eq!(h.place.as_deref(), Some("Quảng Ngãi"));
        assert_eq!(h.issue_date.as_deref(), Some("2025-08-02"));
        assert_eq!(h.doc_type.as_deref(), Some("Báo cáo"));
        assert_eq!(
            h.title.as_deref(),
            Some("Kết quả triển khai của Ban Chỉ đạo")
        );
    }

    #[test]
    fn damaged_header_and_flattened_signature() {
        let text = "UY BAN NHAN DAN CONG HOA XA HQI CHU NGHIA VIET NAM\n\nXA BA DINH DPjc 1ap - Tw do - Hanh phuc\nS6: 284 /BC-UBND Ba Dinh, ngay 20thang 11 nam 2025\nBAO CAO\n\nKet qua\n\nI. KET QUA\nNoi nhin: TM. UY BAN NHAN DAN\n- So Khoa hoc va Cong nghe; CHU TICH\n\n- CT, cac PCT UBND xa; === *\n\n- Luu: VT, VHXH, ttx\n\nPham Viin On\n";
        let h = header(text);
        assert_eq!(h.issuer.as_deref(), Some("Ủy ban nhân dân xã Ba Dinh"));
        assert_eq!(h.symbol.as_deref(), Some("284/BC-UBND"));
        assert_eq!(h.issue_date.as_deref(), Some("2025-11-20"));
        assert_eq!(
            h.recipients,
            [
                "So Khoa hoc va Cong nghe",
                "CT, cac PCT UBND xa",
                "Luu: VT, VHXH, ttx"
            ]
        );
        assert_eq!(h.signer.authority.as_deref(), Some("TM"));
        assert_eq!(h.signer.position.as_deref(), Some("Chu tich"));
        assert_eq!(h.signer.name.as_deref(), Some("Pham Viin On"));
    }

    #[test]
    fn blank_number_signature_and_recipients() {
        let text = " \tỦY BAN NHÂN DÂN\nXÃ BA DINH\n\nS6:         /BC-UBND\n\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nBa Dinh, ngày 03 tháng 11 năm 2025\n\nBÁO CÁO CHUYÊN ĐỀ\nVề việc thực hiện\n(Tuần 01)\nNội dung.\nNơi nhận:\n- TT Đảng ủy xã;\n- TT HĐND xã; CT UBND xã;\n- Lưu: VT.\nTM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\n\nPHÓ CHỦ TỊCH\n\nPhạm Văn Ơn\n";
        let h = header(text);
        assert_eq!(h.issuer.as_deref(), Some("Ủy ban nhân dân xã Ba Dinh"));
        assert_eq!(h.parent_issuer, None);
        assert_eq!(h.number, None);
        assert_eq!(h.symbol.as_deref(), Some("/BC-UBND"));
        assert_eq!(h.place.as_deref(), Some("Ba Dinh"));
        assert_eq!(h.title.as_deref(), Some("Về việc thực hiện"));
        assert_eq!(
            h.recipients,
            ["TT Đảng ủy xã", "TT HĐND xã", "CT UBND xã", "Lưu: VT"]
        );
        assert_eq!(h.signer.authority.as_deref(), Some("KT"));
        assert_eq!(h.signer.position.as_deref(), Some("Phó Chủ tịch"));
        assert_eq!(h.signer.name.as_deref(), Some("Phạm Văn Ơn"));
    }
}
