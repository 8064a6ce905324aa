//! Regression tests for input handling, batch safety, exit codes and bounded memory (issue 15),
//! on the real `sohoa` binary in temporary folders.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use sohoa::record::{ErrorRecord, Record, Span};

const OCR: &str = include_str!("../fixtures/003_4c818c38c2080030.txt");

/// `sohoa ARGS` with `stdin` piped in.
fn sohoa(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sohoa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sohoa");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

fn extract(bytes: &[u8]) -> Record {
    let o = sohoa(&["extract"], bytes);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("a record")
}

/// Every span of a record.
fn spans(r: &Record) -> Vec<Span> {
    let mut v: Vec<Span> = r.references.iter().map(|x| x.span).collect();
    v.extend(r.dates.iter().map(|x| x.span));
    v.extend(r.agencies.iter().map(|x| x.span));
    v.extend(r.indicators.iter().map(|x| x.span));
    v
}

/// The record of `changed` has the spans of the record of `plain`, with every offset moved to
/// where the same text is in `changed` (`at` maps offsets of `plain` to offsets of `changed`).
fn assert_spans_follow(plain: &[u8], changed: &[u8], at: impl Fn(usize) -> usize) {
    let a = extract(plain);
    let b = extract(changed);
    let (sa, sb) = (spans(&a), spans(&b));
    assert!(!sa.is_empty());
    assert_eq!(sa.len(), sb.len());
    for (x, y) in sa.iter().zip(&sb) {
        assert_eq!(y.line, x.line);
        assert_eq!((y.start, y.end), (at(x.start), at(x.end)), "{x:?} {y:?}");
        let line_of = |o: usize| changed[..o].iter().filter(|&&b| b == b'\n').count() + 1;
        assert_eq!(line_of(y.start), y.line);
    }
}

#[test]
fn spans_are_offsets_in_the_original_input_with_a_bom() {
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(OCR.as_bytes());
    assert_spans_follow(OCR.as_bytes(), &with_bom, |o| o + 3);
}

#[test]
fn spans_are_offsets_in_the_original_input_in_nfd() {
    use unicode_normalization::UnicodeNormalization;
    let clean = include_str!("../fixtures/001_372855f636130f4e.txt");
    let nfd: String = clean.nfd().collect();
    // Offset o of the NFC text is where the NFD of its first o bytes ends.
    let at = |o: usize| clean[..o].nfd().map(char::len_utf8).sum::<usize>();
    assert_spans_follow(clean.as_bytes(), nfd.as_bytes(), at);
}

#[test]
fn utf16_is_named_and_a_stray_nul_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let u16 = dir.path().join("u16.txt");
    let mut bytes = b"\xFF\xFE".to_vec();
    bytes.extend(OCR.encode_utf16().flat_map(|u| u.to_le_bytes()));
    fs::write(&u16, bytes).unwrap();
    let o = sohoa(&["extract", "--jsonl", path(&u16)], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("UTF-16"), "{}", stderr(&o));
    let e: ErrorRecord = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e.error.kind, "utf16");

    let mut text = OCR.as_bytes().to_vec();
    let at = OCR.find('\n').unwrap() + 1;
    text.insert(at, 0);
    let r = extract(&text);
    let w = r
        .warnings
        .iter()
        .find(|w| w.kind == "nul_replaced")
        .unwrap();
    assert_eq!(w.span.map(|s| (s.line, s.start)), Some((2, at)));
    let o = sohoa(&["clean"], &text);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        o.stdout.iter().filter(|&&b| b == b'\n').count(),
        OCR.matches('\n').count()
    );
    // Many NULs: binary.
    let o = sohoa(&["extract", "--jsonl"], &[b'a', 0, 0, b'b', 0, 0, 0, 0]);
    assert_eq!(o.status.code(), Some(1));
    let e: ErrorRecord = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e.error.kind, "binary");
}
