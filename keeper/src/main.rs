//! `covenant-keeper`: wires the command line to the library; every error ends as one line and a
//! non-zero exit.

use clap::Parser;
use covenant_keeper::cli::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The sandbox commands narrate on stdout; the keeper's own info logs would only repeat them.
    let default_filter = match cli.command {
        Command::Demo { .. } | Command::Simulate { .. } => "error",
        _ => "covenant_keeper=info,warn,tarpc=error,solana_metrics=error",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match covenant_keeper::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
