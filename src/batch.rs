//! Batch processing of files and folders: `sohoa run INPUT... --out DIR`.
//!
//! For each input `DIR/<relative path>.clean.txt` and `DIR/<relative path>.json` are written
//! (the `.txt` extension of the input is dropped); an hOCR or ALTO input `p.hocr` / `p.xml` is
//! corrected in place into `DIR/p.clean.hocr` / `DIR/p.clean.xml`, its record in
//! `DIR/p.hocr.json` / `DIR/p.xml.json` (so a page's text and layout files never collide), and `DIR/records.jsonl` gets one line per
//! input in input order: the record, or an error record when the input could not be processed,
//! so nothing is lost silently. Files are processed in parallel; the outputs do not depend on
//! the number of threads. Every output file is written to a temporary name and renamed, so an
//! interrupted run never leaves a half-written output behind.
//!
//! A run cannot lose or overwrite anything: [`OutDir::open`] holds `DIR/.sohoa-lock` so two
//! runs cannot interleave on one folder; [`plan`] refuses inputs whose outputs would collide
//! (`x.txt` in two roots, `a.txt` beside a file `a`) or land on an input, and an `--out` that is
//! an input folder; the walk never descends into `--out`; temporary names are unique to the run
//! (process id and a counter), and a run removes only such names: its own, and those a killed
//! run left (found when it takes the lock, so no live run can own them).
//!
//! `--resume` skips inputs whose outputs are up to date, so a killed run can be finished
//! without redoing its work. Up to date means: both outputs exist, the `.json` record names the
//! same input path and SHA-256 as the input now has, and both were written after the run stamp
//! (`DIR/.sohoa-run`, naming the sohoa version and model fingerprint) was last changed. A run
//! with another version or model rewrites the stamp, which makes every earlier output stale.

use std::fs;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::fsutil::{
    remove_stale_temps, sync_folder, write_atomic, write_atomic_with, write_replace_with,
};
use crate::input::DecodeOptions;
use crate::layout::{self, Format, FormatChoice};
use crate::pipeline::{DocError, Engine};
use crate::record::{Record, Source};

/// The run stamp's file name inside the output folder.
pub const STAMP_FILE: &str = ".sohoa-run";

/// The lock file's name inside the output folder: held for the whole run.
pub const LOCK_FILE: &str = ".sohoa-lock";

/// Why a batch cannot start (all of them are usage errors: nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("another sohoa run is writing to {}; wait for it to finish", .0.display())]
    Locked(PathBuf),
    #[error("--out {} is an input folder; choose another output folder", .0.display())]
    OutIsInput(PathBuf),
    #[error("{} and {} would both be written to {}; run them with separate --out folders", .first.display(), .second.display(), .output.display())]
    Collision {
        first: PathBuf,
        second: PathBuf,
        output: PathBuf,
    },
    #[error("the output {} of {} is an input itself; choose another --out", .output.display(), .input.display())]
    OverwritesInput { input: PathBuf, output: PathBuf },
    #[error("cannot use the output folder {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The output folder of a run, created and locked for as long as this value lives.
pub struct OutDir {
    path: PathBuf,
    canonical: PathBuf,
    _lock: fs::File,
}

impl OutDir {
    /// Creates `path` if needed and takes its lock (released when the value is dropped, or by
    /// the system when the process dies, so a killed run never leaves a stale lock).
    pub fn open(path: &Path) -> Result<OutDir, PlanError> {
        let io_err = |source| PlanError::Io {
            path: path.to_path_buf(),
            source,
        };
        fs::create_dir_all(path).map_err(io_err)?;
        let canonical = fs::canonicalize(path).map_err(io_err)?;
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(LOCK_FILE))
            .map_err(io_err)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(PlanError::Locked(path.to_path_buf())),
            Err(fs::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        remove_stale_temps(path);
        Ok(OutDir {
            path: path.to_path_buf(),
            canonical,
            _lock: lock,
        })
    }

    /// The folder as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder with symlinks resolved (what the walk compares folders with).
    pub fn canonical(&self) -> &Path {
        &self.canonical
    }
}

/// How a batch runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    pub decode: DecodeOptions,
    /// Skip inputs whose outputs are up to date.
    pub resume: bool,
    /// The inputs' format (`Auto`: each file sniffed).
    pub format: FormatChoice,
}

/// One file to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The file to read.
    pub path: PathBuf,
    /// Its path relative to the input it was found under (the file name for a file input).
    pub relative: PathBuf,
    /// Why the walk refused it (a dangling symlink, a FIFO…): reported as its error.
    pub refused: Option<String>,
    /// It is standard input (spooled to `path`): its record's source path is `null`.
    pub stdin: bool,
}

impl Job {
    /// A job for `path`, found as `relative`.
    pub fn new(path: impl Into<PathBuf>, relative: impl Into<PathBuf>) -> Job {
        Job {
            path: path.into(),
            relative: relative.into(),
            refused: None,
            stdin: false,
        }
    }

    /// The path named in messages and records.
    pub fn display(&self) -> String {
        if self.stdin {
            "<stdin>".to_string()
        } else {
            self.path.display().to_string()
        }
    }
}

/// What the walk found: the jobs, and notes for the user about what it left out.
#[derive(Debug, Default)]
pub struct Walk {
    pub jobs: Vec<Job>,
    pub notes: Vec<String>,
}

/// Expands the inputs: files as given, folders walked (sorted) for `*.txt` and the hOCR and
/// ALTO documents among `*.hocr`, `*.html`, `*.htm`, `*.xml` (any case; a `.html` or `.xml`
/// file that does not sniff as hOCR or ALTO is not an input, as a `.png` is not).
///
/// Nothing is dropped silently: an input that does not exist, or a folder that cannot be
/// listed, becomes a job of its own, which then fails with the reason and gets its error
/// record in `records.jsonl`; see [`walk_inputs`] for what else the walk reports.
pub fn collect_jobs(inputs: &[PathBuf]) -> Vec<Job> {
    walk_inputs(inputs, None).jobs
}

/// [`collect_jobs`] that also says what it left out, and never walks into `out`.
///
/// In folders: hidden entries (a name starting with `.`) are skipped with a note; a `*.txt`
/// entry that is a dangling or looping symlink, a symlink to outside the input folder, or not
/// a regular file (a FIFO, a socket, a device) becomes a refused job, reported as its error
/// (a FIFO would block the run if opened); a symlinked folder is not followed (with a note).
/// `-` stands for standard input.
pub fn walk_inputs(inputs: &[PathBuf], out: Option<&Path>) -> Walk {
    let mut walk = Walk::default();
    for input in inputs {
        if input.as_os_str() == "-" {
            walk.jobs.push(Job {
                stdin: true,
                ..Job::new("-", "stdin.txt")
            });
        } else if fs::metadata(input).is_ok_and(|m| m.is_dir()) {
            let root = fs::canonicalize(input).unwrap_or_else(|_| input.clone());
            let mut found = Vec::new();
            walk_dir(input, &root, out, &mut found, &mut walk.notes);
            found.sort_by(|a, b| a.path.cmp(&b.path));
            for mut job in found {
                job.relative = job
                    .path
                    .strip_prefix(input)
                    .unwrap_or(&job.path)
                    .to_path_buf();
                walk.jobs.push(job);
            }
        } else {
            let relative = PathBuf::from(input.file_name().unwrap_or(input.as_os_str()));
            walk.jobs.push(Job::new(input.clone(), relative));
        }
    }
    walk
}

/// Whether `path` names an input by its name alone: `*.txt` or `*.hocr` in any case.
fn is_txt(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("hocr"))
}

/// Whether a regular file found in a folder walk is an input: by its name, or a `*.html`,
/// `*.htm` or `*.xml` whose first bytes are those of an hOCR or ALTO document.
fn is_input_file(path: &Path) -> bool {
    is_txt(path)
        || (layout::is_layout_name(path)
            && fs::File::open(path)
                .and_then(|mut f| layout::sniff_file(&mut f, FormatChoice::Auto))
                .is_ok_and(|f| f != Format::Text))
}

/// Collects the text files under `dir` (see [`walk_inputs`]); a folder or entry that cannot be
/// read is collected as itself, so that reading it fails later with the reason.
fn walk_dir(
    dir: &Path,
    root: &Path,
    out: Option<&Path>,
    found: &mut Vec<Job>,
    notes: &mut Vec<String>,
) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) => {
            found.push(Job::new(dir, ""));
            return;
        }
    };
    let refuse = |path: PathBuf, why: String| Job {
        refused: Some(why),
        ..Job::new(path, "")
    };
    for entry in entries {
        let Ok(entry) = entry else {
            found.push(Job::new(dir, ""));
            continue;
        };
        let path = entry.path();
        let Ok(ty) = entry.file_type() else {
            found.push(Job::new(path, ""));
            continue;
        };
        let txt = is_txt(&path);
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            if ty.is_dir() || txt {
                notes.push(format!("skipped hidden {}", path.display()));
            }
            continue;
        }
        if ty.is_dir() {
            let here = fs::canonicalize(&path).ok();
            if out.is_some_and(|o| here.as_deref() == Some(o)) {
                notes.push(format!(
                    "not walked: {} is the output folder",
                    path.display()
                ));
            } else {
                walk_dir(&path, root, out, found, notes);
            }
        } else if ty.is_symlink() {
            match fs::canonicalize(&path) {
                Err(e) if txt => {
                    let why = if e.raw_os_error() == Some(40) {
                        "a symlink loop".to_string()
                    } else {
                        format!("a dangling symlink ({e})")
                    };
                    found.push(refuse(path, why));
                }
                Err(_) => {}
                Ok(target) if !target.starts_with(root) => {
                    if txt || target.is_dir() {
                        found.push(refuse(
                            path,
                            format!(
                                "a symlink to {}, outside the input folder: not followed",
                                target.display()
                            ),
                        ));
                    }
                }
                Ok(target) if target.is_dir() => notes.push(format!(
                    "not followed: {} is a symlink to a folder of the same input",
                    path.display()
                )),
                Ok(target) if target.is_file() && is_input_file(&path) => {
                    found.push(Job::new(path, ""))
                }
                Ok(_) if txt => found.push(refuse(path, "not a regular file".to_string())),
                Ok(_) => {}
            }
        } else if ty.is_file() && is_input_file(&path) {
            found.push(Job::new(path, ""));
        } else if txt {
            found.push(refuse(
                path,
                "not a regular file (a FIFO, socket or device)".to_string(),
            ));
        }
    }
}

/// Checks that the jobs can be written to `out` without losing or overwriting anything: no
/// two jobs share an output path, no output is an input (or the run's own bookkeeping files),
/// and `out` is not an input folder.
pub fn plan(inputs: &[PathBuf], jobs: &[Job], out: &OutDir) -> Result<(), PlanError> {
    for input in inputs {
        if fs::canonicalize(input).is_ok_and(|c| c == out.canonical) {
            return Err(PlanError::OutIsInput(input.clone()));
        }
    }
    let inputs: std::collections::HashMap<PathBuf, &Job> = jobs
        .iter()
        .filter(|j| !j.stdin)
        .filter_map(|j| fs::canonicalize(&j.path).ok().map(|c| (c, j)))
        .collect();
    let mut outputs: std::collections::HashMap<PathBuf, &Job> = std::collections::HashMap::new();
    let own = [STAMP_FILE, LOCK_FILE, "records.jsonl"].map(|f| out.canonical.join(f));
    for f in &own {
        if let Some(input) = inputs.get(f) {
            return Err(PlanError::OverwritesInput {
                input: input.path.clone(),
                output: f.clone(),
            });
        }
    }
    for job in jobs.iter().filter(|j| j.refused.is_none()) {
        let (clean, json) = output_paths(&out.canonical, job);
        for o in [clean, json] {
            if let Some(input) = inputs.get(&o) {
                return Err(PlanError::OverwritesInput {
                    input: input.path.clone(),
                    output: o,
                });
            }
            if let Some(first) = outputs.insert(o.clone(), job) {
                return Err(PlanError::Collision {
                    first: first.path.clone(),
                    second: job.path.clone(),
                    output: o,
                });
            }
        }
    }
    Ok(())
}

/// The output paths of a job under `out`: `a/b.txt` (or `a/b`) gives `a/b.clean.txt` and
/// `a/b.json`; a layout name `a/b.hocr` gives `a/b.clean.hocr` and `a/b.hocr.json`.
pub fn output_paths(out: &Path, job: &Job) -> (PathBuf, PathBuf) {
    let stem = job.relative.with_extension("");
    let base = out.join(stem);
    let mut clean = base.clone().into_os_string();
    let mut json = base.into_os_string();
    match job.relative.extension() {
        Some(ext) if layout::is_layout_name(&job.relative) => {
            clean.push(".clean.");
            clean.push(ext);
            json = out.join(&job.relative).into_os_string();
        }
        _ => clean.push(".clean.txt"),
    }
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
    /// The error is one of writing the outputs (exit code 2), not of the input.
    pub output_error: bool,
    /// Up to date from an earlier run (`--resume`): nothing was recomputed.
    pub skipped: bool,
}

/// Summary of a batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub documents: usize,
    pub failed: usize,
    /// Of the failed, those whose outputs could not be written.
    pub output_failed: usize,
    /// Up to date and skipped (`--resume`).
    pub skipped: usize,
    /// Bytes of the inputs processed (not of those skipped as up to date).
    pub bytes: u64,
}

/// What resuming needs to know of a file: SHA-256, size, line ends and its last byte.
struct Facts {
    sha256: String,
    bytes: u64,
    newlines: u64,
    last: Option<u8>,
}

/// [`Facts`] of what `reader` holds, read in pieces.
fn facts(mut reader: impl io::Read) -> io::Result<Facts> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let (mut bytes, mut newlines, mut last) = (0u64, 0u64, None);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let b = &buf[..n];
        h.update(b);
        bytes += n as u64;
        newlines += b.iter().filter(|&&c| c == b'\n').count() as u64;
        last = b.last().copied();
    }
    Ok(Facts {
        sha256: crate::fsutil::hex(&h.finalize()),
        bytes,
        newlines,
        last,
    })
}

/// The record of `job` from an earlier run when its outputs are up to date: written after
/// `valid_since`, for the same path and the same input bytes, and a `.clean.txt` with as many
/// lines as the input (a truncated one is redone).
fn up_to_date(
    job: &Job,
    out: &Path,
    path_str: &str,
    input: &Facts,
    valid_since: SystemTime,
) -> Option<Record> {
    // A corrected layout document has its own line count (a merged word's element goes).
    let text = !layout::is_layout_name(&job.relative);
    let (clean_path, json_path) = output_paths(out, job);
    for p in [&clean_path, &json_path] {
        if fs::metadata(p).and_then(|m| m.modified()).ok()? < valid_since {
            return None;
        }
    }
    let record: Record = serde_json::from_slice(&fs::read(&json_path).ok()?).ok()?;
    if record.source.sha256 != input.sha256 || record.source.path.as_deref() != Some(path_str) {
        return None;
    }
    let clean = facts(fs::File::open(&clean_path).ok()?).ok()?;
    let ends_alike = (input.last == Some(b'\n')) == (clean.last == Some(b'\n'));
    let lines_alike = !text || (clean.newlines == input.newlines && ends_alike);
    (lines_alike && (input.bytes == 0) == (clean.bytes == 0)).then_some(record)
}

/// Processes one job and writes its two outputs; with `valid_since` (resume), returns the
/// earlier record instead when the outputs are up to date.
///
/// Every input goes through [`Engine::process_seekable`]: memory stays bounded whatever its
/// size, and an input error (found in the first pass) leaves no output behind.
pub fn run_job(
    engine: &Engine,
    job: &Job,
    out: &Path,
    opts: RunOptions,
    valid_since: Option<SystemTime>,
) -> Outcome {
    let path_str = job.path.to_string_lossy().into_owned();
    let source_path = (!job.stdin).then_some(path_str.as_str());
    let unread = || Source {
        path: source_path.map(str::to_string),
        sha256: String::new(),
        bytes: 0,
    };
    if let Some(why) = &job.refused {
        return failed(job, &DocError::Refused(why.clone()), unread());
    }
    let mut file = match fs::File::open(&job.path) {
        Ok(f) => f,
        Err(e) => return failed(job, &DocError::Io(e), unread()),
    };
    // The provenance of an input that failed: hashed again in pieces (blank if unreadable).
    let source_of_failed = |file: &mut fs::File| {
        let f = file.rewind().and_then(|()| facts(&mut *file));
        f.map_or_else(
            |_| unread(),
            |f| Source {
                path: source_path.map(str::to_string),
                sha256: f.sha256,
                bytes: f.bytes,
            },
        )
    };
    if let (Some(t), Some(p)) = (valid_since, source_path) {
        let skipped = facts(&mut file)
            .ok()
            .and_then(|f| up_to_date(job, out, p, &f, t));
        if let Some(record) = skipped {
            return succeeded(job, &record, true);
        }
        if let Err(e) = file.rewind() {
            return failed(job, &DocError::Io(e), unread());
        }
    }
    let (clean_path, json_path) = output_paths(out, job);
    let format = match layout::sniff_file(&mut file, opts.format) {
        Ok(f) => f,
        Err(e) => return failed(job, &DocError::Io(e), unread()),
    };
    if format != Format::Text {
        let done = crate::pipeline::read_layout(&mut file, format).and_then(|bytes| {
            engine.process_layout(source_path, &bytes, format, opts.decode, true)
        });
        return match done {
            Ok((xml, Some(record))) => {
                match write_replace_with(&clean_path, |w| w.write_all(xml.as_bytes()))
                    .map_err(|e| (&clean_path, e))
                {
                    Ok(()) => match write_json(&json_path, &record) {
                        Ok(()) => succeeded(job, &record, false),
                        Err(e) => failed(job, &output_error(&json_path, e), record.source),
                    },
                    Err((p, e)) => failed(job, &output_error(p, e), record.source),
                }
            }
            Ok((_, None)) => failed(job, &DocError::Internal("no record".into()), unread()),
            Err(e) => failed(job, &e, source_of_failed(&mut file)),
        };
    }
    // The clean text is written as it is made; an input error is kept aside so that the
    // temporary file is dropped and the error reported as the input's.
    let mut input_error = None;
    let mut record = None;
    let written = write_replace_with(&clean_path, |w| {
        match engine.process_seekable(
            source_path,
            &mut file,
            opts.decode,
            crate::chunked::DEFAULT_CHUNK,
            &mut |s| w.write_all(s.as_bytes()),
        ) {
            Ok(r) => {
                record = Some(r);
                Ok(())
            }
            Err(DocError::Output(e)) => Err(e),
            Err(e) => {
                input_error = Some(e);
                Err(io::Error::other("input error"))
            }
        }
    });
    if let Some(e) = input_error {
        return failed(job, &e, source_of_failed(&mut file));
    }
    match (written, record) {
        (Ok(()), Some(record)) => match write_json(&json_path, &record) {
            Ok(()) => succeeded(job, &record, false),
            Err(e) => failed(job, &output_error(&json_path, e), record.source),
        },
        (Err(e), _) => failed(
            job,
            &output_error(&clean_path, e),
            source_of_failed(&mut file),
        ),
        (Ok(()), None) => {
            let err = DocError::Io(io::Error::other("the document was not processed"));
            failed(job, &err, source_of_failed(&mut file))
        }
    }
}

/// An error writing the output `path`, named.
fn output_error(path: &Path, e: io::Error) -> DocError {
    DocError::Output(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// The `.json` output: the record, pretty, with a final newline (made durable by the
/// batch's one [`sync_folder`], like the `.clean.txt`).
fn write_json(path: &Path, record: &Record) -> io::Result<()> {
    let json = serde_json::to_string_pretty(record).map_err(io::Error::other)?;
    write_replace_with(path, |w| {
        w.write_all(json.as_bytes())?;
        w.write_all(b"\n")
    })
}

fn succeeded(job: &Job, record: &Record, skipped: bool) -> Outcome {
    Outcome {
        job: job.clone(),
        line: serde_json::to_string(record).unwrap_or_default(),
        bytes: record.source.bytes,
        error: None,
        output_error: false,
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
        error: Some(format!("{}: {err}", job.display())),
        output_error: matches!(err, DocError::Output(_)),
        skipped: false,
    }
}

/// How many finished outcomes may wait for a slower earlier one, per worker: bounds the
/// memory of the reorder buffer whatever the number of documents.
const REORDER_PER_WORKER: usize = 8;

/// Runs a whole batch: the jobs on `rayon::current_num_threads()` workers, `records.jsonl`
/// written as results arrive, in input order (a bounded reorder buffer: workers wait rather
/// than run far ahead of a slow document), so memory does not grow with the number of
/// documents. `on_done` is called once per finished job (from worker threads), e.g. for a
/// progress bar. An error writing `records.jsonl` stops the run.
///
/// Durability: the documents' outputs are not synced one by one (a journal commit per file
/// made a batch of small documents I/O-bound); the folder is synced once before
/// `records.jsonl` is renamed into place. After a crash, an output that did not reach the disk
/// whole fails the resume checks (it does not parse, or its line count differs) and is redone.
pub fn run(
    engine: &Engine,
    jobs: &[Job],
    out: &OutDir,
    opts: RunOptions,
    on_done: &(dyn Fn(&Outcome) + Sync),
) -> io::Result<Summary> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{mpsc, Condvar, Mutex};

    let out_path = out.path();
    let valid_since = stamp(engine, out_path, opts)?;
    let workers = rayon::current_num_threads().clamp(1, jobs.len().max(1));
    let window = REORDER_PER_WORKER * workers;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let written = (Mutex::new(0usize), Condvar::new());
    let mut summary = Summary::default();
    let jsonl = out_path.join("records.jsonl");
    let result = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop, written) = (&next, &stop, &written);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs.len() || stop.load(Ordering::Relaxed) {
                    break;
                }
                {
                    let (lock, cvar) = written;
                    let mut w = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while i >= *w + window && !stop.load(Ordering::Relaxed) {
                        w = cvar.wait(w).unwrap_or_else(|e| e.into_inner());
                    }
                }
                let o = run_job(engine, &jobs[i], out_path, opts, valid_since);
                on_done(&o);
                if tx.send((i, o)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let result = write_atomic_with(&jsonl, |w| {
            let mut waiting = std::collections::BTreeMap::new();
            let mut due = 0usize;
            for (i, o) in rx.iter() {
                waiting.insert(i, o);
                while let Some(o) = waiting.remove(&due) {
                    w.write_all(o.line.as_bytes())?;
                    w.write_all(b"\n")?;
                    summary.add(&o);
                    due += 1;
                    let (lock, cvar) = &written;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = due;
                    cvar.notify_all();
                }
            }
            // The documents' outputs reach the disk before their index does.
            sync_folder(out_path)
        });
        if result.is_err() {
            // Let the workers finish the document they are on and stop.
            stop.store(true, Ordering::Relaxed);
            written.1.notify_all();
        }
        result
    });
    result.map(|()| summary)
}

impl Summary {
    fn add(&mut self, o: &Outcome) {
        self.documents += 1;
        // Throughput counts what was processed, not what was found up to date.
        if !o.skipped {
            self.bytes += o.bytes;
        }
        self.failed += usize::from(o.error.is_some());
        self.output_failed += usize::from(o.output_error);
        self.skipped += usize::from(o.skipped);
    }
}

/// Writes the run stamp unless `resume` finds the same one; returns since when outputs are
/// valid for resuming (`None`: recompute everything). The stamp names what the outputs
/// depend on besides the input: the version, the model and the decoding options (`--lossy`).
fn stamp(engine: &Engine, out: &Path, opts: RunOptions) -> io::Result<Option<SystemTime>> {
    let path = out.join(STAMP_FILE);
    let fingerprint = engine.restorer.model().fingerprint()?;
    let want = format!(
        "sohoa {}\nmodel {fingerprint}\nlossy {}\n",
        env!("CARGO_PKG_VERSION"),
        opts.decode.lossy
    );
    if opts.resume && fs::read_to_string(&path).is_ok_and(|have| have == want) {
        return fs::metadata(&path)?.modified().map(Some);
    }
    write_atomic(&path, want.as_bytes())?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::restore::Restorer;

    /// The `source.path` of every record of a `records.jsonl`, in its order.
    fn record_paths(jsonl: &str) -> Vec<String> {
        jsonl
            .lines()
            .map(|l| {
                serde_json::from_str::<Record>(l)
                    .unwrap()
                    .source
                    .path
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn output_paths_drop_the_txt_extension() {
        let job = Job::new("in/a/b.txt", "a/b.txt");
        let (c, j) = output_paths(Path::new("out"), &job);
        assert_eq!(c, Path::new("out/a/b.clean.txt"));
        assert_eq!(j, Path::new("out/a/b.json"));
    }

    #[test]
    fn folders_are_walked_sorted_for_txt_in_any_case() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::create_dir_all(d.join(".git")).unwrap();
        for f in [
            "b.txt",
            "a.txt",
            "sub/c.txt",
            "note.md",
            "D.TXT",
            ".hidden.txt",
            ".git/x.txt",
        ] {
            fs::write(d.join(f), "x").unwrap();
        }
        let walk = walk_inputs(&[d.to_path_buf()], None);
        let rel: Vec<_> = walk
            .jobs
            .iter()
            .map(|j| j.relative.to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["D.TXT", "a.txt", "b.txt", "sub/c.txt"]);
        assert_eq!(walk.notes.len(), 2, "{:?}", walk.notes);
    }

    #[test]
    fn layout_inputs_keep_their_extension_in_the_output_names() {
        let cases = [
            ("p.hocr", "out/p.clean.hocr", "out/p.hocr.json"),
            ("a/p.XML", "out/a/p.clean.XML", "out/a/p.XML.json"),
            ("p.html", "out/p.clean.html", "out/p.html.json"),
            ("p", "out/p.clean.txt", "out/p.json"),
            ("p.md", "out/p.clean.txt", "out/p.json"),
        ];
        for (rel, clean, json) in cases {
            let (c, j) = output_paths(Path::new("out"), &Job::new(rel, rel));
            assert_eq!(
                (c.as_path(), j.as_path()),
                (Path::new(clean), Path::new(json))
            );
        }
    }

    #[test]
    fn folders_are_walked_for_hocr_and_alto_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let hocr = "<?xml version='1.0'?><html><body><div class='ocr_page'></div></body></html>";
        let alto = "<?xml version='1.0'?><alto xmlns='http://www.loc.gov/standards/alto/ns-v3#'/>";
        for (f, text) in [
            ("a.hocr", "anything: the name says hOCR"),
            ("b.html", hocr),
            ("c.html", "<html><body>a web page</body></html>"),
            ("d.xml", alto),
            ("e.xml", "<?xml version='1.0'?><mets/>"),
            ("f.txt", "text"),
        ] {
            fs::write(d.join(f), text).unwrap();
        }
        let walk = walk_inputs(&[d.to_path_buf()], None);
        let rel: Vec<_> = walk
            .jobs
            .iter()
            .map(|j| j.relative.to_string_lossy().into_owned())
            .collect();
        assert_eq!(rel, ["a.hocr", "b.html", "d.xml", "f.txt"]);
    }

    #[test]
    fn a_folder_of_hocr_and_alto_pages_is_corrected_in_place() {
        let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/layout");
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        fs::create_dir(&input).unwrap();
        for f in ["page-1.hocr", "page-1.xml", "page-1.ocr.txt"] {
            fs::copy(layout.join(f), input.join(f)).unwrap();
        }
        let out_path = dir.path().join("out");
        let out = OutDir::open(&out_path).unwrap();
        let jobs = collect_jobs(std::slice::from_ref(&input));
        let engine = engine();
        let summary = run(&engine, &jobs, &out, RunOptions::default(), &|_| {}).unwrap();
        assert_eq!((summary.documents, summary.failed), (3, 0));
        let hocr = fs::read(input.join("page-1.hocr")).unwrap();
        let (want, _) = engine
            .process_layout(None, &hocr, Format::Hocr, DecodeOptions::default(), false)
            .unwrap();
        assert_eq!(
            fs::read_to_string(out_path.join("page-1.clean.hocr")).unwrap(),
            want
        );
        let records: Vec<Record> = fs::read_to_string(out_path.join("records.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // In name order: hOCR, text, ALTO. The layout pages' records are the text's, with
        // page and box on every date.
        let text = &records[1];
        assert!(!text.dates.is_empty());
        for r in [&records[0], &records[2]] {
            assert_eq!(r.header.symbol, text.header.symbol);
            assert_eq!(r.dates.len(), text.dates.len());
            assert!(r
                .dates
                .iter()
                .all(|d| d.span.page == Some(1) && d.span.bbox.is_some()));
        }
        let resume = RunOptions {
            resume: true,
            ..RunOptions::default()
        };
        let again = run(&engine, &jobs, &out, resume, &|_| {}).unwrap();
        assert_eq!(again.skipped, 3);
    }

    fn engine() -> Engine {
        Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build())
    }

    fn fixtures() -> Vec<Job> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let jobs: Vec<Job> = collect_jobs(&[root])
            .into_iter()
            .filter(|j| j.relative.to_string_lossy().starts_with("00"))
            .collect();
        assert_eq!(jobs.len(), 5);
        jobs
    }

    #[test]
    fn records_come_in_input_order_and_resume_skips_everything() {
        let engine = engine();
        let jobs = fixtures();
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::open(dir.path()).unwrap();
        let summary = run(&engine, &jobs, &out, RunOptions::default(), &|_| {}).unwrap();
        assert_eq!((summary.documents, summary.failed), (5, 0));
        let jsonl = fs::read_to_string(dir.path().join("records.jsonl")).unwrap();
        let paths = record_paths(&jsonl);
        let want: Vec<String> = jobs.iter().map(|j| j.path.display().to_string()).collect();
        assert_eq!(paths, want);
        let resume = RunOptions {
            resume: true,
            ..RunOptions::default()
        };
        let summary = run(&engine, &jobs, &out, resume, &|_| {}).unwrap();
        assert_eq!(summary.skipped, jobs.len());
        assert_eq!(
            summary.bytes, 0,
            "up-to-date inputs are not counted as processed"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("records.jsonl")).unwrap(),
            jsonl
        );
        // Another --lossy setting makes every output stale.
        let lossy = RunOptions {
            decode: DecodeOptions { lossy: true },
            ..resume
        };
        let summary = run(&engine, &jobs, &out, lossy, &|_| {}).unwrap();
        assert_eq!(summary.skipped, 0);
    }

    /// Many small distinct files, more than the reorder window holds for either thread count:
    /// every record is written once, in input order, and the lines do not depend on `--jobs`.
    #[test]
    fn many_small_files_give_every_record_in_order_whatever_the_threads() {
        let engine = engine();
        let text = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/000_ec917ac3c63f8407.txt"),
        )
        .unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let input = tempfile::tempdir().unwrap();
        let count = 3 * REORDER_PER_WORKER * 2 + 5;
        for i in 0..count {
            // Windows of two or three lines at a stride: every file differs from the others.
            let from = (i * 2) % lines.len();
            let body: Vec<&str> = lines
                .iter()
                .cycle()
                .skip(from)
                .take(2 + i % 2)
                .copied()
                .collect();
            fs::write(input.path().join(format!("f{i:03}.txt")), body.join("\n")).unwrap();
        }
        let jobs = collect_jobs(&[input.path().to_path_buf()]);
        assert_eq!(jobs.len(), count);
        let run_with = |threads: usize| {
            let dir = tempfile::tempdir().unwrap();
            let out = OutDir::open(dir.path()).unwrap();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let summary = pool
                .install(|| run(&engine, &jobs, &out, RunOptions::default(), &|_| {}))
                .unwrap();
            assert_eq!((summary.documents, summary.failed), (count, 0));
            fs::read_to_string(dir.path().join("records.jsonl")).unwrap()
        };
        let one = run_with(1);
        let paths = record_paths(&one);
        let want: Vec<String> = jobs.iter().map(|j| j.path.display().to_string()).collect();
        assert_eq!(paths, want);
        assert_eq!(run_with(2), one);
        assert_eq!(run_with(3), one);
    }

    #[test]
    fn only_our_own_stale_temporary_names_are_removed() {
        use crate::fsutil::is_our_temp;
        assert!(is_our_temp("a.json.sohoa-tmp-123-4"));
        assert!(!is_our_temp("a.json.sohoa-tmp-123"));
        assert!(!is_our_temp("a.json.sohoa-tmp-12x-4"));
        assert!(!is_our_temp("notes.txt"));
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["sub/x.json.sohoa-tmp-9-1", "y.sohoa-tmp-77", "z.txt"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        drop(OutDir::open(dir.path()).unwrap());
        assert!(!dir.path().join("sub/x.json.sohoa-tmp-9-1").exists());
        assert!(dir.path().join("y.sohoa-tmp-77").exists());
        assert!(dir.path().join("z.txt").exists());
    }

    #[test]
    fn a_second_run_on_a_locked_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _held = OutDir::open(dir.path()).unwrap();
        assert!(matches!(
            OutDir::open(dir.path()),
            Err(PlanError::Locked(_))
        ));
    }
}
