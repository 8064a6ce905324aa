//! Dates: `ngày 20 tháng 11 năm 2025`, `20/11/2025`, `20-11-2025`, `03.11.2025`, `tháng 11/2025`,
//! day/month ranges whose year is in the same sentence, and OCR damage (`2Q25`, `2716/2025`).
//!
//! Matching runs on folded text so that `ngay 02 thang 8 nam 2025` (marks lost) is read too.

use regex::{Captures, Regex};

use super::fold::{lower_starts_with, Folded};
use super::line_runs::{lines, LineRuns, Need};

/// A date found in the text (offsets into the restored text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundDate {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub iso: String,
}

/// The compiled date patterns. Every match holds a digit and no line break (they are searched
/// by [`LineRuns`]).
#[derive(Clone, Debug)]
pub struct Dates {
    long: Regex,
    numeric: Regex,
    month_year: Regex,
    day_month: Regex,
    blank_day: Regex,
    glued: Regex,
    /// The start of a long date left open at a line's end (`… ngày 25 tháng 5 năm`).
    open_tail: Regex,
}

/// A year as printed, with `O`/`Q`/`o` read as 0 (`2Q25`).
pub fn parse_year(s: &str) -> Option<u32> {
    if s.len() != 4 {
        return None;
    }
    let mut y = 0;
    for c in s.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'O' | 'Q' | 'o' => 0,
            _ => return None,
        };
        y = y * 10 + d;
    }
    (1900..=2100).contains(&y).then_some(y)
}

fn days_in(month: u32, year: Option<u32>) -> u32 {
    match month {
        2 => match year {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// ISO form of a date, or `None` when it is not a valid calendar date.
pub fn iso(day: Option<u32>, month: u32, year: Option<u32>) -> Option<String> {
    if !(1..=12).contains(&month) {
        return None;
    }
    match (day, year) {
        (Some(d), _) if d == 0 || d > days_in(month, year) => None,
        (Some(d), Some(y)) => Some(format!("{y:04}-{month:02}-{d:02}")),
        (Some(d), None) => Some(format!("--{month:02}-{d:02}")),
        (None, Some(y)) => Some(format!("{y:04}-{month:02}")),
        (None, None) => None,
    }
}

impl Dates {
    pub fn new() -> Dates {
        let re = |s: &str| Regex::new(s).expect("static regex");
        Dates {
            // ngày 20 tháng 11 năm 2025 (day may be blank); OCR: ngay/ngdy/ngiy, nam/ndm.
            long: re(
                r"(?i)\bng[a-z]y[ \t]+(\d{1,2}|[ \t./]*)[ \t]*th[a-z]ng[ \t]+(\d{1,2})[ \t,]+n[a-z]m[ \t]+(\d[\dOQo]{3})\b",
            ),
            numeric: re(r"\b(\d{1,2})([/.-])(\d{1,2})([/.-])(\d[\dOQo]{3})\b"),
            month_year: re(
                r"(?i)\bth[a-z]ng[ \t]+(\d{1,2})(?:[ \t]*/[ \t]*|[ \t]+n[a-z]m[ \t]+)(\d{4})\b|(?i)\bth[a-z]ng[ \t]+(\d{1,2})\b",
            ),
            day_month: re(r"\b(\d{1,2})/(\d{1,2})\b"),
            blank_day: re(r"(?i)\bng[a-z]y[ \t]+/[ \t]*(\d{1,2})/(\d[\dOQo]{3})\b"),
            glued: re(r"\b(\d{3,4})/(\d{4})\b"),
            open_tail: re(
                r"(?i)\bng[a-z]y(?:[ \t]+(?:\d{1,2}|[ \t./]*)(?:[ \t]*th[a-z]ng(?:[ \t]+\d{1,2}(?:[ \t,]+n[a-z]m)?)?)?)?[ \t]*$",
            ),
        }
    }

    /// Every date in `restored` (with its folded form `folded`), in text order.
    pub fn find(&self, folded: &Folded, restored: &str) -> Vec<FoundDate> {
        self.find_all(folded, restored).0
    }

    /// [`Dates::find`] and [`Dates::impossible`] at once: both read the long and numeric
    /// dates, searched once.
    pub fn find_all(
        &self,
        folded: &Folded,
        restored: &str,
    ) -> (Vec<FoundDate>, Vec<(usize, usize)>) {
        let t = folded.text.as_str();
        let runs = LineRuns::new(t);
        let long = runs.captures_needing(&self.long, Need::NgSpaceDigit);
        let numeric = runs.captures_needing(&self.numeric, Need::DigitSepDigit);
        let impossible = impossible_of(folded, &long, &numeric);
        let mut found: Vec<(usize, usize, String)> = Vec::new(); // folded start, end, iso
        let taken = |found: &[(usize, usize, String)], s: usize, e: usize| {
            found.iter().any(|&(a, b, _)| s < b && a < e)
        };
        for c in &long {
            let m = c.get(0).map_or(0..0, |m| m.range());
            let day = c[1].trim().parse().ok();
            let (Ok(month), Some(year)) = (c[2].parse(), parse_year(&c[3])) else {
                continue;
            };
            if let Some(iso) = iso(day, month, Some(year)) {
                found.push((m.start, m.end, iso));
            }
        }
        // A long date broken across a line end (the text layer wraps the paragraph there):
        // `Nghị định số 59/2024/NĐ-CP ngày 25 tháng 5 năm` / `2024 của Chính phủ`.
        let mut line_start = 0;
        for line in lines(t) {
            let next_start = line_start + line.len() + 1;
            let end = line.trim_end();
            let lower_end = end
                .get(end.len().saturating_sub(5)..)
                .unwrap_or("")
                .as_bytes();
            let open = end.ends_with(|c: char| c.is_ascii_digit())
                || ["thang", "nam", "ngay"]
                    .iter()
                    .any(|k| ends_with_ignore_ascii_case(lower_end, k.as_bytes()));
            if open && next_start < t.len() {
                let mut from = end.len().saturating_sub(40);
                while !end.is_char_boundary(from) {
                    from += 1;
                }
                if let Some(m) = self.open_tail.find(&end[from..]) {
                    let tail_start = line_start + from + m.start();
                    let next = &t[next_start..];
                    let next_line = &next[..next.find('\n').unwrap_or(next.len())];
                    let joined =
                        format!("{} {}", &t[tail_start..line_start + end.len()], next_line);
                    let tail_len = line_start + end.len() - tail_start;
                    if let Some(c) = self.long.captures(&joined) {
                        let whole = c.get(0).map_or(0..0, |m| m.range());
                        let day = c[1].trim().parse().ok();
                        if whole.start == 0 && whole.end > tail_len + 1 {
                            let date_end = next_start + (whole.end - tail_len - 1);
                            if let (Ok(month), Some(year)) = (c[2].parse(), parse_year(&c[3])) {
                                if let Some(iso) = iso(day, month, Some(year)) {
                                    if !taken(&found, tail_start, date_end) {
                                        found.push((tail_start, date_end, iso));
                                    }
                                }
                            }
                        }
                    }
                }
            }
            line_start = next_start;
        }
        for c in &numeric {
            let m = c.get(0).map_or(0..0, |m| m.range());
            if c[2] != c[4] || taken(&found, m.start, m.end) {
                continue;
            }
            // Not part of a longer number or a symbol (`20/2020/QĐ`).
            let before = t[..m.start].chars().next_back();
            let after = t[m.end..].chars().next();
            if before.is_some_and(|c| c == '/' || c == '.' || c.is_ascii_digit())
                || after.is_some_and(|c| c == '/' || c.is_ascii_alphanumeric())
            {
                continue;
            }
            let (Ok(day), Ok(month), Some(year)) = (c[1].parse(), c[3].parse(), parse_year(&c[5]))
            else {
                continue;
            };
            if let Some(iso) = iso(Some(day), month, Some(year)) {
                found.push((m.start, m.end, iso));
            }
        }
        // `ngày  /7/2025`: the day left blank.
        for c in runs.captures_needing(&self.blank_day, Need::DigitSlashDigit) {
            let m = c.get(0).map_or(0..0, |m| m.range());
            if let (Ok(mo), Some(y)) = (c[1].parse(), parse_year(&c[2])) {
                if let Some(iso) = iso(None, mo, Some(y)) {
                    found.push((m.start, m.end, iso));
                }
            }
        }
        // `2716/2025`: a slash read as `1`, accepted only next to dates of the same year.
        let full: Vec<(usize, u32, u32)> = found
            .iter()
            .filter_map(|(s, _, iso)| {
                let y = iso.get(0..4)?.parse().ok()?;
                let m = iso.get(5..7)?.parse().ok()?;
                Some((*s, y, m))
            })
            .collect();
        for c in runs.captures_needing(&self.glued, Need::DigitSlashDigit) {
            let m = c.get(0).map_or(0..0, |m| m.range());
            if taken(&found, m.start, m.end) || t[m.end..].starts_with('/') {
                continue;
            }
            let Some(year) = parse_year(&c[2]) else {
                continue;
            };
            let near: Vec<u32> = full
                .iter()
                .filter(|(s, y, _)| *y == year && s.abs_diff(m.start) < 200)
                .map(|x| x.2)
                .collect();
            if near.is_empty() {
                continue;
            }
            let digits = &c[1];
            let mut best: Option<(bool, String)> = None;
            for (k, ch) in digits.char_indices().skip(1) {
                if ch != '1' || k + 1 >= digits.len() {
                    continue;
                }
                let (Ok(d), Ok(mo)) = (digits[..k].parse::<u32>(), digits[k + 1..].parse::<u32>())
                else {
                    continue;
                };
                if let Some(iso) = iso(Some(d), mo, Some(year)) {
                    let score = near.contains(&mo);
                    if best.as_ref().is_none_or(|(s, _)| score && !*s) {
                        best = Some((score, iso));
                    }
                }
            }
            if let Some((true, iso)) = best {
                found.push((m.start, m.end, iso));
            }
        }
        // tháng 11/2025, tháng 11 năm 2025; bare `tháng 11` takes the year of a date on its line.
        for c in runs.captures_needing(&self.month_year, Need::NgSpaceDigit) {
            let m = c.get(0).map_or(0..0, |m| m.range());
            if taken(&found, m.start, m.end) {
                continue;
            }
            let iso = if let (Some(mo), Some(y)) = (c.get(1), c.get(2)) {
                mo.as_str()
                    .parse()
                    .ok()
                    .and_then(|mo| iso(None, mo, parse_year(y.as_str())))
            } else {
                let Some(mo) = c.get(3).and_then(|x| x.as_str().parse().ok()) else {
                    continue;
                };
                if t[m.end..].trim_start().starts_with(['/', '-']) {
                    continue;
                }
                line_year(t, m.start, &found).and_then(|y| iso(None, mo, Some(y)))
            };
            if let Some(iso) = iso {
                found.push((m.start, m.end, iso));
            }
        }
        // Day/month with the year given later in the sentence: `từ ngày 27/10 đến ngày 03/11/2025`.
        let lower = t.to_ascii_lowercase();
        for c in runs.captures_needing(&self.day_month, Need::DigitSlashDigit) {
            let m = c.get(0).map_or(0..0, |m| m.range());
            if taken(&found, m.start, m.end) {
                continue;
            }
            let before = lower[..m.start].trim_end();
            let after = &t[m.end..];
            if after.starts_with(['/', '.', '-'])
                && after[1..].starts_with(|c: char| c.is_ascii_digit())
                || before.ends_with(['/', '.', '-'])
            {
                continue;
            }
            let cue = before.ends_with("ngay")
                || before.ends_with("tu")
                || lower_starts_with(after.trim_start(), "den");
            if !cue {
                continue;
            }
            let (Ok(d), Ok(mo)) = (c[1].parse(), c[2].parse()) else {
                continue;
            };
            let year = sentence_year(t, m.end, &found);
            if let Some(iso) = iso(Some(d), mo, year) {
                found.push((m.start, m.end, iso));
            }
        }
        found.sort_by_key(|x| x.0);
        let found = found
            .into_iter()
            .map(|(s, e, iso)| {
                let (start, end) = (folded.src(s), folded.src(e));
                let text = &restored[start..end];
                FoundDate {
                    start,
                    end,
                    // A date across a line end reads with one space there.
                    text: if text.contains('\n') {
                        text.split_whitespace().collect::<Vec<_>>().join(" ")
                    } else {
                        text.to_string()
                    },
                    iso,
                }
            })
            .collect();
        (found, impossible)
    }
}

impl Dates {
    /// Dates as printed that no calendar has (`31/02/2025`, `ngày 30 tháng 2 năm 2024`): a
    /// reviewer should see them, and they are neither dates nor ratios. Restored ranges.
    pub fn impossible(&self, folded: &Folded) -> Vec<(usize, usize)> {
        let runs = LineRuns::new(&folded.text);
        impossible_of(
            folded,
            &runs.captures_needing(&self.long, Need::NgSpaceDigit),
            &runs.captures_needing(&self.numeric, Need::DigitSepDigit),
        )
    }

    /// Each pattern searched by [`LineRuns`], with what its matches need of an ASCII line.
    #[cfg(test)]
    fn searched(&self) -> [(&Regex, Need); 6] {
        [
            (&self.long, Need::NgSpaceDigit),
            (&self.numeric, Need::DigitSepDigit),
            (&self.month_year, Need::NgSpaceDigit),
            (&self.day_month, Need::DigitSlashDigit),
            (&self.blank_day, Need::DigitSlashDigit),
            (&self.glued, Need::DigitSlashDigit),
        ]
    }
}

/// Does `s` end with `suffix`, ASCII case ignored (as `s.to_ascii_lowercase().ends_with(suffix)`
/// for a lower-case suffix, without the copy)?
fn ends_with_ignore_ascii_case(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len() && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// [`Dates::impossible`] from the matches of the long and the numeric date patterns.
fn impossible_of(folded: &Folded, long: &[Captures], numeric: &[Captures]) -> Vec<(usize, usize)> {
    let t = folded.text.as_str();
    let mut out = Vec::new();
    let bad = |d: &str, m: &str, y: Option<u32>| {
        let (Ok(d), Ok(m)) = (d.trim().parse::<u32>(), m.trim().parse::<u32>()) else {
            return false;
        };
        (1..=31).contains(&d) && (1..=12).contains(&m) && iso(Some(d), m, y).is_none()
    };
    for c in long {
        if bad(&c[1], &c[2], parse_year(&c[3])) {
            let m = c.get(0).map_or(0..0, |m| m.range());
            out.push((m.start, m.end));
        }
    }
    for c in numeric {
        let m = c.get(0).map_or(0..0, |m| m.range());
        let before = t[..m.start].chars().next_back();
        let after = t[m.end..].chars().next();
        if c[2] != c[4]
            || before.is_some_and(|c| c == '/' || c == '.' || c.is_ascii_digit())
            || after.is_some_and(|c| c == '/' || c.is_ascii_alphanumeric())
        {
            continue;
        }
        if bad(&c[1], &c[3], parse_year(&c[5])) {
            out.push((m.start, m.end));
        }
    }
    out.sort_unstable();
    out.into_iter()
        .map(|(s, e)| (folded.src(s), folded.src(e)))
        .collect()
}

impl Default for Dates {
    fn default() -> Self {
        Dates::new()
    }
}

/// The year of a full date on the same line as `at`.
fn line_year(t: &str, at: usize, found: &[(usize, usize, String)]) -> Option<u32> {
    let ls = t[..at].rfind('\n').map_or(0, |i| i + 1);
    let le = t[at..].find('\n').map_or(t.len(), |i| at + i);
    found
        .iter()
        .filter(|(s, _, iso)| *s >= ls && *s < le && iso.len() == 10)
        .find_map(|(_, _, iso)| iso[..4].parse().ok())
}

/// The year of the next full date in the same sentence after `at`.
fn sentence_year(t: &str, at: usize, found: &[(usize, usize, String)]) -> Option<u32> {
    let rest = &t[at..];
    let end = rest
        .char_indices()
        .find(|&(i, c)| {
            c == ';' || (c == '.' && !rest[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        })
        .map_or(t.len(), |(i, _)| at + i);
    found
        .iter()
        .filter(|(s, _, iso)| *s >= at && *s < end && iso.len() == 10 && !iso.starts_with('-'))
        .min_by_key(|x| x.0)
        .and_then(|(_, _, iso)| iso[..4].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isos(text: &str) -> Vec<(String, String)> {
        let f = Folded::new(text);
        Dates::new()
            .find(&f, text)
            .into_iter()
            .map(|d| (d.text, d.iso))
            .collect()
    }

    macro_rules! t {
        ($($input:expr => [$($text:expr => $iso:expr),*]),* $(,)?) => {
            $( assert_eq!(isos($input), vec![$(($text.to_string(), $iso.to_string())),*], "input {:?}", $input); )*
        };
    }

    #[test]
    fn table() {
        t! {
            "Ba Dinh, ngày 03 tháng 11 năm 2025" => ["ngày 03 tháng 11 năm 2025" => "2025-11-03"],
            "Quang Ngdi, ngay 02 thang 8 nam 2025" => ["ngay 02 thang 8 nam 2025" => "2025-08-02"],
            "ngày    tháng 7 năm 2025" => ["ngày    tháng 7 năm 2025" => "2025-07"],
            "ngày 06/9/2023 của" => ["06/9/2023" => "2023-09-06"],
            "ngày 20-11-2025" => ["20-11-2025" => "2025-11-20"],
            "(Tuần 01 tháng 11. Ngày 03.11.2025)" => ["tháng 11" => "2025-11", "03.11.2025" => "2025-11-03"],
            "ngày 26/6/2Q25;" => ["26/6/2Q25" => "2025-06-26"],
            "tháng 11/2025" => ["tháng 11/2025" => "2025-11"],
            "Từ ngày 27/10 đến ngày 03/11/2025" => ["27/10" => "2025-10-27", "03/11/2025" => "2025-11-03"],
            "từ ngày 14/5 đến nay" => ["14/5" => "--05-14"],
            "ngày 27/6/2025; 4289/UBND ngày\n2716/2025; 4257 ngày 27/6/2025" =>
                ["27/6/2025" => "2025-06-27", "2716/2025" => "2025-06-27", "27/6/2025" => "2025-06-27"],
            "ngày 31/2/2025" => [],
            "(Kèm theo Báo cáo số /BC-SKHCN ngày  /7/2025" => ["ngày  /7/2025" => "2025-07"],
            "20/2020/QĐ-TTg" => [],
            "giai đoạn 2022-2025" => [],
            "đạt 47/96 xã" => [],
            "Nghị định số 59/2024/NĐ-CP ngày 25 tháng 5 năm \n2024 của Chính phủ" =>
                ["ngày 25 tháng 5 năm 2024" => "2024-05-25"],
            "số 134/2021/NĐ-CP ngày 30 tháng \n12 năm 2021 của Chính phủ" =>
                ["ngày 30 tháng 12 năm 2021" => "2021-12-30"],
            "Luật Tổ chức Chính phủ ngày\n18 tháng 02 năm 2025;" =>
                ["ngày 18 tháng 02 năm 2025" => "2025-02-18"],
            "ngày 31 tháng \n02 năm 2025" => [],
            "trong 30 ngày\nkể từ ngày 01/7/2025" => ["01/7/2025" => "2025-07-01"],
        }
    }

    proptest::proptest! {
        /// Each date pattern finds in the runs of the lines that meet its [`Need`] what it
        /// finds in the whole text.
        #[test]
        fn the_runs_of_each_pattern_hold_all_its_matches(
            text in "([0-9]{1,4}|[/.\\- \t\n,]|ngay|Ng[aà]y|thang|TH[AÁ]NG|nam|N[aă]m|O|Q|[a-zß¢…“é١５]){0,60}"
        ) {
            let d = Dates::new();
            let runs = LineRuns::new(&text);
            for (re, need) in d.searched() {
                let whole: Vec<_> = re.find_iter(&text).map(|m| m.range()).collect();
                let got: Vec<_> = runs
                    .captures_needing(re, need)
                    .iter()
                    .filter_map(|c| c.get(0).map(|m| m.range()))
                    .collect();
                proptest::prop_assert_eq!(got, whole, "{}", re);
            }
        }
    }

    #[test]
    fn open_line_ends_are_read_without_copies() {
        for s in ["", "m", "NAM", "ThAnG", "xnam", "ngay ", "ngày", "5 năm"] {
            for k in ["thang", "nam", "ngay"] {
                assert_eq!(
                    ends_with_ignore_ascii_case(s.as_bytes(), k.as_bytes()),
                    s.eq_ignore_ascii_case(k) || s.to_ascii_lowercase().ends_with(k),
                    "{s:?} {k:?}"
                );
            }
        }
    }

    #[test]
    fn impossible_dates() {
        let text =
            "ngày 31/02/2025 và ngày 30 tháng 2 năm 2024; 29/02/2024; 28/02/2025; 31/13/2025";
        let f = Folded::new(text);
        let got: Vec<&str> = Dates::new()
            .impossible(&f)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(got, ["31/02/2025", "ngày 30 tháng 2 năm 2024"]);
    }
}
