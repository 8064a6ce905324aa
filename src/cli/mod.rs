//! Command-line interface. Glue only: parse arguments, build the engines once, read inputs,
//! write outputs, choose the exit code. Everything else lives in the library.

mod args;
mod commands;
mod output;
mod pipe;

use clap::Parser;

pub use args::Cli;

/// Exit codes (documented in README and `--help`).
pub mod exit {
    /// Everything went well.
    pub const OK: i32 = 0;
    /// At least one input could not be processed (the others were).
    pub const SOME_FAILED: i32 = 1;
    /// Usage error, or the model could not be loaded, or output could not be written.
    pub const USAGE: i32 = 2;
}

/// Runs the CLI and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    let mut cli = cli;
    if let Some(n) = cli.jobs {
        // More threads than cores only adds switching (`--jobs 100000` would not even start).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let n = if n > cores {
            eprintln!("sohoa: --jobs {n} is more than the {cores} cores here; using {cores}");
            cores
        } else {
            n.max(1)
        };
        cli.jobs = Some(n);
        // Ignore the error if a pool exists already (only in tests).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    if cli.command.writes_stdout() && !output::stdout_is_open() {
        eprintln!("sohoa: error: standard output is closed; nothing could be written");
        return exit::USAGE;
    }
    match commands::dispatch(&cli) {
        Ok(code) => code,
        Err(e) if output::is_broken_pipe(&e) => exit::OK,
        Err(e) => {
            eprintln!("sohoa: error: {}", chain_once(&e));
            exit::USAGE
        }
    }
}

/// The error and its causes joined with `: `, leaving out a cause that its effect's message
/// already quotes (a common `"cannot read {path}: {source}"` pattern would print it twice).
fn chain_once(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}
