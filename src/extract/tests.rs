//! Extractor tests on the fixtures: strict record round trip, spans in bounds, dev scores.

use super::*;
use crate::extract::eval::{score, Report};

const RAW_001: &str = include_str!("../../fixtures/001_372855f636130f4e.txt");
const RAW_002: &str = include_str!("../../fixtures/002_7251359187763003.txt");
const RAW_003: &str = include_str!("../../fixtures/003_4c818c38c2080030.txt");
const GOLD_RESTORE_003: &str =
    include_str!("../../fixtures/gold/restore/003_4c818c38c2080030.gold");
const GOLD_001: &str = include_str!("../../fixtures/gold/extract/001_372855f636130f4e.json");
const GOLD_002: &str = include_str!("../../fixtures/gold/extract/002_7251359187763003.json");
const GOLD_003: &str = include_str!("../../fixtures/gold/extract/003_4c818c38c2080030.json");

fn run(original: &str, restored: &str) -> Record {
    Extractor::new().extract(
        original,
        restored,
        &line_map(original, restored),
        Source::default(),
    )
}

/// (a): restored = gold restoration for 003, the clean text itself for 001 and 002.
fn report_restored() -> Report {
    let mut r = Report::default();
    for (orig, rest, gold) in [
        (RAW_001, RAW_001, GOLD_001),
        (RAW_002, RAW_002, GOLD_002),
        (RAW_003, GOLD_RESTORE_003, GOLD_003),
    ] {
        let g: serde_json::Value = serde_json::from_str(gold).expect("gold parses");
        r.docs.push(score(&run(orig, rest), &g));
    }
    r
}

/// (b): raw OCR as both input and restoration (the restorer did nothing).
fn report_raw() -> Report {
    let mut r = Report::default();
    for (orig, gold) in [
        (RAW_001, GOLD_001),
        (RAW_002, GOLD_002),
        (RAW_003, GOLD_003),
    ] {
        let g: serde_json::Value = serde_json::from_str(gold).expect("gold parses");
        r.docs.push(score(&run(orig, orig), &g));
    }
    r
}

#[test]
#[ignore]
fn dev_scores() {
    let detail = std::env::var_os("SOHOA_DETAIL").is_some();
    for (name, r) in [
        ("(a) restored input", report_restored()),
        ("(b) raw OCR input", report_raw()),
    ] {
        if detail {
            println!("{name}\n{r:#}");
        } else {
            println!("{name}\n{r}");
        }
    }
}

#[test]
fn dev_acceptance_thresholds() {
    let t = report_restored().total();
    assert!(
        t.header_accuracy() >= 0.90,
        "header {}",
        t.header_accuracy()
    );
    assert!(
        t.references.f1() >= 0.95,
        "references {}",
        t.references.f1()
    );
    assert!(t.dates.f1() >= 0.95, "dates {}", t.dates.f1());
    assert!(
        t.indicators.f1() >= 0.85,
        "indicators {}",
        t.indicators.f1()
    );
}

#[test]
fn extractor_is_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Extractor>();
}

#[test]
fn records_round_trip_strictly_and_spans_stay_in_bounds() {
    for (orig, rest) in [
        (RAW_001, RAW_001),
        (RAW_002, RAW_002),
        (RAW_003, GOLD_RESTORE_003),
        (RAW_003, RAW_003),
    ] {
        let r = run(orig, rest);
        let json = serde_json::to_string(&r).expect("serializes");
        let back: Record = serde_json::from_str(&json).expect("deserializes strictly");
        assert_eq!(back, r);
        let lines = orig.split('\n').count();
        let spans = r
            .references
            .iter()
            .map(|x| x.span)
            .chain(r.dates.iter().map(|x| x.span))
            .chain(r.agencies.iter().map(|x| x.span))
            .chain(r.indicators.iter().map(|x| x.span));
        for s in spans {
            assert!(
                s.start <= s.end && s.end <= orig.len() && s.line >= 1 && s.line <= lines,
                "{s:?}"
            );
            assert!(orig.is_char_boundary(s.start) && orig.is_char_boundary(s.end));
        }
    }
}

#[test]
fn spans_point_into_the_original_through_the_offset_map() {
    // original "S6: 284 ngay 20/11/2025" → restored "Số: 284 ngày 20/11/2025"
    let original = "Thuc hien Ke hoach s6 02-KH/BCDTW ngay 20/11/2025";
    let restored = "Thực hiện Kế hoạch số 02-KH/BCĐTW ngày 20/11/2025";
    let r = run(original, restored);
    let d = &r.dates[0];
    assert_eq!(&original[d.span.start..d.span.end], "20/11/2025");
    assert_eq!(r.references[0].symbol, "02-KH/BCĐTW");
    assert_eq!(r.references[0].span.line, 1);
}

const RAW_000: &str = include_str!("../../fixtures/000_ec917ac3c63f8407.txt");
const RAW_004: &str = include_str!("../../fixtures/004_032d32de84dc821b.txt");

#[test]
fn other_fixtures_extract_without_panics() {
    for text in [RAW_000, RAW_004] {
        let r = run(text, text);
        assert!(r.indicators.iter().all(|i| i.span.end <= text.len()));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// No input makes the extractor panic, and spans stay in bounds on char boundaries.
    #[test]
    fn never_panics(text in "[0-9/.,:;%()\\- \n\taAđĐQDbsốốngàytháyhồ sơUBNDKHQĐTTg…ﬂ]{0,120}") {
        let r = run(&text, &text);
        for s in r.references.iter().map(|x| x.span).chain(r.dates.iter().map(|x| x.span)).chain(r.indicators.iter().map(|x| x.span)) {
            proptest::prop_assert!(s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
    }
}

#[test]
fn empty_input() {
    let r = run("", "");
    assert!(r.references.is_empty() && r.dates.is_empty() && r.indicators.is_empty());
    assert!(r.warnings.is_empty());
}

/// Prints the records of the fixtures without gold (`-- --ignored --nocapture`), for review.
#[test]
#[ignore]
fn show_unscored_fixtures() {
    for text in [RAW_000, RAW_004] {
        let r = run(text, text);
        println!(
            "{}",
            serde_json::to_string_pretty(&r.header).unwrap_or_default()
        );
        for x in &r.references {
            println!(
                "ref {} {:?} {} {:?} {:?}",
                x.span.line, x.doc_type, x.symbol, x.date, x.issuer
            );
        }
        for x in &r.dates {
            println!("date {} {} {}", x.span.line, x.text, x.iso);
        }
        for x in &r.indicators {
            let v = |n: &Option<serde_json::Number>| {
                n.as_ref().map(|n| n.to_string()).unwrap_or_default()
            };
            println!(
                "ind {} v={} {}/{} p={} {:?} | {:?}",
                x.span.line,
                v(&x.value),
                v(&x.numerator),
                v(&x.denominator),
                v(&x.percent),
                x.unit,
                x.label
            );
        }
        for w in &r.warnings {
            println!("warn {} {}", w.kind, w.message);
        }
    }
}

/// The module documentation's example of use.
#[test]
fn the_module_example() {
    use crate::extract::Extractor;
    use crate::offsets::OffsetMap;
    use crate::record::Source;

    let text = "Thực hiện Kế hoạch số 02-KH/BCDTW ngày 19/6/2025, tiếp nhận 887 hồ sơ.";
    let r = Extractor::new().extract(text, text, &OffsetMap::identity(), Source::default());
    assert_eq!(r.references[0].symbol, "02-KH/BCĐTW");
    assert_eq!(r.dates[0].iso, "2025-06-19");
    assert_eq!(
        r.indicators[0]
            .value
            .as_ref()
            .map(|v| v.to_string())
            .as_deref(),
        Some("887")
    );
}
