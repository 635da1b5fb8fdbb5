//! The `speclat` command line: parses arguments, builds the plan (inputs loaded and every
//! input error raised before any work starts), runs it and maps the outcome to an exit code.
//!
//! Exit status: 0 for a result, 1 when a latency target was given and no configuration meets
//! it, 2 for an error in the input or the arguments. A closed pipe on standard output ends the
//! program quietly with status 0.

mod cli;
mod term;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let terminal = term::Terminal::detect(args.quiet);
    match cli::run(args) {
        Ok(cli::Outcome::Done) => ExitCode::SUCCESS,
        Ok(cli::Outcome::TargetMissed) => ExitCode::from(1),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{} {error:#}", terminal.error_prefix());
            ExitCode::from(2)
        }
    }
}

/// Whether the error chain ends in a closed standard output (for example `speclat ... | head`).
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
