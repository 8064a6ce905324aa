//! Turning input bytes into text the pipeline can trust.
//!
//! Archives hold whatever the scanner station wrote: UTF-8 with or without a BOM, CRLF line
//! ends, NFD text from macOS tools, the odd binary file dropped into a text folder. Decoding is
//! strict by default — an invalid byte is reported with its offset rather than silently
//! replaced — and `lossy` replaces invalid sequences with U+FFFD for users who prefer output.
//! Line ends are kept as they are (CRLF stays CRLF); text is normalised to NFC, which is what
//! the lexicon and the language model are keyed on.

use std::borrow::Cow;

use sha2::{Digest, Sha256};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::record::Source;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why input bytes could not be turned into text.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum InputError {
    /// Not UTF-8; `offset` is the byte offset of the first invalid sequence in the input.
    #[error("invalid UTF-8 at byte offset {offset} (use --lossy to replace invalid bytes)")]
    InvalidUtf8 { offset: usize },
    /// A NUL byte: this is a binary file, not OCR text.
    #[error("binary content (NUL byte at offset {offset}); not a text file")]
    Binary { offset: usize },
}

impl InputError {
    /// A short machine-readable kind for error records (`invalid_utf8`, `binary`).
    pub fn kind(&self) -> &'static str {
        match self {
            InputError::InvalidUtf8 { .. } => "invalid_utf8",
            InputError::Binary { .. } => "binary",
        }
    }
}

/// How to decode.
#[derive(Clone, Copy, Debug, Default)]
pub struct DecodeOptions {
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    pub lossy: bool,
}

/// Decodes input bytes: BOM dropped, UTF-8 checked, NUL rejected, NFC applied.
///
/// The text borrows the input when nothing had to change, which is the common case.
pub fn decode(bytes: &[u8], opts: DecodeOptions) -> Result<Cow<'_, str>, InputError> {
    let (body, skipped) = match bytes.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (bytes, 0),
    };
    if let Some(pos) = body.iter().position(|&b| b == 0) {
        return Err(InputError::Binary {
            offset: pos + skipped,
        });
    }
    let text: Cow<'_, str> = match std::str::from_utf8(body) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) if opts.lossy => {
            let _ = e;
            String::from_utf8_lossy(body)
        }
        Err(e) => {
            return Err(InputError::InvalidUtf8 {
                offset: e.valid_up_to() + skipped,
            })
        }
    };
    Ok(nfc(text))
}

/// `text` in NFC, borrowing when it already is.
pub fn nfc(text: Cow<'_, str>) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text,
        _ => {
            let normalized: String = text.nfc().collect();
            if normalized == text {
                text
            } else {
                Cow::Owned(normalized)
            }
        }
    }
}

/// The provenance of an input: its path (if any), SHA-256 and size.
pub fn source_of(path: Option<&str>, bytes: &[u8]) -> Source {
    Source {
        path: path.map(str::to_string),
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(b: &[u8]) -> Result<Cow<'_, str>, InputError> {
        decode(b, DecodeOptions::default())
    }

    #[test]
    fn plain_utf8_is_borrowed() {
        let s = "Kết quả\r\n".as_bytes();
        assert!(matches!(strict(s).unwrap(), Cow::Borrowed("Kết quả\r\n")));
    }

    #[test]
    fn bom_is_dropped() {
        assert_eq!(strict(b"\xEF\xBB\xBFabc").unwrap(), "abc");
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        assert_eq!(
            strict(b"ab\xFFcd").unwrap_err(),
            InputError::InvalidUtf8 { offset: 2 }
        );
        assert_eq!(
            strict(b"\xEF\xBB\xBFab\xC3").unwrap_err(),
            InputError::InvalidUtf8 { offset: 5 }
        );
        let lossy = decode(b"ab\xFFcd", DecodeOptions { lossy: true }).unwrap();
        assert_eq!(lossy, "ab\u{FFFD}cd");
    }

    #[test]
    fn nul_means_binary() {
        assert_eq!(
            strict(b"PK\x03\x04\x00\x00").unwrap_err(),
            InputError::Binary { offset: 4 }
        );
    }

    #[test]
    fn nfd_becomes_nfc() {
        let nfd = "Vie\u{0302}\u{0323}t Nam"; // Việt in NFD
        assert_eq!(strict(nfd.as_bytes()).unwrap(), "Việt Nam");
    }

    #[test]
    fn empty_is_fine() {
        assert_eq!(strict(b"").unwrap(), "");
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
