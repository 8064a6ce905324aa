//! Regression tests for input handling, batch safety, exit codes and bounded memory (issue 15),
//! on the real `sohoa` binary in temporary folders.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use sohoa::record::{ErrorRecord, Record, Span};

mod common;
use common::sohoa;

const OCR: &str = include_str!("../fixtures/003_4c818c38c2080030.txt");

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

fn run(args: &[&str]) -> Output {
    let mut a = vec!["run"];
    a.extend_from_slice(args);
    sohoa(&a, b"")
}

#[test]
fn run_refuses_colliding_outputs_and_writing_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for r in ["r1", "r2"] {
        fs::create_dir_all(d.join(r)).unwrap();
        fs::write(d.join(r).join("x.txt"), r).unwrap();
    }
    fs::write(d.join("r1/a"), "a").unwrap();
    fs::write(d.join("r1/a.txt"), "a.txt").unwrap();
    fs::write(d.join("r1/x.json"), "{}").unwrap();
    let out = d.join("out");
    let (r1, r2) = (d.join("r1"), d.join("r2"));
    for (args, what) in [
        (vec![path(&r1), path(&r2)], "would both be written"),
        (
            vec![path(&d.join("r1/a")), path(&d.join("r1/a.txt"))],
            "would both be written",
        ),
    ] {
        let mut a = args.clone();
        a.extend(["--out", path(&out)]);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(what), "{}", stderr(&o));
        assert!(!out.join("records.jsonl").exists());
    }
    let o = run(&[path(&d.join("r1/x.json")), "--out", path(&r1)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is an input itself"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(d.join("r1/x.json")).unwrap(), "{}");
    let o = run(&[path(&r1), "--out", path(&r1)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is an input folder"), "{}", stderr(&o));
}

#[test]
fn run_never_walks_its_own_output_and_keeps_others_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.txt"), "Bao cao so 1\n").unwrap();
    let out = input.join("out");
    fs::create_dir_all(&out).unwrap();
    // A user's file (or another run's) that looks like a temporary name.
    let theirs = out.join("notes.sohoa-tmp-123");
    fs::write(&theirs, "keep me").unwrap();
    // A killed run's temporary file is removed (no live run can own it under the lock).
    let dead = out.join("c.json.sohoa-tmp-999999999-0");
    fs::write(&dead, "dead").unwrap();
    for _ in 0..2 {
        let o = run(&[path(&input), "--out", path(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains("output folder"), "{}", stderr(&o));
    }
    assert!(!out.join("out").exists() && !out.join("a.clean.clean.txt").exists());
    let rows = fs::read_to_string(out.join("records.jsonl")).unwrap();
    assert_eq!(rows.lines().count(), 1);
    assert_eq!(fs::read_to_string(&theirs).unwrap(), "keep me");
    assert!(!dead.exists());
}

#[test]
fn run_holds_a_lock_on_its_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(".sohoa-lock"))
        .unwrap();
    lock.lock().unwrap();
    let f = dir.path().join("a.txt");
    fs::write(&f, "Bao cao\n").unwrap();
    let o = run(&[path(&f), "--out", path(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another sohoa run"), "{}", stderr(&o));
    lock.unlock().unwrap();
    let o = run(&[path(&f), "--out", path(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_walk_reports_what_it_does_not_process() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("A.TXT"), "Bao cao so 1\n").unwrap();
    fs::write(input.join(".hidden.txt"), "x\n").unwrap();
    fs::write(dir.path().join("secret.txt"), "outside\n").unwrap();
    symlink(dir.path().join("secret.txt"), input.join("outside.txt")).unwrap();
    symlink(input.join("nowhere"), input.join("dangling.txt")).unwrap();
    symlink(input.join("loop.txt"), input.join("loop.txt")).unwrap();
    let fifo = input.join("fifo.txt");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = dir.path().join("out");
    let o = run(&[path(&input), "--out", path(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped hidden"), "{}", stderr(&o));
    let rows = fs::read_to_string(out.join("records.jsonl")).unwrap();
    let mut kinds = Vec::new();
    for row in rows.lines() {
        match serde_json::from_str::<ErrorRecord>(row) {
            Ok(e) => kinds.push((e.source.path.unwrap(), e.error.message)),
            Err(_) => {
                let r: Record = serde_json::from_str(row).unwrap();
                assert!(r.source.path.unwrap().ends_with("A.TXT"));
            }
        }
    }
    let why = |name: &str| {
        kinds
            .iter()
            .find(|(p, _)| p.ends_with(name))
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    assert!(why("outside.txt").contains("outside the input folder"));
    assert!(why("dangling.txt").contains("dangling"));
    assert!(why("loop.txt").contains("loop"));
    assert!(why("fifo.txt").contains("not a regular file"));
    assert!(!out.join("outside.clean.txt").exists());
    assert_eq!(rows.lines().count(), 5);
}

#[test]
fn run_reads_stdin_and_resume_honours_lossy_and_redoes_truncated_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = sohoa(&["run", "-", "--out", path(&out)], OCR.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Record = serde_json::from_str(
        fs::read_to_string(out.join("records.jsonl"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(r.source.path, None);
    assert_eq!(r.source.bytes, OCR.len() as u64);

    let f = dir.path().join("bad.txt");
    fs::write(&f, b"Bao cao \xFF so 1\ndong hai\n").unwrap();
    let o = run(&["--lossy", path(&f), "--out", path(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Without --lossy the earlier (lossy) outputs are not up to date: the input fails.
    let o = run(&[path(&f), "--out", path(&out), "--resume"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A truncated .clean.txt is redone.
    let g = dir.path().join("good.txt");
    fs::write(&g, OCR).unwrap();
    let o = run(&[path(&g), "--out", path(&out)]);
    assert_eq!(o.status.code(), Some(0));
    let clean = out.join("good.clean.txt");
    let full = fs::read(&clean).unwrap();
    fs::write(&clean, &full[..full.len() / 2]).unwrap();
    let o = run(&[path(&g), "--out", path(&out), "--resume"]);
    assert!(stderr(&o).contains("0 up to date"), "{}", stderr(&o));
    assert_eq!(fs::read(&clean).unwrap(), full);
}

#[test]
fn output_errors_exit_2_and_are_named_as_output_errors() {
    let big = OCR.repeat(40);
    let f = tempfile::NamedTempFile::new().unwrap();
    fs::write(f.path(), &big).unwrap();
    for cmd in ["clean", "extract"] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_sohoa"))
            .args([cmd, path(f.path())])
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(stderr(&o).contains("cannot write output"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("cannot read"), "{}", stderr(&o));
    }
    // A closed stdout is refused at the start rather than silently losing the output.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' clean '{}' >&-",
            env!("CARGO_BIN_EXE_sohoa"),
            path(f.path())
        ))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("closed"), "{}", stderr(&o));
    // `extract big | head -c 1`: exits 0, quietly, once output passes a pipe buffer.
    let mut child = Command::new(env!("CARGO_BIN_EXE_sohoa"))
        .args([
            "extract",
            "--jsonl",
            path(f.path()),
            path(f.path()),
            path(f.path()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut so = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    use std::io::Read;
    let _ = so.read(&mut one);
    drop(so);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn a_late_invalid_byte_prints_nothing_of_that_input() {
    let mut bytes = OCR.repeat(20).into_bytes();
    bytes.extend_from_slice(b"\xFF\n");
    let o = sohoa(&["clean"], &bytes);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
}

#[test]
fn model_errors_name_their_cause_once_and_jobs_are_capped() {
    let o = sohoa(&["--model", "/nonexistent/model", "clean"], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    let o = sohoa(&["--jobs", "100000", "clean"], b"Bao cao\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("--jobs 100000"), "{}", stderr(&o));
}

#[test]
fn clean_run_and_pipe_give_the_same_text_for_a_multi_chunk_file() {
    let clean = include_str!("../fixtures/001_372855f636130f4e.txt");
    let mut doc = String::new();
    while doc.len() < 2_300_000 {
        doc.push_str(clean);
        doc.push_str("\n\n");
        doc.push_str(OCR);
        doc.push_str("\n\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.txt");
    fs::write(&f, &doc).unwrap();
    let by_clean = sohoa(&["clean", path(&f)], b"");
    assert!(by_clean.status.success(), "{}", stderr(&by_clean));
    let out = dir.path().join("out");
    let o = run(&[path(&f), "--out", path(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::read(out.join("big.clean.txt")).unwrap() == by_clean.stdout);
    let request = serde_json::json!({"id": 1, "text": doc}).to_string() + "\n";
    let o = sohoa(&["pipe"], request.as_bytes());
    let answer: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(answer["clean"].as_str().unwrap().as_bytes() == by_clean.stdout);
    let from_run: Record =
        serde_json::from_slice(&fs::read(out.join("big.json")).unwrap()).unwrap();
    let from_pipe: Record = serde_json::from_value(answer["record"].clone()).unwrap();
    assert_eq!(from_run.dates, from_pipe.dates);
    assert_eq!(from_run.references, from_pipe.references);
}
