//! Restored words back into the document, by byte offset.
//!
//! The restorer rewrites whole tokens and records each rewrite as an offset-map segment
//! (`original[o_start..o_end]` → `restored[r_start..r_end]`). A segment that covers the gap
//! between two words is a merge (`hi u` → `hiệu`): those words form one group. A group's
//! restored text is cut at its spaces: one piece is one word (the box is the union of the
//! group's), as many pieces as words keep the words' own boxes, other counts divide the
//! group's box along the line by each piece's share of the characters (`Thanh1ap` →
//! `thành lập`). Every byte outside the words that changed is copied from the source.

use std::ops::Range;

use quick_xml::escape::{escape, partial_escape};

use super::{BBox, BoxSrc, Document, Format, Word};
use crate::extract::Extractor;
use crate::offsets::OffsetMap;
use crate::record::{Record, Source};
use crate::restore::{Restored, Restorer, TokenReport};

/// Below this confidence a changed word is doubtful: its OCR reading is kept beside it
/// (the threshold of `sohoa clean --mark`).
pub const DOUBTFUL_BELOW: f32 = 0.8;

/// The hOCR `title` property that keeps a doubtful word's OCR reading.
pub const HOCR_ORIG_PROPERTY: &str = "x_sohoa_orig";

/// A corrected layout document.
#[derive(Debug)]
pub struct Corrected {
    /// The document with only the words changed.
    pub xml: String,
    /// The text the restorer read (see [`Document::text`]) and its restoration.
    pub text: String,
    /// The restoration of `text`.
    pub restored: Restored,
    /// Each source word's byte range in `text`.
    pub ranges: Vec<Range<usize>>,
    /// Words of the output: (groups changed, words merged away, words added by splits).
    pub changes: (usize, usize, usize),
}

/// Restores the words of `doc` (parsed from `src`) and writes them back into `src`.
pub fn correct(restorer: &Restorer, src: &str, doc: &Document) -> Corrected {
    let (text, ranges) = doc.text();
    let (restored, reports) = restorer.restore_report(&text);
    let mut editor = Editor {
        src,
        doc,
        ids: doc.ids.clone(),
        edits: Vec::new(),
        changes: (0, 0, 0),
    };
    for g in groups(&ranges, restored.map.segments()) {
        editor.group(g, &text, &ranges, &restored, &reports);
    }
    let xml = apply(src, &mut editor.edits);
    Corrected {
        xml,
        changes: editor.changes,
        text,
        restored,
        ranges,
    }
}

/// The record of a corrected document: extracted from the restored text, spans into the
/// text the restorer read, each carrying the page and the union of the boxes of the words
/// it covers.
pub fn record_of(extractor: &Extractor, doc: &Document, c: &Corrected, source: Source) -> Record {
    let mut record = extractor.extract(&c.text, &c.restored.text, &c.restored.map, source);
    record
        .warnings
        .extend(c.restored.passed_through_warnings(&c.text));
    let locate = |s: crate::record::Span| {
        let first = c.ranges.partition_point(|r| r.end <= s.start);
        let mut span = s;
        let mut bbox: Option<BBox> = None;
        for (w, r) in doc.words[first..].iter().zip(&c.ranges[first..]) {
            if r.start >= s.end.max(s.start + 1) {
                break;
            }
            span.page.get_or_insert(w.page as u32 + 1);
            if let Some(b) = w.bbox {
                bbox = Some(bbox.map_or(b, |u| u.union(b)));
            }
        }
        span.bbox = bbox.map(|b| [b.x0, b.y0, b.x1, b.y1].map(|v| v.round() as i64));
        span
    };
    record.map_spans(locate);
    record
}

/// Groups of consecutive words joined by a segment that spans the gap between them.
fn groups(ranges: &[Range<usize>], segs: &[crate::offsets::Segment]) -> Vec<Range<usize>> {
    let mut join = vec![false; ranges.len()];
    for s in segs {
        let first = ranges.partition_point(|r| r.end <= s.o_start);
        let last = ranges.partition_point(|r| r.start < s.o_end);
        for j in join.iter_mut().take(last.saturating_sub(1)).skip(first) {
            *j = true;
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &joined) in join.iter().enumerate() {
        if !joined {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    out
}

/// The restored offset of original offset `o` (outside every segment, or at one's ends).
fn to_restored(map: &OffsetMap, o: usize) -> Option<usize> {
    let segs = map.segments();
    let i = segs.partition_point(|s| s.o_start <= o);
    if i == 0 {
        return Some(o);
    }
    let s = &segs[i - 1];
    if o >= s.o_end {
        Some(s.r_end + (o - s.o_end))
    } else if o == s.o_start {
        Some(s.r_start)
    } else {
        None
    }
}

struct Editor<'a> {
    src: &'a str,
    doc: &'a Document,
    ids: std::collections::HashSet<String>,
    edits: Vec<(Range<usize>, String)>,
    changes: (usize, usize, usize),
}

/// One word to write: its text, box, id and the OCR reading to keep beside it.
struct Piece<'p> {
    text: &'p str,
    bbox: Option<BBox>,
    id: Option<String>,
    orig: Option<&'p str>,
}

impl Editor<'_> {
    fn group(
        &mut self,
        g: Range<usize>,
        text: &str,
        ranges: &[Range<usize>],
        restored: &Restored,
        reports: &[TokenReport],
    ) {
        let (o_s, o_e) = (ranges[g.start].start, ranges[g.end - 1].end);
        let (Some(r_s), Some(r_e)) = (
            to_restored(&restored.map, o_s),
            to_restored(&restored.map, o_e),
        ) else {
            return;
        };
        let Some(new) = restored.text.get(r_s..r_e) else {
            return;
        };
        let old = &text[o_s..o_e];
        if new == old {
            return;
        }
        let pieces: Vec<&str> = new.split_whitespace().collect();
        if pieces.is_empty() {
            return;
        }
        let words = &self.doc.words[g.clone()];
        // A doubtful reading keeps the OCR's beside it.
        let doubtful = reports
            .iter()
            .find(|r| r.start == o_s)
            .is_some_and(|r| r.confidence < DOUBTFUL_BELOW && !r.alternatives.is_empty());
        let orig = doubtful.then_some(old);
        self.changes.0 += 1;
        if pieces.len() == words.len() {
            for (w, p) in words.iter().zip(&pieces) {
                if *p != w.text {
                    let rendered = self.render(
                        w,
                        &Piece {
                            text: p,
                            bbox: None,
                            id: None,
                            orig: orig.map(|_| w.text.as_str()),
                        },
                    );
                    self.edits.push((w.elem.clone(), rendered));
                }
            }
            return;
        }
        let first = &words[0];
        // Words merged away are removed with the gap before them (whitespace, ALTO SP).
        let mut prev_end = first.elem.end;
        for w in &words[1..] {
            let cut = if w.gap_clean { prev_end } else { w.elem.start };
            self.edits.push((cut..w.elem.end, String::new()));
            prev_end = w.elem.end;
            self.changes.1 += 1;
        }
        let union = words.iter().filter_map(|w| w.bbox).reduce(BBox::union);
        let boxes = divide(union, &pieces);
        let base_id = first.id.clone().map(|r| self.src[r].to_string());
        let mut out = String::new();
        for (j, p) in pieces.iter().enumerate() {
            let id = match (&base_id, j) {
                (_, 0) | (None, _) => None,
                (Some(b), _) => Some(self.fresh_id(b, j)),
            };
            if j > 0 {
                out.push_str(&self.separator(first, boxes[j - 1], boxes[j]));
                self.changes.2 += 1;
            }
            let piece = Piece {
                text: p,
                bbox: boxes[j],
                id,
                orig,
            };
            out.push_str(&self.render(first, &piece));
        }
        self.edits.push((first.elem.clone(), out));
    }

    /// An id not in use: `base_N`, N from `n` up.
    fn fresh_id(&mut self, base: &str, n: usize) -> String {
        let mut n = n;
        loop {
            let id = format!("{base}_{n}");
            if self.ids.insert(id.clone()) {
                return id;
            }
            n += 1;
        }
    }

    /// What goes between two words made of one: the whitespace the source puts before a
    /// word (hOCR), an `SP` in the gap (ALTO).
    fn separator(&self, w: &Word, a: Option<BBox>, b: Option<BBox>) -> String {
        match self.doc.format {
            Format::Alto => match (a, b) {
                (Some(a), Some(b)) => format!(
                    "<SP WIDTH=\"{}\" VPOS=\"{}\" HPOS=\"{}\"/>",
                    num((b.x0 - a.x1).max(0.0)),
                    num(a.y0),
                    num(a.x1)
                ),
                _ => "<SP/>".to_string(),
            },
            _ => {
                // The whitespace before the word's element in the source (its indentation).
                let before = &self.src[..w.elem.start];
                let ws = before.len() - before.trim_end().len();
                let ws = &before[before.len() - ws..];
                if ws.is_empty() {
                    " ".to_string()
                } else {
                    ws.to_string()
                }
            }
        }
    }

    /// The word's element with its text, box, id and doubtful mark replaced.
    fn render(&self, w: &Word, p: &Piece<'_>) -> String {
        let mut sub: Vec<(Range<usize>, String)> = Vec::new();
        match self.doc.format {
            Format::Alto => {
                if let Some(r) = &w.content {
                    sub.push((r.clone(), escape(p.text).into_owned()));
                }
                if let (Some(b), BoxSrc::Alto(src)) = (p.bbox, &w.bbox_src) {
                    let vals = [b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0];
                    for (r, v) in src.iter().zip(vals) {
                        if let Some(r) = r {
                            sub.push((r.clone(), num(v)));
                        }
                    }
                }
                if let Some(orig) = p.orig {
                    let alt = format!("<ALTERNATIVE>{}</ALTERNATIVE>", partial_escape(orig));
                    if w.self_closing {
                        sub.push((w.start_tag_end..w.elem.end, format!(">{alt}</String>")));
                    } else {
                        sub.push((w.start_tag_end..w.start_tag_end, alt));
                    }
                }
            }
            _ => {
                let mut texts = w.texts.iter();
                match texts.next() {
                    Some(r) => sub.push((r.clone(), partial_escape(p.text).into_owned())),
                    None if !w.self_closing => sub.push((
                        w.start_tag_end..w.start_tag_end,
                        partial_escape(p.text).into_owned(),
                    )),
                    None => {}
                }
                for r in texts {
                    sub.push((r.clone(), String::new()));
                }
                if let (Some(b), BoxSrc::Hocr(r)) = (p.bbox, &w.bbox_src) {
                    sub.push((
                        r.clone(),
                        format!("{} {} {} {}", num(b.x0), num(b.y0), num(b.x1), num(b.y1)),
                    ));
                }
                if let (Some(orig), Some(t)) = (p.orig, &w.title) {
                    let mut quoted = String::new();
                    for c in orig.chars() {
                        if matches!(c, '"' | '\\' | ';') {
                            quoted.push('\\');
                        }
                        quoted.push(c);
                    }
                    let prop = format!("; {HOCR_ORIG_PROPERTY} \"{quoted}\"");
                    sub.push((t.end..t.end, escape(prop.as_str()).into_owned()));
                }
            }
        }
        if let (Some(id), Some(r)) = (&p.id, &w.id) {
            sub.push((r.clone(), escape(id.as_str()).into_owned()));
        }
        let elem = &self.src[w.elem.clone()];
        for (r, _) in &mut sub {
            *r = r.start - w.elem.start..r.end - w.elem.start;
        }
        apply(elem, &mut sub)
    }
}

/// The group's box divided along the line by each piece's share of the characters, the space
/// between two pieces counted as one character: the boxes keep a gap between them, as the
/// OCR's own words do (a PDF text layer made from the boxes, read back by `pdftotext`, would
/// otherwise join the pieces into one word).
fn divide(union: Option<BBox>, pieces: &[&str]) -> Vec<Option<BBox>> {
    let Some(u) = union else {
        return vec![None; pieces.len()];
    };
    let chars: usize = pieces.iter().map(|p| p.chars().count()).sum();
    let total = (chars + pieces.len().saturating_sub(1)).max(1);
    let width = u.x1 - u.x0;
    let at = |n: usize| u.x0 + (width * n as f64 / total as f64).round();
    let mut acc = 0usize;
    pieces
        .iter()
        .map(|p| {
            let x0 = at(acc);
            acc += p.chars().count();
            let x1 = at(acc);
            acc += 1;
            Some(BBox { x0, x1, ..u })
        })
        .collect()
}

/// A coordinate as the sources write them: an integer when it is one.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `src` with the edits applied (ranges sorted here; overlapping ones after the first are
/// dropped, which the callers never make).
fn apply(src: &str, edits: &mut [(Range<usize>, String)]) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(src.len() + src.len() / 8);
    let mut at = 0;
    for (r, s) in edits.iter() {
        if r.start < at {
            continue;
        }
        out.push_str(&src[at..r.start]);
        out.push_str(s);
        at = r.end;
    }
    out.push_str(&src[at..]);
    out
}
