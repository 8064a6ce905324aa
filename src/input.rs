//! Turning input bytes into text the pipeline can trust.
//!
//! Archives hold whatever the scanner station wrote: UTF-8 with or without a BOM, CRLF line
//! ends, NFD text from macOS tools, UTF-16 from Windows tools, the odd binary file dropped into
//! a text folder, a stray NUL left by a broken converter. Decoding is strict by default — an
//! invalid byte is reported with its offset rather than silently replaced — and `lossy`
//! replaces invalid sequences with U+FFFD for users who prefer output. UTF-16 is recognised
//! and named (not called "binary"), so the user knows to convert it. A few NUL bytes in a text
//! (at most one per 1,000 bytes, and always a single one) are replaced by spaces with a
//! `nul_replaced` warning; more mean a binary file. Line ends are kept as they are (CRLF stays
//! CRLF); text is normalised to NFC, which is what the lexicon and the language model are
//! keyed on.
//!
//! Every change that moves bytes (the BOM, U+FFFD replacements, NFC composition) is recorded in
//! a [`DecodeMap`], so spans found in the decoded text are reported as offsets in the original
//! input, as the record promises. No change adds or removes a line end, so line numbers are
//! the same in both.

use std::borrow::Cow;

use sha2::{Digest, Sha256};
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::fsutil::{hex, sha256_hex};
use crate::offsets::{OffsetMap, Segment};
use crate::record::{Source, Span};

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many leading bytes are looked at to recognise UTF-16 without a byte order mark.
const UTF16_SNIFF: usize = 4096;

/// Why input bytes could not be turned into text.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum InputError {
    /// Not UTF-8; `offset` is the byte offset of the first invalid sequence in the input.
    #[error("invalid UTF-8 at byte offset {offset} (use --lossy to replace invalid bytes)")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// NUL bytes, more than a text has by accident: this is a binary file, not OCR text.
    #[error("binary content ({nuls} NUL bytes, the first at offset {offset}); not a text file")]
    Binary {
        /// Byte offset of the first NUL byte.
        offset: usize,
        /// How many NUL bytes the input holds.
        nuls: usize,
    },
    /// UTF-16 text (by its byte order mark or its pattern of NUL bytes).
    #[error(
        "UTF-16 text ({}); convert it to UTF-8 first, e.g. `iconv -f UTF-16 -t UTF-8`",
        if *.big_endian { "big-endian" } else { "little-endian" }
    )]
    Utf16 {
        /// Big-endian (else little-endian).
        big_endian: bool,
    },
}

impl InputError {
    /// A short machine-readable kind for error records (`invalid_utf8`, `binary`, `utf16`).
    pub fn kind(&self) -> crate::record::ErrorKind {
        use crate::record::ErrorKind;
        match self {
            InputError::InvalidUtf8 { .. } => ErrorKind::InvalidUtf8,
            InputError::Binary { .. } => ErrorKind::Binary,
            InputError::Utf16 { .. } => ErrorKind::Utf16,
        }
    }

    /// The same error with its offset moved `by` bytes further into the input (for a chunk
    /// of a larger input).
    #[doc(hidden)]
    pub fn shifted(self, by: usize) -> InputError {
        match self {
            InputError::InvalidUtf8 { offset } => InputError::InvalidUtf8 {
                offset: offset + by,
            },
            InputError::Binary { offset, nuls } => InputError::Binary {
                offset: offset + by,
                nuls,
            },
            e @ InputError::Utf16 { .. } => e,
        }
    }
}

/// How to decode.
#[derive(Clone, Copy, Debug, Default)]
pub struct DecodeOptions {
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    pub lossy: bool,
}

/// Maps byte offsets of decoded text back to the original input bytes: the composition of
/// the byte-level changes (BOM dropped, invalid bytes replaced) and of NFC normalisation.
/// Both are usually empty, and mapping is then the identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeMap {
    /// UTF-8 text (before NFC) → input bytes.
    bytes: OffsetMap,
    /// Decoded text → UTF-8 text before NFC.
    nfc: OffsetMap,
}

impl DecodeMap {
    /// Whether every offset maps to itself.
    pub fn is_identity(&self) -> bool {
        self.bytes.segments().is_empty() && self.nfc.segments().is_empty()
    }

    /// The input offset of decoded offset `d`. An offset inside a changed piece (a composed
    /// character, a replacement character) maps to the end of the original piece, its start to
    /// the start, so a span never cuts an original character in two.
    pub fn to_original(&self, d: usize) -> usize {
        self.bytes.to_original(self.nfc.to_original(d))
    }

    /// `span` (offsets into the decoded text) as offsets into the input.
    pub fn span(&self, span: Span) -> Span {
        if self.is_identity() {
            return span;
        }
        Span {
            line: span.line,
            start: self.to_original(span.start),
            end: self.to_original(span.end),
            ..span
        }
    }
}

/// Decoded text with what it takes to report positions in the original input.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub map: DecodeMap,
    /// NUL bytes replaced by spaces.
    pub nuls: usize,
    /// Where the first of them was: 1-based line and byte offset in the input.
    pub first_nul: Option<Span>,
}

/// Decodes input bytes: BOM dropped, UTF-8 checked, NUL policy applied, NFC applied.
///
/// The text borrows the input when nothing had to change, which is the common case.
pub fn decode(bytes: &[u8], opts: DecodeOptions) -> Result<Cow<'_, str>, InputError> {
    decode_mapped(bytes, opts, true).map(|d| d.text)
}

/// [`decode`] with the offset map and the NUL count. `at_start` says that `bytes` begin the
/// input: only there is a byte order mark dropped or UTF-16 recognised (a later chunk of a
/// streamed input passes `false`).
pub fn decode_mapped(
    bytes: &[u8],
    opts: DecodeOptions,
    at_start: bool,
) -> Result<Decoded<'_>, InputError> {
    decode_part(bytes, opts, at_start, true)
}

/// [`decode_mapped`]; with `judge_nuls` false, NUL bytes are always replaced and counted,
/// for a caller that reads a document in chunks and applies [`too_many_nuls`] to the whole.
pub fn decode_part(
    bytes: &[u8],
    opts: DecodeOptions,
    at_start: bool,
    judge_nuls: bool,
) -> Result<Decoded<'_>, InputError> {
    if at_start {
        if let Some(big_endian) = utf16(bytes) {
            return Err(InputError::Utf16 { big_endian });
        }
    }
    let mut bytes_map = OffsetMap::identity();
    let skipped = match at_start.then(|| bytes.strip_prefix(BOM)).flatten() {
        Some(_) => {
            bytes_map.push(Segment {
                o_start: 0,
                o_end: BOM.len(),
                r_start: 0,
                r_end: 0,
            });
            BOM.len()
        }
        None => 0,
    };
    let body = &bytes[skipped..];
    let nuls = body.iter().filter(|&&b| b == 0).count();
    let mut first_nul = None;
    let body: Cow<'_, [u8]> = if nuls == 0 {
        Cow::Borrowed(body)
    } else {
        let first = body.iter().position(|&b| b == 0).unwrap_or(0);
        if judge_nuls && too_many_nuls(nuls, body.len()) {
            return Err(InputError::Binary {
                offset: first + skipped,
                nuls,
            });
        }
        first_nul = Some(Span {
            line: body[..first].iter().filter(|&&b| b == b'\n').count() + 1,
            start: first + skipped,
            end: first + skipped + 1,
            ..Span::default()
        });
        // A space keeps every offset and splits no line; the restorer reads it as a gap.
        Cow::Owned(
            body.iter()
                .map(|&b| if b == 0 { b' ' } else { b })
                .collect(),
        )
    };
    let text = utf8(body, opts, skipped, &mut bytes_map)?;
    let mut nfc_map = OffsetMap::identity();
    let text = nfc_mapped(text, &mut nfc_map);
    Ok(Decoded {
        text,
        map: DecodeMap {
            bytes: bytes_map,
            nfc: nfc_map,
        },
        nuls,
        first_nul,
    })
}

/// The NUL policy: a single NUL, or at most one per 1,000 bytes, is a stray one (replaced);
/// more mean binary content.
pub fn too_many_nuls(nuls: usize, len: usize) -> bool {
    nuls > 1 && nuls.saturating_mul(1000) > len
}

/// `Some(big_endian)` when `bytes` look like UTF-16: a UTF-16 byte order mark, or NUL bytes
/// in at least a third of the even or of the odd positions of the first few KB and in almost
/// none of the others (what ASCII and Vietnamese Latin letters look like in UTF-16).
fn utf16(bytes: &[u8]) -> Option<bool> {
    if bytes.starts_with(b"\xFF\xFE") {
        return Some(false);
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return Some(true);
    }
    let head = &bytes[..bytes.len().min(UTF16_SNIFF)];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for p in head.chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    let many = |n: usize| n * 3 >= pairs;
    let few = |n: usize| n * 50 <= pairs;
    if many(odd) && few(even) {
        Some(false)
    } else if many(even) && few(odd) {
        Some(true)
    } else {
        None
    }
}

/// `body` as UTF-8: borrowed when valid; with `lossy`, invalid sequences replaced by U+FFFD
/// (one per maximal invalid sequence, as `String::from_utf8_lossy` does) and recorded in
/// `map`; else the offset of the first invalid byte (plus `skipped`).
fn utf8<'a>(
    body: Cow<'a, [u8]>,
    opts: DecodeOptions,
    skipped: usize,
    map: &mut OffsetMap,
) -> Result<Cow<'a, str>, InputError> {
    // Validated once: the valid text is returned as it is, borrowed or owned.
    let (invalid, body) = match body {
        Cow::Borrowed(b) => match std::str::from_utf8(b) {
            Ok(text) => return Ok(Cow::Borrowed(text)),
            Err(e) => (e.valid_up_to(), Cow::Borrowed(b)),
        },
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(text) => return Ok(Cow::Owned(text)),
            Err(e) => (e.utf8_error().valid_up_to(), Cow::Owned(e.into_bytes())),
        },
    };
    if !opts.lossy {
        return Err(InputError::InvalidUtf8 {
            offset: invalid + skipped,
        });
    }
    let mut out = String::with_capacity(body.len() + 16);
    let mut at = skipped;
    for chunk in body.utf8_chunks() {
        out.push_str(chunk.valid());
        at += chunk.valid().len();
        let bad = chunk.invalid().len();
        if bad > 0 {
            let r_start = out.len();
            out.push(char::REPLACEMENT_CHARACTER);
            map.push(Segment {
                o_start: at,
                o_end: at + bad,
                r_start,
                r_end: out.len(),
            });
            at += bad;
        }
    }
    Ok(Cow::Owned(out))
}

/// `text` in NFC, borrowing when it already is, with every changed piece recorded in `map`.
///
/// Text is cut before every character that can neither be reordered nor composed with what
/// precedes it (combining class 0, NFC quick check "yes"), so each piece (a base letter with
/// its marks) normalises on its own and maps as a whole.
fn nfc_mapped<'a>(text: Cow<'a, str>, map: &mut OffsetMap) -> Cow<'a, str> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return text;
    }
    let stable = |c: char| {
        canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
    };
    let mut out = String::with_capacity(text.len());
    let mut piece = String::new();
    // A piece that is one stable character alone is its own NFC: only the pieces holding
    // another character are normalised, and the text between them is copied in one go (a
    // document with a few decomposed marks is not cut into a piece per character).
    let mut copied = 0;
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if stable(c) {
            start = i;
            continue;
        }
        let mut end = text.len();
        while let Some(&(j, d)) = chars.peek() {
            if stable(d) {
                end = j;
                break;
            }
            chars.next();
        }
        out.push_str(&text[copied..start]);
        push_nfc_piece(&text, start..end, &mut piece, &mut out, map);
        copied = end;
    }
    out.push_str(&text[copied..]);
    if map.segments().is_empty() {
        text
    } else {
        Cow::Owned(out)
    }
}

/// Appends `text[range]` in NFC to `out` (`piece` is scratch), recording it in `map` when
/// normalising changed it.
fn push_nfc_piece(
    text: &str,
    range: std::ops::Range<usize>,
    piece: &mut String,
    out: &mut String,
    map: &mut OffsetMap,
) {
    let src = &text[range.clone()];
    piece.clear();
    piece.extend(src.nfc());
    if piece == src {
        out.push_str(src);
    } else {
        let r_start = out.len();
        out.push_str(piece);
        map.push(Segment {
            o_start: range.start,
            o_end: range.end,
            r_start,
            r_end: out.len(),
        });
    }
}

/// `text` in NFC, borrowing when it already is.
pub fn nfc(text: Cow<'_, str>) -> Cow<'_, str> {
    nfc_mapped(text, &mut OffsetMap::identity())
}

/// The provenance of an input: its path (if any), SHA-256 and size.
pub fn source_of(path: Option<&str>, bytes: &[u8]) -> Source {
    Source {
        path: path.map(str::to_string),
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
    }
}

/// [`source_of`] for an input read in pieces.
pub fn source_of_reader(
    path: Option<&str>,
    mut reader: impl std::io::Read,
) -> std::io::Result<Source> {
    let mut h = Sha256::new();
    let bytes = std::io::copy(&mut reader, &mut h)?;
    Ok(Source {
        path: path.map(str::to_string),
        sha256: hex(&h.finalize()),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `nfc_mapped` as it was: a piece per stable character.
    fn nfc_mapped_per_char<'a>(text: Cow<'a, str>, map: &mut OffsetMap) -> Cow<'a, str> {
        if is_nfc_quick(text.chars()) == IsNormalized::Yes {
            return text;
        }
        let stable = |c: char| {
            canonical_combining_class(c) == 0
                && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
        };
        let mut out = String::with_capacity(text.len());
        let mut piece = String::new();
        let mut start = 0;
        let bounds = text
            .char_indices()
            .filter(|&(i, c)| i > 0 && stable(c))
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()));
        for end in bounds {
            push_nfc_piece(&text, start..end, &mut piece, &mut out, map);
            start = end;
        }
        if map.segments().is_empty() {
            text
        } else {
            Cow::Owned(out)
        }
    }

    proptest::proptest! {
        #[test]
        fn nfc_pieces_are_those_of_one_piece_per_character(
            text in "([a-zđA-Z ]|[aeiouyâêôơư]\\u{300}|[aeo]\\u{302}\\u{301}|\\u{301}|\\u{323}\\u{302}|ệ|ế|ỗ|Å|\\u{212b}|\\u{f900}|한|\\u{1100}\\u{1161}|\n){0,40}"
        ) {
            let (mut a, mut b) = (OffsetMap::identity(), OffsetMap::identity());
            let x = nfc_mapped(Cow::Borrowed(text.as_str()), &mut a);
            let y = nfc_mapped_per_char(Cow::Borrowed(text.as_str()), &mut b);
            proptest::prop_assert_eq!(&x, &y);
            proptest::prop_assert_eq!(a.segments(), b.segments());
        }
    }

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
    fn nul_means_binary_only_when_there_are_many() {
        assert_eq!(
            strict(b"PK\x03\x04\x00\x00").unwrap_err(),
            InputError::Binary { offset: 4, nuls: 2 }
        );
        // One stray NUL in a text: replaced by a space, counted, located.
        let mut text = "Báo cáo số 1\n".repeat(100).into_bytes();
        text[20] = 0;
        let d = decode_mapped(&text, DecodeOptions::default(), true).unwrap();
        assert_eq!(d.nuls, 1);
        assert_eq!(d.first_nul.map(|s| (s.line, s.start)), Some((2, 20)));
        assert_eq!(d.text.len(), text.len());
        assert!(!d.text.contains('\0'));
    }

    #[test]
    fn utf16_is_named_with_or_without_a_bom() {
        let le: Vec<u8> = "Báo cáo số 12\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let be: Vec<u8> = "Bao cao so 12\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let utf16 = |big_endian| Err(InputError::Utf16 { big_endian });
        assert_eq!(strict(&le), utf16(false));
        assert_eq!(strict(&be), utf16(true));
        assert_eq!(
            strict(&[b"\xFF\xFE".as_slice(), &le].concat()),
            utf16(false)
        );
        assert_eq!(strict(&le).unwrap_err().kind(), "utf16");
    }

    #[test]
    fn offsets_map_back_through_bom_nfd_and_replacements() {
        let span = |d: &Decoded, needle: &str| {
            let start = d.text.find(needle).unwrap();
            let s = d.map.span(Span {
                line: 1,
                start,
                end: start + needle.len(),
                ..Span::default()
            });
            (s.start, s.end)
        };
        let input = "\u{FEFF}Số 12";
        let d = decode_mapped(input.as_bytes(), DecodeOptions::default(), true).unwrap();
        assert_eq!(span(&d, "12"), (input.find("12").unwrap(), input.len()));
        let input = "Vie\u{0302}\u{0323}t Nam ngày 12";
        let d = decode_mapped(input.as_bytes(), DecodeOptions::default(), true).unwrap();
        assert_eq!(d.text, "Việt Nam ngày 12");
        assert_eq!(span(&d, "12"), (input.find("12").unwrap(), input.len()));
        assert_eq!(span(&d, "Việt"), (0, input.find(' ').unwrap()));
        let input = b"\xEF\xBB\xBFab\xE1\xBBcd 12";
        let d = decode_mapped(input, DecodeOptions { lossy: true }, true).unwrap();
        assert_eq!(d.text, "ab\u{FFFD}cd 12");
        assert_eq!(span(&d, "cd"), (7, 9));
        assert_eq!(span(&d, "\u{FFFD}"), (5, 7));
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
