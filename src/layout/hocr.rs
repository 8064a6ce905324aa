//! hOCR: `ocr_page` → page, `ocr_par` → paragraph, `ocr_line` (and Tesseract's other line
//! classes) → line, `ocrx_word` → word with its `bbox` from the `title` properties.

use std::collections::HashSet;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};

use super::{
    events, nfc, push_word_text, range_in, BBox, BoxSrc, Document, Format, LayoutError, Word,
};

/// The line classes of the hOCR spec that Tesseract writes.
const LINE_CLASSES: [&str; 5] = [
    "ocr_line",
    "ocr_header",
    "ocr_caption",
    "ocr_textfloat",
    "ocr_separator",
];

struct Attrs<'a> {
    class: Option<&'a str>,
    id: Option<&'a str>,
    title: Option<&'a str>,
}

fn attrs<'a>(e: &'a BytesStart<'a>, at: usize) -> Result<Attrs<'a>, LayoutError> {
    let mut out = Attrs {
        class: None,
        id: None,
        title: None,
    };
    for a in e.attributes() {
        let a = a.map_err(|err| LayoutError::Xml {
            offset: at,
            message: err.to_string(),
        })?;
        let std::borrow::Cow::Borrowed(v) = a.value else {
            continue;
        };
        match a.key.as_ref() {
            "class" => out.class = Some(v),
            "id" => out.id = Some(v),
            "title" => out.title = Some(v),
            _ => {}
        }
    }
    Ok(out)
}

fn has_class(class: Option<&str>, name: &str) -> bool {
    class.is_some_and(|c| c.split_ascii_whitespace().any(|c| c == name))
}

/// The `bbox x0 y0 x1 y1` property of a title: the box and the range of its four numbers
/// within the title.
pub(crate) fn bbox_of(title: &str) -> Option<(BBox, Range<usize>)> {
    let mut at = 0;
    for prop in title.split(';') {
        let lead = prop.len() - prop.trim_start().len();
        let p = prop.trim_start();
        if let Some(rest) = p.strip_prefix("bbox") {
            if rest.starts_with(|c: char| c.is_ascii_whitespace()) {
                let nums_start = at + lead + 4 + (rest.len() - rest.trim_start().len());
                let nums = rest.trim();
                let v: Vec<f64> = nums
                    .split_ascii_whitespace()
                    .map(|n| n.parse::<f64>())
                    .collect::<Result<_, _>>()
                    .ok()?;
                if v.len() != 4 || v.iter().any(|x| !x.is_finite()) {
                    return None;
                }
                let b = BBox {
                    x0: v[0],
                    y0: v[1],
                    x1: v[2],
                    y1: v[3],
                };
                return Some((b, nums_start..nums_start + nums.len()));
            }
        }
        at += prop.len() + 1;
    }
    None
}

pub(crate) fn parse(src: &str) -> Result<Document, LayoutError> {
    let mut words = Vec::new();
    let mut ids = HashSet::new();
    let (mut page, mut para, mut line) = (0usize, 0usize, 0usize);
    let (mut seen_page, mut seen_para, mut seen_line) = (false, false, false);
    // Inside a word: its depth (elements opened inside it) and the word being built.
    let mut cur: Option<(usize, Word)> = None;
    let mut last_end: Option<usize> = None;
    let mut gap_clean = true;
    events(src, |ev, span, src| {
        if let Some((depth, w)) = cur.as_mut() {
            match &ev {
                Event::Start(_) => *depth += 1,
                Event::End(_) if *depth == 0 => {
                    let (_, mut w) = cur.take().expect("inside a word");
                    w.elem.end = span.end;
                    w.text = nfc(&w.text);
                    last_end = Some(span.end);
                    gap_clean = true;
                    words.push(w);
                    return Ok(());
                }
                Event::End(_) => *depth -= 1,
                Event::Text(_) | Event::GeneralRef(_) | Event::CData(_) => {
                    push_word_text(&ev, span.start, true, &mut w.text)?;
                    w.texts.push(span);
                }
                _ => {}
            }
            return Ok(());
        }
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let a = attrs(e, span.start)?;
                if let Some(id) = a.id {
                    ids.insert(id.to_string());
                }
                let class = a.class;
                if has_class(class, "ocr_page") {
                    page += usize::from(seen_page);
                    seen_page = true;
                    last_end = None;
                } else if has_class(class, "ocr_par") || has_class(class, "ocr_carea") {
                    if has_class(class, "ocr_par") || !seen_para {
                        para += usize::from(seen_para);
                        seen_para = true;
                    }
                    last_end = None;
                } else if LINE_CLASSES.iter().any(|c| has_class(class, c)) {
                    line += usize::from(seen_line);
                    seen_line = true;
                    last_end = None;
                } else if has_class(class, "ocrx_word") {
                    let (bbox, bbox_src) = match a.title.and_then(|t| Some((t, bbox_of(t)?))) {
                        Some((t, (b, r))) => {
                            let base = range_in(src, t).map_or(0, |r| r.start);
                            (Some(b), BoxSrc::Hocr(base + r.start..base + r.end))
                        }
                        None => (None, BoxSrc::None),
                    };
                    let w = Word {
                        page,
                        line,
                        para,
                        bbox,
                        text: String::new(),
                        elem: span.clone(),
                        texts: Vec::new(),
                        content: None,
                        id: a.id.and_then(|v| range_in(src, v)),
                        title: a.title.and_then(|v| range_in(src, v)),
                        bbox_src,
                        start_tag_end: span.end,
                        self_closing: matches!(ev, Event::Empty(_)),
                        gap_clean: last_end.is_some() && gap_clean,
                    };
                    if matches!(ev, Event::Empty(_)) {
                        last_end = Some(span.end);
                        gap_clean = true;
                        words.push(w);
                    } else {
                        cur = Some((0, w));
                    }
                    return Ok(());
                }
                gap_clean = false;
            }
            Event::Text(t) => {
                if !t.trim_ascii().is_empty() {
                    gap_clean = false;
                }
            }
            _ => gap_clean = false,
        }
        Ok(())
    })?;
    Ok(Document {
        format: Format::Hocr,
        words,
        ids,
    })
}
