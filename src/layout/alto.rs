//! ALTO: `Page` → page, `TextBlock` → paragraph, `TextLine` → line, `String` → word with
//! its box from `HPOS`, `VPOS`, `WIDTH`, `HEIGHT` and its text in `CONTENT`.

use std::collections::HashSet;

use quick_xml::events::Event;

use super::{events, nfc, range_in, BBox, BoxSrc, Document, Format, LayoutError, Word};

pub(crate) fn parse(src: &str) -> Result<Document, LayoutError> {
    let mut words: Vec<Word> = Vec::new();
    let mut ids = HashSet::new();
    let (mut page, mut para, mut line) = (0usize, 0usize, 0usize);
    let (mut seen_page, mut seen_para, mut seen_line) = (false, false, false);
    // Inside a String element (depth of elements opened inside it).
    let mut in_string: Option<usize> = None;
    let mut last_end: Option<usize> = None;
    let mut gap_clean = true;
    events(src, |ev, span, src| {
        if let Some(depth) = in_string.as_mut() {
            match &ev {
                Event::Start(_) => *depth += 1,
                Event::End(_) if *depth == 0 => {
                    in_string = None;
                    if let Some(w) = words.last_mut() {
                        w.elem.end = span.end;
                    }
                    last_end = Some(span.end);
                    gap_clean = true;
                }
                Event::End(_) => *depth -= 1,
                _ => {}
            }
            return Ok(());
        }
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                let mut id = None;
                let mut content = None;
                let mut pos: [Option<(f64, std::ops::Range<usize>)>; 4] = Default::default();
                for a in e.attributes() {
                    let a = a.map_err(|err| LayoutError::Xml {
                        offset: span.start,
                        message: err.to_string(),
                    })?;
                    let key = a.key.local_name();
                    let std::borrow::Cow::Borrowed(v) = a.value else {
                        continue;
                    };
                    let slot = match key.as_ref() {
                        "ID" => {
                            ids.insert(v.to_string());
                            id = range_in(src, v);
                            continue;
                        }
                        "CONTENT" => {
                            content = Some(v);
                            continue;
                        }
                        "HPOS" => 0,
                        "VPOS" => 1,
                        "WIDTH" => 2,
                        "HEIGHT" => 3,
                        _ => continue,
                    };
                    if let (Ok(x), Some(r)) = (v.trim().parse::<f64>(), range_in(src, v)) {
                        if x.is_finite() {
                            pos[slot] = Some((x, r));
                        }
                    }
                }
                match name {
                    "Page" => {
                        page += usize::from(seen_page);
                        seen_page = true;
                        last_end = None;
                    }
                    "TextBlock" => {
                        para += usize::from(seen_para);
                        seen_para = true;
                        last_end = None;
                    }
                    "TextLine" => {
                        line += usize::from(seen_line);
                        seen_line = true;
                        last_end = None;
                    }
                    "String" => {
                        let text = match content {
                            Some(v) => nfc(&quick_xml::escape::unescape(v).map_err(|err| {
                                LayoutError::Xml {
                                    offset: span.start,
                                    message: err.to_string(),
                                }
                            })?),
                            None => String::new(),
                        };
                        let bbox = match &pos {
                            [Some(h), Some(v), Some(w), Some(hh)] => Some(BBox {
                                x0: h.0,
                                y0: v.0,
                                x1: h.0 + w.0,
                                y1: v.0 + hh.0,
                            }),
                            _ => None,
                        };
                        let self_closing = matches!(ev, Event::Empty(_));
                        words.push(Word {
                            page,
                            line,
                            para,
                            bbox,
                            text,
                            elem: span.clone(),
                            texts: Vec::new(),
                            content: content.and_then(|v| range_in(src, v)),
                            id,
                            title: None,
                            bbox_src: BoxSrc::Alto(pos.map(|p| p.map(|(_, r)| r))),
                            start_tag_end: if self_closing { span.end - 2 } else { span.end },
                            self_closing,
                            gap_clean: last_end.is_some() && gap_clean,
                        });
                        if self_closing {
                            last_end = Some(span.end);
                            gap_clean = true;
                        } else {
                            in_string = Some(0);
                        }
                        return Ok(());
                    }
                    // A space between words is part of the gap a merge removes.
                    "SP" if matches!(ev, Event::Empty(_)) => return Ok(()),
                    _ => {}
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
        format: Format::Alto,
        words,
        ids,
    })
}
