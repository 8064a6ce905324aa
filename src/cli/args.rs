//! The argument grammar (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  sohoa clean scan.txt > scan.clean.txt        restore one OCR file
  cat scan.txt | sohoa clean                   the same through a pipe
  sohoa clean --mark scan.txt                  show doubtful words as [word|alt1|alt2]
  sohoa clean page.hocr > page.clean.hocr      hOCR (or ALTO) corrected in place
  sohoa extract report.txt                     the JSON record of one report
  sohoa extract --jsonl a.txt b.txt            one JSON line per document
  sohoa run archive/ --out out/                a whole folder: out/**.clean.txt, out/**.json,
                                               out/records.jsonl
  sohoa run archive/ --out out/ --resume       finish an interrupted run
  sohoa schema                                 the JSON Schema of the record
  sohoa pipe < docs.jsonl > answers.jsonl      stream mode for Spark / Hadoop Streaming: one
                                               {\"id\",\"text\"} per line in, one {\"id\",\"clean\",
                                               \"record\"} or {\"id\",\"error\"} per line out

Exit codes: 0 all good; 1 some inputs failed (the rest were processed);
            2 usage error, model error or output not writable.";

/// Restore garbled OCR text of Vietnamese administrative reports and extract their
/// document numbers, dates, agencies and figures as JSON.
#[derive(Debug, Parser)]
#[command(name = "sohoa", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Load the model from this folder instead of the embedded default (see `sohoa train`).
    /// `train` and `schema` load no model and ignore it.
    #[arg(long, global = true, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Worker threads (default: all cores; 1 for `pipe`, whose callers run many processes).
    #[arg(long, short = 'j', global = true, value_name = "N")]
    pub jobs: Option<usize>,
    /// Override a restorer knob, for tuning (e.g. `--set lm_weight=1.2`; see restore::Params).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE", hide = true)]
    pub set: Vec<String>,
    /// Replace invalid UTF-8 with U+FFFD instead of rejecting the input (documents read by
    /// clean, extract, run, pipe and eval; `train` ignores it).
    #[arg(long, global = true)]
    pub lossy: bool,
    /// What the inputs are: `auto` sniffs each (hOCR, ALTO, else text); hOCR and ALTO are
    /// corrected in place (`clean` prints the document with only its words changed). For
    /// clean, extract and run; the other commands ignore it.
    #[arg(long, global = true, value_enum, default_value_t = sohoa::layout::FormatChoice::Auto)]
    pub format: sohoa::layout::FormatChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the restored text (line N of the output restores line N of the input).
    Clean {
        /// Input files; none or `-` reads standard input.
        paths: Vec<PathBuf>,
        /// Mark doubtful words as `[chosen|alternative|…]` for review.
        #[arg(long)]
        mark: bool,
    },
    /// Print the JSON record of each document (pretty for one, JSON Lines for several).
    Extract {
        /// Input files; none or `-` reads standard input.
        paths: Vec<PathBuf>,
        /// JSON Lines even for a single document.
        #[arg(long)]
        jsonl: bool,
    },
    /// Process files and folders (walked for *.txt) into an output folder.
    Run {
        /// Files and folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output folder: <relative path>.clean.txt, <relative path>.json, records.jsonl.
        #[arg(long, short = 'o', value_name = "DIR")]
        out: PathBuf,
        /// Skip inputs whose outputs in DIR are up to date (same input bytes, same model),
        /// e.g. to finish an interrupted run.
        #[arg(long)]
        resume: bool,
    },
    /// Print the JSON Schema of the record.
    ///
    /// It takes no options (the global ones, which choose a model and threads, change nothing
    /// here, so its help does not list them).
    #[command(help_template = "{about}\n\n{usage-heading} {usage}")]
    Schema,
    /// Stream mode: one JSON request per input line, one JSON answer per line, in order
    /// (for Spark `RDD.pipe`, `TRANSFORM … USING`, Hadoop Streaming, subprocess workers).
    ///
    /// Input lines are `{"id": …, "text": "…"}` (other lines are taken as the text, with
    /// the line number as id); output lines are `{"id", "clean", "record"}` or
    /// `{"id", "error": {"kind", "message"}}`. Exit code 0 once every line is answered.
    /// One thread unless `--jobs` says otherwise.
    Pipe {
        /// Escape every non-ASCII character in the output as \uXXXX.
        #[arg(long)]
        ascii: bool,
        /// Answer lines longer than this many bytes with a `too_large` error.
        #[arg(long, value_name = "BYTES", default_value_t = sohoa::stream::DEFAULT_MAX_LINE_BYTES)]
        max_line_bytes: usize,
    },
    /// Rebuild the model files from the shared corpus, lexicon and parallel pairs.
    Train {
        /// The shared data folder (corpus/, lexicon/, parallel/).
        #[arg(long, default_value = "../shared", value_name = "DIR")]
        shared: PathBuf,
        /// Where to write lm.bin, channel.tsv and lexicon.tsv.
        #[arg(long, short = 'o', default_value = "dictionaries", value_name = "DIR")]
        out: PathBuf,
        /// Further clean texts for the language model.
        #[arg(long = "extra", value_name = "FILE", default_values = [
            "fixtures/001_372855f636130f4e.txt",
            "fixtures/002_7251359187763003.txt",
        ])]
        extra: Vec<PathBuf>,
        /// Further (garbled, clean) pairs for the error model, TSV like parallel/'s, made from
        /// training-split text (tools/more-pairs.py); never evaluated on.
        #[arg(long = "pairs", value_name = "FILE", num_args = 1..)]
        pairs: Vec<PathBuf>,
        /// General-domain text for the language model: a folder of *.txt made by
        /// tools/general-corpus.py (README, "Data sources").
        #[arg(long, value_name = "DIR")]
        general: Option<PathBuf>,
        /// The general model's weight in the mixture with the legal one (0..1).
        #[arg(long, default_value_t = 0.1, value_name = "W")]
        general_weight: f64,
        /// Also write lm_general.bin: the same two models mixed at this weight, for documents
        /// whose words are general Vietnamese rather than legal prose.
        #[arg(long, value_name = "W", requires = "general")]
        general_document_weight: Option<f64>,
    },
    /// Measure accuracy against gold data (speed: `cargo bench`, see the README's Performance).
    #[command(subcommand)]
    Eval(EvalCommand),
}

impl Command {
    /// Whether the command's data goes to standard output (which must then be open).
    pub fn writes_stdout(&self) -> bool {
        !matches!(self, Command::Run { .. } | Command::Train { .. })
    }
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Syllable accuracy of restoring INPUT against its line-aligned GOLD.
    Restore {
        /// The OCR text.
        input: PathBuf,
        /// The hand-restored text, line-aligned with INPUT.
        gold: PathBuf,
        /// Also print up to this many wrong tokens.
        #[arg(long, default_value_t = 0)]
        errors: usize,
        /// Restore each line as a request of its own (as `sohoa pipe` users send them)
        /// instead of the whole text at once.
        #[arg(long)]
        per_line: bool,
        /// Also print the precision/recall curve of the words' confidence (what `clean
        /// --mark` flags) against the gold.
        #[arg(long)]
        confidence: bool,
    },
    /// Syllable accuracy on the held-out synthetic OCR pairs (parallel/*.tsv).
    Pairs {
        /// The shared data folder (corpus/, parallel/).
        #[arg(long, default_value = "../shared", value_name = "DIR")]
        shared: PathBuf,
        /// At most this many pairs (0 = all held-out pairs).
        #[arg(long, default_value_t = 0)]
        limit: usize,
        /// Also print up to this many wrong tokens.
        #[arg(long, default_value_t = 0)]
        errors: usize,
        /// Also print the precision/recall curve of the words' confidence, as `eval restore
        /// --confidence` does (so the `--mark` threshold is not judged on one document).
        #[arg(long)]
        confidence: bool,
    },
    /// Syllable accuracy on held-out corpus paragraphs with every mark removed.
    Stripped {
        /// Clean texts (one paragraph per line) to strip and score instead of the held-out
        /// corpus, each on its own (like fixtures/general/*.txt).
        files: Vec<PathBuf>,
        /// The shared data folder (corpus/, parallel/).
        #[arg(long, default_value = "../shared", value_name = "DIR")]
        shared: PathBuf,
        /// Evaluate about this many bytes of held-out text.
        #[arg(long, default_value_t = 1_000_000)]
        bytes: usize,
        /// Also print up to this many wrong tokens.
        #[arg(long, default_value_t = 0)]
        errors: usize,
        /// Restore each line as a request of its own (as `sohoa pipe` users send them)
        /// instead of the whole text at once.
        #[arg(long)]
        per_line: bool,
    },
    /// Syllable accuracy on whole OCR'd pages of evaluation-split text (tools/make-pages.py):
    /// each page is aligned to its source by characters, so merged or split lines are scored
    /// against the source text read on them.
    Pages {
        /// The set folder: ocr/NAME.txt and source/NAME.txt.
        #[arg(default_value = "fixtures/pages")]
        dir: PathBuf,
        /// Also print up to this many wrong tokens.
        #[arg(long, default_value_t = 0)]
        errors: usize,
    },
    /// Extraction scores against gold records: header field accuracy, P/R/F1 of references
    /// (line, symbol), dates (line, ISO) and indicators (line, value). Each gold file
    /// `NAME.json` in DIR is matched with the input `NAME.txt`.
    Extract {
        /// Folder of gold records (like ../shared/gold/extract).
        #[arg(long, value_name = "DIR")]
        gold: PathBuf,
        /// Input files or folders (walked for *.txt).
        #[arg(default_value = "fixtures")]
        inputs: Vec<PathBuf>,
        /// Also list every missed (-) and spurious (+) item.
        #[arg(long)]
        details: bool,
    },
    /// Header symbol and type accuracy per document family against a gazette gold list
    /// (like ../shared/gazette/gold.json): each entry's `file` is read from DIR.
    Header {
        /// The gold list (JSON array of {file, doc_type, symbol, symbol_in_header}).
        #[arg(long, value_name = "FILE")]
        gold: PathBuf,
        /// The folder holding the documents (clean texts or their OCR'd pages), or a bundle
        /// of them: JSON Lines of {"id": FILE, "text": …} (fixtures/gazette/*.jsonl).
        dir: PathBuf,
        /// The clean texts DIR's documents were made from (like ../shared/gazette/ocr_src for
        /// the OCR'd pages; a folder or a bundle), read by the issue-date and signer checks.
        #[arg(long, value_name = "DIR")]
        source: Option<PathBuf>,
        /// Also list every miss.
        #[arg(long)]
        details: bool,
    },
    /// Share of tokens left identical when clean text is fed as input (no harm).
    Unchanged {
        /// Clean files.
        #[arg(required_unless_present = "shared")]
        files: Vec<PathBuf>,
        /// Also the held-out corpus paragraphs of this shared folder, as they are.
        #[arg(long, value_name = "DIR")]
        shared: Option<PathBuf>,
        /// With --shared: about this many bytes of held-out text.
        #[arg(long, default_value_t = 1_000_000)]
        bytes: usize,
        /// Also print up to this many wrong tokens.
        #[arg(long, default_value_t = 0)]
        errors: usize,
        /// Restore each line as a request of its own (as `sohoa pipe` users send them)
        /// instead of the whole text at once.
        #[arg(long)]
        per_line: bool,
    },
}
