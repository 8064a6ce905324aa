//! The `sohoa` command: argument parsing, I/O wiring and exit codes over the library.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
