//! `salw`: the command line of a national SALW registry. Parses arguments, opens the registry
//! chosen by `--db`, and hands the work to the library crates.

mod accounts;
mod args;
mod assess;
mod commands;
mod indicator;
mod migrate;
mod node;
mod output;
mod peers;
mod report;
mod search;
mod stock;
mod traces;

use std::process::ExitCode;

/// A bulk import allocates on one thread and frees on the other; mimalloc handles that pattern
/// far better than the system allocator (measured: see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() -> ExitCode {
    // A closed pipe (`salw export --out - | head`) ends the process quietly, as for any Unix tool,
    // instead of a panic on the next write.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; everything else clap reports is a usage error (2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
