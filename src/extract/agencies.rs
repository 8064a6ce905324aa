//! The agency gazetteer: full names and abbreviations (`UBND` → `Ủy ban nhân dân`) from
//! `dictionaries/agencies.tsv`, matched with aho-corasick on folded text, then extended by an
//! administrative unit and its proper name (`UBND tỉnh Quảng Ngãi`).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::fold::{fold_str, lower_prefix_end, Folded};

const AGENCIES: &str = include_str!("../../dictionaries/agencies.tsv");

/// Administrative levels (folded, lower-case) and their written form.
const LEVELS: &[(&str, &str)] = &[
    ("thanh pho", "thành phố"),
    ("thi xa", "thị xã"),
    ("thi tran", "thị trấn"),
    ("dac khu", "đặc khu"),
    ("tinh", "tỉnh"),
    ("huyen", "huyện"),
    ("phuong", "phường"),
    ("quan", "quận"),
    ("xa", "xã"),
];

/// An agency mention (offsets into the restored text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundAgency {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub abbr: Option<String>,
    pub surface: String,
}

#[derive(Clone, Debug)]
struct Entry {
    name: String,
    abbr: Option<String>,
    unit: bool,
}

/// The compiled gazetteer.
#[derive(Clone, Debug)]
pub struct Agencies {
    full: AhoCorasick,
    full_entries: Vec<Entry>,
    abbr: AhoCorasick,
    abbr_entries: Vec<Entry>,
}

fn word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

impl Agencies {
    pub fn new() -> Agencies {
        let mut full_pats = Vec::new();
        let mut full_entries = Vec::new();
        let mut abbr_pats = Vec::new();
        let mut abbr_entries = Vec::new();
        for line in AGENCIES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let mut it = line.split('\t');
            let name = it.next().unwrap_or("").trim().to_string();
            let abbrs = it.next().unwrap_or("");
            let unit = it.next().unwrap_or("n").trim() == "y";
            full_pats.push(fold_str(&name).to_lowercase());
            full_entries.push(Entry {
                name: name.clone(),
                abbr: None,
                unit,
            });
            for a in abbrs.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                abbr_pats.push(fold_str(a));
                abbr_entries.push(Entry {
                    name: name.clone(),
                    abbr: Some(a.to_string()),
                    unit,
                });
            }
        }
        let build = |pats: &[String], ci: bool| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(ci)
                .build(pats)
                .expect("static gazetteer")
        };
        Agencies {
            full: build(&full_pats, true),
            full_entries,
            abbr: build(&abbr_pats, false),
            abbr_entries,
        }
    }

    /// Every agency mention, in text order.
    pub fn find(&self, folded: &Folded, restored: &str) -> Vec<FoundAgency> {
        let t = folded.text.as_str();
        let mut hits: Vec<(usize, usize, &Entry)> = Vec::new();
        for (ac, entries) in [
            (&self.full, &self.full_entries),
            (&self.abbr, &self.abbr_entries),
        ] {
            for m in ac.find_iter(t) {
                if word_char(t[..m.start()].chars().next_back())
                    || word_char(t[m.end()..].chars().next())
                    || t[..m.start()].ends_with(['/', '-'])
                    || t[m.end()..].starts_with(['/', '-'])
                {
                    continue;
                }
                hits.push((m.start(), m.end(), &entries[m.pattern().as_usize()]));
            }
        }
        hits.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut out: Vec<FoundAgency> = Vec::new();
        let mut last_end = 0;
        for (s, e, entry) in hits {
            if s < last_end {
                continue;
            }
            let (name, end) = if entry.unit {
                extend_unit(folded, restored, &entry.name, e)
            } else {
                (entry.name.clone(), e)
            };
            last_end = end;
            let (rs, re) = (folded.src(s), folded.src(end));
            out.push(FoundAgency {
                start: rs,
                end: re,
                name,
                abbr: entry.abbr.clone(),
                surface: restored[rs..re].to_string(),
            });
        }
        out
    }
}

impl Default for Agencies {
    fn default() -> Self {
        Agencies::new()
    }
}

/// Does `s`, lower-cased, start with the word `key` (lower-case ASCII)? Lower-casing the whole
/// rest of the text for every agency instead made extraction quadratic in its length.
fn starts_with_word_ci(s: &str, key: &str) -> bool {
    lower_prefix_end(s, key).is_some_and(|mut rest| !word_char(rest.next()))
}

/// Appends `tỉnh Quảng Ngãi`, `xã`, `huyện Bình Sơn`… found right after an agency name.
fn extend_unit(folded: &Folded, restored: &str, name: &str, e: usize) -> (String, usize) {
    let t = folded.text.as_str();
    let rest = &t[e..];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    if trimmed.len() == rest.len() {
        return (name.to_string(), e);
    }
    let at = e + (rest.len() - trimmed.len());
    let level = LEVELS.iter().find(|(k, _)| starts_with_word_ci(trimmed, k));
    let (mut end, mut out) = match level {
        Some(&(key, written)) => (at + key.len(), format!("{name} {written}")),
        // Party committees take the place name directly: `Tỉnh ủy Quảng Ngãi`.
        None if name.ends_with("ủy") => (e, name.to_string()),
        None => return (name.to_string(), e),
    };
    // The proper name: up to four capitalised syllables on the same line.
    let mut words = 0;
    let mut all_caps = false;
    let mut pos = end;
    while words < 4 {
        let r = &t[pos..];
        let sp = r.len() - r.trim_start_matches([' ', '\t']).len();
        if sp == 0 {
            break;
        }
        let w_start = pos + sp;
        let w_len = t[w_start..]
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(t.len() - w_start);
        let word = &restored[folded.src(w_start)..folded.src(w_start + w_len)];
        let caps = word.chars().count() > 1 && word.chars().all(|c| !c.is_lowercase());
        if w_len == 0
            || !word.starts_with(char::is_uppercase)
            || (words > 0 && caps != all_caps)
            || (level.is_none() && caps)
        {
            break;
        }
        if words == 0 {
            all_caps = caps;
        }
        let word = if caps {
            title_case(word)
        } else {
            word.to_string()
        };
        out.push(' ');
        out.push_str(&word);
        words += 1;
        pos = w_start + w_len;
        end = pos;
    }
    (out, end)
}

/// `BA DINH` → `Ba Dinh`.
pub fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        if i == 0 {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, Option<String>)> {
        let f = Folded::new(text);
        Agencies::new()
            .find(&f, text)
            .into_iter()
            .map(|a| (a.name, a.abbr))
            .collect()
    }

    #[test]
    fn level_word_is_matched_like_the_lower_cased_text() {
        let whole = |s: &str, k: &str| {
            let lower = s.to_lowercase();
            lower.starts_with(k) && !word_char(lower[k.len()..].chars().next())
        };
        for s in [
            "tinh Quang Ngai",
            "TINH QUANG NGAI",
            "Tinh",
            "tinhs",
            "thi xa Duc Pho",
            "THI XA",
            "xaΣ",
            "xa Σ",
            "x",
            "",
            "İtinh",
        ] {
            for (k, _) in LEVELS {
                assert_eq!(starts_with_word_ci(s, k), whole(s, k), "{s:?} {k:?}");
            }
        }
    }

    #[test]
    fn table() {
        type Case<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)]);
        let cases: &[Case] = &[
            (
                "của UBND tỉnh Quảng Ngãi về",
                &[("Ủy ban nhân dân tỉnh Quảng Ngãi", Some("UBND"))],
            ),
            (
                "UBND tinh Quang Ngai",
                &[("Ủy ban nhân dân tỉnh Quang Ngai", Some("UBND"))],
            ),
            (
                "của UBND huyện về việc",
                &[("Ủy ban nhân dân huyện", Some("UBND"))],
            ),
            (
                "Sở Khoa học và Công nghệ đã",
                &[("Sở Khoa học và Công nghệ", None)],
            ),
            ("S¢ Khoa hoc va Cong nghé", &[]),
            (
                "SKHCN tham mưu",
                &[("Sở Khoa học và Công nghệ", Some("SKHCN"))],
            ),
            ("của Thủ tướng Chính phủ", &[("Thủ tướng Chính phủ", None)]),
            (
                "Bộ Chính trị, Ban Bí thư",
                &[("Bộ Chính trị", None), ("Ban Bí thư", None)],
            ),
            (
                "TT HĐND xã",
                &[("Thường trực Hội đồng nhân dân xã", Some("TT HĐND"))],
            ),
            ("13-NQ/TU", &[]),
            (
                "BTV Tỉnh ủy Quảng Ngãi.",
                &[("Ban Thường vụ Tỉnh ủy Quảng Ngãi", Some("BTV Tỉnh ủy"))],
            ),
            (
                "ỦY BAN NHÂN DÂN XÃ BA DINH",
                &[("Ủy ban nhân dân xã Ba Dinh", None)],
            ),
        ];
        for (text, want) in cases {
            let want: Vec<(String, Option<String>)> = want
                .iter()
                .map(|(n, a)| (n.to_string(), a.map(str::to_string)))
                .collect();
            assert_eq!(names(text), want, "input {text:?}");
        }
    }
}
