//! One function per command.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use sohoa::batch;
use sohoa::input::{self, DecodeOptions};
use sohoa::pipeline::{DocError, Engine};
use sohoa::record;

use super::args::{Cli, Command};
use super::exit;
use super::output;

pub fn dispatch(cli: &Cli) -> Result<i32> {
    let opts = DecodeOptions { lossy: cli.lossy };
    match &cli.command {
        Command::Schema => {
            let mut out = output::stdout();
            serde_json::to_writer_pretty(&mut out, &record::schema())?;
            out.write_all(b"\n")?;
            out.flush()?;
            Ok(exit::OK)
        }
        Command::Clean { paths, mark } => clean(&load_engine(cli)?, paths, *mark, opts),
        Command::Extract { paths, jsonl } => extract(&load_engine(cli)?, paths, *jsonl, opts),
        Command::Run { inputs, out } => run(&load_engine(cli)?, inputs, out, opts),
    }
}

/// Loads the model once and builds the engines.
fn load_engine(cli: &Cli) -> Result<Engine> {
    let _ = &cli.model;
    Ok(Engine::new(sohoa::restore::Restorer))
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

fn display(path: Option<&Path>) -> String {
    path.map_or_else(|| "<stdin>".to_string(), |p| p.display().to_string())
}

fn clean(engine: &Engine, paths: &[PathBuf], mark: bool, opts: DecodeOptions) -> Result<i32> {
    let mut out = output::stdout();
    let mut code = exit::OK;
    for path in inputs(paths) {
        let text = read(path)
            .map_err(DocError::Io)
            .and_then(|b| Ok(input::decode(&b, opts)?.into_owned()));
        match text {
            Ok(text) => {
                let restored = if mark {
                    engine.restorer.restore(&text).text
                } else {
                    engine.restore(&text).text
                };
                out.write_all(restored.as_bytes())?;
            }
            Err(e) => {
                eprintln!("sohoa: {}: {e}", display(path));
                code = exit::SOME_FAILED;
            }
        }
    }
    out.flush()?;
    Ok(code)
}

fn extract(engine: &Engine, paths: &[PathBuf], jsonl: bool, opts: DecodeOptions) -> Result<i32> {
    let inputs = inputs(paths);
    let lines = jsonl || inputs.len() > 1;
    let mut out = output::stdout();
    let mut code = exit::OK;
    for path in inputs {
        let name = path.map(|p| p.to_string_lossy().into_owned());
        let bytes = match read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("sohoa: {}: {e}", display(path));
                code = exit::SOME_FAILED;
                if lines {
                    let src = record::Source {
                        path: name,
                        sha256: String::new(),
                        bytes: 0,
                    };
                    serde_json::to_writer(&mut out, &DocError::Io(e).to_record(src))?;
                    out.write_all(b"\n")?;
                }
                continue;
            }
        };
        match engine.process(name.as_deref(), &bytes, opts) {
            Ok(p) if lines => {
                serde_json::to_writer(&mut out, &p.record)?;
                out.write_all(b"\n")?;
            }
            Ok(p) => {
                serde_json::to_writer_pretty(&mut out, &p.record)?;
                out.write_all(b"\n")?;
            }
            Err(e) => {
                eprintln!("sohoa: {}: {e}", display(path));
                code = exit::SOME_FAILED;
                if lines {
                    let src = input::source_of(name.as_deref(), &bytes);
                    serde_json::to_writer(&mut out, &e.to_record(src))?;
                    out.write_all(b"\n")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(code)
}

fn run(engine: &Engine, inputs: &[PathBuf], out: &Path, opts: DecodeOptions) -> Result<i32> {
    let jobs = batch::collect_jobs(inputs).context("cannot list the inputs")?;
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
    let on_done = |o: &batch::Outcome| {
        bar.inc(o.bytes);
        if let Some(e) = &o.error {
            bar.suspend(|| eprintln!("sohoa: {e}"));
        }
    };
    let (summary, _) = batch::run(engine, &jobs, out, opts, &on_done)
        .with_context(|| format!("cannot write to {}", out.display()))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "sohoa: {} documents, {} failed, {:.1} MB in {:.2} s ({:.2} MB/s) → {}",
        summary.documents,
        summary.failed,
        summary.bytes as f64 / 1e6,
        secs,
        summary.bytes as f64 / 1e6 / secs.max(1e-9),
        out.display()
    );
    Ok(if summary.failed > 0 {
        exit::SOME_FAILED
    } else {
        exit::OK
    })
}
