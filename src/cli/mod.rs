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
    if let Some(n) = cli.jobs {
        // Ignore the error if a pool exists already (only in tests).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    match commands::dispatch(&cli) {
        Ok(code) => code,
        Err(e) if output::is_broken_pipe(&e) => exit::OK,
        Err(e) => {
            eprintln!("sohoa: error: {e:#}");
            exit::USAGE
        }
    }
}
