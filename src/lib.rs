//! sohoa restores the garbled OCR text of scanned Vietnamese administrative reports (báo cáo,
//! quyết định, kế hoạch, công văn) to clean Vietnamese, and extracts what the reports say —
//! document number, type, issuer, date, signer, cited documents, dates, agencies, figures —
//! into a [`Record`].
//!
//! The whole library is behind one type, [`Engine`]: build it once (the model is compiled
//! in), then call it from any thread.
//!
//! ```
//! let engine = sohoa::Engine::new();
//!
//! let ocr = "S6: 284 /BC-UBND Ba Dinh, ngay 20thang 11 nam 2025\n\
//!            Két qua thuc hién cong tac Chuyén doi sé\n";
//! let (clean, record) = engine.process(ocr);
//! assert_eq!(
//!     clean,
//!     "Số: 284 /BC-UBND Ba Đình, ngày 20 tháng 11 năm 2025\n\
//!      Kết quả thực hiện công tác Chuyển đổi số\n"
//! );
//! assert_eq!(record.header.symbol.as_deref(), Some("284/BC-UBND"));
//! assert_eq!(record.header.issue_date.as_deref(), Some("2025-11-20"));
//! assert_eq!(record.dates[0].span.line, 1);
//!
//! // Many texts at once, on all cores; the results are in input order.
//! let cleaned = engine.clean_many(&["Chuyén doi sé", "nam 2025"]);
//! assert_eq!(cleaned[0], "Chuyển đổi số");
//! ```
//!
//! - [`Engine::clean`], [`Engine::extract`], [`Engine::process`] take text;
//!   [`Engine::process_bytes`] takes the bytes of a file and reports what `sohoa` would
//!   refuse (invalid UTF-8, UTF-16, binary) as a [`DocError`].
//! - [`Engine::clean_many`], [`Engine::process_many`] run on the current rayon thread pool.
//! - [`Engine::builder`] chooses another model folder ([`EngineBuilder::model_dir`], as
//!   written by `sohoa train`) and the decoding knobs ([`Params`]).
//! - [`Record`] and its parts serialize (serde) to the JSON record that `sohoa extract` prints;
//!   [`schema`] is its JSON Schema.
//!
//! Output line N is the restoration of input line N, and every span in a record is a 1-based
//! line and byte offsets into the text as given.

#![warn(missing_docs)]

// The modules are the crate's inside: the command-line binary, the tests, the benches and
// the fuzz crate reach into them, users do not (everything they need is re-exported below).
// Training and evaluation (`train`, `eval`) are used by the binary alone.
#[doc(hidden)]
pub mod batch;
#[doc(hidden)]
pub mod channel;
#[doc(hidden)]
pub mod chunked;
pub mod domain;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod extract;
pub mod forms;
mod fsutil;
#[doc(hidden)]
pub mod input;
#[cfg(test)]
mod layering;
#[doc(hidden)]
pub mod layout;
#[doc(hidden)]
pub mod lexicon;
#[doc(hidden)]
pub mod lm;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod offsets;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod record;
#[doc(hidden)]
pub mod restore;
#[doc(hidden)]
pub mod split;
#[doc(hidden)]
pub mod stream;
#[doc(hidden)]
pub mod text;
#[doc(hidden)]
pub mod train;

pub use input::{DecodeOptions, InputError};
pub use model::ModelError;
pub use pipeline::{DocError, Engine, EngineBuilder, Processed};
pub use record::{
    schema, Agency, DateMention, ErrorInfo, ErrorKind, ErrorRecord, Header, Indicator,
    NamedReference, Qualifier, Record, Reference, Signer, Source, Span, Warning, WarningKind,
    SCHEMA_VERSION,
};
pub use restore::Params;
