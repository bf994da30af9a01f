//! `covenant-keeper`: wires the command line to the library; every error ends as one line and a
//! non-zero exit.

use std::io::IsTerminal;

use clap::Parser;
use covenant_keeper::cli::{Cli, Command, LogFormat};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The sandbox commands narrate on stdout; the keeper's own info logs would only repeat them.
    // One-shot commands print their result and stay quiet otherwise; the loop logs what it does.
    let default_filter = match cli.command {
        Command::Demo { .. } | Command::Simulate { .. } => "error",
        Command::Run { .. } => "covenant_keeper=info,warn,tarpc=error,solana_metrics=error",
        _ => "warn,tarpc=error,solana_metrics=error",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        // Colour codes only where a person reads them, never in a pipe or a log file.
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    match covenant_keeper::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
