//! End-to-end tests of the real `sohoa` binary on the fixtures, with piped stdin.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sohoa::record::{ErrorRecord, Record};

/// Fixture reports: three raw OCR, two clean.
const SAMPLES: [&str; 5] = [
    "000_ec917ac3c63f8407.txt",
    "001_372855f636130f4e.txt",
    "002_7251359187763003.txt",
    "003_4c818c38c2080030.txt",
    "004_032d32de84dc821b.txt",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

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

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn lines(s: &[u8]) -> usize {
    s.iter().filter(|&&b| b == b'\n').count()
}

/// The record schema, compiled.
fn schema() -> jsonschema::JSONSchema {
    let o = sohoa(&["schema"], b"");
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("schema is JSON");
    jsonschema::JSONSchema::compile(&v).expect("schema compiles")
}

fn assert_valid(schema: &jsonschema::JSONSchema, json: &serde_json::Value) {
    if let Err(errors) = schema.validate(json) {
        let msgs: Vec<String> = errors
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        panic!("record does not validate: {msgs:?}");
    }
}

#[test]
fn clean_reads_stdin_and_keeps_one_line() {
    let o = sohoa(&["clean"], "Két qua thuc hién cong tac\n".as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o.stdout), 1);
    let o = sohoa(&["clean", "-"], b"no newline at end");
    assert_eq!(lines(&o.stdout), 0);
}

#[test]
fn clean_preserves_line_count_of_every_sample() {
    for name in SAMPLES {
        let input = fs::read(fixture(name)).unwrap();
        let path = fixture(name);
        let o = sohoa(&["clean", path.to_str().unwrap()], b"");
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(lines(&o.stdout), lines(&input), "{name}");
    }
}

#[test]
fn crlf_is_kept_bom_dropped_nfd_normalised() {
    let o = sohoa(&["clean"], b"\xEF\xBB\xBFBao cao\r\nso 2\r\n");
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(!out.starts_with('\u{FEFF}'));
    assert_eq!(out.matches("\r\n").count(), 2, "{out:?}");
    let nfd = "Vie\u{0302}\u{0323}t Nam\n";
    let o = sohoa(&["clean"], nfd.as_bytes());
    assert!(stdout(&o).contains("Việt"), "{}", stdout(&o));
}

#[test]
fn empty_input_gives_empty_output_and_an_empty_record() {
    let o = sohoa(&["clean"], b"");
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
    let o = sohoa(&["extract"], b"");
    assert!(o.status.success());
    let r: Record = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r.references.is_empty() && r.dates.is_empty());
    assert_eq!(r.source.bytes, 0);
}

#[test]
fn invalid_utf8_is_an_error_naming_the_file_or_lossy() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    fs::write(&bad, b"Bao cao \xFF so 1\n").unwrap();
    let o = sohoa(&["clean", bad.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad.txt") && err.contains("offset 8"), "{err}");
    let o = sohoa(&["--lossy", "clean", bad.to_str().unwrap()], b"");
    assert!(o.status.success());
    assert!(stdout(&o).contains('\u{FFFD}'));
}

#[test]
fn binary_file_is_reported_and_skipped_in_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.txt"), "Bao cao s6 1\n").unwrap();
    fs::write(input.join("b.txt"), b"\x7fELF\x00\x00\x01").unwrap();
    fs::write(input.join("c.txt"), "Ké hoach\n").unwrap();
    let out = dir.path().join("out");
    let o = sohoa(
        &[
            "run",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("b.txt"));
    assert!(out.join("a.clean.txt").exists() && out.join("c.json").exists());
    assert!(!out.join("b.clean.txt").exists());
    let jsonl = fs::read_to_string(out.join("records.jsonl")).unwrap();
    let rows: Vec<&str> = jsonl.lines().collect();
    assert_eq!(rows.len(), 3);
    let err: ErrorRecord = serde_json::from_str(rows[1]).unwrap();
    assert_eq!(err.error.kind, "binary");
    let _: Record = serde_json::from_str(rows[2]).unwrap();
}

#[test]
fn run_on_fixtures_writes_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = sohoa(
        &[
            "run",
            fixture("").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("5 documents, 0 failed"),
        "{}",
        stderr(&o)
    );
    let schema = schema();
    for name in SAMPLES {
        let stem = name.trim_end_matches(".txt");
        let clean = fs::read(out.join(format!("{stem}.clean.txt"))).unwrap();
        assert_eq!(
            lines(&clean),
            lines(&fs::read(fixture(name)).unwrap()),
            "{name}"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(format!("{stem}.json"))).unwrap()).unwrap();
        assert_valid(&schema, &json);
    }
    let jsonl = fs::read_to_string(out.join("records.jsonl")).unwrap();
    let records: Vec<Record> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("strict record"))
        .collect();
    assert_eq!(records.len(), 5);
    for (r, name) in records.iter().zip(SAMPLES) {
        assert!(r.source.path.as_deref().unwrap_or("").ends_with(name));
        assert_eq!(r.schema_version, "1");
    }
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(jobs);
        let o = sohoa(
            &[
                "--jobs",
                jobs,
                "run",
                fixture("").to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            b"",
        );
        assert!(o.status.success());
        let mut files = Vec::new();
        for name in SAMPLES {
            let stem = name.trim_end_matches(".txt");
            files.push(fs::read(out.join(format!("{stem}.clean.txt"))).unwrap());
            files.push(fs::read(out.join(format!("{stem}.json"))).unwrap());
        }
        results.push(files);
    }
    assert!(results[0] == results[1]);
}

#[test]
fn extract_prints_a_record_that_validates() {
    let schema = schema();
    for name in SAMPLES {
        let path = fixture(name);
        let o = sohoa(&["extract", path.to_str().unwrap()], b"");
        assert!(o.status.success(), "{}", stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_valid(&schema, &json);
        let r: Record = serde_json::from_value(json).unwrap();
        assert_eq!(r.source.bytes, fs::metadata(&path).unwrap().len());
    }
}

#[test]
fn extract_several_gives_json_lines_in_order() {
    let a = fixture(SAMPLES[1]);
    let b = fixture(SAMPLES[2]);
    let o = sohoa(&["extract", a.to_str().unwrap(), b.to_str().unwrap()], b"");
    assert!(o.status.success());
    let out = stdout(&o);
    let rows: Vec<Record> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows[0]
        .source
        .path
        .as_deref()
        .unwrap()
        .ends_with(SAMPLES[1]));
}

#[test]
fn missing_file_is_an_error_and_the_rest_goes_on() {
    let a = fixture(SAMPLES[1]);
    let o = sohoa(&["clean", "/nonexistent/x.txt", a.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/x.txt"));
    assert!(!o.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let o = sohoa(&["frobnicate"], b"");
    assert_eq!(o.status.code(), Some(2));
    let o = sohoa(&["run", "/nonexistent-dir", "--out", "/tmp/x"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn broken_pipe_exits_quietly() {
    let big: String = fs::read_to_string(fixture(SAMPLES[3])).unwrap().repeat(50);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sohoa"))
        .args(["clean"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(big.as_bytes());
    });
    // Read one byte, then hang up like `head -c1`.
    let mut so = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    let _ = so.read(&mut one);
    drop(so);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_lists_examples_and_exit_codes() {
    let o = sohoa(&["--help"], b"");
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("Examples:") && s.contains("Exit codes"));
}

/// Every file under `dir`, relative path → contents, sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A folder of `n` inputs made from the samples, in two sub-folders.
fn corpus_dir(root: &Path, n: usize) -> PathBuf {
    let input = root.join("in");
    for i in 0..n {
        let sample = fs::read(fixture(SAMPLES[i % SAMPLES.len()])).unwrap();
        let p = input.join(format!("part{}/doc{i:03}.txt", i % 2));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, sample).unwrap();
    }
    input
}

#[test]
fn resume_skips_up_to_date_outputs_and_redoes_changed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus_dir(dir.path(), 6);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let run = |out: &Path, resume: bool| {
        let mut args = vec![
            "run",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if resume {
            args.push("--resume");
        }
        let o = sohoa(&args, b"");
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    run(&b, false);
    // One input changes, one output is lost: those two are redone, the rest skipped.
    fs::write(input.join("part0/doc000.txt"), "Báo cáo số 1/BC-UBND\n").unwrap();
    fs::remove_file(b.join("part1/doc001.clean.txt")).unwrap();
    let summary = run(&b, true);
    assert!(summary.contains("4 up to date"), "{summary}");
    run(&a, false);
    assert_eq!(tree(&a), tree(&b));
}

#[test]
fn killed_run_finished_with_resume_equals_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus_dir(dir.path(), 60);
    let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_sohoa"))
        .args(["--jobs", "2", "run", input.to_str().unwrap(), "--out"])
        .arg(&killed)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    let o = sohoa(
        &[
            "run",
            input.to_str().unwrap(),
            "--out",
            killed.to_str().unwrap(),
            "--resume",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sohoa(
        &[
            "run",
            input.to_str().unwrap(),
            "--out",
            whole.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.status.success());
    assert_eq!(tree(&whole), tree(&killed));
}
