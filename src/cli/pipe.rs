//! `sohoa pipe`: the stream mode's I/O wiring (the protocol lives in `sohoa::stream`).

use std::io;

use anyhow::Result;

use sohoa::input::DecodeOptions;
use sohoa::pipeline::Engine;
use sohoa::stream::{self, PipeOptions};

use super::exit;
use super::output;

/// Answers standard input line by line on standard output. Per-line problems are error
/// answers, not a failed exit: a retry would only repeat them. Only I/O errors (a broken pipe
/// among them, which `main` turns into a quiet exit) are returned.
pub fn pipe(
    engine: &Engine,
    decode: DecodeOptions,
    ascii: bool,
    max_line_bytes: usize,
    jobs: Option<usize>,
) -> Result<i32> {
    let opts = PipeOptions {
        decode,
        ascii,
        max_line_bytes,
        // One thread unless asked: a cluster already runs one process per core.
        jobs: jobs.unwrap_or(1).max(1),
    };
    stream::pipe(engine, io::stdin().lock(), output::stdout(), &opts)?;
    Ok(exit::OK)
}
