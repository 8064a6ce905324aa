//! hOCR and ALTO documents corrected in place.
//!
//! A scan read by Tesseract or OCRmyPDF comes as hOCR (XHTML, a `bbox` per word in its
//! `title`) or ALTO XML (`String@CONTENT` with `HPOS/VPOS/WIDTH/HEIGHT`). Throwing the layout
//! away to restore plain text loses the link between a word and its place on the page; this
//! module keeps it. The document is read with quick-xml ([`parse`]) into its words, in reading
//! order, with the byte range of every piece of the source a word owns (its element, its
//! text, its id, its box); the words are joined into the text the restorer reads (the
//! format's lines are its lines, the format's paragraphs its paragraphs); the restored words
//! are then spliced back by byte offset ([`splice`]), so every other byte of the document —
//! attributes, coordinates, whitespace, entities, comments — is the source's own.
//!
//! Nothing here expands an entity declared by the document: quick-xml does not, and a
//! document that declares entities is refused (an "entity bomb" costs nothing to refuse).

mod alto;
mod hocr;
pub mod splice;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::ops::Range;

use quick_xml::events::Event;
use quick_xml::Reader;

pub use splice::{correct, Corrected};

/// The largest document read (64 MiB): a layout document is held in memory with its words,
/// so its size is what bounds the memory. A scanned page's hOCR or ALTO is tens of kilobytes.
pub const MAX_LAYOUT_BYTES: usize = 64 << 20;

/// What kind of document an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text (what `sohoa clean` reads by default).
    Text,
    /// hOCR: XHTML with `ocr_page`, `ocr_par`, `ocr_line`, `ocrx_word` elements.
    Hocr,
    /// ALTO XML: `Page`, `TextBlock`, `TextLine`, `String` elements.
    Alto,
}

/// Guesses the format from the document's first 4 KB: an `<alto` root is ALTO, an
/// `ocr_page` or `ocrx_word` class in an `<html` document is hOCR, anything else text.
pub fn sniff(bytes: &[u8]) -> Format {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |needle: &[u8]| {
        head.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    let starts_xml = head
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        == Some(&b'<');
    if !starts_xml {
        Format::Text
    } else if has(b"<alto") {
        Format::Alto
    } else if has(b"<html") && (has(b"ocr_page") || has(b"ocrx_word") || has(b"ocr-system")) {
        Format::Hocr
    } else {
        Format::Text
    }
}

/// Why a layout document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// Larger than [`MAX_LAYOUT_BYTES`].
    #[error("a {format} document of {bytes} bytes is larger than the {limit} bytes sohoa reads")]
    TooLarge {
        /// The format.
        format: &'static str,
        /// The document's size.
        bytes: usize,
        /// [`MAX_LAYOUT_BYTES`].
        limit: usize,
    },
    /// Not UTF-8, or declared in another encoding.
    #[error("{0}")]
    Encoding(String),
    /// Not well-formed XML (or XML this reader refuses: declared entities).
    #[error("not well-formed XML at byte {offset}: {message}")]
    Xml {
        /// Byte offset in the document.
        offset: usize,
        /// What is wrong.
        message: String,
    },
}

/// A word's box on the page, in the document's units (pixels for Tesseract's output).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl BBox {
    /// The smallest box holding both.
    pub fn union(self, o: BBox) -> BBox {
        BBox {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
}

/// Where a word's box is written in the source.
#[derive(Clone, Debug, Default)]
pub(crate) enum BoxSrc {
    /// No box.
    #[default]
    None,
    /// hOCR: the range of `x0 y0 x1 y1` after `bbox` in the title.
    Hocr(Range<usize>),
    /// ALTO: the values of `HPOS`, `VPOS`, `WIDTH`, `HEIGHT`.
    Alto([Option<Range<usize>>; 4]),
}

/// One word of the document and the byte ranges of the source it owns.
#[derive(Clone, Debug)]
pub struct Word {
    /// 0-based page, line and paragraph in reading order (lines and paragraphs counted over
    /// the whole document).
    pub page: usize,
    /// See [`Word::page`].
    pub line: usize,
    /// See [`Word::page`].
    pub para: usize,
    /// The box, when the source gives one.
    pub bbox: Option<BBox>,
    /// The word's text, entities resolved, NFC.
    pub text: String,
    /// The whole element (`<span class='ocrx_word'…>…</span>`, `<String …/>`).
    pub(crate) elem: Range<usize>,
    /// hOCR: the text and entity-reference events inside the element.
    pub(crate) texts: Vec<Range<usize>>,
    /// ALTO: the value of `CONTENT`.
    pub(crate) content: Option<Range<usize>>,
    /// The value of the `id` / `ID` attribute.
    pub(crate) id: Option<Range<usize>>,
    /// hOCR: the value of `title` (where doubtful readings are noted).
    pub(crate) title: Option<Range<usize>>,
    pub(crate) bbox_src: BoxSrc,
    /// End of the start tag (`<String …/>`: where `/>` begins when `self_closing`).
    pub(crate) start_tag_end: usize,
    pub(crate) self_closing: bool,
    /// Whether only whitespace (and ALTO `SP` elements) lies between the previous word's
    /// element and this one's, so that this one may be removed with what precedes it.
    pub(crate) gap_clean: bool,
}

/// A parsed layout document: its words in reading order and the ids in use.
#[derive(Debug)]
pub struct Document {
    /// The format.
    pub format: Format,
    /// The words.
    pub words: Vec<Word>,
    /// Every `id` / `ID` value of the document (new ids must not collide with them).
    pub(crate) ids: HashSet<String>,
}

impl Document {
    /// The text the restorer reads: the words of a line joined by spaces, each line ending
    /// in `\n`, a blank line after each paragraph (as Tesseract's own text output lays a
    /// page out); and each word's byte range in it.
    pub fn text(&self) -> (String, Vec<Range<usize>>) {
        let mut text = String::new();
        let mut ranges = Vec::with_capacity(self.words.len());
        let mut prev: Option<&Word> = None;
        for w in &self.words {
            match prev {
                Some(p) if p.para != w.para || p.page != w.page => text.push_str("\n\n"),
                Some(p) if p.line != w.line => text.push('\n'),
                Some(_) => text.push(' '),
                None => {}
            }
            let start = text.len();
            text.push_str(&w.text);
            ranges.push(start..text.len());
            prev = Some(w);
        }
        if prev.is_some() {
            text.push_str("\n\n");
        }
        (text, ranges)
    }
}

/// Reads a layout document (`format` is [`Format::Hocr`] or [`Format::Alto`]).
pub fn parse(src: &str, format: Format) -> Result<Document, LayoutError> {
    let name = match format {
        Format::Alto => "ALTO",
        _ => "hOCR",
    };
    if src.len() > MAX_LAYOUT_BYTES {
        return Err(LayoutError::TooLarge {
            format: name,
            bytes: src.len(),
            limit: MAX_LAYOUT_BYTES,
        });
    }
    match format {
        Format::Alto => alto::parse(src),
        _ => hocr::parse(src),
    }
}

/// Decodes a layout document's bytes: UTF-8 (a byte order mark allowed), and no XML
/// declaration of another encoding — the bytes are kept as they are, so a document in
/// another encoding could not be written back faithfully.
pub fn decode(bytes: &[u8], lossy: bool) -> Result<std::borrow::Cow<'_, str>, LayoutError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(LayoutError::Encoding(
            "the document is UTF-16; sohoa reads UTF-8 hOCR and ALTO".to_string(),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) if lossy => String::from_utf8_lossy(bytes),
        Err(e) => {
            return Err(LayoutError::Encoding(format!(
                "invalid UTF-8 at byte offset {} (use --lossy to replace invalid bytes)",
                e.valid_up_to()
            )))
        }
    };
    Ok(text)
}

/// The shared reader loop: every event with its byte range, declaration and doctype
/// checked, well-formedness (matching and closed elements) enforced.
pub(crate) fn events<'a>(
    src: &'a str,
    mut f: impl FnMut(Event<'a>, Range<usize>, &'a str) -> Result<(), LayoutError>,
) -> Result<(), LayoutError> {
    let mut reader = Reader::from_str(src);
    let cfg = reader.config_mut();
    cfg.trim_text(false);
    cfg.check_end_names = true;
    cfg.expand_empty_elements = false;
    let mut depth = 0usize;
    let mut seen_root = false;
    loop {
        let before = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| LayoutError::Xml {
            offset: reader.error_position() as usize,
            message: e.to_string(),
        })?;
        let after = reader.buffer_position() as usize;
        let xml_err = |message: &str| LayoutError::Xml {
            offset: before,
            message: message.to_string(),
        };
        match &ev {
            Event::Eof => {
                if depth != 0 {
                    return Err(xml_err("the document ends inside an element"));
                }
                if !seen_root {
                    return Err(xml_err("no root element"));
                }
                return Ok(());
            }
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|e| xml_err(&e.to_string()))?;
                    if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                        return Err(LayoutError::Encoding(format!(
                            "the document declares encoding {enc:?}; sohoa reads UTF-8 hOCR and ALTO"
                        )));
                    }
                }
            }
            Event::DocType(d) if d.to_ascii_uppercase().contains("<!ENTITY") => {
                return Err(xml_err(
                    "the document declares entities (<!ENTITY …>); sohoa does not expand them",
                ));
            }
            Event::Start(_) => {
                if depth == 0 && seen_root {
                    return Err(xml_err("a second root element"));
                }
                depth += 1;
                seen_root = true;
            }
            Event::Empty(_) => {
                if depth == 0 && seen_root {
                    return Err(xml_err("a second root element"));
                }
                seen_root = true;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if depth == 0 && !t.trim_ascii().is_empty() => {
                return Err(xml_err("text outside the root element"));
            }
            _ => {}
        }
        f(ev, before..after, src)?;
    }
}

/// The byte range of `value` inside `src` (`value` borrowed from it), if it is.
pub(crate) fn range_in(src: &str, value: &str) -> Option<Range<usize>> {
    let base = src.as_ptr() as usize;
    let at = (value.as_ptr() as usize).checked_sub(base)?;
    (at + value.len() <= src.len()).then(|| at..at + value.len())
}

/// The text of a word event: text unescaped, a character or predefined (or, for hOCR,
/// HTML) entity resolved; an unknown entity is an error (it was never declared: declared
/// ones are refused).
pub(crate) fn push_word_text(
    ev: &Event<'_>,
    at: usize,
    html: bool,
    out: &mut String,
) -> Result<(), LayoutError> {
    match ev {
        Event::Text(t) => out.push_str(&t.xml10_content()),
        Event::CData(t) => out.push_str(t.as_ref()),
        Event::GeneralRef(r) => {
            let unknown = || LayoutError::Xml {
                offset: at,
                message: format!("unknown entity &{};", &**r),
            };
            if r.is_char_ref() {
                match r.resolve_char_ref() {
                    Ok(Some(c)) => out.push(c),
                    _ => return Err(unknown()),
                }
            } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(r) {
                out.push_str(s);
            } else if let Some(s) = html
                .then(|| quick_xml::escape::resolve_html5_entity(r))
                .flatten()
            {
                out.push_str(s);
            } else {
                return Err(unknown());
            }
        }
        _ => {}
    }
    Ok(())
}

/// NFC, as the plain-text reader normalises.
pub(crate) fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// The format of an open file: `choice`, or with `Auto` sniffed from its first 4 KB. The
/// file is rewound, so reading it afterwards starts at its first byte.
pub fn sniff_file(
    file: &mut (impl std::io::Read + std::io::Seek),
    choice: FormatChoice,
) -> std::io::Result<Format> {
    use std::io::Read;
    if choice != FormatChoice::Auto {
        return Ok(choice.resolve(&[]));
    }
    let mut head = Vec::with_capacity(4096);
    file.by_ref().take(4096).read_to_end(&mut head)?;
    file.rewind()?;
    Ok(sniff(&head))
}

/// Whether a file name's extension is one that may hold hOCR or ALTO (`hocr`, `html`,
/// `htm`, `xml`, in any case): what `sohoa run` sniffs in folders besides `*.txt`.
pub fn is_layout_name(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["hocr", "html", "htm", "xml"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// The format asked for on the command line: one, or `Auto` (sniff each document).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatChoice {
    /// Sniff each document ([`sniff`]).
    #[default]
    Auto,
    /// Plain text.
    Text,
    /// hOCR.
    Hocr,
    /// ALTO XML.
    Alto,
}

impl FormatChoice {
    /// The format of a document that starts with `head`.
    pub fn resolve(self, head: &[u8]) -> Format {
        match self {
            FormatChoice::Auto => sniff(head),
            FormatChoice::Text => Format::Text,
            FormatChoice::Hocr => Format::Hocr,
            FormatChoice::Alto => Format::Alto,
        }
    }
}
