//! `localnet`: a real agave test validator on 127.0.0.1 with the Covenant program and SPL Token Swap
//! (native), SPL Token, Token-2022 and ATA, optional Pyth prices, and a funded faucet keypair. Prints where everything is; Ctrl-C (or
//! SIGTERM) stops it and removes the ledger.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use covenant_keeper::setup::{stdout_without_program_logs, write_keypair};
use covenant_localnet::{expected_programs, Localnet, Options, PythPrice, FAUCET_SOL};

#[derive(Parser, Debug)]
#[command(name = "localnet", version, about = "A local agave validator running the Covenant program natively")]
struct Cli {
    /// JSON-RPC port; the websocket takes the next one. 0 picks free ports.
    #[arg(long, default_value_t = 8899)]
    rpc_port: u16,
    /// Keep the ledger here (wiped at start, kept at exit) instead of a temporary directory.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Where to write the faucet keypair (Solana CLI JSON; default: faucet.json in the ledger).
    #[arg(long)]
    faucet_keypair: Option<PathBuf>,
    /// Keep the program's log lines on stdout. Natively built, its `msg!` output does not reach
    /// the transaction's logs but this process's stdout; hidden by default.
    #[arg(long)]
    program_logs: bool,
    /// Publish a Pyth price at genesis, at the feed's sponsored account: SOL=150, USDC=1 or
    /// <feed id hex>=<dollars>. Repeatable. It is as fresh as the localnet's start (a treasury's
    /// feed with a max age of an hour accepts it for an hour).
    #[arg(long = "pyth-price", value_name = "FEED=DOLLARS", value_parser = parse_price)]
    pyth_prices: Vec<PythPrice>,
}

fn parse_price(text: &str) -> Result<PythPrice, String> {
    PythPrice::parse(text).map_err(|error| format!("{error:#}"))
}

/// Errors only, minus two every start logs on a machine like this: the file-descriptor limit it
/// cannot raise without root and the metrics it has nowhere to send.
const QUIET_LOGS: &str = "error,solana_core::resource_limits=off,solana_metrics=off";

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(QUIET_LOGS)).init();
    if let Err(error) = run(Cli::parse()) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut out: Box<dyn Write> =
        if cli.program_logs { Box::new(std::io::stdout()) } else { stdout_without_program_logs() };
    let options = Options {
        rpc_port: (cli.rpc_port != 0).then_some(cli.rpc_port),
        ledger: cli.ledger.clone(),
        prices: cli.pyth_prices.clone(),
    };
    let localnet = Localnet::start(&options)?;
    let faucet_path = cli.faucet_keypair.clone().unwrap_or_else(|| localnet.ledger_path().join("faucet.json"));
    write_keypair(localnet.faucet(), &faucet_path)
        .with_context(|| format!("writing the faucet keypair to {}", faucet_path.display()))?;

    writeln!(out, "Covenant localnet (agave test validator; Covenant runs natively as a builtin)")?;
    writeln!(out, "rpc        {}", localnet.rpc_url())?;
    writeln!(out, "websocket  {}", localnet.websocket_url())?;
    writeln!(out, "faucet     {} ({FAUCET_SOL} SOL)", faucet_path.display())?;
    for (name, id) in expected_programs() {
        writeln!(out, "program    {id} {name}")?;
    }
    for price in &cli.pyth_prices {
        let address = covenant::sdk::price_feed_account(&price.feed_id);
        writeln!(out, "price      {address} {} at {} x 1e-8 USD", hex::encode(price.feed_id), price.price_e8)?;
    }
    let kept = if cli.ledger.is_some() { "kept at exit" } else { "removed at exit" };
    writeln!(out, "ledger     {} ({kept})", localnet.ledger_path().display())?;
    writeln!(out, "ready; Ctrl-C stops it")?;
    out.flush()?;

    wait_for_stop_signal()?;
    writeln!(out, "stopping")?;
    out.flush()?;
    // The validator stops first (it takes a few seconds), then the temporary ledger and the faucet
    // file in it go.
    drop(localnet);
    writeln!(out, "stopped")?;
    Ok(())
}

fn wait_for_stop_signal() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("a signal runtime")?;
    runtime.block_on(async {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("listening for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("listening for Ctrl-C"),
            _ = terminate.recv() => Ok(()),
        }
    })
}
