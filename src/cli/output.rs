//! Writing to stdout without panicking, and recognising a closed pipe (`sohoa … | head`).

use std::io;

/// True when `e` (anywhere in its chain) is a broken pipe: the reader went away, which is not
/// an error for a filter program.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Buffered, locked stdout.
pub fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::with_capacity(1 << 16, io::stdout().lock())
}
