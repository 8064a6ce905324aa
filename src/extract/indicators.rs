//! Quantitative statements: counts with a unit, money with scale words, ratios `a/b`,
//! percentages, with the indicator's name taken from the words before the number.
//!
//! A number is an indicator only when something says it measures: a unit from
//! `dictionaries/units.tsv`, a `%`, a ratio, or a `Số …:`/`Tổng số … N` label. Document numbers
//! and dates are excluded by span; section numbers and list markers by position; years, ages
//! and names (`Đề án 06`, `02 cấp`, `5G`) because no unit follows.

use super::fold::{fold_char, fold_str, Folded};
use super::numbers;
use crate::record::Qualifier;

const UNITS: &str = include_str!("../../dictionaries/units.tsv");

/// An indicator found in the text (offsets into the restored text).
#[derive(Clone, Debug, PartialEq)]
pub struct FoundIndicator {
    pub start: usize,
    pub end: usize,
    pub label: Option<String>,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub percent: Option<f64>,
    pub unit: Option<String>,
    pub qualifier: Option<Qualifier>,
}

/// The unit table, longest first.
#[derive(Clone, Debug)]
pub struct Indicators {
    /// (folded lower-case key, written form)
    units: Vec<(String, String)>,
    /// For each first byte of a key, the units it starts, in table order (longest first), and
    /// those of them of more than one word: every unit is tried after nearly every number, and
    /// all but a few differ from the text at their first byte.
    by_first: Vec<(Vec<u16>, Vec<u16>)>,
}

/// A number token in folded text.
struct Num {
    start: usize,
    end: usize,
    text: String,
}

fn read_num(t: &str, at: usize) -> Option<Num> {
    let b = t.as_bytes();
    let mut i = at;
    if !b.get(i)?.is_ascii_digit() {
        return None;
    }
    while i < b.len() {
        let grouped =
            (b[i] == b'.' || b[i] == b',') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if b[i].is_ascii_digit() || grouped {
            i += 1;
        } else {
            break;
        }
    }
    Some(Num {
        start: at,
        end: i,
        text: t[at..i].to_string(),
    })
}

/// Is the number at folded offset `at` signed by a `-` glued to it, after white space or an
/// opening bracket (`lỗ -5.000.000 đồng`, `(-12 đồng)`)?
fn minus_before(t: &str, at: usize) -> bool {
    let b = t.as_bytes();
    at >= 1 && b[at - 1] == b'-' && (at == 1 || matches!(b[at - 2], b' ' | b'\t' | b'(' | b':'))
}

/// Matches the words of `key` at `i`, any white space (line breaks too) between them; the end.
fn match_words(lower: &str, i: usize, key: &str) -> Option<usize> {
    // Every unit is tried after every number: most differ at their first byte, seen before
    // the key is split into words.
    if key
        .as_bytes()
        .first()
        .is_some_and(|&k| k != b' ' && lower.as_bytes().get(i) != Some(&k))
    {
        return None;
    }
    let mut pos = i;
    for (n, w) in key.split(' ').enumerate() {
        if n > 0 {
            let next = skip_ws(lower, pos, 3);
            if next == pos {
                return None;
            }
            pos = next;
        }
        if !lower[pos..].starts_with(w) {
            return None;
        }
        pos += w.len();
    }
    (!is_word(lower[pos..].chars().next())).then_some(pos)
}

/// The consonants of a word (vowels and OCR digits dropped): `thii` → `th`, `s6` → `s`.
/// Compared for every multi-word unit after many numbers, so it is read in place, not collected.
fn skeleton(w: &str) -> impl Iterator<Item = char> + '_ {
    w.chars()
        .filter(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y') && !c.is_ascii_digit())
}

/// Like [`match_words`], but each word need only share its first letter and consonants.
fn match_skeleton(lower: &str, i: usize, key: &str) -> Option<usize> {
    let mut pos = i;
    for (n, w) in key.split(' ').enumerate() {
        if n > 0 {
            let next = skip_ws(lower, pos, 0);
            if next == pos {
                return None;
            }
            pos = next;
        }
        // The first letters must agree: checked before the word is measured, since every
        // multi-word unit is tried after nearly every number.
        if !w
            .chars()
            .next()
            .is_some_and(|f| lower[pos..].starts_with(f))
        {
            return None;
        }
        let len = lower[pos..]
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(lower.len() - pos);
        let word = &lower[pos..pos + len];
        if word.chars().next() != w.chars().next() || !skeleton(word).eq(skeleton(w)) {
            return None;
        }
        pos += len;
    }
    Some(pos)
}

/// Skips spaces and tabs (and up to `nl` line breaks).
fn skip_ws(t: &str, mut i: usize, nl: usize) -> usize {
    let b = t.as_bytes();
    let mut n = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        if b[i] == b'\n' {
            n += 1;
            if n > nl {
                break;
            }
        }
        i += 1;
    }
    i
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

impl Indicators {
    pub fn new() -> Indicators {
        let mut units: Vec<(String, String)> = UNITS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| (fold_str(l.trim()).to_lowercase(), l.trim().to_string()))
            .collect();
        units.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        let mut by_first = vec![(Vec::new(), Vec::new()); 256];
        for (n, (k, _)) in units.iter().enumerate() {
            if let Some(&b) = k.as_bytes().first() {
                let (all, multi) = &mut by_first[usize::from(b)];
                all.push(n as u16);
                if k.contains(' ') {
                    multi.push(n as u16);
                }
            }
        }
        Indicators { units, by_first }
    }

    /// The unit starting at folded offset `i` of `lower`: (end, written form, multiplier).
    fn unit_at(&self, lower: &str, i: usize) -> Option<(usize, String, f64)> {
        let rest = &lower[i..];
        // Scale words before đồng: 18.315 triệu đồng.
        for w in ["nghin", "ngan", "trieu", "ty"] {
            if let Some(r) = rest.strip_prefix(w) {
                let r2 = r.trim_start_matches([' ', '\t']);
                for d in ["dong", "d"] {
                    if r2.starts_with(d) && !is_word(r2[d.len()..].chars().next()) {
                        let end = i + (rest.len() - r2.len()) + d.len();
                        return Some((end, "đồng".to_string(), numbers::scale(w).unwrap_or(1.0)));
                    }
                }
            }
        }
        // Both matches below need the key's first byte at `i`.
        let (all, multi) = &self.by_first[usize::from(*lower.as_bytes().get(i)?)];
        let exact = all.iter().find_map(|&n| {
            let (k, w) = &self.units[usize::from(n)];
            match_words(lower, i, k).map(|e| (e, w))
        });
        // Residual OCR damage in multi-word units (`hé so`, `thii tuc`): same consonants.
        let fuzzy = || {
            multi.iter().find_map(|&n| {
                let (k, w) = &self.units[usize::from(n)];
                match_skeleton(lower, i, k).map(|e| (e, w))
            })
        };
        exact.or_else(fuzzy).map(|(end, w)| {
            let w = if w == "đ" {
                "đồng".to_string()
            } else {
                w.clone()
            };
            (end, w, 1.0)
        })
    }

    /// Every indicator in the text. `excluded` are folded ranges (dates, symbols) to skip.
    pub fn find(
        &self,
        folded: &Folded,
        restored: &str,
        excluded: &[(usize, usize)],
    ) -> Vec<FoundIndicator> {
        let t = folded.text.as_str();
        let lower = t.to_ascii_lowercase();
        let b = t.as_bytes();
        let excluded = Ranges::new(excluded);
        let mut out = Vec::new();
        let mut i = 0;
        let mut consumed = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
                i += 1;
                continue;
            }
            let Some(n) = read_num(t, i) else {
                i += 1;
                continue;
            };
            i = n.end.max(i + 1);
            if n.start < consumed || excluded.overlaps(n.start, n.end) {
                continue;
            }
            if self.skip_context(t, &n) {
                continue;
            }
            if let Some(ind) = self.read_at(folded, restored, &lower, &n, consumed) {
                consumed = ind.1;
                i = i.max(ind.1);
                out.push(ind.0);
            }
        }
        out
    }

    /// Positions that never hold an indicator: glued to a word, list markers, ranges, years.
    fn skip_context(&self, t: &str, n: &Num) -> bool {
        let before = &t[..n.start];
        let prev = before.chars().next_back();
        if prev.is_some_and(|c| c.is_alphabetic() || c == '/' || c == '.' || c == ',') {
            return true;
        }
        let after = &t[n.end..];
        // Ranges 5-7, 2022-2025.
        if before.ends_with('-')
            && before[..before.len() - 1].ends_with(|c: char| c.is_ascii_digit())
            || after.starts_with('-') && after[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            return true;
        }
        // (1), 1), list markers and section numbers at the start of a line: `3.1.`, `2.`
        if before.ends_with('(') && after.starts_with(')') {
            return true;
        }
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        let head = before[line_start..].trim_matches(|c: char| c.is_whitespace() || c == '|');
        if head.is_empty() && (after.starts_with('.') || after.starts_with(')')) {
            return true;
        }
        // Inline list markers `gồm: 1) CSDL …; 2) …`.
        if after.starts_with(')')
            && after[1..].starts_with(|c: char| c == ' ' || c.is_alphabetic())
            && n.text.len() <= 2
            && !before.trim_end().ends_with(|c: char| c.is_alphanumeric())
        {
            return true;
        }
        // A page number: the number alone on its line.
        let line_end = after.find('\n').unwrap_or(after.len());
        head.is_empty() && after[..line_end].trim().is_empty()
    }

    /// Reads the indicator whose first number is `n`; returns it and the folded end consumed.
    fn read_at(
        &self,
        folded: &Folded,
        restored: &str,
        lower: &str,
        n: &Num,
        floor: usize,
    ) -> Option<(FoundIndicator, usize)> {
        let t = folded.text.as_str();
        let mut ind = FoundIndicator {
            start: folded.src(n.start),
            end: folded.src(n.end),
            label: None,
            value: None,
            numerator: None,
            denominator: None,
            percent: None,
            unit: None,
            qualifier: qualifier(&lower[..n.start]),
        };
        let mut end;
        // The words before the figure, when a rule below has read them already.
        let mut label = None;
        let j = skip_ws(t, n.end, 0);
        if t[j..].starts_with('%') {
            // P% — maybe followed by its ratio: 2,09% (03/143 TTHC)
            ind.percent = numbers::parse(&n.text, true);
            end = j + 1;
            let k = skip_ws(t, end, 0);
            if t[k..].starts_with('(') {
                let k2 = skip_ws(t, k + 1, 0);
                if let Some(a) = read_num(t, k2) {
                    if t[a.end..].starts_with('/') {
                        if let Some(d) = read_num(t, a.end + 1) {
                            ind.numerator = numbers::parse(&a.text, false);
                            ind.denominator = numbers::parse(&d.text, false);
                            let mut e = d.end;
                            let u = skip_ws(t, e, 0);
                            if let Some((ue, w, _)) = self.unit_at(lower, u) {
                                ind.unit = Some(w);
                                e = ue;
                            }
                            let c = skip_ws(t, e, 0);
                            end = if t[c..].starts_with(')') { c + 1 } else { e };
                        }
                    }
                }
            }
        } else if t[n.end..].starts_with('/') {
            let d = read_num(t, n.end + 1)?;
            ind.numerator = numbers::parse(&n.text, false);
            ind.denominator = numbers::parse(&d.text, false);
            end = d.end;
            let u = skip_ws(t, end, 3);
            if let Some((ue, w, _)) = self.unit_at(lower, u) {
                ind.unit = Some(w);
                end = ue;
            }
            if let Some((p, pe)) = self.attached_percent(t, lower, end) {
                ind.percent = Some(p);
                end = pe;
            }
        } else {
            let u = skip_ws(t, n.end, 3);
            let glued = u == n.end;
            let year_like = !n.text.contains(['.', ','])
                && n.text.len() == 4
                && (n.text.starts_with("19") || n.text.starts_with("20"));
            let after_nam = lower[..n.start].trim_end().ends_with("nam");
            if year_like && after_nam {
                return None;
            }
            if let Some((ue, w, mult)) = self.unit_at(lower, u) {
                // A glued unit only for codes and money: 03TTHC, 2.000.000đ.
                if glued && !(w == "đồng" || t[u..ue].chars().all(|c| c.is_ascii_uppercase())) {
                    return None;
                }
                ind.value = numbers::parse(&n.text, false).map(|v| v * mult);
                // A loss or a negative balance: `-5.000.000 đồng` (a minus that stands alone
                // before the number, not a range's `2020-2025` nor a list dash `- 5 đồng`).
                if w == "đồng" && minus_before(t, n.start) {
                    ind.value = ind.value.map(|v| -v);
                    ind.start = folded.src(n.start - 1);
                }
                ind.unit = Some(w);
                end = ue;
                if let Some((p, pe)) = self.attached_percent(t, lower, end) {
                    ind.percent = Some(p);
                    end = pe;
                }
            } else if is_word(t[n.end..].chars().next()) {
                return None;
            } else {
                // `Số …: 01,` / `Tổng số … 2.009.` — a count named by its label.
                let v = numbers::parse(&n.text, false)?;
                let close = t[n.end..].trim_start_matches([' ', '\t']);
                let ends_clause =
                    close.is_empty() || close.starts_with(['.', ';', ',', '\n', ')', '(']);
                let year_like = !n.text.contains(['.', ',']) && (1900.0..=2100.0).contains(&v);
                // The label is read only for a figure that ends its clause (most do not), and
                // kept: it is the indicator's label too.
                if !ends_clause || year_like {
                    return None;
                }
                let colon = t[..n.start].trim_end().ends_with(':');
                let lab = label_before(restored, folded, n.start, floor);
                if !colon {
                    let lab_f = fold_str(&lab).to_lowercase();
                    let counted = lab_f.starts_with("so ")
                        || lab_f.starts_with("tong so")
                        || lab_f.starts_with("tong cong");
                    if !counted {
                        return None;
                    }
                }
                label = Some(lab);
                ind.value = Some(v);
                end = n.end;
                if let Some((p, pe)) = self.attached_percent(t, lower, end) {
                    ind.percent = Some(p);
                    end = pe;
                }
            }
        }
        let label = label.unwrap_or_else(|| label_before(restored, folded, n.start, floor));
        ind.label = if label.is_empty() {
            label_after(restored, folded, end)
        } else {
            Some(label)
        };
        ind.end = folded.src(end);
        Some((ind, end))
    }

    /// `(6.76%)`, `, đạt 100%`, `đạt tỷ lệ 100%` right after a count or ratio, when nothing
    /// but punctuation follows the `%` (else the percent is an indicator of its own).
    fn attached_percent(&self, t: &str, lower: &str, at: usize) -> Option<(f64, usize)> {
        let mut k = skip_ws(t, at, 3);
        let paren = t[k..].starts_with('(');
        if paren || t[k..].starts_with(',') {
            k = skip_ws(t, k + 1, 3);
        }
        let mut cued = false;
        for w in ["dat", "ty le", "ti le", "binh quan", "la"] {
            if let Some(e) = match_words(lower, k, w) {
                k = skip_ws(t, e, 3);
                cued = true;
            }
        }
        if t[k..].starts_with(':') {
            k = skip_ws(t, k + 1, 3);
        }
        if !(paren || cued) {
            return None;
        }
        let p = read_num(t, k)?;
        let pe = skip_ws(t, p.end, 0);
        if !t[pe..].starts_with('%') {
            return None;
        }
        let mut e = pe + 1;
        if paren {
            let c = skip_ws(t, e, 0);
            if !t[c..].starts_with(')') {
                return None;
            }
            e = c + 1;
        } else {
            // What follows the `%` (across line breaks) must end the clause.
            let rest = t[e..].trim_start();
            if !(rest.is_empty() || rest.starts_with(['.', ';', ',', ')', '%'])) {
                return None;
            }
        }
        Some((numbers::parse(&p.text, true)?, e))
    }
}

impl Default for Indicators {
    fn default() -> Self {
        Indicators::new()
    }
}

/// Byte ranges to test numbers against: sorted by start, with the furthest end reached so far,
/// so that each test is one binary search instead of a scan of every date and symbol.
struct Ranges {
    by_start: Vec<(usize, usize)>,
    reach: Vec<usize>,
}

impl Ranges {
    fn new(ranges: &[(usize, usize)]) -> Ranges {
        let mut by_start = ranges.to_vec();
        by_start.sort_unstable();
        let mut far = 0;
        let reach = by_start
            .iter()
            .map(|&(_, e)| {
                far = far.max(e);
                far
            })
            .collect();
        Ranges { by_start, reach }
    }

    /// Does any range overlap `start..end`?
    fn overlaps(&self, start: usize, end: usize) -> bool {
        let before_end = self.by_start.partition_point(|&(s, _)| s < end);
        before_end > 0 && self.reach[before_end - 1] > start
    }
}

/// `trên`, `hơn` → gt; `khoảng`, `gần` → approx; `dưới` → lt (the word before the number).
fn qualifier(lower_before: &str) -> Option<Qualifier> {
    let w = lower_before
        .trim_end()
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    match w {
        "tren" | "hon" => Some(Qualifier::Gt),
        "khoang" | "gan" => Some(Qualifier::Approx),
        "duoi" => Some(Qualifier::Lt),
        _ => None,
    }
}

const LEAD_WORDS: &[&str] = &[
    "trong do",
    "tong cong",
    "dat ty le",
    "dat",
    "la",
    "co",
    "duoc",
    "gom",
    "tren",
    "hon",
    "khoang",
    "gan",
    "duoi",
];

/// The words before folded offset `at`, back to the start of the clause, cleaned up.
fn label_before(restored: &str, folded: &Folded, at: usize, floor: usize) -> String {
    let t = &folded.text[..at];
    let mut floor = at.saturating_sub(240).max(floor.min(at));
    while !t.is_char_boundary(floor) {
        floor += 1;
    }
    let mut start = floor;
    for (i, c) in t[floor..].char_indices().rev() {
        let i = floor + i;
        let boundary = matches!(c, ';' | '(' | ')' | '!' | '?')
            || (c == '.' && !t[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
            || (c == ','
                && t[..i]
                    .trim_end()
                    .ends_with(|d: char| d.is_ascii_digit() || d == '%'))
            || (c == ':' && !t[i + 1..].trim().is_empty())
            || (c == '\n'
                && t[i + 1..]
                    .trim_start_matches([' ', '\t'])
                    .starts_with(['-', '+', '*', '•']));
        if boundary {
            start = i + 1;
            break;
        }
    }
    let raw = &restored[folded.src(start)..folded.src(at)];
    clean_label(raw)
}

/// For a figure that opens its clause (`100% cán bộ, công chức …`): the words after it.
fn label_after(restored: &str, folded: &Folded, at: usize) -> Option<String> {
    let t = &folded.text[at..];
    let end = t
        .find([';', '.', ':', '(', '\n'])
        .unwrap_or(t.len())
        .min(160);
    let end = (0..=end)
        .rev()
        .find(|&e| t.is_char_boundary(e))
        .unwrap_or(0);
    let s = clean_label(&restored[folded.src(at)..folded.src(at + end)]);
    (!s.is_empty()).then_some(s)
}

/// The words `clean_label` strips from the start of a label.
const LEAD_PREFIXES: [&str; 4] = ["trong do", "ve", "va", "con"];

/// Chars of each end of a label that [`clean_label`] folds: more than the longest word it
/// strips from either end, so the char next to the word is folded too.
const LABEL_EDGE: usize = 12;

/// The folded, lower-cased first and last [`LABEL_EDGE`] chars of `s`, when they answer
/// [`clean_label`]'s questions as the whole folded label would: `s` is longer than both
/// together and each end folds to as many ASCII chars. Folding is char by char, so they are
/// the ends of the whole label's fold; a long label (most are) is not folded in full at every
/// round of trimming.
fn folded_ends(s: &str, head: &mut String, tail: &mut String) -> bool {
    head.clear();
    tail.clear();
    let Some((start, _)) = s.char_indices().rev().nth(LABEL_EDGE - 1) else {
        return false;
    };
    if s[..start].chars().nth(LABEL_EDGE).is_none() {
        return false;
    }
    head.extend(s.chars().take(LABEL_EDGE).filter_map(fold_char));
    tail.extend(s[start..].chars().filter_map(fold_char));
    let exact = |x: &mut String| {
        x.make_ascii_lowercase();
        x.len() == LABEL_EDGE && x.is_ascii()
    };
    exact(head) && exact(tail)
}

fn clean_label(raw: &str) -> String {
    let mut joined = String::with_capacity(raw.len());
    for w in raw.split_whitespace() {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(w);
    }
    // The label is cut down as a slice of `joined`.
    let mut s = joined.as_str();
    let (mut head, mut tail) = (String::new(), String::new());
    loop {
        let before = s.len();
        s = s
            .trim_start_matches(['-', '+', '*', '•', ',', ' ', '–'])
            .trim_end_matches([':', ',', ' ', '-']);
        if !folded_ends(s, &mut head, &mut tail) {
            head.clear();
            head.extend(s.chars().filter_map(fold_char));
            head = head.to_lowercase();
            tail.clone_from(&head);
        }
        // With the ends alone, what comes before a word stripped from the end is never empty
        // (the word is shorter than the end): `head.is_empty()` is a whole label's case.
        for w in LEAD_WORDS {
            if tail
                .strip_suffix(w)
                .is_some_and(|before| before.is_empty() || before.ends_with(' '))
            {
                let cut = s.chars().count() - w.chars().count();
                s = &s[..s.char_indices().nth(cut).map_or(s.len(), |(i, _)| i)];
                break;
            }
        }
        for w in LEAD_PREFIXES {
            if head
                .strip_prefix(w)
                .is_some_and(|rest| rest.starts_with([' ', ':']))
            {
                let skip = w.chars().count() + 1;
                s = &s[s.char_indices().nth(skip).map_or(s.len(), |(i, _)| i)..];
                break;
            }
        }
        if s.len() == before {
            break;
        }
    }
    if !s.chars().any(char::is_alphabetic) {
        return String::new();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stripped_words_are_shorter_than_the_folded_ends() {
        for w in LEAD_WORDS.iter().chain(&LEAD_PREFIXES) {
            assert!(w.chars().count() < LABEL_EDGE, "{w}");
        }
    }

    /// `clean_label` as it was, folding the whole label at every round.
    fn clean_label_whole(raw: &str) -> String {
        let mut s: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        loop {
            let before = s.len();
            s = s
                .trim_start_matches(['-', '+', '*', '•', ',', ' ', '–'])
                .trim_end_matches([':', ',', ' ', '-'])
                .to_string();
            let f = fold_str(&s).to_lowercase();
            for w in LEAD_WORDS {
                if f.strip_suffix(w)
                    .is_some_and(|head| head.is_empty() || head.ends_with(' '))
                {
                    let cut = s.chars().count() - w.chars().count();
                    s = s.chars().take(cut).collect();
                    break;
                }
            }
            for w in LEAD_PREFIXES {
                if f.strip_prefix(w)
                    .is_some_and(|rest| rest.starts_with([' ', ':']))
                {
                    s = s.chars().skip(w.chars().count() + 1).collect();
                    break;
                }
            }
            if s.len() == before {
                break;
            }
        }
        if !s.chars().any(char::is_alphabetic) {
            return String::new();
        }
        let mut c = s.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => s,
        }
    }

    proptest::proptest! {
        #[test]
        fn labels_are_cleaned_as_by_folding_them_whole(
            raw in "((Trong đó|trong do|Về|về|và|Còn|con|đạt tỷ lệ|đạt|là|có|được|gồm|trên|hơn|khoảng|gần|dưới|tổng cộng|hồ sơ|xã|Σ|é|\\u{301})[ :,\\-–•]{0,2}){0,12}"
        ) {
            proptest::prop_assert_eq!(clean_label(&raw), clean_label_whole(&raw));
        }
    }

    fn run(text: &str) -> Vec<FoundIndicator> {
        let f = Folded::new(text);
        Indicators::new().find(&f, text, &[])
    }

    #[test]
    fn range_overlap_is_one_search() {
        let ranges = [(30, 34), (2, 9), (5, 6), (12, 20), (12, 13)];
        let r = Ranges::new(&ranges);
        for start in 0..40 {
            for end in start + 1..42 {
                let scan = ranges.iter().any(|&(s, e)| start < e && s < end);
                assert_eq!(r.overlaps(start, end), scan, "{start}..{end}");
            }
        }
        assert!(!Ranges::new(&[]).overlaps(0, 5));
    }

    #[test]
    fn counts_ratios_percents_money() {
        let r =
            run("- Tổng số hồ sơ tiếp nhận: 887 hồ sơ; trực tuyến toàn trình 9/133 TTHC (6.76%).");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].label.as_deref(), Some("Tổng số hồ sơ tiếp nhận"));
        assert_eq!(
            (r[0].value, r[0].unit.as_deref()),
            (Some(887.0), Some("hồ sơ"))
        );
        assert_eq!(
            (r[1].numerator, r[1].denominator, r[1].percent),
            (Some(9.0), Some(133.0), Some(6.76))
        );
        assert_eq!(r[1].unit.as_deref(), Some("TTHC"));

        let r = run("Tổng chi: 18.315 triệu đồng; phần mềm: 2.000.000đ.");
        assert_eq!(r[0].value, Some(18_315_000_000.0));
        assert_eq!(r[0].unit.as_deref(), Some("đồng"));
        assert_eq!(r[1].value, Some(2_000_000.0));

        let r = run("+ Trực tuyến toàn trình: 2,09% (03/143 TTHC)");
        assert_eq!((r[0].numerator, r[0].percent), (Some(3.0), Some(2.09)));
        assert_eq!(r.len(), 1);

        let r = run("xác thực 2570 trường hợp đạt 85,41%, Kích hoạt 2495 trường hợp");
        assert_eq!((r[0].value, r[0].percent), (Some(2570.0), Some(85.41)));
        assert_eq!(r[1].value, Some(2495.0));

        let r = run("tổng số văn bản đến 9.002, đạt 100% văn bản hoàn toàn điện tử");
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].value, r[0].percent), (Some(9002.0), None));
        let r = run("Số TTHC 9.002 văn bản, đạt 100% văn bản hoàn toàn điện tử");
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[1].percent, Some(100.0));
    }

    #[test]
    fn a_loss_keeps_its_minus() {
        let text = "Lỗ -5.000.000 đồng; (-12 triệu đồng); giai đoạn 2020-2025 đồng; - 7 đồng";
        let v: Vec<_> = run(text).iter().map(|i| i.value).collect();
        assert_eq!(v, [Some(-5e6), Some(-12e6), Some(7.0)]);
        let r = run(text);
        assert_eq!(&text[r[0].start..r[0].end], "-5.000.000 đồng");
    }

    #[test]
    fn ocr_damaged_units() {
        let r = run("cấu hình 2.127 thii tuc hanh chinh; 10 hé so/ndm");
        let v: Vec<_> = r.iter().map(|i| (i.value, i.unit.clone())).collect();
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(v[0], (Some(2127.0), Some("thủ tục".to_string())));
        assert_eq!(v[1], (Some(10.0), Some("hồ sơ".to_string())));
    }

    #[test]
    fn qualifiers() {
        let r = run("khoảng 50% người dân; trên 95% hồ sơ; dưới 50%");
        let q: Vec<_> = r.iter().map(|i| i.qualifier).collect();
        assert_eq!(
            q,
            [
                Some(Qualifier::Approx),
                Some(Qualifier::Gt),
                Some(Qualifier::Lt)
            ]
        );
    }

    #[test]
    fn not_indicators() {
        for text in [
            "3.1. Nguồn nhân lực",
            "1. Về pháp lý",
            "năm 2025 và giai đoạn 2022-2025",
            "theo Đề án 06 của Chính phủ",
            "chính quyền địa phương 02 cấp",
            "mạng di động 5G",
            "trên địa bàn xã1; ban hành",
            "(Tuần 01 tháng 11)",
            "người từ 14 tuổi trở lên",
            "mỗi thôn từ 5-7 thành viên",
            "gồm: 1) CSDL cấp huyện; 2) CSDL",
            "Chuyển đổi số năm 2025\nphường hướng",
            "xã Bình An.\n2 \nxã Bình An",
        ] {
            assert!(run(text).is_empty(), "{text:?}: {:?}", run(text));
        }
    }
}
