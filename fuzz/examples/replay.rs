//! Runs saved inputs through a target's checks without libFuzzer: for a crash found by
//! `run.sh` (`artifacts/<target>/crash-*`), with an ordinary build, debugger and backtrace.
//!
//! ```text
//! cargo run --release --no-default-features --example replay -- document artifacts/document/crash-*
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(name) = args.next() else {
        eprintln!("usage: replay TARGET FILE...");
        return ExitCode::from(2);
    };
    let Some(target) = sohoa_fuzz::target(&name) else {
        let names: Vec<&str> = sohoa_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("no target {name:?}; targets: {}", names.join(", "));
        return ExitCode::from(2);
    };
    for path in args {
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        eprintln!("{name}: {path} ({} bytes)", data.len());
        // A failed check panics with its message and ends the run (exit code 101).
        target(&data);
    }
    ExitCode::SUCCESS
}
