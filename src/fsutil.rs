//! File and hashing helpers every layer may use: atomic writes and SHA-256 hex digests.
//!
//! A leaf module (it uses nothing else of the crate), so that the model layer can write its
//! files atomically without depending on the batch runner.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Marks the temporary files of [`write_atomic`] (followed by the process id and a counter).
const TMP_MARK: &str = ".sohoa-tmp-";

/// Numbers the temporary files of this process, so that no two writes share a name.
static TMP_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Writes `contents` to `path` atomically (temporary file in the same folder, then rename),
/// and durably: the data is on disk before the rename, so a crash leaves the old file or the
/// new one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |f| f.write_all(contents))
}

/// Writes `path` atomically and durably with `fill`, which may write a large output bit by bit.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    write_via_temp(path, true, fill)
}

/// Writes `path` atomically (readers see the old file or the whole new one) but leaves
/// durability to a later [`sync_folder`]. One `fsync` per file costs a journal commit each:
/// a batch of small documents spent more time in them than in restoring the text, so a batch
/// writes its documents' outputs this way and syncs the folder once, before its index
/// (`records.jsonl`) appears.
pub fn write_replace_with(
    path: &Path,
    fill: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    write_via_temp(path, false, fill)
}

fn write_via_temp(
    path: &Path,
    durable: bool,
    fill: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    let n = TMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tmp.push(format!("{TMP_MARK}{}-{n}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut f = io::BufWriter::new(fs::File::create(&tmp)?);
        fill(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        if durable {
            f.sync_data()?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes everything written under `dir` durable: one `syncfs` of its file system on Linux
/// (one journal commit for a whole batch); elsewhere an `fsync` of every file under `dir`.
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        rustix::fs::syncfs(fs::File::open(dir)?).map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                sync_folder(&entry.path())?;
            } else if kind.is_file() {
                fs::File::open(entry.path())?.sync_data()?;
            }
        }
        Ok(())
    }
}

/// Removes the temporary files a killed run left under `dir`. Only names [`write_atomic`]
/// makes (`<name>.sohoa-tmp-<pid>-<counter>`) are touched, and only while the caller holds
/// the folder's lock: every live run holds it while it writes, so such a file belongs to a
/// run that died. Symlinks are not followed; errors are ignored (the files are only litter).
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            remove_stale_temps(&entry.path());
        } else if kind.is_file() && is_our_temp(&entry.file_name().to_string_lossy()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `name` is a temporary name of [`write_atomic`]: `…<TMP_MARK><digits>-<digits>`.
pub(crate) fn is_our_temp(name: &str) -> bool {
    let Some(at) = name.rfind(TMP_MARK) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match name[at + TMP_MARK.len()..].split_once('-') {
        Some((pid, n)) => digits(pid) && digits(n),
        None => false,
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

    #[test]
    fn atomic_write_replaces_and_temporary_names_differ() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x/y.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path().join("x")).unwrap().count(), 1);
    }

    #[test]
    fn replace_then_sync_leaves_the_new_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.txt");
        write_replace_with(&p, |f| f.write_all(b"one")).unwrap();
        write_replace_with(&p, |f| f.write_all(b"two")).unwrap();
        sync_folder(dir.path()).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    #[test]
    fn sha256_hex_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
