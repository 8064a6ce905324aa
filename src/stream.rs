//! Stream mode (`sohoa pipe`): JSON Lines in, JSON Lines out, one answer per input line.
//!
//! This is the shape cluster tools expect of a worker process: Spark `RDD.pipe`, Spark SQL
//! `TRANSFORM … USING`, Hadoop Streaming, and subprocess workers in Ray, Dask or Beam. They
//! start one process per partition, write lines to its standard input and read one line back
//! per line sent, matching them by position.
//!
//! # Wire format
//!
//! Each input line is one of
//! - a request object `{"id": <any JSON>, "text": "<document>"}` — a line whose first
//!   non-blank character is `{`; other members are ignored, and `id` is echoed verbatim
//!   (big integers, nested objects and `null` included), or the line number when absent;
//! - anything else, which is taken as the document text itself (a plain-text line, a blank line
//!   included), with its 1-based line number as `id`.
//!
//! Each output line is, with its keys in this order,
//! - `{"id": …, "clean": "<restored text>", "record": {…}}` (see [`crate::record::Record`]; its
//!   `source` has `path: null` and the SHA-256 and size of the document text), or
//! - `{"id": …, "error": {"kind": "…", "message": "…"}}`, where `kind` is `bad_json` (not a
//!   request object, or `text` missing or not a string), `invalid_utf8` (with the byte offset in
//!   the line; `--lossy` replaces the bytes instead), `binary` (NUL bytes, more than a stray one) or
//!   `too_large` (the line is longer than [`PipeOptions::max_line_bytes`]; its bytes are skipped
//!   without being held in memory). When the request's `id` cannot be read, the line number
//!   stands in for it. Line numbers count the lines this process received, so under Spark they
//!   are relative to the partition; they appear nowhere else, so the answer to a request with
//!   an id does not depend on how the input was split.
//!
//! There is exactly one output line per input line, in input order. A final line without a
//! line end still counts as a line; a `\r` before the `\n` is dropped. The output holds nothing
//! that depends on the host, the time or the environment.
//!
//! Output is plain ASCII-compatible JSON with U+2028, U+2029 and U+0085 written as `\u`
//! escapes, so that consumers that take them for line breaks (JavaScript, Python's
//! `str.splitlines`, some Java readers) do not split an answer; [`PipeOptions::ascii`] escapes
//! every non-ASCII character.
//!
//! # Latency
//!
//! Answers are flushed whenever the input buffer runs dry — that is, before every read that
//! could block — and at the end of input, never only every N records: a long-lived caller that
//! sends 7 lines and waits gets 7 answers.
//!
//! An example of use is the unit test `tests::the_module_example` (an internal module keeps
//! its example as a unit test: every doctest links the whole crate, model included).

use std::io::{self, BufRead, BufReader, Read, Write};

use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::input::{DecodeOptions, InputError};
use crate::pipeline::{DocError, Engine};
#[cfg(test)]
use crate::record::Record;
use crate::record::{ErrorInfo, ErrorKind};

/// The default longest line accepted: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// Size of the input buffer.
const READ_BUFFER: usize = 1 << 16;
/// Answers are written out once this many bytes are pending (and at every flush).
const WRITE_CHUNK: usize = 1 << 16;
/// A parallel batch holds at most this many lines per thread…
const BATCH_LINES_PER_JOB: usize = 32;
/// …and at most this many bytes of input.
const BATCH_BYTES: usize = 16 << 20;

/// How to run the stream.
#[derive(Clone, Copy, Debug)]
pub struct PipeOptions {
    /// How to decode document bytes (`lossy` replaces invalid UTF-8 instead of answering with
    /// an `invalid_utf8` error).
    pub decode: DecodeOptions,
    /// Escape every non-ASCII character in the output as `\uXXXX`.
    pub ascii: bool,
    /// Lines longer than this (in bytes, without the `\n`) are answered with a
    /// `too_large` error.
    pub max_line_bytes: usize,
    /// Worker threads. With 1 (the default) lines are answered one by one on the calling
    /// thread; with more, lines that have already arrived are processed in parallel batches,
    /// answers still in input order.
    pub jobs: usize,
}

impl Default for PipeOptions {
    fn default() -> Self {
        PipeOptions {
            decode: DecodeOptions::default(),
            ascii: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            jobs: 1,
        }
    }
}

/// What a stream did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input lines read, which is also the number of answers written.
    pub lines: u64,
    /// Answers that are error objects.
    pub errors: u64,
}

/// Reads requests from `input` until its end and writes one answer per line to `output`.
///
/// Per-line problems become error answers; the only errors returned are I/O errors of `input`
/// or `output` (a broken pipe among them) and failing to start the worker threads.
pub fn pipe<R: Read, W: Write>(
    engine: &Engine,
    input: R,
    output: W,
    opts: &PipeOptions,
) -> io::Result<Summary> {
    let pool = if opts.jobs > 1 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs)
            .build()
            .map_err(io::Error::other)?;
        Some(pool)
    } else {
        None
    };
    let mut answerer = Answerer {
        engine,
        opts,
        pool,
        output,
        pending: Vec::with_capacity(WRITE_CHUNK),
        batch: Vec::new(),
        batch_bytes: 0,
        summary: Summary::default(),
    };
    let mut reader = BufReader::with_capacity(READ_BUFFER, input);
    let mut line = Line::default();
    loop {
        if reader.buffer().is_empty() {
            // The next read may block: whoever is waiting gets every answer due so far.
            answerer.drain(true)?;
        }
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if line.started {
                answerer.answer_line(&mut line)?;
            }
            answerer.drain(true)?;
            return Ok(answerer.summary);
        }
        let (chunk, used, ends) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        line.push(chunk, opts.max_line_bytes);
        reader.consume(used);
        if ends {
            answerer.answer_line(&mut line)?;
        }
    }
}

/// The line being read.
#[derive(Default)]
struct Line {
    /// Its bytes so far, while within the limit; emptied once it is over.
    bytes: Vec<u8>,
    /// Its length so far.
    len: u64,
    /// Some byte (or the line end) of it has been seen.
    started: bool,
}

impl Line {
    fn push(&mut self, chunk: &[u8], max: usize) {
        self.started = true;
        self.len += chunk.len() as u64;
        if self.len <= max as u64 {
            self.bytes.extend_from_slice(chunk);
        } else {
            // Over the limit: count the rest without keeping it.
            self.bytes.clear();
        }
    }

    /// Whether the line went over `max`.
    fn too_long(&self, max: usize) -> bool {
        self.len > max as u64
    }
}

/// A line waiting in a parallel batch.
struct Queued {
    no: u64,
    bytes: Vec<u8>,
    len: u64,
    too_long: bool,
}

/// Turns lines into answers and writes them.
struct Answerer<'e, 'o, W> {
    engine: &'e Engine,
    opts: &'o PipeOptions,
    pool: Option<rayon::ThreadPool>,
    output: W,
    /// Answers serialized and not yet written.
    pending: Vec<u8>,
    /// Lines not yet answered (parallel mode only).
    batch: Vec<Queued>,
    batch_bytes: usize,
    summary: Summary,
}

impl<W: Write> Answerer<'_, '_, W> {
    /// Answers a complete line (at once, or by queueing it for a parallel batch) and resets it.
    fn answer_line(&mut self, line: &mut Line) -> io::Result<()> {
        self.summary.lines += 1;
        let no = self.summary.lines;
        let too_long = line.too_long(self.opts.max_line_bytes);
        if self.pool.is_none() {
            // Handed over, so that a large request's bytes are freed once parsed.
            let failed = answer(
                self.engine,
                self.opts,
                no,
                std::mem::take(&mut line.bytes),
                too_long.then_some(line.len),
                &mut self.pending,
            )?;
            self.summary.errors += u64::from(failed);
            if self.pending.len() >= WRITE_CHUNK {
                self.drain(false)?;
            }
        } else {
            self.batch_bytes += line.bytes.len();
            self.batch.push(Queued {
                no,
                bytes: std::mem::take(&mut line.bytes),
                len: line.len,
                too_long,
            });
            if self.batch.len() >= BATCH_LINES_PER_JOB * self.opts.jobs
                || self.batch_bytes >= BATCH_BYTES
            {
                self.drain(false)?;
            }
        }
        line.bytes.clear();
        line.len = 0;
        line.started = false;
        Ok(())
    }

    /// Answers the queued batch, writes pending answers and, if `flush`, flushes the output.
    fn drain(&mut self, flush: bool) -> io::Result<()> {
        if let Some(pool) = &self.pool {
            if !self.batch.is_empty() {
                let (engine, opts) = (self.engine, self.opts);
                let batch = std::mem::take(&mut self.batch);
                let answers: io::Result<Vec<(Vec<u8>, bool)>> = pool.install(|| {
                    batch
                        .into_par_iter()
                        .map(|q| {
                            let mut out = Vec::new();
                            let long = q.too_long.then_some(q.len);
                            let failed = answer(engine, opts, q.no, q.bytes, long, &mut out)?;
                            Ok((out, failed))
                        })
                        .collect()
                });
                for (out, failed) in answers? {
                    self.pending.extend_from_slice(&out);
                    self.summary.errors += u64::from(failed);
                }
                self.batch.clear();
                self.batch_bytes = 0;
            }
        }
        if !self.pending.is_empty() {
            self.output.write_all(&self.pending)?;
            self.pending.clear();
        }
        if flush {
            self.output.flush()?;
        }
        Ok(())
    }
}

/// A request object. Unknown members are ignored so that callers can pass other columns along.
#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    text: String,
}

/// Only the `id` of a request, to echo it when the rest cannot be read.
#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
}

/// `Some` for any value that is there, `null` included (`Option`'s own impl maps `null` to
/// `None`, which would lose an explicit `"id": null`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// The `id` of an answer.
#[derive(Serialize)]
#[serde(untagged)]
enum Id<'a> {
    Raw(&'a RawValue),
    Line(u64),
}

/// What an answer is (it is written piece by piece by `write_processed`).
#[cfg(test)]
#[derive(Serialize)]
struct Answer<'a> {
    id: Id<'a>,
    clean: &'a str,
    record: &'a Record,
}

#[derive(Serialize)]
struct ErrorAnswer<'a> {
    id: Id<'a>,
    error: ErrorInfo,
}

/// Appends the answer to line `no` to `out`; returns whether it is an error answer.
///
/// `too_long` is the line's full length when it went over the limit (its bytes were dropped).
/// The line is taken by value and dropped as soon as the request is parsed, and the restored
/// text is escaped into `out` chunk by chunk as it is made, never held as a whole: a 60 MB
/// request needs its text, its answer and a few chunks.
fn answer(
    engine: &Engine,
    opts: &PipeOptions,
    no: u64,
    mut line: Vec<u8>,
    too_long: Option<u64>,
    out: &mut Vec<u8>,
) -> io::Result<bool> {
    if let Some(len) = too_long {
        let message = format!(
            "the line has {len} bytes, more than the limit of {} (--max-line-bytes)",
            opts.max_line_bytes
        );
        write_error(out, opts, Id::Line(no), ErrorKind::TooLarge, message)?;
        return Ok(true);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let body = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // A plain-text line is the document itself.
        return write_processed(engine, out, opts, Id::Line(no), &line);
    }
    let (id, text): (Option<Box<RawValue>>, String) = {
        let text = match std::str::from_utf8(body) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) if opts.decode.lossy => String::from_utf8_lossy(body),
            Err(e) => {
                // Echo the id if it can be read around the bad bytes (and was not itself broken).
                let lossy = String::from_utf8_lossy(body);
                let id = serde_json::from_str::<IdOnly>(&lossy)
                    .ok()
                    .and_then(|r| r.id)
                    .filter(|id| !id.get().contains('\u{FFFD}'))
                    .map_or(Id::Line(no), Id::Raw);
                let err = InputError::InvalidUtf8 {
                    offset: e.valid_up_to(),
                };
                write_error(out, opts, id, err.kind(), err.to_string())?;
                return Ok(true);
            }
        };
        match serde_json::from_str::<Request>(&text) {
            Ok(req) => (req.id.map(RawValue::to_owned), req.text),
            Err(e) => {
                let id = serde_json::from_str::<IdOnly>(&text)
                    .ok()
                    .and_then(|r| r.id)
                    .map_or(Id::Line(no), Id::Raw);
                // serde_json says "at line 1 column N"; the line is always 1 here.
                let mut why = e.to_string();
                if let Some(at) = why.rfind(" at line ") {
                    why.truncate(at);
                }
                let message = format!(
                    "not a request {{\"id\": …, \"text\": \"…\"}}: {why} at column {}",
                    e.column()
                );
                write_error(out, opts, id, ErrorKind::BadJson, message)?;
                return Ok(true);
            }
        }
    };
    drop(line);
    let id = id.as_deref().map_or(Id::Line(no), Id::Raw);
    write_processed(engine, out, opts, id, text.as_bytes())
}

/// Processes `text` and appends its answer (or its error answer) to `out`: the same bytes as
/// serializing an [`Answer`], with the `clean` string written piece by piece.
fn write_processed(
    engine: &Engine,
    out: &mut Vec<u8>,
    opts: &PipeOptions,
    id: Id<'_>,
    text: &[u8],
) -> io::Result<bool> {
    let start = out.len();
    // The answer is about the text's size, a little more for marks and escapes: reserving it
    // once avoids growing (and copying) a large buffer step by step.
    out.reserve(text.len() + text.len() / 2 + 4096);
    let formatter = || SafeFormatter { ascii: opts.ascii };
    out.extend_from_slice(b"{\"id\":");
    id.serialize(&mut serde_json::Serializer::with_formatter(
        &mut *out,
        formatter(),
    ))?;
    out.extend_from_slice(b",\"clean\":\"");
    let mut piece = Vec::new();
    let result = engine.process_seekable(
        None,
        io::Cursor::new(text),
        opts.decode,
        // A short text is one chunk either way; no 1 MB read buffer per request.
        crate::chunked::DEFAULT_CHUNK.min(text.len() + 1),
        &mut |s| {
            // A JSON string of the piece, without its quotes: escaping is per character, so
            // the pieces join into the escaped whole.
            piece.clear();
            s.serialize(&mut serde_json::Serializer::with_formatter(
                &mut piece,
                formatter(),
            ))?;
            out.extend_from_slice(&piece[1..piece.len() - 1]);
            Ok(())
        },
    );
    match result {
        Ok(record) => {
            out.extend_from_slice(b"\",\"record\":");
            record.serialize(&mut serde_json::Serializer::with_formatter(
                &mut *out,
                formatter(),
            ))?;
            out.extend_from_slice(b"}\n");
            Ok(false)
        }
        Err(DocError::Output(e)) => Err(e),
        Err(e) => {
            out.truncate(start);
            write_error(out, opts, id, e.kind(), e.to_string())?;
            Ok(true)
        }
    }
}

fn write_error(
    out: &mut Vec<u8>,
    opts: &PipeOptions,
    id: Id<'_>,
    kind: ErrorKind,
    message: String,
) -> io::Result<()> {
    let error = ErrorInfo { kind, message };
    write_json(out, opts, &ErrorAnswer { id, error })
}

/// Appends `value` as one JSON line.
fn write_json<T: Serialize>(out: &mut Vec<u8>, opts: &PipeOptions, value: &T) -> io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(&mut *out, SafeFormatter { ascii: opts.ascii });
    value.serialize(&mut ser)?;
    out.push(b'\n');
    Ok(())
}

/// Compact JSON that escapes the characters some consumers treat as line breaks (U+2028,
/// U+2029, U+0085), or every non-ASCII character when `ascii` is set — in strings and in
/// echoed raw values alike (non-ASCII can only occur inside strings in valid JSON, so a `\u`
/// escape is always valid where it is written).
#[derive(Clone, Copy, Debug)]
pub struct SafeFormatter {
    /// Escape every non-ASCII character.
    pub ascii: bool,
}

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment, self.ascii)
    }

    /// An echoed id: its line ends and tabs (JSON whitespace between tokens: inside a valid
    /// JSON string they are always escaped) become spaces, so that a reader that takes `\r`
    /// for a line end never splits an answer and Hadoop sees no tab; the value is unchanged.
    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if fragment.contains(['\r', '\n', '\t']) {
            let spaced = fragment.replace(['\r', '\n', '\t'], " ");
            write_escaped(writer, &spaced, self.ascii)
        } else {
            write_escaped(writer, fragment, self.ascii)
        }
    }
}

/// Writes `s`, with the characters chosen by `ascii` written as `\uXXXX` (UTF-16 units).
fn write_escaped<W: ?Sized + Write>(w: &mut W, s: &str, ascii: bool) -> io::Result<()> {
    let clean = if ascii {
        s.is_ascii()
    } else {
        // U+2028 and U+2029 start with 0xE2, U+0085 with 0xC2.
        !s.bytes().any(|b| b == 0xE2 || b == 0xC2)
    };
    if clean {
        return w.write_all(s.as_bytes());
    }
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = if ascii {
            !c.is_ascii()
        } else {
            matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
        };
        if escape {
            w.write_all(&s.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
    }
    w.write_all(&s.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::restore::Restorer;

    /// The module documentation's example of use.
    #[test]
    fn the_module_example() {
        use crate::model::Model;
        use crate::pipeline::Engine;
        use crate::restore::Restorer;
        use crate::stream::{pipe, PipeOptions};

        let engine = Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build());
        let input = b"{\"id\": 12345678901234567890, \"text\": \"Bao cao\"}\n{oops\n";
        let mut output = Vec::new();
        let summary = pipe(&engine, &input[..], &mut output, &PipeOptions::default()).unwrap();
        assert_eq!((summary.lines, summary.errors), (2, 1));
        let text = String::from_utf8(output).unwrap();
        let answers: Vec<&str> = text.lines().collect();
        assert!(answers[0].starts_with(r#"{"id":12345678901234567890,"clean":"#));
        assert!(answers[1].starts_with(r#"{"id":2,"error":{"kind":"bad_json","#));
    }

    fn engine() -> Engine {
        Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build())
    }

    fn run(input: &[u8], opts: PipeOptions) -> (Summary, Vec<serde_json::Value>) {
        let mut out = Vec::new();
        let summary = pipe(&engine(), input, &mut out, &opts).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (summary, rows)
    }

    #[test]
    fn escapes_line_separators_and_optionally_all_non_ascii() {
        let mut out = Vec::new();
        write_escaped(&mut out, "a\u{2028}b\u{2029}c\u{85}d ệ 😀", false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\\u2028b\\u2029c\\u0085d ệ 😀"
        );
        let mut out = Vec::new();
        write_escaped(&mut out, "ệ 😀", true).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\\u1ec7 \\ud83d\\ude00");
    }

    #[test]
    fn one_answer_per_line_in_order_with_one_or_many_threads() {
        let mut input = Vec::new();
        for i in 0..100 {
            match i % 5 {
                0 => input.extend_from_slice(
                    format!("{{\"id\":{i},\"text\":\"Bao cao {i}\"}}\n").as_bytes(),
                ),
                1 => input.extend_from_slice(b"\n"),
                2 => input.extend_from_slice(b"{\"id\": 1, \"text\": \n"),
                3 => input.extend_from_slice(b"so 12/BC-UBND ngay 3 thang 4\r\n"),
                _ => input.extend_from_slice(b"bad \xFF byte\n"),
            }
        }
        let (s1, rows1) = run(&input, PipeOptions::default());
        assert_eq!(s1.lines, 100);
        assert_eq!(rows1.len(), 100);
        for (i, row) in rows1.iter().enumerate() {
            match i % 5 {
                0 => assert_eq!(row["id"], i as u64),
                2 => assert_eq!(row["error"]["kind"], "bad_json"),
                4 => assert_eq!(row["error"]["kind"], "invalid_utf8"),
                _ => assert_eq!(row["id"], i as u64 + 1),
            }
        }
        let (s2, rows2) = run(
            &input,
            PipeOptions {
                jobs: 3,
                ..PipeOptions::default()
            },
        );
        assert_eq!((s1, rows1), (s2, rows2));
    }

    #[test]
    fn answers_written_piece_by_piece_equal_the_serialized_answer() {
        let e = engine();
        let text = format!(
            "{}\n\"quoted\" back\\slash \u{85} ệ\n",
            include_str!("../fixtures/003_4c818c38c2080030.txt")
        );
        for ascii in [false, true] {
            let opts = PipeOptions {
                ascii,
                ..PipeOptions::default()
            };
            let mut got = Vec::new();
            write_processed(&e, &mut got, &opts, Id::Line(7), text.as_bytes()).unwrap();
            let p = e.process_bytes(None, text.as_bytes(), opts.decode).unwrap();
            let mut want = Vec::new();
            let answer = Answer {
                id: Id::Line(7),
                clean: &p.clean,
                record: &p.record,
            };
            write_json(&mut want, &opts, &answer).unwrap();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(want).unwrap()
            );
        }
    }

    #[test]
    fn over_long_lines_are_answered_and_skipped() {
        let opts = PipeOptions {
            max_line_bytes: 10,
            ..PipeOptions::default()
        };
        let (s, rows) = run(b"012345678\r\n0123456789abc\nok", opts);
        assert_eq!((s.lines, s.errors), (3, 1));
        assert!(rows[0].get("clean").is_some());
        assert_eq!(rows[1]["error"]["kind"], "too_large");
        assert_eq!(rows[1]["id"], 2);
        assert_eq!(rows[2]["id"], 3);
    }

    #[test]
    fn whitespace_inside_an_echoed_id_never_breaks_the_answer_line() {
        let mut out = Vec::new();
        let summary = pipe(
            &engine(),
            &b"{\"id\": [1,\r2,\t\"a\\tb\"], \"text\": \"x\"}\n"[..],
            &mut out,
            &PipeOptions::default(),
        )
        .unwrap();
        assert_eq!(summary.lines, 1);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.trim_end().contains(['\r', '\n', '\t']), "{text:?}");
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["id"], serde_json::json!([1, 2, "a\tb"]));
    }

    #[test]
    fn null_id_is_echoed_and_missing_id_is_the_line_number() {
        let (_, rows) = run(
            b"{\"id\":null,\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"id\":\"x\"}\n",
            PipeOptions::default(),
        );
        assert!(rows[0]["id"].is_null() && rows[0].get("clean").is_some());
        assert_eq!(rows[1]["id"], 2);
        assert_eq!(rows[2]["id"], "x");
        assert_eq!(rows[2]["error"]["kind"], "bad_json");
    }
}
