//! One document through the whole pipeline: bytes → text → restoration → record.
//!
//! [`Engine`] holds the two built engines (restorer and extractor); it is immutable and
//! `Send + Sync`, built once per process and shared by reference across rayon workers.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::chunked::{Chunk, ChunkReader, DEFAULT_CHUNK};
use crate::extract::Extractor;
use crate::input::{self, DecodeOptions, InputError};
use crate::layout;
use crate::model::{Model, ModelError};
use crate::record::{
    ErrorInfo, ErrorKind, ErrorRecord, LeftOut, Record, Source, Span, Warning, WarningKind,
    MAX_ITEMS,
};
use crate::restore::{Params, Restored, Restorer};
use crate::text::tokenize::Token;

/// The restorer and the extractor, built once from a model: what turns OCR text into clean
/// text and a [`Record`].
///
/// Immutable and `Send + Sync`: build one per process (loading the embedded model takes a few
/// tens of milliseconds) and share it by reference across threads. Output does not depend on
/// the number of threads.
pub struct Engine {
    #[doc(hidden)]
    pub restorer: Restorer,
    /// Built on first use: `sohoa clean` and `pipe` never extract, and building the
    /// extractor's automata and patterns is a tenth of a cold start.
    extractor: std::sync::OnceLock<Extractor>,
}

/// A processed document: what [`Engine::process_bytes`] returns.
#[derive(Debug)]
pub struct Processed {
    /// The restored text, line-aligned with the input.
    pub clean: String,
    /// What the document says.
    pub record: Record,
}

/// Why a document could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The bytes are not text sohoa reads (invalid UTF-8, UTF-16, binary).
    #[error("{0}")]
    Input(#[from] InputError),
    /// Reading the input failed.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// The batch walk refused the entry (a dangling symlink, a FIFO…): it was not opened.
    #[error("not processed: {0}")]
    Refused(String),
    /// A bug met on this input (caught, so that the other inputs go on).
    #[error("internal error: {0}")]
    Internal(String),
    /// An hOCR or ALTO document that cannot be read (not well-formed, another encoding,
    /// too large, declared entities).
    #[error("{0}")]
    Layout(#[from] crate::layout::LayoutError),
    /// Writing the result failed (a full disk, a closed pipe): not the input's fault.
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

/// Builds an [`Engine`]: which model, which decoding knobs.
///
/// ```
/// let engine = sohoa::Engine::builder().beam(8).build()?;
/// assert_eq!(engine.clean("Két qua thuc hién cong tac"), "Kết quả thực hiện công tác");
/// # Ok::<(), sohoa::ModelError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct EngineBuilder {
    model_dir: Option<PathBuf>,
    params: Params,
}

impl EngineBuilder {
    /// Loads the model from this folder (`lm.bin`, `channel.tsv`, `lexicon.tsv`, as
    /// `sohoa train` writes them) instead of the embedded one.
    pub fn model_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.model_dir = Some(dir.into());
        self
    }

    /// Sets every decoding knob at once.
    pub fn params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }

    /// Weight of the language model against the OCR error model (default 1.0).
    pub fn lm_weight(mut self, w: f32) -> Self {
        self.params.lm_weight = w;
        self
    }

    /// States the decoder keeps per token (default 8): more is slower and rarely better.
    pub fn beam(mut self, b: usize) -> Self {
        self.params.beam = b;
        self
    }

    /// Loads the model and builds the engine.
    pub fn build(self) -> Result<Engine, ModelError> {
        let model = match &self.model_dir {
            Some(dir) => Model::from_dir(dir)?,
            None => Model::embedded()?,
        };
        Ok(Engine::from_restorer(
            Restorer::builder(model).params(self.params).build(),
        ))
    }
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new()
    }
}

impl Engine {
    /// The engine over the model compiled into the library, with the default knobs.
    ///
    /// The embedded model's load is checked by the test suite, so this does not fail.
    pub fn new() -> Engine {
        match EngineBuilder::default().build() {
            Ok(engine) => engine,
            // Unreachable: the embedded bytes are fixed at compile time and tested.
            Err(e) => panic!("the embedded model does not load: {e}"),
        }
    }

    /// The engine over the model in folder `dir` (see [`EngineBuilder::model_dir`]).
    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<Engine, ModelError> {
        Engine::builder().model_dir(dir).build()
    }

    /// A builder, to choose the model and the knobs.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The extractor, built on the first call (by one thread; the others wait for it).
    #[doc(hidden)]
    pub fn extractor(&self) -> &Extractor {
        self.extractor.get_or_init(Extractor::new)
    }

    /// An engine over a restorer built by hand (training and tests).
    #[doc(hidden)]
    pub fn from_restorer(restorer: Restorer) -> Engine {
        Engine {
            restorer,
            extractor: std::sync::OnceLock::new(),
        }
    }

    /// The restored text: output line N is the restoration of input line N; what is not
    /// restored (spaces, numbers, punctuation, correct words) passes through unchanged.
    ///
    /// The same as `sohoa clean` prints for this text. Text that `sohoa clean` refuses
    /// (more than stray NUL bytes: binary, UTF-16) comes back unchanged; use
    /// [`Engine::process_bytes`] to get the error instead.
    pub fn clean(&self, text: &str) -> String {
        self.clean_bytes(text.as_bytes(), DecodeOptions::default())
            .unwrap_or_else(|_| text.to_string())
    }

    /// The restored text of a file's bytes, decoded as `sohoa clean` decodes them (a UTF-8
    /// byte order mark dropped, NFC, stray NUL bytes as spaces); what the command line
    /// refuses is the error it reports.
    pub fn clean_bytes(&self, bytes: &[u8], opts: DecodeOptions) -> Result<String, DocError> {
        let mut clean = String::with_capacity(bytes.len() + bytes.len() / 8);
        self.restore_seekable(io::Cursor::new(bytes), opts, chunk_for(bytes), &mut |s| {
            clean.push_str(s);
            Ok(())
        })?;
        Ok(clean)
    }

    /// The record of `text` (restored first, then extracted), with `source.path` `null`.
    pub fn extract(&self, text: &str) -> Record {
        self.process(text).1
    }

    /// The restored text and the record, as [`Engine::clean`] and [`Engine::extract`] give
    /// them, in one pass. Text that the command line refuses (binary, UTF-16) comes back
    /// unchanged, with an empty record whose one warning (`not_processed`) says why.
    pub fn process(&self, text: &str) -> (String, Record) {
        match self.process_bytes(None, text.as_bytes(), DecodeOptions::default()) {
            Ok(p) => (p.clean, p.record),
            Err(e) => {
                let mut record = Record::empty(input::source_of(None, text.as_bytes()));
                record.warnings.push(Warning {
                    kind: WarningKind::NotProcessed,
                    message: e.to_string(),
                    span: None,
                });
                (text.to_string(), record)
            }
        }
    }

    /// [`Engine::clean`] of every text, in parallel on the current rayon thread pool (all
    /// cores unless the caller installed a smaller pool); results in input order, the same
    /// whatever the number of threads.
    pub fn clean_many<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<String> {
        texts.par_iter().map(|t| self.clean(t.as_ref())).collect()
    }

    /// [`Engine::process`] of every text, in parallel like [`Engine::clean_many`].
    pub fn process_many<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<(String, Record)> {
        texts.par_iter().map(|t| self.process(t.as_ref())).collect()
    }
}

impl DocError {
    /// A short machine-readable kind for error records.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DocError::Input(e) => e.kind(),
            DocError::Io(_) => ErrorKind::Io,
            DocError::Output(_) => ErrorKind::Output,
            DocError::Refused(_) => ErrorKind::Refused,
            DocError::Internal(_) => ErrorKind::Internal,
            DocError::Layout(crate::layout::LayoutError::TooLarge { .. }) => ErrorKind::TooLarge,
            DocError::Layout(crate::layout::LayoutError::Encoding(_)) => ErrorKind::Encoding,
            DocError::Layout(crate::layout::LayoutError::Xml { .. }) => ErrorKind::BadXml,
        }
    }

    /// The error record that stands in for the document's record.
    pub fn to_record(&self, source: Source) -> ErrorRecord {
        ErrorRecord {
            source,
            error: ErrorInfo {
                kind: self.kind(),
                message: self.to_string(),
            },
        }
    }
}

impl Engine {
    /// Corrects an hOCR or ALTO document (`format`) in place and, when `extract`, gives its
    /// record (`path` is the record's `source.path`; spans carry page and box). A bug met on
    /// the input (never expected) is an internal error of this document, not a crash of the
    /// batch.
    pub fn process_layout(
        &self,
        path: Option<&str>,
        bytes: &[u8],
        format: layout::Format,
        opts: DecodeOptions,
        extract: bool,
    ) -> Result<(String, Option<Record>), DocError> {
        let src = layout::decode(bytes, opts.lossy)?;
        let doc = layout::parse(&src, format)?;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let c = layout::correct(&self.restorer, &src, &doc);
            let record = extract.then(|| {
                let source = input::source_of(path, bytes);
                let mut r = layout::splice::record_of(self.extractor(), &doc, &c, source);
                self.extractor().header_from_path(&mut r);
                r
            });
            (c.xml, record)
        }))
        .map_err(|_| DocError::Internal("the layout writer failed on this document".into()))
    }

    /// Restores decoded text (no decoding, no record).
    #[doc(hidden)]
    pub fn restore(&self, text: &str) -> Restored {
        self.restorer.restore(text)
    }

    /// Decodes, restores and extracts one document held in memory. It goes through the same
    /// chunked two passes as [`Engine::process_seekable`], so a large text needs no more than
    /// its own size plus a few chunks, and the result is the same whatever the entry point.
    ///
    /// `path` is what the record's `source.path` says; `opts` asks for `--lossy` decoding.
    pub fn process_bytes(
        &self,
        path: Option<&str>,
        bytes: &[u8],
        opts: DecodeOptions,
    ) -> Result<Processed, DocError> {
        let mut clean = String::with_capacity(bytes.len() + bytes.len() / 8);
        let record = self.process_seekable(
            path,
            io::Cursor::new(bytes),
            opts,
            chunk_for(bytes),
            &mut |s| {
                clean.push_str(s);
                Ok(())
            },
        )?;
        Ok(Processed { clean, record })
    }

    /// Decodes, restores and extracts a document of any size from `reader`, in two passes over
    /// chunks of about `chunk` bytes cut at blank lines (see DESIGN.md), so memory
    /// stays bounded.
    ///
    /// Pass 1 decodes every chunk without keeping it: it hashes the input, finds any input
    /// error (so that nothing is written for an input that fails, however late its bad byte)
    /// and measures how clean the whole document reads (how many of its words are lexicon words): one
    /// judgement for the document, whatever the chunking. Pass 2 rewinds, restores each chunk
    /// with that judgement, extracts, and hands the restored text to `clean` as it is made.
    /// An error of `clean` is returned as [`DocError::Output`].
    pub fn process_seekable<R: Read + Seek>(
        &self,
        path: Option<&str>,
        reader: R,
        opts: DecodeOptions,
        chunk: usize,
        clean: &mut dyn FnMut(&str) -> io::Result<()>,
    ) -> Result<Record, DocError> {
        self.two_pass(path, reader, opts, chunk, clean, true)
    }

    /// [`Engine::process_seekable`] for a reader that cannot seek: it is read into memory
    /// first, so prefer [`Engine::process_seekable`] (or spool to a temporary file, as the
    /// command line does for standard input) when the input may be large.
    pub fn process_stream(
        &self,
        path: Option<&str>,
        mut reader: impl Read,
        opts: DecodeOptions,
        chunk: usize,
        clean: &mut dyn FnMut(&str) -> io::Result<()>,
    ) -> Result<Record, DocError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        self.process_seekable(path, io::Cursor::new(bytes), opts, chunk, clean)
    }

    /// [`Engine::process_seekable`] without extraction (the streaming `sohoa clean`): the
    /// record returned holds only the source.
    pub fn restore_seekable<R: Read + Seek>(
        &self,
        reader: R,
        opts: DecodeOptions,
        chunk: usize,
        clean: &mut dyn FnMut(&str) -> io::Result<()>,
    ) -> Result<Record, DocError> {
        self.two_pass(None, reader, opts, chunk, clean, false)
    }

    fn two_pass<R: Read + Seek>(
        &self,
        path: Option<&str>,
        mut reader: R,
        opts: DecodeOptions,
        chunk: usize,
        clean: &mut dyn FnMut(&str) -> io::Result<()>,
        extract: bool,
    ) -> Result<Record, DocError> {
        let start = reader.stream_position()?;
        let mut hasher = Sha256::new();
        let (mut total, mut counts) = (0u64, crate::restore::CleanCounts::default());
        // The NUL policy is judged on the whole document, like its cleanliness.
        let (mut nul_count, mut first_nul_at) = (0usize, None);
        // A document of one chunk (most are) is kept decoded for the second pass, which then
        // neither reads nor decodes it again.
        let (mut n_chunks, mut only) = (0usize, None::<DecodedChunk>);
        let mut unknowns: Vec<Unknowns> = Vec::new();
        let mut tokens: Option<Vec<Token>> = None;
        {
            let mut chunks = ChunkReader::new(&mut reader, chunk);
            while let Some(c) = chunks.next_chunk()? {
                total += c.bytes.len() as u64;
                // Hashing and measuring run side by side (the measure itself on all threads):
                // done one after the other, this pass was the serial part of a large file.
                // A small chunk is done in line: a `join` called from outside the pool (a
                // batch worker) hands the work to another thread and back, which cost a batch
                // of small documents more than the work itself.
                // The first chunk's tokens are kept for its restoration when it is the only
                // one (most documents): it is then not tokenized a second time.
                let keep = n_chunks == 0;
                let measure =
                    || decode_chunk(&c, opts).map(|d| (self.parallel_scan(&d.text, keep), d));
                let decoded = if c.bytes.len() <= COUNT_PIECE {
                    hasher.update(&c.bytes);
                    measure()
                } else {
                    rayon::join(|| hasher.update(&c.bytes), measure).1
                };
                let ((k, unknown, kept), d) = decoded?;
                unknowns.push(unknown);
                tokens = if n_chunks == 0 { kept } else { None };
                if first_nul_at.is_none() {
                    first_nul_at = d.first_nul.map(|s| s.start + c.offset as usize);
                }
                nul_count += d.nuls;
                counts += k;
                n_chunks += 1;
                // Only the first chunk is copied out of its buffer, and kept while it is the
                // only one.
                only = (n_chunks == 1).then(|| DecodedChunk::new(&c, d));
            }
        }
        if input::too_many_nuls(nul_count, total as usize) {
            return Err(DocError::Input(InputError::Binary {
                offset: first_nul_at.unwrap_or(0),
                nuls: nul_count,
            }));
        }
        let penalty = self.restorer.penalty_of_counts(counts);
        let source = Source {
            path: path.map(str::to_string),
            sha256: crate::fsutil::hex(&hasher.finalize()),
            bytes: total,
        };
        let mut chunks = match only {
            Some(_) => None,
            None => {
                reader.seek(SeekFrom::Start(start))?;
                Some(ChunkReader::new(reader, chunk))
            }
        };
        let mut record: Option<Record> = None;
        let mut left_out = LeftOut::default();
        let mut lines = 0usize;
        let (mut nuls, mut first_nul) = (0usize, None);
        // Chunk N is extracted while chunk N + 1 is restored, so that the serial part of a
        // document (reading, decoding, extraction) overlaps the parallel restoration; the
        // results are the same as one after the other, and the text is written in order.
        let mut pending: Option<Part> = None;
        let mut n_restored = 0usize;
        let mut read_next = || -> Result<Option<DecodedChunk>, DocError> {
            Ok(match chunks.as_mut() {
                Some(chunks) => match chunks.next_chunk()? {
                    Some(c) => Some(DecodedChunk::new(&c, decode_chunk(&c, opts)?)),
                    None => None,
                },
                None => only.take(),
            })
        };
        let mut upcoming = read_next()?;
        loop {
            let decoded = upcoming.take();
            let next = match decoded {
                Some(d) => {
                    if first_nul.is_none() {
                        first_nul = d.first_nul.map(|s| s.shifted(lines, d.offset));
                    }
                    nuls += d.nuls;
                    let part = Part {
                        offset: d.offset,
                        lines,
                        text: d.text,
                        map: d.map,
                        restored: Restored::default(),
                    };
                    lines += part.text.bytes().filter(|&b| b == b'\n').count();
                    Some(part)
                }
                None => None,
            };
            let unknown = next
                .as_ref()
                .and_then(|_| unknowns.get_mut(n_restored))
                .and_then(Option::take);
            let pre = if n_chunks == 1 { tokens.take() } else { None };
            let restore_next = || {
                next.as_ref()
                    .map(|n| {
                        self.guarded_restore(&n.text, penalty, unknown.as_deref(), pre.as_deref())
                    })
                    .transpose()
            };
            let extract_pending = || {
                pending
                    .as_ref()
                    .filter(|_| extract)
                    .map(|p| (p, self.guarded_extract(p)))
            };
            // The chunk is restored on the pool while this thread extracts the one before and
            // reads and decodes the one after, for a document of several chunks and a pool of
            // several threads (with one, `--jobs 1`, all is done in turn). A one-chunk
            // document (most) is done in line, where handing the work to the pool and back
            // would cost a batch of small documents more than the work itself.
            let overlap = n_chunks > 1 && rayon::current_num_threads() > 1;
            let (restored, extracted) = if next.is_some() && overlap {
                let mut restored = None;
                let mut after = Ok(None);
                let extracted = rayon::in_place_scope(|scope| {
                    scope.spawn(|_| restored = Some(restore_next()));
                    let extracted = extract_pending();
                    after = read_next();
                    extracted
                });
                upcoming = after?;
                (restored.unwrap_or(Ok(None)), extracted)
            } else {
                let r = restore_next();
                if next.is_some() {
                    upcoming = read_next()?;
                }
                (r, extract_pending())
            };
            if let Some((p, part)) = extracted {
                let r = match &mut record {
                    None => record.insert(part),
                    Some(r) => {
                        r.append_chunk(part, p.lines, p.offset);
                        r
                    }
                };
                // Memory stays bounded however many mentions the input holds.
                r.cap_lists(MAX_ITEMS, &mut left_out);
            }
            match (next, restored?) {
                (Some(mut n), Some(r)) => {
                    n_restored += 1;
                    clean(&r.text).map_err(DocError::Output)?;
                    n.restored = r;
                    pending = Some(n);
                }
                _ => break,
            }
        }
        let mut record = match record {
            Some(r) => Record { source, ..r },
            None => Record::empty(source),
        };
        if extract {
            // The chunks are extracted without the path: a header the text does not print
            // at all may come from the file name (with its warning), on the whole record.
            self.extractor().header_from_path(&mut record);
            record.report_left_out(MAX_ITEMS, &left_out);
            report_nuls(&mut record, nuls, first_nul);
        }
        Ok(record)
    }
}

impl Engine {
    /// [`Restorer::cleanliness_counts`] of `text`, measured in pieces of about
    /// [`COUNT_PIECE`] bytes on the current rayon pool. The pieces are cut after a line end
    /// (else after a space), which no word token spans, so the counts are exactly those of the
    /// whole text.
    ///
    /// Beside the counts: where the words that are not lexicon words as written start, when
    /// they are few enough to be worth keeping for the second pass (see [`Unknowns`]).
    #[cfg(test)]
    fn parallel_counts(&self, text: &str) -> (crate::restore::CleanCounts, Unknowns) {
        let (counts, unknown, _) = self.parallel_scan(text, false);
        (counts, unknown)
    }

    /// [`Engine::parallel_counts`], with the text's tokens too when `keep` (so that restoring
    /// it does not tokenize it again).
    fn parallel_scan(
        &self,
        text: &str,
        keep: bool,
    ) -> (crate::restore::CleanCounts, Unknowns, Option<Vec<Token>>) {
        if text.len() > u32::MAX as usize {
            return (self.restorer.cleanliness_counts(text), None, None);
        }
        let scan = |a: usize, b: usize| {
            let mut unknown = Vec::new();
            let mut tokens = Vec::new();
            let k = self.restorer.cleanliness_scan(
                &text[a..b],
                &mut unknown,
                keep.then_some(&mut tokens),
            );
            unknown.iter_mut().for_each(|u| *u += a as u32);
            if a > 0 {
                for t in &mut tokens {
                    t.start += a;
                    t.end += a;
                }
            }
            (k, unknown, tokens)
        };
        let (counts, unknown, tokens) = if text.len() <= COUNT_PIECE {
            scan(0, text.len())
        } else {
            let pieces: Vec<_> = count_pieces(text, COUNT_PIECE)
                .par_iter()
                .map(|&(a, b)| scan(a, b))
                .collect();
            let mut counts = crate::restore::CleanCounts::default();
            let mut unknown = Vec::new();
            let mut tokens = Vec::with_capacity(pieces.iter().map(|p| p.2.len()).sum());
            for (k, u, t) in pieces {
                counts += k;
                unknown.extend_from_slice(&u);
                tokens.extend_from_slice(&t);
            }
            (counts, unknown, tokens)
        };
        let sparse = unknown.len() * SPARSE_UNKNOWN <= counts.words;
        (counts, sparse.then_some(unknown), keep.then_some(tokens))
    }
}

/// Where the word tokens of one chunk that are not lexicon words as written start, from the
/// first pass, so that the second does not tokenize the paragraphs of clean text that hold none
/// of them. Kept only for a chunk with few such words (text that may read as clean), so that
/// what a long OCR document keeps between its passes stays small.
type Unknowns = Option<Vec<u32>>;

/// One unknown word in this many at most, for a chunk's [`Unknowns`] to be kept: clean text
/// has one in 30 or fewer (it reads as clean from 97 % of its words vouching for it).
const SPARSE_UNKNOWN: usize = 16;

/// The size of the pieces [`Engine::parallel_counts`] measures: a few hundred microseconds of
/// work each, many per chunk so that threads share them out evenly.
const COUNT_PIECE: usize = 64 * 1024;

/// Cuts `text` into `(start, end)` pieces of about `target` bytes, each ending after a line
/// end, or after a space when no line ends within the next `target` bytes; a piece with
/// neither runs on to the next one (never a cut inside a token).
fn count_pieces(text: &str, target: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let from = (start + target).min(bytes.len());
        let window = &bytes[from..(from + target).min(bytes.len())];
        let cut = window
            .iter()
            .position(|&b| b == b'\n')
            .or_else(|| window.iter().position(|&b| b == b' '))
            .map(|i| from + i + 1);
        let end = match cut {
            Some(e) => e,
            None if from + target >= bytes.len() => bytes.len(),
            // No line end nor space in the window: look further (a very long token).
            None => bytes[from..]
                .iter()
                .position(|&b| b == b'\n' || b == b' ')
                .map_or(bytes.len(), |i| from + i + 1),
        };
        pieces.push((start, end));
        start = end;
    }
    pieces
}

/// One chunk of a document between its restoration and its extraction.
/// One chunk of the input, decoded (owned: it may outlive the chunk's bytes).
struct DecodedChunk {
    /// Byte offset of the chunk in the input.
    offset: usize,
    text: String,
    map: input::DecodeMap,
    nuls: usize,
    first_nul: Option<Span>,
}

impl DecodedChunk {
    fn new(c: &Chunk, d: input::Decoded<'_>) -> DecodedChunk {
        DecodedChunk {
            offset: c.offset as usize,
            text: d.text.into_owned(),
            map: d.map,
            nuls: d.nuls,
            first_nul: d.first_nul,
        }
    }
}

struct Part {
    /// Byte offset of the chunk in the input, and line ends before it.
    offset: usize,
    lines: usize,
    text: String,
    map: input::DecodeMap,
    restored: Restored,
}

impl Engine {
    /// Restores one chunk; a panic (a bug, never expected) becomes this document's error
    /// instead of taking the whole process down — a stream worker serves many documents.
    /// `unknown`, when the first pass kept it, is where this chunk's unknown words start.
    fn guarded_restore(
        &self,
        text: &str,
        penalty: f32,
        unknown: Option<&[u32]>,
        tokens: Option<&[Token]>,
    ) -> Result<Restored, DocError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match (unknown, tokens) {
            (u, Some(t)) => self.restorer.restore_scanned(text, penalty, u, t),
            (Some(u), None) => self.restorer.restore_known(text, penalty, u),
            (None, None) => self.restorer.restore_with_penalty(text, penalty),
        }))
        .map_err(|_| DocError::Internal("the restorer failed on this text".to_string()))
    }

    /// Extracts the record of one restored chunk, spans into the chunk's input bytes; a panic
    /// (a bug, never expected) gives an empty part with an `internal_error` warning.
    fn guarded_extract(&self, p: &Part) -> Record {
        let run = || {
            let mut part = self.extractor().extract(
                &p.text,
                &p.restored.text,
                &p.restored.map,
                Source::default(),
            );
            part.warnings
                .extend(p.restored.passed_through_warnings(&p.text));
            part.map_spans(|s| p.map.span(s));
            part
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
            let mut r = Record::empty(Source::default());
            r.warnings.push(Warning {
                kind: WarningKind::InternalError,
                message: format!(
                    "extraction failed on the text from byte {}; its findings are missing",
                    p.offset
                ),
                span: None,
            });
            r
        })
    }
}

/// The chunk size for an input held in memory: [`DEFAULT_CHUNK`], or just above the input's
/// size when it is smaller. Either way a small input is one chunk (the same output), but the
/// reader's buffer is not a 1 MB allocation for each of many short texts (`clean_many`).
fn chunk_for(bytes: &[u8]) -> usize {
    DEFAULT_CHUNK.min(bytes.len() + 1)
}

/// Decodes one chunk; error offsets are into the whole input, spans of the decoded text map
/// to offsets into the chunk's bytes.
fn decode_chunk(c: &Chunk, opts: DecodeOptions) -> Result<input::Decoded<'_>, InputError> {
    input::decode_part(&c.bytes, opts, c.offset == 0, false)
        .map_err(|e| e.shifted(c.offset as usize))
}

/// Adds the `nul_replaced` warning when stray NUL bytes were replaced by spaces.
fn report_nuls(record: &mut Record, nuls: usize, first: Option<Span>) {
    if nuls > 0 {
        record.warnings.push(Warning {
            kind: WarningKind::NulReplaced,
            message: format!(
                "{nuls} NUL byte(s) replaced by spaces; the first at byte offset {}",
                first.map_or(0, |s| s.start)
            ),
            span: first,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn engine() -> Engine {
        Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build())
    }

    const SAMPLE: &str = include_str!("../fixtures/003_4c818c38c2080030.txt");

    fn streamed(e: &Engine, bytes: &[u8], chunk: usize) -> (String, Result<Record, DocError>) {
        let mut clean = String::new();
        let r = e.process_seekable(
            Some("x"),
            io::Cursor::new(bytes),
            DecodeOptions::default(),
            chunk,
            &mut |s| {
                clean.push_str(s);
                Ok(())
            },
        );
        (clean, r)
    }

    #[test]
    fn counts_measured_in_pieces_are_those_of_the_whole_text() {
        let e = engine();
        let long_line = "thuc hién cUa xa ".repeat(2000);
        for text in [SAMPLE, long_line.as_str(), "", "một"] {
            for target in [1, 7, 100, 4096] {
                let pieces = count_pieces(text, target);
                let mut at = 0;
                for &(a, b) in &pieces {
                    assert_eq!(a, at, "pieces cover the text in order");
                    assert!(b > a);
                    assert!(b == text.len() || matches!(text.as_bytes()[b - 1], b'\n' | b' '));
                    at = b;
                }
                assert_eq!(at, text.len());
                let sum = pieces.iter().fold(
                    crate::restore::CleanCounts::default(),
                    |mut acc, &(a, b)| {
                        acc += e.restorer.cleanliness_counts(&text[a..b]);
                        acc
                    },
                );
                assert_eq!(sum, e.restorer.cleanliness_counts(text), "target {target}");
            }
        }
        let big = SAMPLE.repeat(4);
        assert!(big.len() > COUNT_PIECE);
        let (counts, unknown) = e.parallel_counts(&big);
        assert_eq!(counts, e.restorer.cleanliness_counts(&big));
        // OCR has too many unknown words for them to be kept; clean text has them all, in
        // order, measured in pieces or not.
        assert_eq!(unknown, None);
        let clean = include_str!("../fixtures/001_372855f636130f4e.txt").repeat(3) + " Zxqv ";
        assert!(clean.len() > COUNT_PIECE);
        let mut whole = Vec::new();
        e.restorer.cleanliness_scan(&clean, &mut whole, None);
        assert!(!whole.is_empty());
        assert_eq!(e.parallel_counts(&clean).1, Some(whole));
    }

    #[test]
    fn clean_text_streamed_is_restored_as_a_whole() {
        // The second pass copies the paragraphs the first found all known; the others are
        // restored. Unknown words in a few paragraphs.
        let e = engine();
        let clean = include_str!("../fixtures/001_372855f636130f4e.txt");
        let mut text = String::new();
        for (i, line) in clean.lines().enumerate() {
            text.push_str(line);
            if i % 7 == 3 {
                text.push_str(" Facebook cUa Bo");
            }
            text.push('\n');
        }
        let whole = e.restorer.restore(&text).text;
        let (got, rec) = streamed(&e, text.as_bytes(), 1 << 20);
        assert!(rec.is_ok());
        assert_eq!(got, whole);
        assert_ne!(got, text, "the unknown words' paragraphs were restored");
    }

    #[test]
    fn the_embedded_model_loads_and_the_engine_is_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Engine>();
        let e = Engine::new();
        assert_eq!(e.clean(""), "");
        assert_eq!(e.extract("").schema_version, crate::record::SCHEMA_VERSION);
    }

    #[test]
    fn the_front_door_gives_what_the_byte_level_pipeline_gives() {
        let e = engine();
        let whole = e
            .process_bytes(None, SAMPLE.as_bytes(), DecodeOptions::default())
            .unwrap();
        assert_eq!(e.clean(SAMPLE), whole.clean);
        assert_eq!(e.extract(SAMPLE), whole.record);
        assert_eq!(e.process(SAMPLE), (whole.clean, whole.record));
    }

    #[test]
    fn batches_keep_input_order_and_do_not_depend_on_the_thread_count() {
        let e = engine();
        let texts: Vec<&str> = SAMPLE.split("\n").filter(|l| !l.is_empty()).collect();
        let one_by_one: Vec<String> = texts.iter().map(|t| e.clean(t)).collect();
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        assert_eq!(pool(1).install(|| e.clean_many(&texts)), one_by_one);
        assert_eq!(pool(2).install(|| e.clean_many(&texts)), one_by_one);
        let many = pool(2).install(|| e.process_many(&texts));
        assert_eq!(many.len(), texts.len());
        assert_eq!(many[3], e.process(texts[3]));
    }

    #[test]
    fn text_the_command_line_refuses_passes_through_with_a_warning() {
        let e = engine();
        let binary = "a\0b\0c\0d\0";
        assert_eq!(e.clean(binary), binary);
        let (clean, record) = e.process(binary);
        assert_eq!(clean, binary);
        assert_eq!(record.warnings.len(), 1);
        assert_eq!(record.warnings[0].kind, "not_processed");
        assert!(matches!(
            e.process_bytes(None, binary.as_bytes(), DecodeOptions::default()),
            Err(DocError::Input(_))
        ));
    }

    #[test]
    fn one_chunk_streaming_equals_whole_processing() {
        let e = engine();
        let whole = e
            .process_bytes(Some("x"), SAMPLE.as_bytes(), DecodeOptions::default())
            .unwrap();
        let (clean, rec) = streamed(&e, SAMPLE.as_bytes(), 1 << 20);
        assert_eq!(clean, whole.clean);
        assert_eq!(rec.unwrap(), whole.record);
    }

    #[test]
    fn chunked_spans_still_point_at_their_lines() {
        let e = engine();
        let (clean, rec) = streamed(&e, SAMPLE.as_bytes(), 1500);
        assert_eq!(clean.lines().count(), SAMPLE.lines().count());
        let rec = rec.unwrap();
        let line_of = |offset: usize| SAMPLE[..offset].matches('\n').count() + 1;
        let spans = rec
            .dates
            .iter()
            .map(|d| d.span)
            .chain(rec.references.iter().map(|r| r.span))
            .chain(rec.indicators.iter().map(|i| i.span));
        for s in spans {
            assert_eq!(line_of(s.start), s.line, "{s:?}");
        }
        assert_eq!(
            rec.source,
            crate::input::source_of(Some("x"), SAMPLE.as_bytes())
        );
    }

    #[test]
    fn how_clean_a_document_is_judged_does_not_depend_on_the_chunking() {
        // Clean paragraphs, then OCR ones: judged chunk by chunk, the clean chunks would be
        // restored with a high change penalty and the OCR ones with none.
        let clean = include_str!("../fixtures/001_372855f636130f4e.txt");
        let mut doc = String::new();
        for line in clean.lines().chain(SAMPLE.lines()) {
            doc.push_str(line);
            doc.push_str("\n\n");
        }
        // The document pass's cache is one chunk's (`restore::document`): with it on, a
        // word's doubtful occurrence in one chunk does not see its confident ones in another,
        // so the judgement is compared with it off; one chunk is still the whole text.
        let e = engine();
        let (one, _) = streamed(&e, doc.as_bytes(), 1 << 20);
        assert_eq!(one, e.restore(&doc).text);
        let e = Engine::from_restorer(
            Restorer::builder(Model::embedded().unwrap())
                .params(crate::restore::Params {
                    doc_bonus: 0.0,
                    ..Default::default()
                })
                .build(),
        );
        let (whole, a) = streamed(&e, doc.as_bytes(), 1 << 20);
        let (small, b) = streamed(&e, doc.as_bytes(), 2000);
        assert_eq!(whole, small);
        assert_eq!(whole, e.restore(&doc).text);
        // Dates need no context beyond their line (references may: an issuer named in the
        // sentence before a cut).
        assert_eq!(a.unwrap().dates, b.unwrap().dates);
    }

    #[test]
    fn the_nul_policy_is_judged_on_the_whole_document() {
        let e = engine();
        let mut doc = "dòng một\n\n".repeat(300).into_bytes();
        doc.insert(0, 0);
        doc.insert(doc.len() - 2, 0);
        // Two NULs in about 3,600 bytes: stray ones, whatever the chunk size.
        for chunk in [64, 1 << 20] {
            let (_, r) = streamed(&e, &doc, chunk);
            let r = r.unwrap();
            assert!(
                r.warnings.iter().any(|w| w.kind == "nul_replaced"),
                "{chunk}"
            );
        }
        for at in [13 * 100, 13 * 200, 13 * 250] {
            doc.insert(at, 0);
        }
        for chunk in [64, 1 << 20] {
            let (_, r) = streamed(&e, &doc, chunk);
            assert!(matches!(r, Err(DocError::Input(InputError::Binary { .. }))));
        }
    }

    #[test]
    fn errors_in_a_later_chunk_give_the_offset_in_the_whole_input() {
        let mut bytes = "dòng một\n\n".repeat(50).into_bytes();
        let bad = bytes.len() + 3;
        bytes.extend_from_slice(b"abc\xFFdef\n");
        let (_, r) = streamed(&engine(), &bytes, 64);
        match r {
            Err(DocError::Input(InputError::InvalidUtf8 { offset })) => assert_eq!(offset, bad),
            other => panic!("{other:?}"),
        }
    }
}

/// Regression guards on the dev set: the whole pipeline with the embedded model must keep the
/// accuracy measured when the restoration and extraction issues were closed (see README).
#[cfg(test)]
mod dev_regression {
    use super::*;
    use crate::eval::restore::score;
    use crate::extract::eval::{self, Report};
    use crate::model::Model;

    const OCR_003: &str = include_str!("../fixtures/003_4c818c38c2080030.txt");
    const GOLD_003: &str = include_str!("../fixtures/gold/restore/003_4c818c38c2080030.gold");
    const CLEAN_001: &str = include_str!("../fixtures/001_372855f636130f4e.txt");
    const CLEAN_002: &str = include_str!("../fixtures/002_7251359187763003.txt");

    fn engine() -> Engine {
        Engine::from_restorer(Restorer::builder(Model::embedded().unwrap()).build())
    }

    #[test]
    fn restoration_of_the_dev_report_stays_above_95_percent() {
        let out = engine().restore(OCR_003);
        let s = score(&out.text, GOLD_003, Some(OCR_003));
        assert!(s.accuracy_ci() >= 0.95, "{:.4}", s.accuracy_ci());
    }

    #[test]
    fn clean_reports_come_out_unchanged() {
        let e = engine();
        for clean in [CLEAN_001, CLEAN_002] {
            let s = score(&e.restore(clean).text, clean, None);
            assert!(s.accuracy_ci() >= 0.999, "{:.4}", s.accuracy_ci());
        }
    }

    #[test]
    fn extraction_through_the_whole_pipeline_meets_the_dev_thresholds() {
        let e = engine();
        let gold = |s: &str| -> serde_json::Value { serde_json::from_str(s).unwrap() };
        let mut report = Report::default();
        for (text, g) in [
            (
                CLEAN_001,
                include_str!("../fixtures/gold/extract/001_372855f636130f4e.json"),
            ),
            (
                CLEAN_002,
                include_str!("../fixtures/gold/extract/002_7251359187763003.json"),
            ),
            (
                OCR_003,
                include_str!("../fixtures/gold/extract/003_4c818c38c2080030.json"),
            ),
        ] {
            let p = e
                .process_bytes(None, text.as_bytes(), DecodeOptions::default())
                .unwrap();
            report.docs.push(eval::score(&p.record, &gold(g)));
        }
        let t = report.total();
        assert!(t.header_accuracy() >= 0.95, "{report}");
        assert!(t.references.f1() >= 0.95, "{report}");
        assert!(t.dates.f1() >= 0.95, "{report}");
        assert!(t.indicators.f1() >= 0.85, "{report}");
    }
}

/// Reads at most [`layout::MAX_LAYOUT_BYTES`] + 1 bytes of `reader`: a larger hOCR or ALTO
/// document is refused without being held in memory.
pub fn read_layout(reader: impl Read, format: layout::Format) -> Result<Vec<u8>, DocError> {
    let mut bytes = Vec::new();
    reader
        .take(layout::MAX_LAYOUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > layout::MAX_LAYOUT_BYTES {
        return Err(layout::LayoutError::TooLarge {
            format: if format == layout::Format::Alto {
                "ALTO"
            } else {
                "hOCR"
            },
            bytes: bytes.len(),
            limit: layout::MAX_LAYOUT_BYTES,
        }
        .into());
    }
    Ok(bytes)
}
