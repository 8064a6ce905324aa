//! Batch processing of files and folders: `sohoa run INPUT... --out DIR`.
//!
//! For each input `DIR/<relative path>.clean.txt` and `DIR/<relative path>.json` are written
//! (the `.txt` extension of the input is dropped), and `DIR/records.jsonl` gets one line per
//! input in input order: the record, or an error record when the input could not be processed,
//! so nothing is lost silently. Files are processed in parallel; the outputs do not depend on
//! the number of threads. Every output file is written to a temporary name and renamed, so an
//! interrupted run never leaves a half-written output behind.
//!
//! `--resume` skips inputs whose outputs are up to date, so a killed run can be finished
//! without redoing its work. Up to date means: both outputs exist, the `.json` record names the
//! same input path and SHA-256 as the input now has, and both were written after the run stamp
//! (`DIR/.sohoa-run`, naming the sohoa version and model fingerprint) was last changed. A run
//! with another version or model rewrites the stamp, which makes every earlier output stale.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::input::{self, DecodeOptions};
use crate::pipeline::{DocError, Engine};
use crate::record::{Record, Source};

/// The run stamp's file name inside the output folder.
pub const STAMP_FILE: &str = ".sohoa-run";

/// Marks the temporary files of [`write_atomic`] (followed by the process id).
const TMP_MARK: &str = ".sohoa-tmp-";

/// Removes temporary files left in `dir` by a killed run.
fn remove_leftovers(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            remove_leftovers(&entry.path())?;
        } else if entry
            .file_name()
            .to_str()
            .and_then(|n| n.rsplit_once(TMP_MARK))
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// How a batch runs.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    pub decode: DecodeOptions,
    /// Skip inputs whose outputs are up to date.
    pub resume: bool,
    /// Files larger than this are streamed chunk by chunk rather than read whole.
    pub stream_above: u64,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            decode: DecodeOptions::default(),
            resume: false,
            stream_above: LARGE_FILE,
        }
    }
}

/// One file to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The file to read.
    pub path: PathBuf,
    /// Its path relative to the input it was found under (the file name for a file input).
    pub relative: PathBuf,
}

/// Expands the inputs: files as given, folders walked (sorted) for `*.txt`.
///
/// Nothing is dropped silently: an input that does not exist, or a folder that cannot be
/// listed, becomes a job of its own, which then fails with the reason and gets its error
/// record in `records.jsonl`.
pub fn collect_jobs(inputs: &[PathBuf]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for input in inputs {
        if fs::metadata(input).is_ok_and(|m| m.is_dir()) {
            let mut found = Vec::new();
            walk(input, &mut found);
            found.sort();
            for path in found {
                let relative = path.strip_prefix(input).unwrap_or(&path).to_path_buf();
                jobs.push(Job { path, relative });
            }
        } else {
            let relative = PathBuf::from(input.file_name().unwrap_or(input.as_os_str()));
            jobs.push(Job {
                path: input.clone(),
                relative,
            });
        }
    }
    jobs
}

/// Collects the `*.txt` files under `dir`; a folder or entry that cannot be read is collected
/// as itself, so that reading it fails later with the reason.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => {
            out.push(dir.to_path_buf());
            return;
        }
    };
    for entry in entries {
        let Ok(entry) = entry else {
            out.push(dir.to_path_buf());
            continue;
        };
        let path = entry.path();
        let Ok(ty) = entry.file_type() else {
            out.push(path);
            continue;
        };
        if ty.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "txt")
            && (ty.is_file() || ty.is_symlink() && path.is_file())
        {
            out.push(path);
        }
    }
}

/// The output paths of a job under `out`.
pub fn output_paths(out: &Path, job: &Job) -> (PathBuf, PathBuf) {
    let stem = job.relative.with_extension("");
    let base = out.join(stem);
    let mut clean = base.clone().into_os_string();
    clean.push(".clean.txt");
    let mut json = base.into_os_string();
    json.push(".json");
    (PathBuf::from(clean), PathBuf::from(json))
}

/// What happened to one job.
#[derive(Debug)]
pub struct Outcome {
    pub job: Job,
    /// The `records.jsonl` line (record or error record), without newline.
    pub line: String,
    pub bytes: u64,
    pub error: Option<String>,
    /// Up to date from an earlier run (`--resume`): nothing was recomputed.
    pub skipped: bool,
}

/// Summary of a batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub documents: usize,
    pub failed: usize,
    /// Up to date and skipped (`--resume`).
    pub skipped: usize,
    pub bytes: u64,
}

/// Writes `contents` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |f| f.write_all(contents))
}

/// Writes `path` atomically with `fill`, which may write a large output bit by bit.
fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!("{TMP_MARK}{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut f = io::BufWriter::new(fs::File::create(&tmp)?);
        fill(&mut f)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_data()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// SHA-256 and size of a file, read in pieces.
fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let n = io::copy(&mut fs::File::open(path)?, &mut h)?;
    Ok((crate::input::hex(&h.finalize()), n))
}

/// The record of `job` from an earlier run when its outputs are up to date: written after
/// `valid_since`, for the same path and the same input bytes.
fn up_to_date(
    job: &Job,
    out: &Path,
    path_str: &str,
    sha256: &str,
    valid_since: SystemTime,
) -> Option<Record> {
    let (clean_path, json_path) = output_paths(out, job);
    for p in [&clean_path, &json_path] {
        if fs::metadata(p).and_then(|m| m.modified()).ok()? < valid_since {
            return None;
        }
    }
    let record: Record = serde_json::from_slice(&fs::read(&json_path).ok()?).ok()?;
    (record.source.sha256 == sha256 && record.source.path.as_deref() == Some(path_str))
        .then_some(record)
}

/// Processes one job and writes its two outputs; with `valid_since` (resume), returns the
/// earlier record instead when the outputs are up to date.
pub fn run_job(
    engine: &Engine,
    job: &Job,
    out: &Path,
    opts: RunOptions,
    valid_since: Option<SystemTime>,
) -> Outcome {
    let path_str = job.path.to_string_lossy().into_owned();
    if fs::metadata(&job.path).is_ok_and(|m| m.len() > opts.stream_above) {
        return run_large_job(engine, job, out, opts.decode, valid_since, &path_str);
    }
    let bytes = match fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => return failed(job, &DocError::Io(e), unread_source(&path_str)),
    };
    let source = input::source_of(Some(&path_str), &bytes);
    if let Some(record) =
        valid_since.and_then(|t| up_to_date(job, out, &path_str, &source.sha256, t))
    {
        return succeeded(job, &record, true);
    }
    let p = match engine.process(Some(&path_str), &bytes, opts.decode) {
        Ok(p) => p,
        Err(err) => return failed(job, &err, source),
    };
    let (clean_path, json_path) = output_paths(out, job);
    match write_atomic(&clean_path, p.clean.as_bytes())
        .and_then(|()| write_json(&json_path, &p.record))
    {
        Ok(()) => succeeded(job, &p.record, false),
        Err(e) => failed(job, &DocError::Io(e), source),
    }
}

/// The default of [`RunOptions::stream_above`]: 32 MB.
pub const LARGE_FILE: u64 = 32 << 20;

/// [`run_job`] for a large file: streamed, so memory stays bounded whatever its size.
fn run_large_job(
    engine: &Engine,
    job: &Job,
    out: &Path,
    opts: DecodeOptions,
    valid_since: Option<SystemTime>,
    path_str: &str,
) -> Outcome {
    // The provenance of a file too large to hold: hashed in pieces (failures leave it blank).
    let source = || match hash_file(&job.path) {
        Ok((sha256, bytes)) => Source {
            path: Some(path_str.to_string()),
            sha256,
            bytes,
        },
        Err(_) => unread_source(path_str),
    };
    if let Some(t) = valid_since {
        if let Some(record) = up_to_date(job, out, path_str, &source().sha256, t) {
            return succeeded(job, &record, true);
        }
    }
    let (clean_path, json_path) = output_paths(out, job);
    // The clean text is written as it is made; the input error, if any, is kept aside so
    // that the temporary file is dropped and the error reported as the input's.
    let mut input_error = None;
    let mut record = None;
    let written = fs::File::open(&job.path).and_then(|file| {
        write_atomic_with(&clean_path, |w| {
            match engine.process_stream(
                Some(path_str),
                file,
                opts,
                crate::chunked::DEFAULT_CHUNK,
                &mut |s| w.write_all(s.as_bytes()),
            ) {
                Ok(r) => {
                    record = Some(r);
                    Ok(())
                }
                Err(e) => {
                    input_error = Some(e);
                    Err(io::Error::other("input error"))
                }
            }
        })
    });
    if let Some(e) = input_error {
        return failed(job, &e, source());
    }
    match (written, record) {
        (Ok(()), Some(record)) => match write_json(&json_path, &record) {
            Ok(()) => succeeded(job, &record, false),
            Err(e) => failed(job, &DocError::Io(e), record.source),
        },
        (Err(e), _) => failed(job, &DocError::Io(e), source()),
        (Ok(()), None) => {
            let err = DocError::Io(io::Error::other("the document was not processed"));
            failed(job, &err, source())
        }
    }
}

/// The `.json` output: the record, pretty, with a final newline.
fn write_json(path: &Path, record: &Record) -> io::Result<()> {
    let json = serde_json::to_string_pretty(record).map_err(io::Error::other)?;
    write_atomic(path, format!("{json}\n").as_bytes())
}

/// The provenance of an input that could not be read.
fn unread_source(path: &str) -> Source {
    Source {
        path: Some(path.to_string()),
        sha256: String::new(),
        bytes: 0,
    }
}

fn succeeded(job: &Job, record: &Record, skipped: bool) -> Outcome {
    Outcome {
        job: job.clone(),
        line: serde_json::to_string(record).unwrap_or_default(),
        bytes: record.source.bytes,
        error: None,
        skipped,
    }
}

fn failed(job: &Job, err: &DocError, source: Source) -> Outcome {
    let bytes = source.bytes;
    let rec = err.to_record(source);
    Outcome {
        job: job.clone(),
        line: serde_json::to_string(&rec).unwrap_or_default(),
        bytes,
        error: Some(format!("{}: {err}", job.path.display())),
        skipped: false,
    }
}

/// Runs a whole batch: every job in parallel, then `records.jsonl` in input order.
/// `on_done` is called once per finished job (from worker threads), e.g. for a progress bar.
pub fn run(
    engine: &Engine,
    jobs: &[Job],
    out: &Path,
    opts: RunOptions,
    on_done: &(dyn Fn(&Outcome) + Sync),
) -> io::Result<(Summary, Vec<Outcome>)> {
    fs::create_dir_all(out)?;
    remove_leftovers(out)?;
    let valid_since = stamp(engine, out, opts.resume)?;
    let outcomes: Vec<Outcome> = jobs
        .par_iter()
        .map(|job| {
            let o = run_job(engine, job, out, opts, valid_since);
            on_done(&o);
            o
        })
        .collect();
    let mut jsonl = String::new();
    let mut summary = Summary::default();
    for o in &outcomes {
        jsonl.push_str(&o.line);
        jsonl.push('\n');
        summary.documents += 1;
        summary.bytes += o.bytes;
        if o.error.is_some() {
            summary.failed += 1;
        }
        if o.skipped {
            summary.skipped += 1;
        }
    }
    write_atomic(&out.join("records.jsonl"), jsonl.as_bytes())?;
    Ok((summary, outcomes))
}

/// Writes the run stamp unless `resume` finds the same one; returns since when outputs are
/// valid for resuming (`None`: recompute everything).
fn stamp(engine: &Engine, out: &Path, resume: bool) -> io::Result<Option<SystemTime>> {
    let path = out.join(STAMP_FILE);
    let fingerprint = engine.restorer.model().fingerprint()?;
    let want = format!("sohoa {}\nmodel {fingerprint}\n", env!("CARGO_PKG_VERSION"));
    if resume && fs::read_to_string(&path).is_ok_and(|have| have == want) {
        return fs::metadata(&path)?.modified().map(Some);
    }
    write_atomic(&path, want.as_bytes())?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_drop_the_txt_extension() {
        let job = Job {
            path: "in/a/b.txt".into(),
            relative: "a/b.txt".into(),
        };
        let (c, j) = output_paths(Path::new("out"), &job);
        assert_eq!(c, Path::new("out/a/b.clean.txt"));
        assert_eq!(j, Path::new("out/a/b.json"));
    }

    #[test]
    fn folders_are_walked_sorted_for_txt() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("sub")).unwrap();
        for f in ["b.txt", "a.txt", "sub/c.txt", "note.md"] {
            fs::write(d.join(f), "x").unwrap();
        }
        let jobs = collect_jobs(&[d.to_path_buf()]);
        let rel: Vec<_> = jobs
            .iter()
            .map(|j| j.relative.to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a.txt", "b.txt", "sub/c.txt"]);
    }

    fn fixtures_run(opts: RunOptions) -> (tempfile::TempDir, Summary, Vec<Outcome>) {
        use crate::model::Model;
        use crate::restore::Restorer;
        let engine = Engine::new(Restorer::builder(Model::embedded().unwrap()).build());
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let jobs: Vec<Job> = collect_jobs(&[root])
            .into_iter()
            .filter(|j| j.relative.to_string_lossy().starts_with("00"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(jobs.len(), 5);
        let (summary, outcomes) = run(&engine, &jobs, dir.path(), opts, &|_| {}).unwrap();
        (dir, summary, outcomes)
    }

    #[test]
    fn streamed_files_give_the_same_outputs_and_resume_too() {
        let (whole, _, a) = fixtures_run(RunOptions::default());
        let streamed = RunOptions {
            stream_above: 1,
            ..RunOptions::default()
        };
        let (dir, _, b) = fixtures_run(streamed);
        let lines = |o: &[Outcome]| o.iter().map(|o| o.line.clone()).collect::<Vec<_>>();
        assert_eq!(lines(&a), lines(&b));
        for o in &a {
            let (c, j) = output_paths(whole.path(), &o.job);
            let (c2, j2) = output_paths(dir.path(), &o.job);
            assert_eq!(fs::read(c).unwrap(), fs::read(c2).unwrap());
            assert_eq!(fs::read(j).unwrap(), fs::read(j2).unwrap());
        }
        // Resuming over the streamed outputs skips every file.
        let engine = Engine::new(
            crate::restore::Restorer::builder(crate::model::Model::embedded().unwrap()).build(),
        );
        let jobs: Vec<Job> = a.iter().map(|o| o.job.clone()).collect();
        let resume = RunOptions {
            resume: true,
            ..streamed
        };
        let (summary, c) = run(&engine, &jobs, dir.path(), resume, &|_| {}).unwrap();
        assert_eq!(summary.skipped, jobs.len());
        assert_eq!(lines(&a), lines(&c));
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/y.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path().join("x")).unwrap().count(), 1);
    }
}
