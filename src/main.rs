//! The `sourcedeck` binary: parse the command line, set up logging, run on a tokio runtime.

use std::process::ExitCode;

use clap::Parser;
use sourcedeck::cli::{self, Cli};
use tracing_subscriber::EnvFilter;

/// `serve` logs to stderr (it is a server); other commands log only when `SOURCEDECK_LOG` names a
/// file, so their stdout stays clean for scripts.
fn init_logging(is_serve: bool) {
    // PostgreSQL's NOTICEs (a replica's idempotent migration finding a table already there) are
    // not news to an operator: the store's driver logs warnings and above unless asked.
    let filter = EnvFilter::try_from_env("SOURCEDECK_LOG_LEVEL")
        .unwrap_or_else(|_| EnvFilter::new("info,tokio_postgres=warn"));
    if is_serve {
        // Colour only on a terminal, and never with NO_COLOR: a log file or journal gets text.
        let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
            && std::env::var_os("NO_COLOR").is_none();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(colour)
            .with_writer(std::io::stderr)
            .try_init();
    } else if let Some(file) = std::env::var_os("SOURCEDECK_LOG").and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    }) {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Some(cli::args::Command::Serve(_))));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sourcedeck: starting the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(sourcedeck::launch::run(cli))
}
