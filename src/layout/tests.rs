use std::io::Read;

use super::*;
use crate::eval::restore::score;
use crate::model::Model;
use crate::pipeline::Engine;
use crate::restore::Restorer;

fn engine() -> Engine {
    Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build())
}

const PAGES: [(&str, &str, &str, &str); 2] = [
    (
        include_str!("../../fixtures/layout/page-1.hocr"),
        include_str!("../../fixtures/layout/page-1.xml"),
        include_str!("../../fixtures/layout/page-1.ocr.txt"),
        include_str!("../../fixtures/layout/page-1.txt"),
    ),
    (
        include_str!("../../fixtures/layout/page-2.hocr"),
        include_str!("../../fixtures/layout/page-2.xml"),
        include_str!("../../fixtures/layout/page-2.ocr.txt"),
        include_str!("../../fixtures/layout/page-2.txt"),
    ),
];

/// The words of a document, in order.
fn words(src: &str, f: Format) -> Vec<String> {
    parse(src, f)
        .unwrap()
        .words
        .into_iter()
        .map(|w| w.text)
        .collect()
}

/// The document with every word element replaced by one marker and the gap between two
/// words of a line (whitespace, ALTO `SP`) dropped: what must be identical before and
/// after correction, merges and splits included.
fn skeleton(src: &str, f: Format) -> String {
    let doc = parse(src, f).unwrap();
    let mut out = String::new();
    let mut at = 0;
    for w in &doc.words {
        if w.gap_clean {
            // The gap since the previous word belongs to the word run.
        } else {
            out.push_str(&src[at..w.elem.start]);
            out.push('\u{0}');
        }
        at = w.elem.end;
    }
    out.push_str(&src[at..]);
    out
}

/// Every box of `out` is a box of `src`, or lies inside the union of `src`'s boxes on its
/// line with the line's own top and bottom (a split piece or a merged union).
fn boxes_kept(src: &str, out: &str, f: Format) -> (usize, usize) {
    let a = parse(src, f).unwrap();
    let b = parse(out, f).unwrap();
    let (mut same, mut derived) = (0, 0);
    for w in &b.words {
        let bb = w.bbox.unwrap();
        if a.words.iter().any(|v| v.bbox == Some(bb)) {
            same += 1;
            continue;
        }
        let line = a
            .words
            .iter()
            .filter(|v| v.line == w.line)
            .filter_map(|v| v.bbox)
            .reduce(BBox::union)
            .unwrap();
        assert!(
            bb.x0 >= line.x0 && bb.x1 <= line.x1 && bb.y0 >= line.y0 && bb.y1 <= line.y1,
            "{bb:?} outside its line {line:?}"
        );
        derived += 1;
    }
    (same, derived)
}

#[test]
fn formats_are_sniffed() {
    assert_eq!(sniff(PAGES[0].0.as_bytes()), Format::Hocr);
    assert_eq!(sniff(PAGES[0].1.as_bytes()), Format::Alto);
    assert_eq!(sniff(PAGES[0].2.as_bytes()), Format::Text);
    assert_eq!(sniff(b"<p>not hocr</p>"), Format::Text);
}

#[test]
fn hocr_and_alto_read_the_text_tesseract_printed() {
    for (hocr, alto, txt, _) in PAGES {
        let h = parse(hocr, Format::Hocr).unwrap();
        let a = parse(alto, Format::Alto).unwrap();
        assert_eq!(words(hocr, Format::Hocr), words(alto, Format::Alto));
        // The same words and lines as Tesseract's own text output of the page.
        let lines = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect()
        };
        assert_eq!(lines(&h.text().0), lines(txt));
        assert_eq!(lines(&a.text().0), lines(txt));
    }
}

#[test]
fn corrected_pages_restore_as_plain_text_does_and_keep_every_other_byte() {
    let e = engine();
    let (mut layout, mut text) = (
        crate::eval::restore::RestoreScore::default(),
        crate::eval::restore::RestoreScore::default(),
    );
    for (hocr, alto, txt, gold) in PAGES {
        let plain = e.clean(txt);
        for (src, f) in [(hocr, Format::Hocr), (alto, Format::Alto)] {
            let doc = parse(src, f).unwrap();
            let c = correct(&e.restorer, src, &doc);
            // Well-formed, and read back by the same reader.
            let out_words = words(&c.xml, f);
            // The words are what plain-text mode makes of the same page.
            let plain_words: Vec<&str> = plain.split_whitespace().collect();
            assert_eq!(
                out_words.iter().map(String::as_str).collect::<Vec<_>>(),
                plain_words
            );
            assert_eq!(skeleton(src, f), skeleton(&c.xml, f));
            let (same, derived) = boxes_kept(src, &c.xml, f);
            assert_eq!(same + derived, out_words.len());
            if f == Format::Hocr {
                let one = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                layout.add(&score(&one(&out_words.join(" ")), &one(gold), None));
                text.add(&score(&one(&plain), &one(gold), None));
            }
        }
    }
    assert_eq!(layout.correct_ci, text.correct_ci);
    assert_eq!(layout.gold_tokens, text.gold_tokens);
    eprintln!(
        "word accuracy on {} gold syllables: layout {:.4}, plain text {:.4}",
        layout.gold_tokens,
        layout.accuracy_ci(),
        text.accuracy_ci()
    );
    assert!(layout.accuracy_ci() > 0.85, "{}", layout.accuracy_ci());
}

#[test]
fn a_split_word_becomes_two_with_unique_ids_and_a_merge_one_with_the_union_box() {
    let src = include_str!("../../fixtures/layout/merge-split.hocr");
    let doc = parse(src, Format::Hocr).unwrap();
    let c = correct(&engine().restorer, src, &doc);
    let out = parse(&c.xml, Format::Hocr).unwrap();
    let got: Vec<(&str, [f64; 2])> = out
        .words
        .iter()
        .map(|w| (w.text.as_str(), [w.bbox.unwrap().x0, w.bbox.unwrap().x1]))
        .collect();
    assert_eq!(
        got,
        [
            ("Quyết", [0.0, 100.0]),
            ("định", [110.0, 200.0]),
            // 5 and 3 characters of the 190 pixels of `Thanh1ap`, one between them for the
            // gap: 5/9 and 3/9 of the width.
            ("Thành", [210.0, 316.0]),
            ("lập", [337.0, 400.0]),
            ("Ký", [410.0, 450.0]),
            // `hi` and `u`: one word over both boxes, `u`'s element gone.
            ("hiệu", [460.0, 520.0]),
        ]
    );
    assert!(c.xml.contains("id='w3_1'") && !c.xml.contains("id='w6'"));
    assert!(c.xml.contains("x_wconf 70'>hiệu"), "OCR confidence kept");
    assert_eq!(skeleton(src, Format::Hocr), skeleton(&c.xml, Format::Hocr));
}

#[test]
fn bad_documents_are_clear_errors() {
    let err = |s: &str, f| {
        parse(&decode(s.as_bytes(), false).unwrap(), f)
            .unwrap_err()
            .to_string()
    };
    assert!(err(
        r#"<?xml version="1.0" encoding="ISO-8859-1"?><alto/>"#,
        Format::Alto
    )
    .contains("declares encoding"));
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]><alto><String CONTENT="&b;"/></alto>"#;
    assert!(err(bomb, Format::Alto).contains("declares entities"));
    assert!(err(r#"<alto><String CONTENT="x"></alto>"#, Format::Alto).contains("not well-formed"));
    assert!(err("<alto>", Format::Alto).contains("ends inside"));
    assert!(err(
        "<html><body><span class='ocrx_word'>a&zz;</span></body></html>",
        Format::Hocr
    )
    .contains("unknown entity"));
    assert!(decode(&[0xFF, 0xFE, b'<', 0], false).is_err());
    assert!(decode(b"<a>\xFF</a>", false)
        .unwrap_err()
        .to_string()
        .contains("byte offset 3"));
    let big = " ".repeat(MAX_LAYOUT_BYTES + 1);
    assert!(matches!(
        parse(&big, Format::Hocr),
        Err(LayoutError::TooLarge { .. })
    ));
    let too_big = crate::pipeline::read_layout(
        std::io::repeat(b' ').take(MAX_LAYOUT_BYTES as u64 + 10),
        Format::Alto,
    );
    assert!(too_big.is_err());
}

#[test]
fn records_of_layout_input_carry_page_and_box() {
    let e = engine();
    let (xml, record) = e
        .process_layout(
            Some("p.hocr"),
            PAGES[0].0.as_bytes(),
            Format::Hocr,
            crate::input::DecodeOptions::default(),
            true,
        )
        .unwrap();
    assert!(xml.starts_with("<?xml"));
    let record = record.unwrap();
    assert!(!record.dates.is_empty());
    for d in &record.dates {
        assert_eq!(d.span.page, Some(1));
        let b = d.span.bbox.unwrap();
        assert!(b[0] < b[2] && b[1] < b[3], "{b:?}");
    }
}
