//! `covenant-keeper`: wires the command line to the library; every error ends as one line and a
//! non-zero exit.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("covenant_keeper=info,warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = covenant_keeper::cli::Cli::parse();
    match covenant_keeper::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
