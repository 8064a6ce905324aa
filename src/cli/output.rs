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

/// Whether standard output was open when the process started. Rust's runtime reopens a
/// closed descriptor 1 on `/dev/null` (read-write) before `main`, so `sohoa clean f >&-` would
/// print nothing and exit 0. A shell's `> /dev/null` opens it write-only, so a read-write
/// `/dev/null` on descriptor 1 means it was closed. Linux only (`/proc`); elsewhere, and if
/// `/proc` cannot be read, standard output counts as open.
pub fn stdout_is_open() -> bool {
    let target = std::fs::read_link("/proc/self/fd/1");
    if !target.is_ok_and(|t| t == std::path::Path::new("/dev/null")) {
        return true;
    }
    let Ok(info) = std::fs::read_to_string("/proc/self/fdinfo/1") else {
        return true;
    };
    let flags = info
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok());
    // O_ACCMODE = 3, O_RDWR = 2.
    flags.is_none_or(|f| f & 3 != 2)
}
