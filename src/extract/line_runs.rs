//! Regex searches cut at line breaks, so that the fast regex engine is used on nearly all text
//! and lines that cannot match are not read at all.
//!
//! Folded text is ASCII but for a few lines (`…`, `“`, OCR's `¢`). A regex with a Unicode `\b`
//! runs on the lazy DFA only while the haystack is ASCII: at the first other byte the search
//! falls back to the PikeVM for the whole rest of the haystack, which made the date patterns
//! most of the extraction time. A pattern that never matches across a line break gives the same
//! matches when it is searched run by run (each maximal run of ASCII lines, and each other line
//! on its own), so the slow engine only ever reads the few lines that need it. A pattern whose
//! every match holds a digit cannot match a line without one, so those lines are left out of
//! the runs (most lines of a report). A pattern may say more of what its match needs ([`Need`]:
//! `20/11`, `tháng 11`): each is searched only in the runs of the ASCII lines that have it.

use std::ops::Range;

use regex::{Captures, Regex};

/// The lines of `text`, the same pieces as `text.split('\n')` (an empty last one after a final
/// line break): line ends are found with `memchr`, where `str::split` tests byte by byte (most
/// lines are short, and every extractor walks them).
pub fn lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut start = 0;
    let mut breaks = memchr::memchr_iter(b'\n', text.as_bytes());
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match breaks.next() {
            Some(i) => {
                let line = &text[start..i];
                start = i + 1;
                Some(line)
            }
            None => {
                done = true;
                Some(&text[start..])
            }
        }
    })
}

/// What an ASCII line must hold for a pattern to match in it (beyond a digit): a necessary
/// condition, so that only the lines that can match are searched. Lines that are not ASCII are
/// always searched (`\d` is Unicode's there, and case folding reaches other letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// An ASCII digit.
    Digit = 0,
    /// A digit, one of `/ . -`, a digit (`20/11`, `03.11`, `20-11`).
    DigitSepDigit = 1,
    /// A digit, `/`, a digit.
    DigitSlashDigit = 2,
    /// `ng` in any case, spaces or tabs, a digit (`tháng 11`, folded).
    NgSpaceDigit = 3,
}

const NEEDS: usize = 4;

/// Which [`Need`]s an ASCII line meets.
fn needs_met(line: &[u8]) -> [bool; NEEDS] {
    let mut met = [false; NEEDS];
    for (i, &b) in line.iter().enumerate() {
        if !b.is_ascii_digit() {
            continue;
        }
        met[Need::Digit as usize] = true;
        if let (Some(&sep), Some(d)) = (line.get(i + 1), line.get(i + 2)) {
            if matches!(sep, b'/' | b'.' | b'-') && d.is_ascii_digit() {
                met[Need::DigitSepDigit as usize] = true;
                if sep == b'/' {
                    met[Need::DigitSlashDigit as usize] = true;
                }
            }
        }
        let mut j = i;
        while j > 0 && matches!(line[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        if j < i
            && j >= 2
            && line[j - 2].eq_ignore_ascii_case(&b'n')
            && line[j - 1].eq_ignore_ascii_case(&b'g')
        {
            met[Need::NgSpaceDigit as usize] = true;
        }
    }
    met
}

/// The runs of a text, found once and searched with several patterns.
pub struct LineRuns<'t> {
    text: &'t str,
    /// For each [`Need`], the runs of the lines that meet it.
    runs: [Vec<Range<usize>>; NEEDS],
}

impl<'t> LineRuns<'t> {
    /// For each [`Need`], maximal runs of ASCII lines that meet it, and every non-ASCII line
    /// that holds a numeric char alone. A run excludes the line break that ends it.
    pub fn new(text: &'t str) -> LineRuns<'t> {
        let mut runs: [Vec<Range<usize>>; NEEDS] = Default::default();
        let mut open = [false; NEEDS];
        let mut pos = 0;
        for line in lines(text) {
            let end = pos + line.len();
            if !line.is_ascii() {
                // A digit of another script (`\d` is Unicode's) is numeric too.
                if line.chars().any(char::is_numeric) {
                    for r in &mut runs {
                        r.push(pos..end);
                    }
                }
                open = [false; NEEDS];
            } else {
                let met = needs_met(line.as_bytes());
                for k in 0..NEEDS {
                    if met[k] {
                        match runs[k].last_mut() {
                            Some(run) if open[k] => run.end = end,
                            _ => runs[k].push(pos..end),
                        }
                    }
                    open[k] = met[k];
                }
            }
            pos = end + 1;
        }
        LineRuns { text, runs }
    }

    /// Every match of `re` in the text, the same as `re.captures_iter(text)`, with offsets into
    /// the text.
    ///
    /// Every match of `re` must hold a digit (`\d`) and no line break, must not be empty, and
    /// `re` may look around only with word boundaries (a line break is not a word char, like the
    /// edge of the haystack). Each run is searched with the text before it kept as context
    /// (`captures_at`) and the text after it cut off at its line break.
    pub fn captures(&self, re: &Regex) -> Vec<Captures<'t>> {
        self.captures_needing(re, Need::Digit)
    }

    /// [`LineRuns::captures`] for a pattern whose every match, in an ASCII line, meets `need`
    /// (a match lies in one line, so the lines that do not are skipped).
    pub fn captures_needing(&self, re: &Regex, need: Need) -> Vec<Captures<'t>> {
        let mut out = Vec::new();
        for run in &self.runs[need as usize] {
            let haystack = &self.text[..run.end];
            let mut at = run.start;
            while let Some(c) = re.captures_at(haystack, at) {
                let end = c.get(0).map_or(at, |m| m.end());
                debug_assert!(c.get(0).is_some_and(|m| !m.is_empty()), "{re} matched ''");
                out.push(c);
                if end <= at {
                    break;
                }
                at = end;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn runs_hold_the_lines_that_can_match() {
        let t = "ab\n1/2\n3\n“2”\n\nc…\nd\n4\n5";
        let digit = |t| LineRuns::new(t).runs[Need::Digit as usize].clone();
        let got: Vec<&str> = digit(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["1/2\n3", "“2”", "4\n5"]);
        assert!(digit("“").is_empty());
        assert_eq!(digit("“١"), vec![0..5]);
        assert!(digit("").is_empty());
        let runs = LineRuns::new("a 1/2\nb 3.4\nthang  5\nTHANG\t6 7-8");
        let got = |n: Need| -> Vec<Range<usize>> { runs.runs[n as usize].clone() };
        assert_eq!(got(Need::DigitSlashDigit), vec![0..5]);
        assert_eq!(got(Need::DigitSepDigit), vec![0..11, 21..32]);
        assert_eq!(got(Need::NgSpaceDigit), vec![12..32]);
    }

    #[test]
    fn lines_are_split_pieces() {
        for t in ["", "\n", "a", "a\n", "\na\n\nb", "ab\ncd", "“\n”\n"] {
            assert_eq!(
                lines(t).collect::<Vec<_>>(),
                t.split('\n').collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    fn spans(caps: &[Captures]) -> Vec<Vec<Option<(usize, usize)>>> {
        caps.iter()
            .map(|c| c.iter().map(|g| g.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    /// Patterns shaped like the date rules: word boundaries, case folding, optional groups, a
    /// digit in every match; with what each needs of an ASCII line.
    const PATTERNS: &[(&str, Need)] = &[
        (
            r"\b(\d{1,2})([/.-])(\d{1,2})([/.-])(\d[\dOQo]{3})\b",
            Need::DigitSepDigit,
        ),
        (
            r"(?i)\bng[a-z]y[ \t]+(\d{1,2}|[ \t./]*)[ \t]*th[a-z]ng[ \t]+(\d{1,2})\b",
            Need::NgSpaceDigit,
        ),
        (
            r"(?i)\bth[a-z]ng[ \t]+(\d{1,2})(?:[ \t]*/[ \t]*(\d{4}))?\b",
            Need::NgSpaceDigit,
        ),
        (r"\b(\d{1,2})/(\d{1,2})\b", Need::DigitSlashDigit),
        (r"\b(\d{3,4})/(\d{4})\b", Need::DigitSlashDigit),
    ];

    proptest! {
        #[test]
        fn same_matches_as_one_search(
            text in "([0-9]{1,4}|[/.\\- \t\n]|ngay|thang|Th[aá]ng|NG|O|[a-zß¢…“é١５]){0,60}"
        ) {
            for &(p, need) in PATTERNS {
                let re = Regex::new(p).unwrap();
                let whole: Vec<Captures> = re.captures_iter(&text).collect();
                let runs = LineRuns::new(&text);
                prop_assert_eq!(spans(&runs.captures(&re)), spans(&whole), "{}", p);
                prop_assert_eq!(spans(&runs.captures_needing(&re, need)), spans(&whole), "{}", p);
            }
        }
    }
}
