//! Regex searches cut at line breaks, so that the fast regex engine is used on nearly all text.
//!
//! Folded text is ASCII but for a few lines (`…`, `“`, OCR's `¢`). A regex with a Unicode `\b`
//! runs on the lazy DFA only while the haystack is ASCII: at the first other byte the search
//! falls back to the PikeVM for the whole rest of the haystack, which made the date patterns
//! most of the extraction time. A pattern that never matches across a line break gives the same
//! matches when it is searched run by run (each maximal run of ASCII lines, and each other line
//! on its own), so the slow engine only ever reads the few lines that need it.

use std::ops::Range;

use regex::{Captures, Regex};

/// The runs of `text`: maximal runs of ASCII lines, and every other line alone. A run excludes
/// the line break that ends it; together they cover every line.
fn runs(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut run_start = 0;
    let mut pos = 0;
    for line in text.split('\n') {
        let end = pos + line.len();
        if !line.is_ascii() {
            if pos > run_start {
                out.push(run_start..pos - 1);
            }
            out.push(pos..end);
            run_start = end + 1;
        }
        pos = end + 1;
    }
    if run_start <= text.len() {
        out.push(run_start..text.len());
    }
    out
}

/// Every match of `re` in `text`, the same as `re.captures_iter(text)`, with offsets into `text`.
///
/// `re` must never match a line break nor the empty string, and may look around only with word
/// boundaries (a line break is not a word char, like the edge of the haystack). Each run is
/// searched with the text before it kept as context (`captures_at`) and the text after it cut
/// off at its line break.
pub fn captures<'t>(re: &Regex, text: &'t str) -> Vec<Captures<'t>> {
    let mut out = Vec::new();
    for run in runs(text) {
        let haystack = &text[..run.end];
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn runs_cover_every_line() {
        let t = "ab\n1/2\n“x”\n\nc…\nd\n";
        let got: Vec<&str> = runs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["ab\n1/2", "“x”", "", "c…", "d\n"]);
        assert_eq!(runs("“"), [0..3]);
        assert_eq!(runs(""), [0..0]);
    }

    fn spans(caps: &[Captures]) -> Vec<Vec<Option<(usize, usize)>>> {
        caps.iter()
            .map(|c| c.iter().map(|g| g.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    /// Patterns shaped like the date rules: word boundaries, case folding, optional groups.
    const PATTERNS: &[&str] = &[
        r"\b(\d{1,2})([/.-])(\d{1,2})([/.-])(\d[\dOQo]{3})\b",
        r"(?i)\bng[a-z]y[ \t]+(\d{1,2}|[ \t./]*)[ \t]*th[a-z]ng[ \t]+(\d{1,2})\b",
        r"(?i)\bth[a-z]ng[ \t]+(\d{1,2})(?:[ \t]*/[ \t]*(\d{4}))?\b",
        r"\b(\d{1,2})/(\d{1,2})\b",
    ];

    proptest! {
        #[test]
        fn same_matches_as_one_search(
            text in "([0-9]{1,4}|[/.\\- \t\n]|ngay|thang|Th[aá]ng|O|[a-zß¢…“é]){0,60}"
        ) {
            for p in PATTERNS {
                let re = Regex::new(p).unwrap();
                let whole: Vec<Captures> = re.captures_iter(&text).collect();
                prop_assert_eq!(spans(&captures(&re, &text)), spans(&whole), "{}", p);
            }
        }
    }
}
