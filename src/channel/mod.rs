//! The OCR error model (noisy channel) and the candidate search.
//!
//! [`ErrorModel`] gives −ln P(observed | intended) for one token, learned Brill & Moore style
//! from (garbled, clean) line pairs: tokens are aligned 1:1, their characters aligned by weighted
//! Levenshtein, and substring rewrites of up to two characters a side (`ủ`→`ti`, `ô`→`6`,
//! `ế`→`é`, `đ`→`d`) are counted against how often their intended side occurs. Unseen edits get
//! letter-class defaults (same letter, other marks: cheap; unrelated letters: expensive), and
//! copying a character has its own learned cost, so correct text is cheap to keep.
//!
//! [`CandidateIndex`] finds every lexicon word within a cost budget of an observed token by
//! walking a trie of the lexicon with one DP row per node.
//!
//! An example of use is the unit test `tests::the_module_example` (an internal module keeps
//! its example as a unit test: every doctest links the whole crate, model included).

mod align;
mod index;
mod model;

pub use align::align_tokens;
pub use index::{Candidate, CandidateIndex, Limits, SearchScratch, SkeletonIndex, DEFAULT_LIMIT};
pub(crate) use model::Query;
pub use model::{Defaults, ErrorModel, MAGIC, VERSION};

/// Why a channel model file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// The file is empty.
    #[error("empty channel model (expected a `sohoa-channel\\t1` header)")]
    Empty,
    /// The first line is not the `sohoa-channel` header.
    #[error("line 1: not a channel model (expected `sohoa-channel\\t1`, found {found:?})")]
    BadHeader { found: String },
    /// Written by another version of the format.
    #[error("line 1: channel model version {found:?}, expected {expected}")]
    VersionMismatch { expected: u32, found: String },
    /// A line that does not parse.
    #[error("line {line}: {message}")]
    Parse { line: usize, message: String },
    /// A cost that is not a number.
    #[error("line {line}: bad cost {text:?}")]
    BadCost {
        line: usize,
        text: String,
        #[source]
        source: std::num::ParseFloatError,
    },
}

#[cfg(test)]
mod tests;
