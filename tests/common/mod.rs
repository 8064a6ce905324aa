//! Helpers shared by the integration tests that drive the real `sohoa` binary.

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};

/// Starts `sohoa ARGS` with stdin and stdout piped and stderr as given.
pub fn spawn(args: &[&str], stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sohoa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn sohoa")
}

/// Runs `sohoa ARGS` with `stdin` written from another thread (so a large input cannot
/// deadlock against a full stdout pipe) and returns all it printed.
pub fn sohoa(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = spawn(args, Stdio::piped());
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    out
}
