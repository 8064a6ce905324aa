//! One document through the whole pipeline: bytes → text → restoration → record.
//!
//! [`Engine`] holds the two built engines (restorer and extractor); it is immutable and
//! `Send + Sync`, built once per process and shared by reference across rayon workers.

use crate::extract::Extractor;
use crate::input::{self, DecodeOptions, InputError};
use crate::record::{ErrorInfo, ErrorRecord, Record, Source};
use crate::restore::{Restored, Restorer};

/// The built engines.
pub struct Engine {
    pub restorer: Restorer,
    pub extractor: Extractor,
}

/// A processed document.
#[derive(Debug)]
pub struct Processed {
    /// The restored text, line-aligned with the input.
    pub clean: String,
    pub record: Record,
}

/// Why a document could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
}

impl DocError {
    /// A short machine-readable kind for error records.
    pub fn kind(&self) -> &'static str {
        match self {
            DocError::Input(e) => e.kind(),
            DocError::Io(_) => "io",
        }
    }

    /// The error record that stands in for the document's record.
    pub fn to_record(&self, source: Source) -> ErrorRecord {
        ErrorRecord {
            source,
            error: ErrorInfo {
                kind: self.kind().to_string(),
                message: self.to_string(),
            },
        }
    }
}

impl Engine {
    /// Builds both engines from a restorer (the extractor needs no model).
    pub fn new(restorer: Restorer) -> Engine {
        Engine {
            restorer,
            extractor: Extractor::new(),
        }
    }

    /// Restores decoded text.
    pub fn restore(&self, text: &str) -> Restored {
        self.restorer.restore(text)
    }

    /// Decodes, restores and extracts one document.
    pub fn process(
        &self,
        path: Option<&str>,
        bytes: &[u8],
        opts: DecodeOptions,
    ) -> Result<Processed, DocError> {
        let text = input::decode(bytes, opts)?;
        let source = input::source_of(path, bytes);
        let restored = self.restorer.restore(&text);
        let record = self
            .extractor
            .extract(&text, &restored.text, &restored.map, source);
        Ok(Processed {
            clean: restored.text,
            record,
        })
    }
}
