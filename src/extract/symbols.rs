//! Document symbols (số, ký hiệu): the grammar of Nghị định 30/2020 and Party rules, with repair
//! of OCR damage by classes of confusable glyphs.
//!
//! Forms: state legal `n/yyyy/TYPE-ISSUER` (`118/2025/NĐ-CP`), administrative `n/TYPE-ISSUER`
//! (`123/QĐ-UBND`) or `n/ISSUER-UNIT` for a công văn (`4232/UBND-KGVX`, `89/UBND`), Party
//! `n-TYPE/ISSUER` (`02-KH/BCĐTW`). A code read as `0D`, `QP`, `Qb`, `QH` is repaired to `QĐ`
//! only because `QĐ` is a known code and each glyph belongs to the confusable class of the
//! expected one (Đ ~ D P B b 0 O H; Q ~ 0 O; B ~ 8); never by listing damaged strings.

use super::doc::DocTypes;
use super::fold::{fold_char, Folded};

const SYMBOL_CODES: &str = include_str!("../../dictionaries/symbol_codes.tsv");

/// A symbol found in the text. Offsets are into the restored text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundSymbol {
    pub start: usize,
    pub end: usize,
    /// Official form (`02-KH/BCĐTW`).
    pub symbol: String,
    /// The number as printed (`02`).
    pub number: String,
    /// The type code when the symbol has one (`KH`).
    pub type_code: Option<String>,
}

/// The symbol parser of the built-in code tables, built on first use (for the restorer,
/// which has no extractor).
pub fn builtin() -> &'static Symbols {
    static SYMBOLS: std::sync::LazyLock<Symbols> =
        std::sync::LazyLock::new(|| Symbols::new(&DocTypes::new()));
    &SYMBOLS
}

/// Known codes and the symbol parser.
#[derive(Clone, Debug)]
pub struct Symbols {
    types: Codes,
    issuers: Codes,
    /// For each issuer code, whether a Party body has it.
    party: Vec<bool>,
}

/// A table of known codes, in table order, grouped by their length in chars: a code matches a
/// segment as printed only with as many glyphs, or one fewer (a stray leading glyph), so each
/// look-up (there is one per symbol segment, and one per split of a segment) compares a few
/// codes instead of the whole table.
#[derive(Clone, Debug)]
struct Codes {
    codes: Vec<String>,
    /// `by_len[n]`: the indices of the codes of `n` chars, in table order.
    by_len: Vec<Vec<u16>>,
}

impl Codes {
    fn new(codes: Vec<String>) -> Codes {
        let mut by_len: Vec<Vec<u16>> = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            let n = c.chars().count();
            if by_len.len() <= n {
                by_len.resize(n + 1, Vec::new());
            }
            by_len[n].push(u16::try_from(i).expect("a small table"));
        }
        Codes { codes, by_len }
    }

    fn of_len(&self, n: usize) -> impl Iterator<Item = usize> + '_ {
        self.by_len
            .get(n)
            .into_iter()
            .flatten()
            .map(|&i| usize::from(i))
    }

    /// The index of the first code equal to `seen`, else of the first that matches it glyph
    /// by glyph ([`glyphs_match`]), one stray leading glyph (`IBCDTW`) tolerated on codes of
    /// four chars or more: the same as scanning the whole table in order with each test (a
    /// unit test compares them).
    fn lookup(&self, seen: &str) -> Option<usize> {
        let n = seen.chars().count();
        if let Some(i) = self.of_len(n).find(|&i| self.codes[i] == seen) {
            return Some(i);
        }
        // `glyphs_match(code, seen)` needs a code of `n` chars; the stray-glyph reading, a code
        // of `n - 1` chars, four at least. The first in table order of either is the answer.
        let whole = self.of_len(n).find(|&i| glyphs_match(&self.codes[i], seen));
        let stray = match seen.strip_prefix(['I', 'l', '1', '|']) {
            Some(rest) if n > 4 => self
                .of_len(n - 1)
                .find(|&i| glyphs_match(&self.codes[i], rest)),
            _ => None,
        };
        match (whole, stray) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Can glyph `seen` be an OCR reading of `canon`?
fn confusable(canon: char, seen: char) -> bool {
    canon == seen
        || match canon {
            'Đ' => matches!(
                seen,
                'D' | 'P' | 'B' | 'b' | '0' | 'O' | 'H' | 'd' | 'p' | 'Ð' | 'đ'
            ),
            'Q' => matches!(seen, '0' | 'O' | 'o'),
            'B' => seen == '8',
            'O' => seen == '0',
            'I' => matches!(seen, 'l' | '1' | '|'),
            'S' => seen == '5',
            'T' => matches!(seen, 'I' | '1' | 'l'),
            // The lower-case letter of a mixed-case code (`QyĐ`, `CTr`, `TrS`) read as a capital.
            c if c.is_ascii_lowercase() => seen == c.to_ascii_uppercase(),
            _ => false,
        }
}

/// Does every glyph of `seen` read a glyph of `canon`, with none left over on either side?
fn glyphs_match(canon: &str, seen: &str) -> bool {
    glyphs_match_by(canon, seen, confusable)
}

/// [`glyphs_match`] with another class of confusable glyphs.
fn glyphs_match_by(canon: &str, seen: &str, confusable: impl Fn(char, char) -> bool) -> bool {
    let mut s = seen.chars();
    canon
        .chars()
        .all(|a| s.next().is_some_and(|b| confusable(a, b)))
        && s.next().is_none()
}

/// A plausible code never seen before: upper-case letters (Đ allowed), digits, `&`.
fn generic_code(seen: &str) -> bool {
    let mut chars = seen.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == 'Đ')
        && seen.chars().count() >= 2
        && seen
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '&' || c == 'Đ')
}

/// A legislature code with its term: `QH15`, `UBTVQH15` (OCR: `QHI5`, `QH 15`, `QH1I3`).
/// `term` is what follows the code's letters (glyphs `I l |` read as `1`); terms run 1–20
/// (the 15th National Assembly sits in 2021–2026), and when the glyphs read as more, a stray
/// `I` between two digits is dropped (`1I3` → 13).
fn legislature(code: &str, term: &str) -> Option<String> {
    let base = ["UBTVQH", "QH"]
        .into_iter()
        .find(|c| glyphs_match(c, code))?;
    let read: String = term
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if matches!(c, 'I' | 'l' | '|') { '1' } else { c })
        .collect();
    let digits: String = term.chars().filter(char::is_ascii_digit).collect();
    [read, digits]
        .into_iter()
        .find(|t| {
            !t.is_empty()
                && t.len() <= 2
                && t.bytes().all(|b| b.is_ascii_digit())
                && t.parse::<u32>().is_ok_and(|n| (1..=20).contains(&n))
        })
        .map(|t| format!("{base}{t}"))
}

/// Splits a segment such as `QHI5` or `UBTVQH15` into its legislature code and term. Neither
/// code holds an `I`-like glyph, so the term starts at the first digit-like one.
fn split_legislature(seg: &str) -> Option<String> {
    let cut = seg
        .char_indices()
        .find(|&(i, c)| i > 0 && (c.is_ascii_digit() || matches!(c, 'I' | 'l' | '|')))
        .map(|(i, _)| i)?;
    legislature(&seg[..cut], &seg[cut..])
}

/// A code as printed, for matching: marks the restorer may have put on a letter of a code are
/// dropped (`ÍT` → `IT`), `Đ` is kept (it is part of codes).
fn code_text(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'Đ' | 'đ' => Some('Đ'),
            _ => fold_char(c),
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sep {
    Slash,
    Dash,
}

impl Symbols {
    pub fn new(doc_types: &DocTypes) -> Symbols {
        let types = doc_types.types.iter().map(|t| t.code.clone()).collect();
        let issuers: Vec<(String, bool)> = SYMBOL_CODES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut it = l.split('\t');
                let code = it.next()?.trim().to_string();
                let party = it.next()? == "party";
                Some((code, party))
            })
            .collect();
        let party = issuers
            .iter()
            .map(|(c, _)| issuers.iter().any(|(k, p)| k == c && *p))
            .collect();
        Symbols {
            types: Codes::new(types),
            issuers: Codes::new(issuers.into_iter().map(|(c, _)| c).collect()),
            party,
        }
    }

    /// The type code `seen` stands for.
    pub fn repair_type(&self, seen: &str) -> Option<String> {
        self.repair_type_str(seen).map(str::to_string)
    }

    fn repair_type_str(&self, seen: &str) -> Option<&str> {
        self.types
            .lookup(seen)
            .map(|i| self.types.codes[i].as_str())
    }

    /// The issuer code `seen` stands for, and whether it is a Party body.
    fn repair_issuer(&self, seen: &str) -> Option<(String, bool)> {
        self.repair_issuer_str(seen)
            .map(|(c, party)| (c.to_string(), party))
    }

    fn repair_issuer_str(&self, seen: &str) -> Option<(&str, bool)> {
        self.issuers
            .lookup(seen)
            .map(|i| (self.issuers.codes[i].as_str(), self.party[i]))
    }

    /// Appends `-CODE` for each leading segment that is an issuer or unit code (`UBND-KGVX`);
    /// returns how many were taken.
    fn push_issuer_codes(&self, segs: &[String], out: &mut String) -> usize {
        let mut n = 0;
        for seg in segs {
            let Some((code, _)) = self.issuer_code(seg) else {
                break;
            };
            out.push('-');
            out.push_str(&code);
            n += 1;
        }
        n
    }

    /// An issuer or unit code: known (repaired), or each `&` part repaired, or taken as printed.
    fn issuer_code(&self, seen: &str) -> Option<(String, bool)> {
        if let Some(r) = self.repair_issuer(seen) {
            return Some(r);
        }
        if seen.contains('&') {
            let parts: Vec<String> = seen
                .split('&')
                .map(|p| {
                    self.repair_issuer(p)
                        .map(|r| r.0)
                        .unwrap_or_else(|| p.to_string())
                })
                .collect();
            let joined = parts.join("&");
            if parts.iter().all(|p| !p.is_empty()) && generic_code(&joined) {
                return Some((joined, false));
            }
        }
        generic_code(seen).then(|| (seen.to_string(), false))
    }

    /// `KHBCHTW` → (`KH`, `BCĐTW`): a type code glued to a known issuer.
    fn decompose(&self, seen: &str) -> Option<(String, String, bool)> {
        self.decompose_str(seen)
            .map(|(t, iss, party)| (t.to_string(), iss.to_string(), party))
    }

    fn decompose_str(&self, seen: &str) -> Option<(&str, &str, bool)> {
        seen.char_indices().skip(1).find_map(|(i, _)| {
            let (a, b) = seen.split_at(i);
            // The issuer is looked up only for a type: both must be known.
            let t = self.repair_type_str(a)?;
            let (iss, party) = self.repair_issuer_str(b)?;
            Some((t, iss, party))
        })
    }

    /// Is `seen` a known code, possibly damaged, or a type code glued to an issuer?
    fn known(&self, seen: &str) -> bool {
        self.repair_type_str(seen).is_some()
            || self.repair_issuer_str(seen).is_some()
            || self.decompose_str(seen).is_some()
    }

    /// Builds the official form from the parts of a symbol.
    fn assemble(
        &self,
        number: &str,
        year: Option<&str>,
        first: Sep,
        segs: &[String],
    ) -> Option<(String, Option<String>, usize)> {
        // Returns (symbol, type code, number of segments used).
        let seg0 = segs.first()?;
        if let Some(y) = year {
            // Laws and resolutions of the legislature: `51/2024/QH15`, `89/2025/UBTVQH15`.
            if let Some(l) = split_legislature(seg0) {
                return Some((format!("{number}/{y}/{l}"), None, 1));
            }
            let t = self.repair_type(seg0)?;
            let (iss, _) = self.issuer_code(segs.get(1)?)?;
            let mut s = format!("{number}/{y}/{t}-{iss}");
            // Joint symbols: `…/TTLT-BTC-BLĐTBXH`, `…/NQLT-UBTVQH15-ĐCTUBTWMTTQVN`: each
            // further issuer is a known code (a word of the next line is not: `-\nCỘNG HÒA`).
            let mut n = 2;
            for seg in &segs[2..] {
                let known = split_legislature(seg).or_else(|| self.repair_issuer(seg).map(|r| r.0));
                let Some(code) = known else { break };
                s.push('-');
                s.push_str(&code);
                n += 1;
            }
            return Some((s, Some(t), n));
        }
        let typed = match self.repair_type(seg0) {
            Some(t) if segs.len() >= 2 => self.issuer_code(&segs[1]).map(|(i, p)| (t, i, p, 2)),
            _ => None,
        }
        .or_else(|| self.decompose(seg0).map(|(t, i, p)| (t, i, p, 1)));
        if let Some((t, iss, party, used)) = typed {
            let mut s = if party || first == Sep::Dash {
                format!("{number}-{t}/{iss}")
            } else {
                format!("{number}/{t}-{iss}")
            };
            let n = used + self.push_issuer_codes(&segs[used..], &mut s);
            return Some((s, Some(t), n));
        }
        if first == Sep::Dash {
            return None;
        }
        let (iss, _) = self.issuer_code(seg0)?;
        let mut s = format!("{number}/{iss}");
        let n = 1 + self.push_issuer_codes(&segs[1..], &mut s);
        Some((s, None, n))
    }

    /// Every symbol with a number in the text.
    pub fn find(&self, folded: &Folded, restored: &str) -> Vec<FoundSymbol> {
        let f = folded.text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < f.len() {
            if !f[i].is_ascii_digit() || (i > 0 && !boundary_before(f[i - 1])) {
                i += 1;
                continue;
            }
            match self.parse_at(folded, restored, i) {
                Some(sym) => {
                    let end_f = folded.folded(sym.end);
                    out.push(sym);
                    i = end_f.max(i + 1);
                }
                None => {
                    while i < f.len() && f[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
        }
        out
    }

    /// The symbols of `text` printed with misread code glyphs: those whose official form
    /// differs from the printed text only in letters and digits of its codes, glyph for glyph
    /// (`02-KH/BCDTW` → `02-KH/BCĐTW`, `20/2020/0D-TTg` → `20/2020/QĐ-TTg`). The number, the
    /// separators and the length stay as printed, so the restorer can write the official form
    /// in place of the printed one without moving anything else; a symbol read with a glyph
    /// too many or a separator changed (`02/KHBCHTW`, `02- KH/IBCDTW`) is left to the
    /// extractor. Only a number followed by a code ([`code_follows`]) is parsed, in a window
    /// of [`MISREAD_WINDOW`] bytes: the text is not folded whole (dates are no symbols).
    pub fn misread(&self, text: &str) -> Vec<FoundSymbol> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            // A number's first digit, at a boundary (a byte of a non-ASCII letter is none).
            if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1] >= 0x80 || !boundary_before(b[i - 1])))
            {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if !code_follows(b, j) {
                i = j;
                continue;
            }
            let mut end = (i + MISREAD_WINDOW).min(b.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let w = &text[i..end];
            let Some(sym) = self.parse_at(&Folded::new(w), w, 0) else {
                i = j;
                continue;
            };
            let printed = &w[sym.start..sym.end];
            if printed != sym.symbol
                && printed.chars().count() == sym.symbol.chars().count()
                && printed.chars().zip(sym.symbol.chars()).all(|(a, b)| {
                    a == b || (a.is_alphanumeric() && b.is_alphanumeric() && !b.is_ascii_digit())
                })
            {
                out.push(FoundSymbol {
                    start: i + sym.start,
                    end: i + sym.end,
                    ..sym
                });
            }
            i = (i + sym.end).max(j);
        }
        out
    }

    /// The known code that a token printed on its own stands for when OCR read its `Đ` as a
    /// look-alike capital (`BCDTW` = BCĐTW, `CBS` = CĐS, `HDND` = HĐND): an issuer or type
    /// code of the same length whose other glyphs are the token's own, the only one that fits,
    /// and the token no code itself. Outside a symbol there is no grammar to vouch for a
    /// reading, so only the `Đ` class the brief names (D, P, B, O) is taken, and only for
    /// tokens of three capitals or more: `DA`, `HD` are codes of their own, and two letters
    /// say too little.
    pub fn misread_code(&self, token: &str) -> Option<&str> {
        let n = token.len();
        if n < 3 || !token.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let tables = [&self.issuers, &self.types];
        if tables
            .iter()
            .any(|t| t.of_len(n).any(|i| t.codes[i] == token))
        {
            return None;
        }
        // Not the code itself (above), so at least one Đ was read as a look-alike.
        let fits = |code: &str| {
            glyphs_match_by(code, token, |c, seen| {
                c == seen || (c == 'Đ' && matches!(seen, 'D' | 'P' | 'B' | 'O'))
            })
        };
        let mut found = tables
            .iter()
            .flat_map(|t| t.of_len(n).map(|i| t.codes[i].as_str()))
            .filter(|c| fits(c));
        let first = found.next()?;
        found.all(|c| c == first).then_some(first)
    }

    /// Numbers of more than five digits printed as a symbol's (`1234567/QĐ-UBND`): no document
    /// register runs that far, so they are not read as symbols, but a reviewer should see them
    /// (an OCR'd pair of numbers glued together, a typo). Restored ranges.
    pub fn overlong(&self, folded: &Folded, restored: &str) -> Vec<(usize, usize)> {
        let b = folded.text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && !boundary_before(b[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start <= 5 {
                continue;
            }
            // Read as if the number were short: does a symbol follow?
            let probe = format!(
                "0{}",
                &restored[folded.src(i)..folded.src((i + 60).min(b.len()))]
            );
            if let Some(sym) = self.parse_prefix(&probe) {
                out.push((folded.src(start), folded.src(i) + sym.end - 1));
            }
        }
        out
    }

    /// Parses one symbol starting at folded offset `i` (a digit).
    fn parse_at(&self, folded: &Folded, restored: &str, start: usize) -> Option<FoundSymbol> {
        let t = folded.text.as_str();
        let b = t.as_bytes();
        let mut i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start > 5 {
            return None;
        }
        let number = &t[start..i];
        let mut year = None;
        if b.get(i) == Some(&b'/') {
            let y = t.get(i + 1..i + 5).unwrap_or("");
            if y.len() == 4
                && (y.starts_with("19") || y.starts_with("20"))
                && y.bytes().all(|c| c.is_ascii_digit())
                && b.get(i + 5) == Some(&b'/')
            {
                year = Some(y);
                i += 5;
            }
        }
        let (first, ni) = read_sep(b, i, year.is_some())?;
        i = ni;
        let mut segs: Vec<String> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        loop {
            let s0 = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'&') {
                i += 1;
            }
            if i == s0 || i - s0 > 20 {
                break;
            }
            // A legislature code and its term printed apart: `QH 15`, `UBTVQH 1I5`.
            let code = &t[s0..i];
            if matches!(code, "QH" | "UBTVQH" | "0H" | "OH") && b.get(i) == Some(&b' ') {
                let k = i + 1;
                let mut e = k;
                while e < b.len() && (b[e].is_ascii_digit() || matches!(b[e], b'I' | b'l' | b'|')) {
                    e += 1;
                }
                if e > k && legislature(code, &t[k..e]).is_some() {
                    segs.push(format!("{code}{}", &t[k..e]));
                    ends.push(e);
                    break;
                }
            }
            // The restored surface keeps Đ where the restorer put it.
            let surface = code_text(&restored[folded.src(s0)..folded.src(i)]);
            let surface = surface.as_str();
            // A footnote mark glued to a known code: `KHBCĐTW1`.
            let bare = surface.trim_end_matches(|c: char| c.is_ascii_digit());
            if bare.len() < surface.len()
                && split_legislature(surface).is_none()
                && bare.chars().count() >= 2
                && self.known(bare)
            {
                segs.push(bare.to_string());
                ends.push(i - (surface.len() - bare.len()));
                break;
            }
            segs.push(surface.to_string());
            ends.push(i);
            match read_sep(b, i, false) {
                Some((_, ni)) if b.get(ni).is_some_and(|c| c.is_ascii_alphanumeric()) => i = ni,
                _ => break,
            }
        }
        let (symbol, type_code, used) = self.assemble(number, year, first, &segs)?;
        let end_f = ends[used - 1];
        Some(FoundSymbol {
            start: folded.src(start),
            end: folded.src(end_f),
            symbol,
            number: number.to_string(),
            type_code,
        })
    }

    /// Normalises a symbol given alone (`06/0D-TTg` → `06/QĐ-TTg`).
    pub fn normalize(&self, s: &str) -> Option<String> {
        let f = Folded::new(s);
        let start = f.text.bytes().position(|c| c.is_ascii_digit())?;
        self.parse_at(&f, s, start).map(|x| x.symbol)
    }

    /// The symbol that starts `s` (with its number) and the byte length of `s` it spans: the
    /// grammar, not the caller, decides where a symbol ends (`89/2025/UBTVQH 15 Hà Nội`).
    pub fn parse_prefix(&self, s: &str) -> Option<FoundSymbol> {
        if !s.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.parse_at(&Folded::new(s), s, 0)
    }

    /// Normalises a symbol whose number is blank (`/BC-UBND`).
    pub fn normalize_blank(&self, s: &str) -> Option<String> {
        let with = format!("0{}", s.trim_start());
        let n = self.normalize(&with)?;
        Some(n[1..].to_string())
    }
}

/// Bytes of text a symbol may span from its number (`123/2024/NQLT-UBTVQH15-ĐCTUBTWMTTQVN` is 36).
const MISREAD_WINDOW: usize = 96;

/// Whether a code follows the number that ends at `j`: `/` or `-`, perhaps a year and `/`,
/// then a capital (`Đ` is 0xC4 0x90 in UTF-8), perhaps after digits read for letters
/// (`1044/0D`, `20/2020/0D-TTg`), but not a date (`19/6/2025`).
fn code_follows(b: &[u8], j: usize) -> bool {
    if !matches!(b.get(j), Some(b'/' | b'-')) {
        return false;
    }
    let mut k = j + 1;
    while b.get(k).is_some_and(u8::is_ascii_digit) {
        k += 1;
    }
    if k > j + 1 && b.get(k) == Some(&b'/') {
        k += 1;
        // The type code may begin with a digit read for a letter (`2020/0D-TTg`).
        while b.get(k).is_some_and(u8::is_ascii_digit) {
            k += 1;
        }
    }
    b.get(k)
        .is_some_and(|&c| c.is_ascii_uppercase() || c == 0xC4)
}

fn boundary_before(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b',' | b'-'))
}

/// Reads a separator (`/`, `//`, `-`, `.` glued to a letter) and the white space around it.
fn read_sep(b: &[u8], mut i: usize, after_year: bool) -> Option<(Sep, usize)> {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    let sep = match b.get(i)? {
        b'/' => {
            i += 1;
            if b.get(i) == Some(&b'/') {
                i += 1;
            }
            Sep::Slash
        }
        b'-' => {
            i += 1;
            Sep::Dash
        }
        b'.' if b.get(i + 1).is_some_and(|c| c.is_ascii_uppercase()) => {
            i += 1;
            Sep::Slash
        }
        _ => return None,
    };
    if after_year && sep != Sep::Slash {
        return None;
    }
    let mut newlines = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        if b[i] == b'\n' {
            newlines += 1;
        }
        i += 1;
    }
    // A dash read twice across a gap: `TT- -BKHĐT`.
    if sep == Sep::Dash
        && b.get(i) == Some(&b'-')
        && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    {
        i += 1;
    }
    (newlines <= 3).then_some((sep, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look-up as it was: the whole table scanned for an equal code, then for a match.
    fn lookup_scan(codes: &[String], seen: &str) -> Option<usize> {
        let code_matches = |canon: &str| {
            glyphs_match(canon, seen)
                || seen
                    .strip_prefix(['I', 'l', '1', '|'])
                    .is_some_and(|rest| canon.chars().nth(3).is_some() && glyphs_match(canon, rest))
        };
        codes
            .iter()
            .position(|c| c == seen)
            .or_else(|| codes.iter().position(|c| code_matches(c)))
    }

    proptest::proptest! {
        #[test]
        fn grouped_lookup_is_the_table_scan(
            seen in "[Il1|]?(Q|Đ|D|0|O|B|8|H|P|b|T|I|S|5|C|N|U|K|V|X|G|y|r|T|L|&|đ|Ð){0,9}"
        ) {
            let s = Symbols::new(&DocTypes::new());
            for table in [&s.types, &s.issuers] {
                proptest::prop_assert_eq!(table.lookup(&seen), lookup_scan(&table.codes, &seen));
            }
        }
    }

    #[test]
    fn grouped_lookup_of_every_code_and_its_damage() {
        let s = Symbols::new(&DocTypes::new());
        for table in [&s.types, &s.issuers] {
            for c in &table.codes {
                for seen in [
                    c.clone(),
                    format!("I{c}"),
                    format!("l{c}"),
                    c.replace('Đ', "D"),
                    c.replace('Q', "0"),
                    format!("1{}", c.replace('B', "8")),
                    c.chars().skip(1).collect(),
                ] {
                    assert_eq!(
                        table.lookup(&seen),
                        lookup_scan(&table.codes, &seen),
                        "{seen}"
                    );
                }
            }
        }
    }

    macro_rules! t {
        ($($input:expr => $want:expr),* $(,)?) => {{
            let s = Symbols::new(&DocTypes::new());
            $( assert_eq!(s.normalize($input).as_deref(), $want, "input {:?}", $input); )*
        }};
    }

    #[test]
    fn official_forms() {
        t! {
            "118/2025/NĐ-CP" => Some("118/2025/NĐ-CP"),
            "20/2020/QĐ-TTg" => Some("20/2020/QĐ-TTg"),
            "13-NQ/TU" => Some("13-NQ/TU"),
            "02-KH/BCĐTW" => Some("02-KH/BCĐTW"),
            "89/UBND" => Some("89/UBND"),
            "4232/UBND-KGVX" => Some("4232/UBND-KGVX"),
            "1275/SKHCN-BCVT&CĐS" => Some("1275/SKHCN-BCVT&CĐS"),
            "123/QĐ-UBND" => Some("123/QĐ-UBND"),
            "90/CĐ-TTg" => Some("90/CĐ-TTg"),
            "1011-GM/TU" => Some("1011-GM/TU"),
        }
    }

    #[test]
    fn ocr_damage_is_repaired_by_glyph_class() {
        t! {
            "20/2020/0D-TTg" => Some("20/2020/QĐ-TTg"),
            "1055/QP-UBND" => Some("1055/QĐ-UBND"),
            "1067/Qb-UBND" => Some("1067/QĐ-UBND"),
            "1116/QH-UBND" => Some("1116/QĐ-UBND"),
            "118/2025/Nb-CP" => Some("118/2025/NĐ-CP"),
            "118/2025/ND-CP" => Some("118/2025/NĐ-CP"),
            "02-KH/BCDTW" => Some("02-KH/BCĐTW"),
            "02-KH/BCPTW" => Some("02-KH/BCĐTW"),
            "02/KH/BCBTW" => Some("02-KH/BCĐTW"),
            "02/KHBCHTW" => Some("02-KH/BCĐTW"),
            "02- KH/IBCDTW" => Some("02-KH/BCĐTW"),
            "05-BC/PU" => Some("05-BC/ĐU"),
            "145/8C.SVHTTDL" => Some("145/BC-SVHTTDL"),
            "4208//UBND-KGVX" => Some("4208/UBND-KGVX"),
            "53/SKHCN-BCVT&CDS" => Some("53/SKHCN-BCVT&CĐS"),
            "90/CD-TTg" => Some("90/CĐ-TTg"),
            "13-\n\nNQ/TU" => Some("13-NQ/TU"),
            "56/UBND-\nKGVX" => Some("56/UBND-KGVX"),
            "02/KHBCĐTW1 cho" => Some("02-KH/BCĐTW"),
            "02/KH/BCBTW2," => Some("02-KH/BCĐTW"),
        }
    }

    #[test]
    fn legal_normative_and_legislature_forms() {
        t! {
            "51/2024/QH15" => Some("51/2024/QH15"),
            "89/2025/UBTVQH15" => Some("89/2025/UBTVQH15"),
            "89/2025/UBTVQH 15" => Some("89/2025/UBTVQH15"),
            "25/2008/QH 12" => Some("25/2008/QH12"),
            "203/2025/QHI5" => Some("203/2025/QH15"),
            "32/2013/QH1I3" => Some("32/2013/QH13"),
            "05/2024/L-CTN" => Some("05/2024/L-CTN"),
            "02/2025/TT-BLĐTBXH" => Some("02/2025/TT-BLĐTBXH"),
            "02/2025/TT- BLDTBXH" => Some("02/2025/TT-BLĐTBXH"),
            "02/2025/TT- -BKHDT" => Some("02/2025/TT-BKHĐT"),
            "01/2025/TT-BKHPT" => Some("01/2025/TT-BKHĐT"),
            "81/2025/IT-BCA" => Some("81/2025/TT-BCA"),
            "81/2025/ÍT-BCA" => Some("81/2025/TT-BCA"),
            "18/2021/TT-BNNPTNT -\nCỘNG HÒA" => Some("18/2021/TT-BNNPTNT"),
            "12/2024/TT-BCT" => Some("12/2024/TT-BCT"),
            "20/2015/TTLT-BTC-BLĐTBXH" => Some("20/2015/TTLT-BTC-BLĐTBXH"),
            "09/2016/NQLT-UBTVQH14-ĐCTUBTWMTTQVN" => Some("09/2016/NQLT-UBTVQH14-ĐCTUBTWMTTQVN"),
            "04/VBHN-BYT" => Some("04/VBHN-BYT"),
            "19/VBHN-VPQH" => Some("19/VBHN-VPQH"),
            "123/UBND-VP" => Some("123/UBND-VP"),
            "15/QyĐ-UBND" => Some("15/QyĐ-UBND"),
            "15/QYD-UBND" => Some("15/QyĐ-UBND"),
            "07/CTr-UBND" => Some("07/CTr-UBND"),
            "07/CTR-UBND" => Some("07/CTr-UBND"),
            "33/TTr-SKHCN" => Some("33/TTr-SKHCN"),
            "12/SY-UBND" => Some("12/SY-UBND"),
            "12/SL-VP" => Some("12/SL-VP"),
            "12/TrS-VP" => Some("12/TrS-VP"),
            "13-NQ/TU" => Some("13-NQ/TU"),
            "28/2005/PL-UBTVQH11" => Some("28/2005/PL-UBTVQH11"),
        }
    }

    #[test]
    fn not_symbols() {
        t! {
            "19/6/2025" => None,
            "2022-2025" => None,
            "47/96 xã" => None,
            "5-7 thành viên" => None,
            "4 lần/ tuần" => None,
            "13-\n- Lưu" => None,
            "51/2024/QH" => None,
            "51/2024/QH99" => None,
        }
    }

    #[test]
    fn misread_codes_are_found_glyph_for_glyph() {
        let s = builtin();
        let text = "Kế hoạch số 02-KH/BCDTW ngày 19/6/2025; 1044/0D-UBND, 1055/QP-UBND và 12/BC-UBND; 20/2020/0D-TTg";
        let got: Vec<(&str, String)> = s
            .misread(text)
            .into_iter()
            .map(|m| (&text[m.start..m.end], m.symbol))
            .collect();
        assert_eq!(
            got,
            [
                ("02-KH/BCDTW", "02-KH/BCĐTW".to_string()),
                ("1044/0D-UBND", "1044/QĐ-UBND".to_string()),
                ("1055/QP-UBND", "1055/QĐ-UBND".to_string()),
                ("20/2020/0D-TTg", "20/2020/QĐ-TTg".to_string()),
            ]
        );
        // A glyph too many, a separator moved: not in place.
        assert!(s.misread("số 02/KHBCHTW và 02- KH/IBCDTW").is_empty());
        // Nothing to parse, or the text ending inside a symbol or a multi-byte letter.
        for text in [
            "",
            "12",
            "12/",
            "12/2025/",
            "5-",
            "12/Đ",
            "1/ĐĐĐĐ",
            "số 7/0",
        ] {
            assert!(s.misread(text).is_empty(), "{text:?}");
        }
        // A window ending inside a multi-byte letter moves to its end.
        let long = format!("1/0D-{}", "Đ".repeat(MISREAD_WINDOW));
        let found = s.misread(&long);
        assert!(
            found.iter().all(|m| long.is_char_boundary(m.end)),
            "{found:?}"
        );
    }

    #[test]
    fn codes_printed_alone_with_a_look_alike_of_d_stroke() {
        let s = builtin();
        for (seen, code) in [
            ("BCDTW", Some("BCĐTW")),
            ("CBS", Some("CĐS")),
            ("HDND", Some("HĐND")),
            ("SGDDT", Some("SGDĐT")),
            ("BKHPT", Some("BKHĐT")),
            // Codes themselves, other glyphs changed, too short, lower case, no code.
            ("BCĐTW", None),
            ("UBND", None),
            ("BCDTX", None),
            ("QD", None),
            ("Cbs", None),
            ("ABCDEF", None),
            ("", None),
        ] {
            assert_eq!(s.misread_code(seen), code, "{seen}");
        }
        // A megabyte of capitals is no code, and is not compared with any.
        assert_eq!(s.misread_code(&"D".repeat(1 << 20)), None);
    }

    #[test]
    fn overlong_numbers_are_reported_not_read() {
        let s = Symbols::new(&DocTypes::new());
        let text =
            "Quyết định số 1234567/QĐ-UBND ngày 01/7/2025; điện thoại 0912345678; 12345/QĐ-UBND";
        let f = Folded::new(text);
        let got: Vec<&str> = s
            .overlong(&f, text)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect();
        assert_eq!(got, ["1234567/QĐ-UBND"]);
        let found: Vec<String> = s.find(&f, text).into_iter().map(|x| x.symbol).collect();
        assert_eq!(found, ["12345/QĐ-UBND"]);
    }

    #[test]
    fn blank_number() {
        let s = Symbols::new(&DocTypes::new());
        assert_eq!(s.normalize_blank("/BC-UBND").as_deref(), Some("/BC-UBND"));
        assert_eq!(s.normalize_blank("/BC-SKHCN").as_deref(), Some("/BC-SKHCN"));
    }

    #[test]
    fn finds_symbols_in_text() {
        let s = Symbols::new(&DocTypes::new());
        let text = "Quyết định số: 1044/0D-UBND ngày 26/6/2025; 1091/0D-UBND ngày 27/6/2025";
        let f = Folded::new(text);
        let found: Vec<String> = s.find(&f, text).into_iter().map(|x| x.symbol).collect();
        assert_eq!(found, ["1044/QĐ-UBND", "1091/QĐ-UBND"]);
    }
}
