//! `covenant-keeper`: wires the command line to the library; every error ends as one line and a
//! non-zero exit: 1 when the command failed, 2 when the command line itself is wrong.

use std::io::IsTerminal;

use clap::error::ErrorKind;
use clap::Parser;
use covenant_keeper::cli::{Cli, Command, LogFormat};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
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
    match covenant_keeper::app::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Help and version print as clap prints them; a wrong command line is one line on stderr
/// (clap's own message, without its usage block) and exit status 2.
fn usage_error(error: clap::Error) -> std::process::ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let rendered = error.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.starts_with("Usage:"))
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("tip:"))
        .collect();
    eprintln!("{} (see covenant-keeper --help)", message.join(" "));
    std::process::ExitCode::from(2)
}
