//! One function per command.

use std::io::{self, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use sohoa::batch;
use sohoa::chunked;
use sohoa::eval;
use sohoa::input::{self, DecodeOptions};
use sohoa::pipeline::{DocError, Engine};
use sohoa::record;

use super::args::{Cli, Command, EvalCommand};
use super::exit;
use super::output;

pub fn dispatch(cli: &Cli) -> Result<i32> {
    let opts = DecodeOptions { lossy: cli.lossy };
    match &cli.command {
        Command::Schema => {
            let mut out = output::stdout();
            serde_json::to_writer_pretty(&mut out, &record::schema())
                .map_err(io::Error::from)
                .map_err(output_error)?;
            out.write_all(b"\n").map_err(output_error)?;
            out.flush().map_err(output_error)?;
            Ok(exit::OK)
        }
        Command::Clean { paths, mark } => clean(&load_engine(cli)?, paths, *mark, opts, cli.format),
        Command::Extract { paths, jsonl } => {
            extract(&load_engine(cli)?, paths, *jsonl, opts, cli.format)
        }
        Command::Run {
            inputs,
            out,
            resume,
        } => run(
            &load_engine(cli)?,
            inputs,
            out,
            batch::RunOptions {
                decode: opts,
                resume: *resume,
                format: cli.format,
            },
        ),
        Command::Train {
            shared,
            out,
            extra,
            pairs,
            general,
            general_weight,
            general_document_weight,
        } => {
            let general = general.as_ref().map(|dir| sohoa::train::General {
                dir: dir.clone(),
                weight: *general_weight,
                document_weight: *general_document_weight,
            });
            train(shared, out, extra, pairs, general.as_ref())
        }
        Command::Eval(e) => eval(&load_engine(cli)?, e, opts),
        Command::Pipe {
            ascii,
            max_line_bytes,
        } => super::pipe::pipe(&load_engine(cli)?, opts, *ascii, *max_line_bytes, cli.jobs),
    }
}

/// Loads the model once and builds the engines.
fn load_engine(cli: &Cli) -> Result<Engine> {
    let mut params = sohoa::restore::Params::default();
    for s in &cli.set {
        params.set(s).map_err(|e| anyhow::anyhow!("--set: {e}"))?;
    }
    let mut builder = Engine::builder().params(params);
    if let Some(dir) = &cli.model {
        builder = builder.model_dir(dir);
    }
    builder.build().context("cannot load the model")
}

/// The inputs of a filter command: `None` stands for standard input.
fn inputs(paths: &[PathBuf]) -> Vec<Option<&Path>> {
    if paths.is_empty() {
        return vec![None];
    }
    paths
        .iter()
        .map(|p| (p.as_os_str() != "-").then_some(p.as_path()))
        .collect()
}

fn read(path: Option<&Path>) -> io::Result<Vec<u8>> {
    match path {
        Some(p) => std::fs::read(p),
        None => {
            let mut buf = Vec::new();
            io::stdin().lock().read_to_end(&mut buf)?;
            Ok(buf)
        }
    }
}

/// An input that can be read twice (the two passes of [`Engine::process_seekable`]): a
/// regular file as it is; standard input, a FIFO or a device copied to an anonymous temporary
/// file first, so that memory stays bounded whatever their size.
fn open_seekable(path: Option<&Path>) -> io::Result<std::fs::File> {
    let spool = |mut from: &mut dyn Read| -> io::Result<std::fs::File> {
        let mut tmp = tempfile::tempfile()?;
        io::copy(&mut from, &mut tmp)?;
        tmp.rewind()?;
        Ok(tmp)
    };
    match path {
        None => spool(&mut io::stdin().lock()),
        Some(p) => {
            let file = std::fs::File::open(p)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a folder (for a folder, use `sohoa run DIR --out OUT`)",
                ))
            } else if meta.is_file() {
                Ok(file)
            } else {
                spool(&mut &file)
            }
        }
    }
}

/// `Some` when the input is an hOCR or ALTO document (by `--format`, or sniffed from its
/// first 4 KB): its format and the file, rewound. `None` for text, or when sniffing failed
/// to open it (the text path then reports the error).
fn layout_input(
    path: Option<&Path>,
    format: sohoa::layout::FormatChoice,
) -> Option<Result<(sohoa::layout::Format, std::fs::File), DocError>> {
    use sohoa::layout::{Format, FormatChoice};
    if format == FormatChoice::Text {
        return None;
    }
    if path.is_none() && format == FormatChoice::Auto {
        // Standard input is read once: sniff only files.
        return None;
    }
    let mut file = match open_seekable(path) {
        Ok(f) => f,
        Err(e) => return (format != FormatChoice::Auto).then_some(Err(DocError::Io(e))),
    };
    match sohoa::layout::sniff_file(&mut file, format) {
        Err(e) => Some(Err(DocError::Io(e))),
        Ok(Format::Text) => None,
        Ok(fmt) => Some(Ok((fmt, file))),
    }
}

fn display(path: Option<&Path>) -> String {
    path.map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string())
}

/// The error for a failed write to standard output: a broken pipe stays recognisable (`main`
/// exits quietly), anything else is named as an output error (exit code 2).
fn output_error(e: impl Into<anyhow::Error>) -> anyhow::Error {
    e.into().context("cannot write output")
}

/// `clean`: each input is decoded in full before anything of it is printed (the first of the
/// two passes), so an input error, however late in the file, prints nothing of that input.
fn clean(
    engine: &Engine,
    paths: &[PathBuf],
    mark: bool,
    opts: DecodeOptions,
    format: sohoa::layout::FormatChoice,
) -> Result<i32> {
    let mut out = output::stdout();
    let mut code = exit::OK;
    for path in inputs(paths) {
        let layout = layout_input(path, format);
        let done = if let Some(found) = layout {
            found
                .and_then(|(fmt, file)| {
                    let bytes = sohoa::pipeline::read_layout(file, fmt)?;
                    engine.process_layout(None, &bytes, fmt, opts, false)
                })
                .and_then(|(xml, _)| out.write_all(xml.as_bytes()).map_err(DocError::Output))
        } else if mark {
            // Review output is for reading, document by document: read whole.
            read(path)
                .map_err(DocError::Io)
                .and_then(|b| Ok(input::decode(&b, opts)?.into_owned()))
                .map(|text| marked(engine, &text))
                .and_then(|m| out.write_all(m.as_bytes()).map_err(DocError::Output))
        } else {
            // Two passes over chunks: memory stays bounded whatever the input size.
            open_seekable(path)
                .map_err(DocError::Io)
                .and_then(|file| {
                    engine.restore_seekable(file, opts, chunked::DEFAULT_CHUNK, &mut |s| {
                        out.write_all(s.as_bytes())
                    })
                })
                .map(drop)
        };
        match done {
            Ok(()) => {}
            // Our own stdout failing ends the command, not just this input.
            Err(DocError::Output(e)) => return Err(output_error(e)),
            Err(e) => {
                eprintln!("sohoa: {}: {e}", display(path));
                code = exit::SOME_FAILED;
            }
        }
    }
    out.flush().map_err(output_error)?;
    Ok(code)
}

/// `extract`: records only, so the restored text is not kept (memory stays bounded).
fn extract(
    engine: &Engine,
    paths: &[PathBuf],
    jsonl: bool,
    opts: DecodeOptions,
    format: sohoa::layout::FormatChoice,
) -> Result<i32> {
    let inputs = inputs(paths);
    let lines = jsonl || inputs.len() > 1;
    let mut out = output::stdout();
    let mut code = exit::OK;
    for path in inputs {
        let name = path.map(|p| p.to_string_lossy().into_owned());
        let layout = layout_input(path, format).map(|found| {
            found.and_then(|(fmt, file)| {
                let bytes = sohoa::pipeline::read_layout(file, fmt)?;
                engine
                    .process_layout(name.as_deref(), &bytes, fmt, opts, true)
                    .map(|(_, r)| r.unwrap_or_else(|| record::Record::empty(Default::default())))
            })
        });
        let done = layout.unwrap_or_else(|| {
            open_seekable(path).map_err(DocError::Io).and_then(|file| {
                engine.process_seekable(
                    name.as_deref(),
                    file,
                    opts,
                    chunked::DEFAULT_CHUNK,
                    &mut |_| Ok(()),
                )
            })
        });
        let written = match done {
            Ok(record) if lines => serde_json::to_writer(&mut out, &record),
            Ok(record) => serde_json::to_writer_pretty(&mut out, &record),
            Err(e) => {
                eprintln!("sohoa: {}: {e}", display(path));
                code = exit::SOME_FAILED;
                if !lines {
                    continue;
                }
                let hashed = path
                    .filter(|_| e.kind() != "io")
                    .and_then(|p| std::fs::File::open(p).ok())
                    .and_then(|f| input::source_of_reader(name.as_deref(), f).ok());
                let src = hashed.unwrap_or(record::Source {
                    path: name,
                    sha256: String::new(),
                    bytes: 0,
                });
                serde_json::to_writer(&mut out, &e.to_record(src))
            }
        };
        // Through `io::Error`, which keeps a broken pipe recognisable (serde_json's does not).
        written.map_err(io::Error::from).map_err(output_error)?;
        out.write_all(b"\n").map_err(output_error)?;
    }
    out.flush().map_err(output_error)?;
    Ok(code)
}

fn run(engine: &Engine, inputs: &[PathBuf], out: &Path, opts: batch::RunOptions) -> Result<i32> {
    let out_dir = batch::OutDir::open(out)?;
    let mut walk = batch::walk_inputs(inputs, Some(out_dir.canonical()));
    for note in &walk.notes {
        eprintln!("sohoa: {note}");
    }
    batch::plan(inputs, &walk.jobs, &out_dir)?;
    // `run -`: standard input, spooled to a temporary file (kept until the run ends).
    let mut spooled = Vec::new();
    for job in walk.jobs.iter_mut().filter(|j| j.stdin) {
        let mut tmp = tempfile::NamedTempFile::new().context("cannot spool standard input")?;
        io::copy(&mut io::stdin().lock(), &mut tmp).context("cannot read standard input")?;
        job.path = tmp.path().to_path_buf();
        spooled.push(tmp);
    }
    let jobs = walk.jobs;
    let total: u64 = jobs
        .iter()
        .filter_map(|j| std::fs::metadata(&j.path).ok())
        .map(|m| m.len())
        .sum();
    let bar = if io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let started = Instant::now();
    let files_done = std::sync::atomic::AtomicUsize::new(0);
    let on_done = |o: &batch::Outcome| {
        let n = files_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        bar.set_message(format!("{n}/{} files", jobs.len()));
        bar.inc(o.bytes);
        if let Some(e) = &o.error {
            bar.suspend(|| eprintln!("sohoa: {e}"));
        }
    };
    let summary = batch::run(engine, &jobs, &out_dir, opts, &on_done)
        .with_context(|| format!("cannot write output to {}", out.display()))?;
    drop(spooled);
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let skipped = if opts.resume {
        format!(", {} up to date", summary.skipped)
    } else {
        String::new()
    };
    eprintln!(
        "sohoa: {} document{}, {} failed{skipped}, {:.1} MB in {:.2} s ({:.2} MB/s) → {}",
        summary.documents,
        if summary.documents == 1 { "" } else { "s" },
        summary.failed,
        summary.bytes as f64 / 1e6,
        secs,
        summary.bytes as f64 / 1e6 / secs.max(1e-9),
        out.display()
    );
    Ok(if summary.output_failed > 0 {
        eprintln!(
            "sohoa: error: {} outputs could not be written",
            summary.output_failed
        );
        exit::USAGE
    } else if summary.failed > 0 {
        exit::SOME_FAILED
    } else {
        exit::OK
    })
}

/// Below this confidence a word is shown with its alternatives by `clean --mark`.
const MARK_BELOW: f32 = 0.8;

/// The restored text with doubtful words written `[chosen|alternative|…]` (`[chosen]` when
/// there is no alternative: a token kept as written that is no word).
fn marked(engine: &Engine, text: &str) -> String {
    let (restored, reports) = engine.restorer.restore_report(text);
    let mut out = String::with_capacity(restored.text.len() + reports.len() * 4);
    let mut cursor = 0;
    for rep in reports.iter().filter(|r| r.confidence < MARK_BELOW) {
        out.push_str(&restored.text[cursor..rep.r_start]);
        out.push('[');
        out.push_str(&rep.chosen);
        for alt in &rep.alternatives {
            out.push('|');
            out.push_str(alt);
        }
        out.push(']');
        cursor = rep.r_end;
    }
    out.push_str(&restored.text[cursor..]);
    out
}

fn train(
    shared: &Path,
    out: &Path,
    extra: &[PathBuf],
    pairs: &[PathBuf],
    general: Option<&sohoa::train::General>,
) -> Result<i32> {
    let started = Instant::now();
    let mut log = |m: &str| {
        eprintln!(
            "sohoa train [{:>6.1} s] {m}",
            started.elapsed().as_secs_f64()
        )
    };
    let model = sohoa::train::train_with(shared, extra, pairs, general, &mut log)?;
    model
        .write_dir(out)
        .with_context(|| format!("cannot write the model to {}", out.display()))?;
    log(&format!("wrote {}", out.display()));
    Ok(exit::OK)
}

fn read_text(path: &Path, opts: DecodeOptions) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(input::decode(&bytes, opts)
        .with_context(|| path.display().to_string())?
        .into_owned())
}

/// Restores `input`, scores it against `gold` and prints the report with the speed. The
/// breakdown by kind of repair compares `input` with `gold` (so clean text fed as input is all
/// "already correct", stripped text "marks only").
fn report(engine: &Engine, input: &str, gold: &str, errors: usize) -> Result<()> {
    report_as(engine, input, gold, errors, false)
}

/// [`report`], with every line restored as a request of its own when `per_line`.
fn report_as(
    engine: &Engine,
    input: &str,
    gold: &str,
    errors: usize,
    per_line: bool,
) -> Result<()> {
    let started = Instant::now();
    let restored = if per_line {
        let text = eval::restore::restore_per_line(input, |l| engine.restore(l).text);
        sohoa::restore::Restored {
            text,
            ..Default::default()
        }
    } else {
        engine.restore(input)
    };
    let secs = started.elapsed().as_secs_f64();
    let score = eval::restore::score(&restored.text, gold, Some(input));
    let mut out = output::stdout();
    write!(out, "{score}")?;
    writeln!(
        out,
        "restored {:.2} MB in {:.2} s ({:.2} MB/s)",
        input.len() as f64 / 1e6,
        secs,
        input.len() as f64 / 1e6 / secs.max(1e-9)
    )?;
    if let (false, Some((sum, n, general))) = (per_line, engine.restorer.domain_of(input)) {
        writeln!(
            out,
            "language model: {} (the words lean {:+.3} nats each to general Vietnamese)",
            if general { "general" } else { "legal" },
            sum / n.max(1) as f64
        )?;
    }
    for (line, from, got, want) in score.examples.iter().take(errors) {
        writeln!(out, "  line {line}: {from:?} -> {got:?} for {want:?}")?;
    }
    out.flush()?;
    Ok(())
}

/// Prints the precision/recall curve of the words' confidence on `input` against `gold`.
fn confidence_curve(engine: &Engine, input: &str, gold: &str) -> Result<()> {
    let (restored, reports) = engine.restorer.restore_report(input);
    let judged = eval::confidence::judge(&restored.text, gold, &reports);
    let mut th = vec![0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75];
    th.extend([MARK_BELOW, 0.9, 0.95, 0.99]);
    let mut out = output::stdout();
    write!(out, "{}", eval::confidence::curve(&judged, &th))?;
    writeln!(out, "(clean --mark flags below {MARK_BELOW})")?;
    out.flush()?;
    Ok(())
}

fn eval(engine: &Engine, cmd: &EvalCommand, opts: DecodeOptions) -> Result<i32> {
    match cmd {
        EvalCommand::Restore {
            input,
            gold,
            errors,
            per_line,
            confidence,
        } => {
            let input = read_text(input, opts)?;
            let gold = read_text(gold, opts)?;
            report_as(engine, &input, &gold, *errors, *per_line)?;
            if *confidence {
                confidence_curve(engine, &input, &gold)?;
            }
        }
        EvalCommand::Pairs {
            shared,
            limit,
            errors,
            confidence,
        } => {
            let mut pairs = eval::data::held_out_pairs(shared)?;
            if *limit > 0 {
                pairs.truncate(*limit);
            }
            let input: Vec<&str> = pairs.iter().map(|(g, _)| g.as_str()).collect();
            let gold: Vec<&str> = pairs.iter().map(|(_, c)| c.as_str()).collect();
            println!("{} held-out synthetic OCR pairs", pairs.len());
            let (input, gold) = (input.join("\n\n"), gold.join("\n\n"));
            report(engine, &input, &gold, *errors)?;
            if *confidence {
                confidence_curve(engine, &input, &gold)?;
            }
        }
        EvalCommand::Stripped {
            files,
            shared,
            bytes,
            errors,
            per_line,
        } if !files.is_empty() => {
            let _ = (shared, bytes);
            for f in files {
                let text = read_text(f, opts)?;
                let paras: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
                let gold = paras.join("\n\n");
                let input = sohoa::text::vietnamese::strip_marks(&gold);
                println!("{}: {} paragraphs, marks removed", f.display(), paras.len());
                report_as(engine, &input, &gold, *errors, *per_line)?;
            }
        }
        EvalCommand::Pages { dir, errors } => {
            let pages = eval::pages::read_pages(dir)
                .with_context(|| format!("cannot read the pages of {}", dir.display()))?;
            let mut total = eval::restore::RestoreScore::default();
            let mut raw = eval::restore::RestoreScore::default();
            let mut out = output::stdout();
            for p in &pages {
                let restored = engine.restore(&p.ocr);
                let s = eval::restore::score(&restored.text, &p.gold, Some(&p.ocr));
                raw.add(&eval::restore::score(&p.ocr, &p.gold, None));
                writeln!(
                    out,
                    "  {:<32} {:>5} syllables  {:6.2} %",
                    p.name,
                    s.gold_tokens,
                    100.0 * s.accuracy_ci()
                )?;
                total.add(&s);
            }
            writeln!(
                out,
                "{} OCR'd pages of evaluation-split text (raw OCR: {:.2} % of syllables right)",
                pages.len(),
                100.0 * raw.accuracy_ci()
            )?;
            write!(out, "{total}")?;
            for (line, from, got, want) in total.examples.iter().take(*errors) {
                writeln!(out, "  line {line}: {from:?} -> {got:?} for {want:?}")?;
            }
            out.flush()?;
        }
        EvalCommand::Stripped {
            files: _,
            shared,
            bytes,
            errors,
            per_line,
        } => {
            let paras = eval::data::held_out_paragraphs(shared, *bytes)?;
            let gold = paras.join("\n\n");
            let input = sohoa::text::vietnamese::strip_marks(&gold);
            println!("{} held-out corpus paragraphs, marks removed", paras.len());
            report_as(engine, &input, &gold, *errors, *per_line)?;
        }
        EvalCommand::Extract {
            gold,
            inputs,
            details,
        } => {
            let report = eval_extract(engine, gold, inputs, opts)?;
            if *details {
                print!("{report:#}");
            } else {
                print!("{report}");
            }
        }
        EvalCommand::Header {
            gold,
            dir,
            source,
            details,
        } => {
            let report = eval_header(engine, gold, dir, source.as_deref(), opts)?;
            let mut out = output::stdout();
            if *details {
                write!(out, "{report:#}")?;
            } else {
                write!(out, "{report}")?;
            }
            out.flush()?;
        }
        EvalCommand::Unchanged {
            files,
            shared,
            bytes,
            errors,
            per_line,
        } => {
            if let Some(shared) = shared {
                let paras = eval::data::held_out_paragraphs(shared, *bytes)?;
                let text = paras.join("\n\n");
                println!("{} held-out corpus paragraphs, as they are", paras.len());
                report_as(engine, &text, &text, *errors, *per_line)?;
            }
            for f in files {
                let text = read_text(f, opts)?;
                println!("{}", f.display());
                report_as(engine, &text, &text, *errors, *per_line)?;
            }
        }
    }
    Ok(exit::OK)
}

/// Runs the whole pipeline on each input that has a gold record in `gold_dir` and scores it.
fn eval_extract(
    engine: &Engine,
    gold_dir: &Path,
    inputs: &[PathBuf],
    opts: DecodeOptions,
) -> Result<sohoa::extract::eval::Report> {
    let jobs = batch::collect_jobs(inputs);
    let mut golds: Vec<PathBuf> = std::fs::read_dir(gold_dir)
        .with_context(|| format!("cannot read {}", gold_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    golds.sort();
    let mut report = sohoa::extract::eval::Report::default();
    for g in golds {
        let stem = g.file_stem().unwrap_or_default();
        let job = jobs
            .iter()
            .find(|j| j.path.file_stem() == Some(stem))
            .with_context(|| {
                format!(
                    "no input {}.txt for {}",
                    stem.to_string_lossy(),
                    g.display()
                )
            })?;
        let gold: serde_json::Value = serde_json::from_slice(&std::fs::read(&g)?)
            .with_context(|| format!("{} is not JSON", g.display()))?;
        let bytes = std::fs::read(&job.path)
            .with_context(|| format!("cannot read {}", job.path.display()))?;
        let name = job.path.to_string_lossy();
        let done = engine
            .process_bytes(Some(&name), &bytes, opts)
            .with_context(|| format!("{}", job.path.display()))?;
        report
            .docs
            .push(sohoa::extract::eval::score(&done.record, &gold));
    }
    Ok(report)
}

/// Runs the whole pipeline on each document of a gazette gold list (in parallel, scored in
/// the list's order) and scores its header.
fn eval_header(
    engine: &Engine,
    gold: &Path,
    dir: &Path,
    source: Option<&Path>,
    opts: DecodeOptions,
) -> Result<eval::header::HeaderReport> {
    use rayon::prelude::*;
    let bytes = std::fs::read(gold).with_context(|| format!("cannot read {}", gold.display()))?;
    let docs: Vec<eval::header::GoldDoc> = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a gold list", gold.display()))?;
    // A document that cannot be processed (a stray NUL byte, say) is scored as an empty
    // header with its error among the misses, so one bad file does not hide the others' scores.
    // DIR is a folder of the documents, or a bundle of them (JSON Lines `{"id", "text"}`).
    let bundle = if dir.is_file() {
        let text = read_text(dir, opts)?;
        let docs = eval::header::read_bundle(&text)
            .with_context(|| format!("{} is not a bundle of documents", dir.display()))?;
        Some(
            docs.into_iter()
                .map(|d| (d.id, d.text))
                .collect::<std::collections::HashMap<_, _>>(),
        )
    } else {
        None
    };
    let records: Vec<(record::Record, String, Option<String>)> =
        docs.par_iter()
            .map(|g| {
                let path = dir.join(&g.file);
                let name = path.to_string_lossy();
                let bytes = match &bundle {
                    Some(b) => b
                        .get(&g.file)
                        .map(|t| t.as_bytes().to_vec())
                        .ok_or_else(|| format!("{}: no document {}", dir.display(), g.file)),
                    None => std::fs::read(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display())),
                };
                let done = bytes.and_then(|bytes| {
                    engine
                        .process_bytes(Some(&name), &bytes, opts)
                        .map(|d| (d.record, String::from_utf8_lossy(&bytes).into_owned()))
                        .map_err(|e| format!("{}: {e}", path.display()))
                });
                match done {
                    Ok((r, text)) => (r, text, None),
                    Err(e) => (record::Record::default(), String::new(), Some(e)),
                }
            })
            .collect();
    // The clean sources the checks read (a folder or a bundle, like DIR).
    let sources = match source {
        Some(s) if s.is_file() => {
            let text = read_text(s, opts)?;
            let docs = eval::header::read_bundle(&text)
                .with_context(|| format!("{} is not a bundle of documents", s.display()))?;
            Some(docs.into_iter().map(|d| (d.id, d.text)).collect())
        }
        Some(s) => Some(
            docs.iter()
                .filter_map(|g| {
                    let t = std::fs::read(s.join(&g.file)).ok()?;
                    Some((g.file.clone(), String::from_utf8_lossy(&t).into_owned()))
                })
                .collect::<std::collections::HashMap<_, _>>(),
        ),
        None => None,
    };
    let mut report = eval::header::HeaderReport::default();
    for (g, (r, text, err)) in docs.iter().zip(records) {
        if let Some(e) = err {
            report.misses.push(e);
        }
        match &sources {
            // A document with no source is not scored on the checks that read one.
            Some(s) => {
                let src = s.get(&g.file).map_or("", String::as_str);
                report.add_document_from(g, &r, &text, src);
            }
            None => report.add_document(g, &r, &text),
        }
    }
    Ok(report)
}
