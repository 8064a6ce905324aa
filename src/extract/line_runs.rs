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
//! the runs (most lines of a report).

use std::ops::Range;

use regex::{Captures, Regex};

/// The runs of a text, found once and searched with several patterns.
pub struct LineRuns<'t> {
    text: &'t str,
    runs: Vec<Range<usize>>,
}

impl<'t> LineRuns<'t> {
    /// Maximal runs of ASCII lines that hold an ASCII digit, and every non-ASCII line alone.
    /// A run excludes the line break that ends it.
    pub fn new(text: &'t str) -> LineRuns<'t> {
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut open = false;
        let mut pos = 0;
        for line in text.split('\n') {
            let end = pos + line.len();
            if !line.is_ascii() {
                // A digit of another script (`\d` is Unicode's) is numeric too.
                if line.chars().any(char::is_numeric) {
                    runs.push(pos..end);
                }
                open = false;
            } else if line.bytes().any(|b| b.is_ascii_digit()) {
                match runs.last_mut() {
                    Some(run) if open => run.end = end,
                    _ => runs.push(pos..end),
                }
                open = true;
            } else {
                open = false;
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
        let mut out = Vec::new();
        for run in &self.runs {
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
        let got: Vec<&str> = LineRuns::new(t).runs.into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["1/2\n3", "“2”", "4\n5"]);
        assert!(LineRuns::new("“").runs.is_empty());
        assert_eq!(LineRuns::new("“١").runs, vec![0..5]);
        assert!(LineRuns::new("").runs.is_empty());
    }

    fn spans(caps: &[Captures]) -> Vec<Vec<Option<(usize, usize)>>> {
        caps.iter()
            .map(|c| c.iter().map(|g| g.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    /// Patterns shaped like the date rules: word boundaries, case folding, optional groups, a
    /// digit in every match.
    const PATTERNS: &[&str] = &[
        r"\b(\d{1,2})([/.-])(\d{1,2})([/.-])(\d[\dOQo]{3})\b",
        r"(?i)\bng[a-z]y[ \t]+(\d{1,2}|[ \t./]*)[ \t]*th[a-z]ng[ \t]+(\d{1,2})\b",
        r"(?i)\bth[a-z]ng[ \t]+(\d{1,2})(?:[ \t]*/[ \t]*(\d{4}))?\b",
        r"\b(\d{1,2})/(\d{1,2})\b",
    ];

    proptest! {
        #[test]
        fn same_matches_as_one_search(
            text in "([0-9]{1,4}|[/.\\- \t\n]|ngay|thang|Th[aá]ng|O|[a-zß¢…“é١５]){0,60}"
        ) {
            for p in PATTERNS {
                let re = Regex::new(p).unwrap();
                let whole: Vec<Captures> = re.captures_iter(&text).collect();
                let runs = LineRuns::new(&text).captures(&re);
                prop_assert_eq!(spans(&runs), spans(&whole), "{}", p);
            }
        }
    }
}
