//! Reading a large input in paragraph-aligned chunks, so memory stays bounded whatever the
//! input size (a 1 GB archive dump, a 100 MB single line).
//!
//! The restorer works paragraph by paragraph (a paragraph ends at a blank line), so cutting
//! the input at blank lines changes nothing in the output. When a chunk holds no blank line the
//! cut falls back to the last line end, then the last space, then the last character boundary:
//! the text is still restored in full, only the language-model context is lost at the cut.
//! Chunks concatenate back to the input exactly.

use std::io::{self, Read};

/// Default chunk size: large enough that rayon has many paragraph groups to share out (the
/// restorer caps a paragraph at 16 KB and decodes groups of 32 KB in parallel), small enough
/// that the working set of one chunk (tokens, offset maps, extraction) stays a few tens of MB:
/// with 4 MB chunks it was about 140 MB, which put a 60 MB `pipe` request at 400 MB.
pub const DEFAULT_CHUNK: usize = 1 << 20;

/// One chunk of the input.
#[derive(Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The bytes, ending at a cut (see the module doc) or at the end of input.
    pub bytes: Vec<u8>,
    /// Byte offset of the chunk in the input.
    pub offset: u64,
}

/// Splits a reader into chunks of about `target` bytes.
pub struct ChunkReader<R> {
    inner: R,
    buf: Vec<u8>,
    offset: u64,
    target: usize,
    eof: bool,
}

impl<R: Read> ChunkReader<R> {
    pub fn new(inner: R, target: usize) -> ChunkReader<R> {
        ChunkReader {
            inner,
            buf: Vec::new(),
            offset: 0,
            // A chunk must hold at least one whole character.
            target: target.max(16),
            eof: false,
        }
    }

    /// The next chunk, or `None` at the end of input.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if !self.eof && self.buf.len() < self.target {
            // `read_to_end` through `take`, not a zero-filled buffer: zeroing a whole chunk's
            // worth per read cost a small document more than restoring it.
            let want = (self.target - self.buf.len()) as u64;
            (&mut self.inner).take(want).read_to_end(&mut self.buf)?;
            self.eof = self.buf.len() < self.target;
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        let cut = if self.eof {
            self.buf.len()
        } else {
            cut_point(&self.buf)
        };
        let rest = self.buf.split_off(cut);
        let bytes = std::mem::replace(&mut self.buf, rest);
        let chunk = Chunk {
            bytes,
            offset: self.offset,
        };
        self.offset += cut as u64;
        Ok(Some(chunk))
    }
}

/// Where to cut a full buffer: after the last blank line, else after the last line end, else
/// after the last space, else at the last UTF-8 character boundary (never 0).
fn cut_point(buf: &[u8]) -> usize {
    if let Some(i) = last_blank_line(buf) {
        return i;
    }
    if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
        return i + 1;
    }
    if let Some(i) = buf.iter().rposition(|&b| b == b' ' || b == b'\t') {
        return i + 1;
    }
    // One token longer than a chunk: cut before the last character that starts in the buffer.
    let start = buf.iter().rposition(|&b| b & 0xC0 != 0x80).unwrap_or(0);
    if start == 0 {
        buf.len()
    } else {
        start
    }
}

/// The end of the last blank line (`\n\n` or `\n\r\n`) in `buf`.
fn last_blank_line(buf: &[u8]) -> Option<usize> {
    let mut end = buf.len();
    while let Some(i) = buf[..end].iter().rposition(|&b| b == b'\n') {
        let before = &buf[..i];
        if before.ends_with(b"\n") || before.ends_with(b"\n\r") {
            return Some(i + 1);
        }
        end = i;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(input: &[u8], target: usize) -> Vec<Vec<u8>> {
        let mut r = ChunkReader::new(input, target);
        let mut out = Vec::new();
        let mut offset = 0;
        while let Some(c) = r.next_chunk().unwrap() {
            assert_eq!(c.offset, offset);
            offset += c.bytes.len() as u64;
            out.push(c.bytes);
        }
        assert_eq!(out.concat(), input, "chunks concatenate to the input");
        out
    }

    #[test]
    fn cuts_after_blank_lines_when_there_are_some() {
        let text = b"one two\nthree\n\nfour five\n\nsix\n";
        let c = chunks(text, 20);
        assert_eq!(c[0], b"one two\nthree\n\n");
        assert!(c.iter().all(|c| !c.is_empty()));
    }

    #[test]
    fn crlf_blank_lines_count() {
        assert_eq!(last_blank_line(b"a\r\n\r\nb"), Some(5));
    }

    #[test]
    fn a_single_long_line_is_cut_at_spaces() {
        let text = "xã phường ".repeat(100);
        let c = chunks(text.as_bytes(), 64);
        assert!(c.len() > 5);
        assert!(c[..c.len() - 1].iter().all(|c| c.ends_with(b" ")));
    }

    #[test]
    fn a_giant_token_is_cut_at_character_boundaries() {
        let text = "đ".repeat(1000);
        for c in chunks(text.as_bytes(), 33) {
            assert!(std::str::from_utf8(&c).is_ok());
        }
    }

    #[test]
    fn empty_input_has_no_chunks() {
        assert!(chunks(b"", 8).is_empty());
    }
}
