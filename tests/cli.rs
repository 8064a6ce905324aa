//! End-to-end tests of the real `sohoa` binary on the fixtures, with piped stdin.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sohoa::record::{ErrorRecord, Record};

mod common;
use common::{sohoa, spawn};

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
/// Runs `sohoa run INPUT --out OUT EXTRA…` with nothing on stdin.
fn run_batch(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    sohoa(&args, b"")
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
    let o = run_batch(&input, &out, &[]);
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

/// A folder holding the five sample reports only (`fixtures/` also holds the gazette set).
fn samples_dir(root: &Path) -> PathBuf {
    let input = root.join("samples");
    fs::create_dir_all(&input).unwrap();
    for name in SAMPLES {
        fs::copy(fixture(name), input.join(name)).unwrap();
    }
    input
}

#[test]
fn run_on_fixtures_writes_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    // The five sample reports, as the README's first command names them (fixtures/ also
    // holds the gazette dev pages under fixtures/gazette).
    let rest: Vec<PathBuf> = SAMPLES[1..].iter().map(|n| fixture(n)).collect();
    let rest: Vec<&str> = rest.iter().map(|p| p.to_str().unwrap()).collect();
    let o = run_batch(&fixture(SAMPLES[0]), &out, &rest);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sohoa: 5 documents, 0 failed"),
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
        assert_eq!(r.schema_version, "1.2");
    }
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let samples = samples_dir(dir.path());
    let mut results = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(jobs);
        let o = sohoa(
            &[
                "--jobs",
                jobs,
                "run",
                samples.to_str().unwrap(),
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
    // `run` without inputs. (A missing input is not a usage error: it gets an error record.)
    let o = sohoa(&["run", "--out", "/tmp/x"], b"");
    assert_eq!(o.status.code(), Some(2));
}

/// Runs `sohoa ARGS` fed `input`, reads one byte of its output, then hangs up like `head -c1`.
fn hang_up_after_one_byte(args: &[&str], input: String) -> Output {
    let mut child = spawn(args, Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut so = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    let _ = so.read(&mut one);
    drop(so);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn broken_pipe_exits_quietly() {
    let big: String = fs::read_to_string(fixture(SAMPLES[3])).unwrap().repeat(50);
    let out = hang_up_after_one_byte(&["clean"], big);
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
        let o = run_batch(&input, out, if resume { &["--resume"] } else { &[] });
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
    let o = run_batch(&input, &killed, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_batch(&input, &whole, &[]);
    assert!(o.status.success());
    assert_eq!(tree(&whole), tree(&killed));
}

// ---------------------------------------------------------------------------------------------
// Stream mode: `sohoa pipe`.

/// One answer of `sohoa pipe`, read strictly.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PipeAnswer {
    id: serde_json::Value,
    clean: Option<String>,
    record: Option<Record>,
    error: Option<sohoa::record::ErrorInfo>,
}

impl PipeAnswer {
    fn kind(&self) -> &str {
        self.error.as_ref().map_or("", |e| e.kind.as_str())
    }
}

/// `sohoa pipe ARGS < stdin`: asserts exit 0 and returns the raw answer lines.
fn pipe_lines(args: &[&str], stdin: &[u8]) -> Vec<String> {
    let mut all = vec!["pipe"];
    all.extend_from_slice(args);
    let o = sohoa(&all, stdin);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.ends_with(b"\n") || o.stdout.is_empty());
    stdout(&o).lines().map(str::to_string).collect()
}

/// `sohoa pipe ARGS < stdin`, answers parsed strictly (record or error, never both).
fn pipe_answers(args: &[&str], stdin: &[u8]) -> Vec<PipeAnswer> {
    pipe_lines(args, stdin)
        .iter()
        .map(|l| {
            let a: PipeAnswer = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert!(
                (a.clean.is_some() && a.record.is_some() && a.error.is_none())
                    || (a.clean.is_none() && a.record.is_none() && a.error.is_some()),
                "{l}"
            );
            a
        })
        .collect()
}

#[test]
fn pipe_echoes_ids_verbatim() {
    let ids = [
        r#""abc""#,
        "42",
        "123456789012345678901234567890",
        "-1.50e3",
        "null",
        r#"{"part": [1, 2], "tên": "ệ"}"#,
        "[]",
    ];
    let input: String = ids
        .iter()
        .map(|id| format!("{{\"id\": {id}, \"text\": \"Bao cao so 1\", \"other\": 3}}\n"))
        .collect();
    let lines = pipe_lines(&[], input.as_bytes());
    assert_eq!(lines.len(), ids.len());
    for (line, id) in lines.iter().zip(ids) {
        let want = format!("{{\"id\":{id},\"clean\":");
        assert!(line.starts_with(&want), "{line}");
        assert!(
            line.contains(r#","record":{"schema_version":"1.2","#),
            "{line}"
        );
    }
    // A request without an id gets its line number.
    let a = pipe_answers(&[], b"{\"text\": \"x\"}\n");
    assert_eq!(a[0].id, 1);
}

#[test]
fn pipe_takes_plain_text_and_blank_lines_with_line_numbers() {
    let schema = schema();
    let lines = pipe_lines(&[], "Két qua thuc hién\n\n  \r\nsó 12/BC-UBND".as_bytes());
    assert_eq!(lines.len(), 4);
    for (i, line) in lines.iter().enumerate() {
        let a: PipeAnswer = serde_json::from_str(line).unwrap();
        assert_eq!(a.id, i as u64 + 1);
        let record = a.record.expect("a record");
        assert_eq!(record.source.path, None);
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_valid(&schema, &v["record"]);
    }
    let a = pipe_answers(&[], b"\n");
    assert_eq!(a[0].clean.as_deref(), Some(""));
    assert_eq!(a[0].record.as_ref().unwrap().source.bytes, 0);
    // The record's source is the text's hash and size, nothing of the host.
    let a = pipe_answers(&[], b"{\"id\":1,\"text\":\"\"}\n");
    let src = &a[0].record.as_ref().unwrap().source;
    assert_eq!(
        src.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn pipe_answers_bad_json_with_an_error_and_goes_on() {
    let input =
        b"{\"id\": 7, \"text\": \n{\"id\":\"k\"}\n{\"id\":\"n\",\"text\":null}\n{oops}\nplain\n";
    let a = pipe_answers(&[], input);
    assert_eq!(a.len(), 5);
    let kinds: Vec<&str> = a.iter().map(PipeAnswer::kind).collect();
    assert_eq!(kinds, ["bad_json", "bad_json", "bad_json", "bad_json", ""]);
    assert_eq!(a[0].id, 1); // unreadable: the line number
    assert_eq!(a[1].id, "k"); // readable id, no text
    assert_eq!(a[2].id, "n");
    assert_eq!(a[3].id, 4);
    assert_eq!(a[4].id, 5);
}

#[test]
fn pipe_reports_invalid_utf8_with_its_offset_or_replaces_it() {
    let input = b"ab\xFFcd\n{\"id\":\"u\",\"text\":\"a\xFF\"}\n";
    let a = pipe_answers(&[], input);
    assert_eq!(a[0].kind(), "invalid_utf8");
    assert!(a[0].error.as_ref().unwrap().message.contains("offset 2"));
    assert_eq!(a[1].kind(), "invalid_utf8");
    assert_eq!(a[1].id, "u");
    assert!(a[1].error.as_ref().unwrap().message.contains("offset 19"));
    let a = pipe_answers(&["--lossy"], input);
    assert!(a[0].clean.as_deref().unwrap().contains('\u{FFFD}'));
    assert!(a[1].clean.as_deref().unwrap().contains('\u{FFFD}'));
    assert_eq!(a[1].id, "u");
}

#[test]
fn pipe_skips_an_over_long_line_with_an_error() {
    let mut input = b"Bao cao\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 3_000_000));
    input.extend_from_slice(b"\n{\"id\":\"last\",\"text\":\"ok\"}\n");
    let a = pipe_answers(&["--max-line-bytes", "1000000"], &input);
    assert_eq!(a.len(), 3);
    assert!(a[0].record.is_some());
    assert_eq!(a[1].kind(), "too_large");
    assert_eq!(a[1].id, 2);
    assert!(a[1].error.as_ref().unwrap().message.contains("3000000"));
    assert_eq!(a[2].id, "last");
}

#[test]
fn pipe_escapes_line_separators_and_ascii_escapes_everything() {
    let input = "{\"id\":\"a\u{2028}b\",\"text\":\"Việt\u{2028}Nam\u{2029}x\u{85}y\"}\n";
    let lines = pipe_lines(&[], input.as_bytes());
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    for sep in ['\u{2028}', '\u{2029}', '\u{85}'] {
        assert!(!line.contains(sep), "{line}");
    }
    assert!(line.contains("\\u2028") && line.contains("\\u2029") && line.contains("\\u0085"));
    assert!(line.contains("Việt"), "{line}");
    let plain: PipeAnswer = serde_json::from_str(line).unwrap();
    assert_eq!(plain.id, "a\u{2028}b");

    let lines = pipe_lines(&["--ascii"], input.as_bytes());
    assert!(lines[0].is_ascii(), "{}", lines[0]);
    let ascii: PipeAnswer = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(ascii.id, plain.id);
    assert_eq!(ascii.clean, plain.clean);
    assert_eq!(ascii.record, plain.record);
}

#[test]
fn pipe_works_with_an_empty_environment() {
    let input = fs::read(fixture(SAMPLES[0])).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sohoa"))
        .arg("pipe")
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.clone();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let bare = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(bare.status.code(), Some(0), "{}", stderr(&bare));
    let with_env = sohoa(&["pipe"], &input);
    assert_eq!(bare.stdout, with_env.stdout);
    let input_lines = lines(&input) + usize::from(!input.ends_with(b"\n"));
    assert_eq!(lines(&bare.stdout), input_lines);
}

#[test]
fn pipe_answers_each_batch_before_the_input_ends() {
    for args in [&["pipe"][..], &["--jobs", "2", "pipe"][..]] {
        answers_come_before_the_input_ends(args);
    }
}

/// Writes batches of 7 requests to `sohoa ARGS`, keeping stdin open, and waits for 7 answers.
fn answers_come_before_the_input_ends(args: &[&str]) {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = spawn(args, Stdio::null());
    let mut stdin = child.stdin.take().unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stdout.lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for round in 0..2 {
        for i in 0..7 {
            writeln!(
                stdin,
                "{{\"id\":\"{round}-{i}\",\"text\":\"Bao cao so {i}\"}}"
            )
            .unwrap();
        }
        stdin.flush().unwrap();
        // stdin stays open: the answers must come anyway.
        for i in 0..7 {
            let line = rx
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("{args:?}: answer {i} of round {round} did not come"));
            let a: PipeAnswer = serde_json::from_str(&line).unwrap();
            assert_eq!(a.id, format!("{round}-{i}"));
        }
        assert!(rx.try_recv().is_err());
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn pipe_gives_one_answer_per_line_for_200_mixed_lines_with_any_thread_count() {
    let paragraphs: Vec<String> = SAMPLES
        .iter()
        .flat_map(|name| {
            fs::read_to_string(fixture(name))
                .unwrap()
                .split("\n\n")
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut input = Vec::new();
    let mut expect_id = Vec::new();
    for i in 0..200usize {
        let n = i + 1;
        match i % 8 {
            0..=2 => {
                let text = &paragraphs[i % paragraphs.len()];
                let req = serde_json::json!({"id": format!("doc-{i}"), "text": text});
                input.extend_from_slice(req.to_string().as_bytes());
                expect_id.push(serde_json::json!(format!("doc-{i}")));
            }
            3 => {
                input.extend_from_slice(b"{\"id\": 3, \"text\": [1]}");
                expect_id.push(serde_json::json!(3));
            }
            4 => {
                input.extend_from_slice(b"");
                expect_id.push(serde_json::json!(n));
            }
            5 => {
                input.extend_from_slice(b"Bao cao \xC3\x28 so");
                expect_id.push(serde_json::json!(n));
            }
            6 => {
                input.extend_from_slice(b"{broken");
                expect_id.push(serde_json::json!(n));
            }
            _ => {
                let line = paragraphs[i % paragraphs.len()].replace('\n', " ");
                input.extend_from_slice(line.as_bytes());
                expect_id.push(serde_json::json!(n));
            }
        }
        input.push(b'\n');
    }
    let one = pipe_lines(&[], &input);
    assert_eq!(one.len(), 200);
    for (line, id) in one.iter().zip(&expect_id) {
        let a: PipeAnswer = serde_json::from_str(line).unwrap();
        assert_eq!(&a.id, id, "{line}");
    }
    let two = pipe_lines(&["--jobs", "2"], &input);
    assert!(one == two, "answers differ with --jobs 2");
}

#[test]
fn pipe_exits_0_with_error_answers_and_2_on_usage_errors() {
    let o = sohoa(&["pipe"], b"\xFF\n{\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(lines(&o.stdout), 2);
    let o = sohoa(&["pipe", "--max-line-bytes", "lots"], b"");
    assert_eq!(o.status.code(), Some(2));
    let o = sohoa(&["pipe"], b"");
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let o = sohoa(&["--help"], b"");
    assert!(stdout(&o).contains("sohoa pipe"));
}

#[test]
fn pipe_exits_quietly_when_the_reader_goes_away() {
    let line = "{\"id\":1,\"text\":\"Bao cao so 12/BC-UBND ngay 3 thang 4\"}\n";
    let big = line.repeat(20_000);
    let out = hang_up_after_one_byte(&["pipe"], big);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn an_output_folder_that_cannot_be_written_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the output folder should be: not writable as a folder, even as root.
    let out = dir.path().join("out");
    fs::write(&out, "not a folder").unwrap();
    let o = run_batch(&fixture(SAMPLES[1]), &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("out"), "{}", stderr(&o));
}

#[test]
fn a_folder_given_to_clean_is_an_error_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let o = sohoa(
        &[
            "clean",
            dir.path().to_str().unwrap(),
            fixture(SAMPLES[1]).to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(dir.path().to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        lines(&o.stdout),
        lines(&fs::read(fixture(SAMPLES[1])).unwrap())
    );
}

#[test]
fn a_very_long_line_stays_one_line() {
    let line = "Két qua thuc hién cong tac chuyén doi sé ".repeat(20_000);
    let o = sohoa(&["clean"], format!("{line}\n").as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o.stdout), 1);
    assert!(o.stdout.len() >= line.len());
}

#[test]
fn a_missing_input_in_a_batch_gets_an_error_record_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = sohoa(
        &[
            "run",
            "/nonexistent/x.txt",
            fixture(SAMPLES[1]).to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent/x.txt"), "{}", stderr(&o));
    let records = fs::read_to_string(out.join("records.jsonl")).unwrap();
    let lines: Vec<&str> = records.lines().collect();
    assert_eq!(lines.len(), 2);
    let err: ErrorRecord = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(err.error.kind, "io");
    let rec: Record = serde_json::from_str(lines[1]).unwrap();
    assert!(rec.source.path.unwrap().ends_with(SAMPLES[1]));
}

#[test]
fn a_folder_given_to_clean_points_to_run_and_one_document_is_singular() {
    let dir = tempfile::tempdir().unwrap();
    let o = sohoa(&["clean", dir.path().to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("use `sohoa run DIR --out OUT`"),
        "{}",
        stderr(&o)
    );
    let out = dir.path().join("o");
    let o = run_batch(&fixture(SAMPLES[4]), &out, &[]);
    assert!(
        stderr(&o).contains("sohoa: 1 document, 0 failed"),
        "{}",
        stderr(&o)
    );
}
