//! Whole OCR'd pages scored against the text they were typeset from: `sohoa eval pages`.
//!
//! A page (`fixtures/pages/ocr/NAME.txt`, made by `tools/make-pages.py` with
//! `../shared/tools/ocr-doc`) is what Tesseract read from a typeset, degraded page of its source
//! (`fixtures/pages/source/NAME.txt`, one paragraph per line). The typesetter re-wraps the
//! paragraphs and the OCR may merge, split or drop lines, so there is no line-aligned gold to
//! begin with: [`page_gold`] makes one by a character-level edit alignment of the whole page to
//! its whole source, then gives each source syllable to the OCR line most of its characters were
//! read on. The restored page is then scored line by line like every other restoration set
//! ([`crate::eval::restore::score`]).

use std::path::Path;

use crate::text::vietnamese::strip_marks;

/// Cost of a character the OCR read as something unrelated, added, or lost (tenths of an edit).
const EDIT: u32 = 10;
/// Cost of the same letter with other marks (`ê` read as `é`): the usual OCR damage, so the
/// alignment prefers it to any other pairing.
const MARKS: u32 = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// page char i aligned with source char j
    Pair,
    /// page char with no source char (OCR noise, an inserted line break)
    Page,
    /// source char with no page char (lost by the OCR)
    Source,
}

/// The base letter of a char for alignment: lower case, marks removed; all whitespace is one
/// class (the typesetter turns spaces into line breaks and back).
fn base(c: char) -> char {
    if c.is_whitespace() {
        return ' ';
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    let mut buf = [0u8; 4];
    strip_marks(lower.encode_utf8(&mut buf))
        .chars()
        .next()
        .unwrap_or(lower)
}

fn pair_cost(a: char, b: char, ba: char, bb: char) -> u32 {
    if a == b || (ba == ' ' && bb == ' ') {
        0
    } else if ba == bb {
        if a.to_lowercase().eq(b.to_lowercase()) {
            0
        } else {
            MARKS
        }
    } else {
        EDIT
    }
}

/// For each char of `source`, the index of the `page` char it is aligned to (`None`: lost by
/// the OCR, or beyond the end of the page). The alignment is global on the page and open at the
/// end of the source, which may run past what fits on one page.
fn align_chars(page: &[char], source: &[char]) -> Vec<Option<usize>> {
    let (n, m) = (page.len(), source.len());
    let pb: Vec<char> = page.iter().map(|&c| base(c)).collect();
    let sb: Vec<char> = source.iter().map(|&c| base(c)).collect();
    let w = m + 1;
    let mut steps = vec![Step::Pair; (n + 1) * w];
    let mut prev: Vec<u32> = (0..=m as u32).map(|j| j * EDIT).collect();
    for s in steps.iter_mut().take(w).skip(1) {
        *s = Step::Source;
    }
    let mut cur = vec![0u32; w];
    for i in 1..=n {
        cur[0] = i as u32 * EDIT;
        steps[i * w] = Step::Page;
        for j in 1..=m {
            let pair = prev[j - 1] + pair_cost(page[i - 1], source[j - 1], pb[i - 1], sb[j - 1]);
            let skip_page = prev[j] + EDIT;
            let skip_source = cur[j - 1] + EDIT;
            let (best, step) = if pair <= skip_page && pair <= skip_source {
                (pair, Step::Pair)
            } else if skip_page <= skip_source {
                (skip_page, Step::Page)
            } else {
                (skip_source, Step::Source)
            };
            cur[j] = best;
            steps[i * w + j] = step;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    // Open end: the source may go on past the page; stop where the page is best explained.
    let end = (0..=m).min_by_key(|&j| (prev[j], j)).unwrap_or(m);
    let mut out = vec![None; m];
    let (mut i, mut j) = (n, end);
    while i > 0 || j > 0 {
        let step = if i == 0 {
            Step::Source
        } else if j == 0 {
            Step::Page
        } else {
            steps[i * w + j]
        };
        match step {
            Step::Pair => {
                out[j - 1] = Some(i - 1);
                i -= 1;
                j -= 1;
            }
            Step::Page => i -= 1,
            Step::Source => j -= 1,
        }
    }
    out
}

/// The gold of an OCR'd page: line N holds the source text read on page line N, so the result
/// has exactly as many lines as `page`. A syllable (run of letters and digits, as scored) goes
/// to the page line most of its aligned characters lie on (the first on a tie, never before
/// the line of the syllable before it); one the OCR lost whole stays with the syllable before
/// it. Source text past the end of the page is left out.
pub fn page_gold(page: &str, source: &str) -> String {
    let page_chars: Vec<char> = page.chars().collect();
    // Page line of each page char.
    let mut line_of = Vec::with_capacity(page_chars.len());
    let mut line = 0usize;
    for &c in &page_chars {
        line_of.push(line);
        if c == '\n' {
            line += 1;
        }
    }
    let n_lines = page.split('\n').count();
    // The source as one running text: its line breaks are no more than spaces to the typesetter.
    let src: Vec<char> = source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let aligned = align_chars(&page_chars, &src);
    let last_aligned = aligned.iter().rposition(Option::is_some);

    // Syllables of the source: (start, end) in chars.
    let mut units = Vec::new();
    let mut start = None;
    for (j, c) in src.iter().enumerate() {
        if c.is_alphanumeric() {
            start.get_or_insert(j);
        } else if let Some(s) = start.take() {
            units.push((s, j));
        }
    }
    if let Some(s) = start {
        units.push((s, src.len()));
    }

    let mut lines: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n_lines];
    let mut floor = 0usize;
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for &(s, e) in &units {
        if last_aligned.is_none_or(|last| s > last) {
            break; // past the end of the page
        }
        counts.clear();
        for a in aligned[s..e].iter().flatten() {
            let l = line_of[*a];
            match counts.iter_mut().find(|(k, _)| *k == l) {
                Some((_, n)) => *n += 1,
                None => counts.push((l, 1)),
            }
        }
        let best = counts
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map_or(floor, |&(l, _)| l)
            .max(floor);
        floor = best;
        if let Some(v) = lines.get_mut(best) {
            v.push((s, e));
        }
    }
    // Each gold line: the source from its first syllable to its last, punctuation between kept.
    let mut out = String::new();
    for (k, v) in lines.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        if let (Some(&(s, _)), Some(&(_, e))) = (v.first(), v.last()) {
            out.extend(&src[s..e]);
        }
    }
    out
}

/// One page of the set: its name, the OCR text, and its line-aligned gold ([`page_gold`]).
#[derive(Clone, Debug)]
pub struct Page {
    /// The file name (`NAME.txt`).
    pub name: String,
    /// What the OCR read.
    pub ocr: String,
    /// The source text of each OCR line.
    pub gold: String,
}

/// Reads the pages of a set folder: every `ocr/NAME.txt` that has a `source/NAME.txt`, in name
/// order.
pub fn read_pages(dir: &Path) -> std::io::Result<Vec<Page>> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("ocr"))?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".txt") && dir.join("source").join(n).is_file())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let ocr = std::fs::read_to_string(dir.join("ocr").join(&name))?;
            let source = std::fs::read_to_string(dir.join("source").join(&name))?;
            let gold = page_gold(&ocr, &source);
            Ok(Page { name, ocr, gold })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::restore::score;

    #[test]
    fn rewrapped_page_gets_the_source_of_each_line() {
        let source = "Kết quả thực hiện công tác chuyển đổi số\nnăm 2025 của xã";
        let page = "Két qua thuc hién\ncong tac chuyén doi s6 nam\n2025 ctia xa";
        let gold = page_gold(page, source);
        assert_eq!(
            gold,
            "Kết quả thực hiện\ncông tác chuyển đổi số năm\n2025 của xã"
        );
        assert_eq!(gold.lines().count(), page.lines().count());
    }

    #[test]
    fn merged_and_split_lines_follow_the_page() {
        // The OCR merged two typeset lines and split another in the middle of a word.
        let source = "Điều 1. Phạm vi điều chỉnh\nNghị định này quy định chi tiết";
        let page = "Diéu 1. Pham vi diéu chinh Nghi dinh\nnay quy dinh chi ti\nét";
        let gold = page_gold(page, source);
        let lines: Vec<&str> = gold.split('\n').collect();
        assert_eq!(lines[0], "Điều 1. Phạm vi điều chỉnh Nghị định");
        assert_eq!(lines[1], "này quy định chi tiết");
        assert_eq!(lines[2], "");
    }

    #[test]
    fn source_past_the_page_and_lost_lines_are_handled() {
        // Only the first half of the source made it onto the page, and the OCR lost a word.
        let source = "một hai ba bốn năm sáu bảy tám chín mười mười một mười hai mười ba";
        let page = "mot hai ba nam sau";
        let gold = page_gold(page, source);
        assert_eq!(gold, "một hai ba bốn năm sáu");
        // The lost word is a gold syllable the restoration cannot get right.
        let s = score("một hai ba năm sáu", &gold, Some(page));
        assert_eq!((s.gold_tokens, s.correct_ci), (6, 5));
    }

    #[test]
    fn empty_inputs_give_empty_lines() {
        assert_eq!(page_gold("", "abc"), "");
        assert_eq!(page_gold("a\n\nb", ""), "\n\n");
        assert_eq!(page_gold("\n", "\n"), "\n");
    }

    #[test]
    fn shipped_pages_are_evaluation_split_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pages");
        let mut pages = 0;
        for e in std::fs::read_dir(dir.join("source")).unwrap() {
            let path = e.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            for p in source.lines() {
                assert!(crate::split::is_held_out(p), "{}: {p}", path.display());
            }
            let ocr =
                std::fs::read_to_string(dir.join("ocr").join(path.file_name().unwrap())).unwrap();
            let gold = page_gold(&ocr, &source);
            assert_eq!(gold.split('\n').count(), ocr.split('\n').count());
            // Nearly all of the source is on the page: the alignment lost little of it.
            let gold_words = gold.split_whitespace().count();
            let source_words = source.split_whitespace().count();
            assert!(
                gold_words * 100 >= source_words * 97,
                "{}: {gold_words} of {source_words}",
                path.display()
            );
            pages += 1;
        }
        assert!(pages >= 10, "{pages}");
    }
}
