//! The operator's command line. Every input error stops before anything is signed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::io::Write as _;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use covenant::sdk::TreasuryAddresses;
use solana_keypair::Keypair;

use crate::chain::Chain;
use crate::config::KeeperConfig;
use crate::keeper::Keeper;
use crate::model::{Device, Model};
use crate::output::emit;
pub use crate::output::{AmountArgs, LogFormat, Output};
use crate::sim::scenario::Scenario;
use crate::{setup, sim};

#[derive(Parser, Debug)]
#[command(
    name = "covenant-keeper",
    version,
    about = "Covenant's agent keeper: observe → decide (ONNX) → guard → act → report"
)]
pub struct Cli {
    /// The keeper's TOML config.
    #[arg(long, short, env = "COVENANT_CONFIG", default_value = "keeper.toml", global = true)]
    pub config: PathBuf,
    /// Cluster: a JSON-RPC URL or a moniker (m, d, t, l, or mainnet-beta, devnet, testnet,
    /// localhost). Overrides `cluster.url`, which overrides the Solana CLI config's.
    #[arg(long, short = 'u', env = "COVENANT_RPC_URL", global = true)]
    pub url: Option<String>,
    /// processed, confirmed or finalized (overrides `cluster.commitment`, then the Solana CLI config's).
    #[arg(long, global = true)]
    pub commitment: Option<String>,
    /// Log lines as text (coloured only on a terminal) or as JSON objects, one per line, for services.
    #[arg(long, value_enum, default_value = "text", global = true, env = "COVENANT_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// Priority fee for operator transactions, micro-lamports per compute unit (default: the
    /// configured percentile of recent fees, within `fees.floor_micro_lamports` and `cap_micro_lamports`).
    #[arg(long, global = true)]
    pub with_compute_unit_price: Option<u64>,
    /// How `status` and the operator commands print what they did.
    #[arg(long, value_enum, default_value = "display", global = true)]
    pub output: Output,
    /// The ONNX model (overrides `model.path`; default: the model shipped with the keeper).
    #[arg(long, env = "COVENANT_MODEL", global = true)]
    pub model: Option<PathBuf>,
    /// Where inference runs (overrides `model.device`).
    #[arg(long, env = "COVENANT_DEVICE", global = true)]
    pub device: Option<Device>,
    /// ONNX Runtime's shared library (default: where scripts/setup-onnxruntime puts it).
    #[arg(long, env = "ORT_DYLIB_PATH", global = true)]
    pub ort_lib: Option<PathBuf>,
    #[command(flatten)]
    pub offline: crate::signers::OfflineArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Create the treasury, its policies and payees from the config (operator key); skips what exists.
    Init {
        /// The operator's key (overrides keys.operator).
        #[arg(long, value_name = "SIGNER")]
        operator: Option<String>,
    },
    /// Run the agent loop (the keeper's key only), for one treasury or a fleet.
    Run {
        /// One tick, then exit.
        #[arg(long)]
        once: bool,
        /// Decide and guard, log everything, sign nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also keep every treasury whose keeper is this key (overrides fleet.all).
        #[arg(long)]
        all: bool,
        /// Keep only shard i of n of the fleet, by a stable hash of each treasury's address
        /// (overrides fleet.shard; e.g. a StatefulSet pod's ordinal of its replicas).
        #[arg(long, value_name = "I/N")]
        shard: Option<crate::fleet::Shard>,
        /// The journal (overrides loop.decision_log): one per process, e.g. per shard.
        #[arg(long, env = "COVENANT_DECISION_LOG", value_name = "PATH")]
        decision_log: Option<PathBuf>,
        /// Serve /metrics and /healthz here (overrides loop.metrics_addr).
        #[arg(long, env = "COVENANT_METRICS_ADDR", value_name = "HOST:PORT")]
        metrics_addr: Option<String>,
    },
    /// Show balances, windows, payees, pending spends, grants, bounties and meme tokens (no key).
    Status,
    /// Load every model the keeper runs (the decision model and the proof reader's two), check
    /// their contracts and report the provider in use.
    CheckModel,
    /// Pause the treasury (guardian key, or the operator's).
    Pause {
        /// Default: keys.guardian, else keys.operator.
        #[arg(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
    /// Lift a pause (operator key). Under a config timelock: executes a matured unpause request
    /// for this pause if one is queued, else queues one and says when it can run.
    Unpause {
        /// The operator's key (overrides keys.operator).
        #[arg(long, value_name = "SIGNER")]
        operator: Option<String>,
        /// Queue an unpause the guardian cannot cancel (config timelock + 7 days): the way out
        /// when the guardian cancels every ordinary unpause.
        #[arg(long = "override", conflicts_with = "request")]
        guardian_override: bool,
        /// Execute this queued unpause request (what an offline signer must name).
        #[arg(long, value_name = "ID")]
        request: Option<u64>,
    },
    /// Donate SOL to the treasury's vault.
    Donate {
        /// The donor's key.
        #[arg(long, value_name = "SIGNER")]
        from: String,
        #[command(flatten)]
        amount: AmountArgs,
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Fund a SOL grant escrow: immediate, or linear vesting over `--vest-seconds`.
    Grant {
        /// The donor's key.
        #[arg(long, value_name = "SIGNER")]
        from: String,
        #[arg(long)]
        id: u64,
        #[command(flatten)]
        amount: AmountArgs,
        #[arg(long)]
        vest_seconds: Option<i64>,
        /// Seconds from the start until the donor may claw back what is unreleased.
        #[arg(long)]
        expires_in: i64,
        /// When vesting starts and expiry counts from (unix seconds; default: the cluster's clock,
        /// required with --blockhash so that both machines build the same schedule).
        #[arg(long)]
        start: Option<i64>,
    },
    /// Co-sign a pending spend (operator key).
    ApprovePending {
        #[arg(long)]
        id: u64,
        /// The operator's key (overrides keys.operator).
        #[arg(long, value_name = "SIGNER")]
        operator: Option<String>,
    },
    /// Play Covenant's whole story on an in-process bank (no validator, no wallet) and write its
    /// report (JSON), chart (SVG) and decision log to `--out`.
    Demo {
        /// Derives every wallet and which claims are genuine.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value = "covenant-demo")]
        out: PathBuf,
    },
    /// Run the keeper loop over a scenario file on an in-process bank with virtual funds: what
    /// would be spent and refused, before a new model or policy touches real money.
    Simulate {
        /// The scenario (TOML; see keeper/scenarios/).
        scenario: PathBuf,
        /// Overrides the scenario's tick count.
        #[arg(long)]
        ticks: Option<u32>,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value = "covenant-sim")]
        out: PathBuf,
        /// Print only the final report.
        #[arg(long)]
        quiet: bool,
    },
    /// Make an HTTP request and, if it answers 402 (x402), pay for it from the treasury and make
    /// it again (keeper key): the exact scheme, a token with a spend policy, a payee of the
    /// `[x402]` category (default "inference"). The body goes to stdout.
    Fetch {
        /// The endpoint (its own id: `url` is the global cluster flag's).
        #[arg(value_name = "URL")]
        endpoint: String,
        #[arg(short = 'X', long, default_value = "GET")]
        method: String,
        /// The request body (`@FILE` reads a file).
        #[arg(short = 'd', long)]
        data: Option<String>,
        /// A request header, "Name: value" (repeatable).
        #[arg(short = 'H', long = "header", value_name = "HEADER")]
        headers: Vec<String>,
        /// The journal (overrides loop.decision_log); a running `run` holds its own.
        #[arg(long, env = "COVENANT_DECISION_LOG", value_name = "PATH")]
        decision_log: Option<PathBuf>,
        /// Testing only: sign what the guard would refuse, so that the program's refusal shows.
        #[arg(long, hide = true)]
        unguarded: bool,
    },
    /// Cancel a pending spend (guardian or operator key).
    CancelPending {
        #[arg(long)]
        id: u64,
        /// Default: keys.guardian, else keys.operator.
        #[arg(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
}

/// The config file with the cluster and commitment resolved from flag, file, Solana CLI config.
pub struct Settings {
    pub config: KeeperConfig,
    pub url: String,
    pub commitment: solana_commitment_config::CommitmentConfig,
}

pub fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut config = KeeperConfig::load(&cli.config)?;
    let solana = crate::cluster::SolanaCliConfig::load();
    let url = crate::cluster::first(&[
        ("--url", cli.url.as_deref()),
        ("cluster.url", config.cluster.url.as_deref()),
        ("the Solana CLI config's json_rpc_url", solana.json_rpc_url.as_deref()),
    ]);
    let url = match url {
        Some((from, text)) => crate::cluster::resolve_url(text).map_err(|error| anyhow::anyhow!("{from}: {error}"))?,
        None => crate::cluster::DEFAULT_URL.to_string(),
    };
    let commitment = crate::cluster::first(&[
        ("--commitment", cli.commitment.as_deref()),
        ("cluster.commitment", config.cluster.commitment.as_deref()),
        ("the Solana CLI config's commitment", solana.commitment.as_deref()),
    ]);
    let commitment = match commitment {
        Some((from, text)) => {
            crate::cluster::resolve_commitment(text).map_err(|error| anyhow::anyhow!("{from}: {error}"))?
        }
        None => solana_commitment_config::CommitmentConfig::confirmed(),
    };
    config.run.decision_log = setup::relative_to(&cli.config, &config.run.decision_log);
    Ok(Settings { config, url, commitment })
}

/// The keeper's hot key: `keys.keeper`, else the Solana CLI config's keypair.
pub fn keeper_keypair(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Keypair> {
    let path = match (&config.keys.keeper, crate::cluster::SolanaCliConfig::load().keypair_path) {
        (Some(path), _) => setup::relative_to(&cli.config, path),
        (None, Some(path)) => path,
        (None, None) => bail!(
            "config file {}: set keys.keeper, or a keypair in the Solana CLI config (solana config set --keypair FILE)",
            cli.config.display()
        ),
    };
    Ok(setup::read_keypair(&path)?)
}

fn load_model(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Arc<dyn Model>> {
    let model =
        cli.model.clone().or_else(|| config.model.path.as_ref().map(|path| setup::relative_to(&cli.config, path)));
    let library = cli.ort_lib.clone().unwrap_or_else(setup::default_ort_library);
    let device = cli.device.unwrap_or(config.model.device);
    Ok(setup::load_model(model.as_deref(), &library, device)?)
}

/// The proof reader (PP-OCRv4 detection and recognition) on the same device as the model.
fn load_reader(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<Arc<crate::proofs::ProofReader>> {
    let library = cli.ort_lib.clone().unwrap_or_else(setup::default_ort_library);
    let device = cli.device.unwrap_or(config.model.device);
    let base = cli.config.parent().unwrap_or(Path::new("."));
    Ok(Arc::new(crate::proofs::ProofReader::load(&config.proofs, base, &library, device)?))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::CheckModel => {
            let config = KeeperConfig::load(&cli.config).ok();
            let config = config.unwrap_or_else(placeholder_config);
            let model = load_model(&cli, &config)?;
            let info = model.info();
            println!(
                "model ok: version {}, sha256 {}, provider {}",
                info.version,
                hex::encode(info.hash),
                info.provider
            );
            let reader = load_reader(&cli, &config)?;
            let info = reader.info();
            println!(
                "proof reader ok: PP-OCRv4 detection sha256 {}, recognition sha256 {}, provider {}",
                hex::encode(info.det_hash),
                hex::encode(info.rec_hash),
                info.provider
            );
            return Ok(());
        }
        Command::Demo { seed, out } => {
            let mut scenario = Scenario::parse(DEMO_SCENARIO)?;
            scenario.seed = *seed;
            return sandbox(&cli, scenario, None, out, true).await;
        }
        Command::Simulate { scenario: path, ticks, seed, out, quiet } => {
            let mut scenario = Scenario::load(path)?;
            scenario.ticks = ticks.unwrap_or(scenario.ticks);
            scenario.seed = seed.unwrap_or(scenario.seed);
            let base = path.parent().map(Path::to_path_buf);
            return sandbox(&cli, scenario, base.as_deref(), out, !quiet).await;
        }
        _ => {}
    }
    let settings = settings(&cli)?;
    let chain: Arc<dyn Chain> = Arc::new(setup::rpc_chain(&settings.url, settings.commitment, &settings.config));
    if let Command::Run { once, dry_run, all, shard, decision_log, metrics_addr } = cli.command.clone() {
        let mut settings = settings;
        if let Some(path) = decision_log {
            settings.config.run.decision_log = path;
        }
        if let Some(addr) = metrics_addr {
            settings.config.run.metrics_addr = Some(addr);
        }
        let keeper = keeper_keypair(&cli, &settings.config)?;
        let primary = crate::commands::treasury(&settings.config, &cli.config)
            .with_context(|| format!("config file {}", cli.config.display()))?;
        let model = load_model(&cli, &settings.config)?;
        let reader = load_reader(&cli, &settings.config)?;
        let fleet = &settings.config.fleet;
        let shard = match shard {
            Some(shard) => shard,
            None => fleet.shard.as_deref().map(str::parse).transpose().map_err(anyhow::Error::msg)?.unwrap_or_default(),
        };
        let own = primary.treasury;
        let mut treasuries = vec![primary];
        let listed: Vec<anchor_lang::prelude::Pubkey> =
            fleet.treasuries.iter().filter_map(|text| crate::config::parse_pubkey(text).ok()).collect();
        treasuries.extend(crate::fleet::resolve(chain.as_ref(), &listed).await?);
        if all || fleet.all {
            treasuries.extend(crate::fleet::discover(chain.as_ref(), &solana_signer::Signer::pubkey(&keeper)).await?);
        }
        let treasuries = crate::fleet::shard_of(treasuries, shard);
        tracing::info!(treasuries = treasuries.len(), %shard, "keeping");
        return run_loop(chain, model, reader, settings.config, keeper, treasuries, own, once, dry_run).await;
    }
    if let Command::Fetch { endpoint, method, data, headers, decision_log, unguarded } = cli.command.clone() {
        let args = crate::x402::command::FetchArgs { url: endpoint, method, data, headers, decision_log, unguarded };
        return crate::x402::command::fetch(&cli, settings, chain.as_ref(), args).await;
    }
    let done = crate::commands::execute(&cli, &settings.config, chain.as_ref()).await?;
    emit(cli.output, done.text, done.json)
}

/// The demo's story, compiled in so `demo` runs from anywhere.
pub const DEMO_SCENARIO: &str = include_str!("../scenarios/demo.toml");

/// Runs a scenario in the sandbox, narrating when `narrate`, then prints the report and writes
/// `report.json` and `chart.svg` next to the decision log.
async fn sandbox(
    cli: &Cli,
    scenario: Scenario,
    base: Option<&Path>,
    out_dir: &Path,
    narrate: bool,
) -> anyhow::Result<()> {
    let config_model = scenario.config.get("model").and_then(|model| model.get("path")).and_then(|path| path.as_str());
    let model_path = cli.model.clone().or_else(|| config_model.map(|path| base.unwrap_or(Path::new(".")).join(path)));
    let library = cli.ort_lib.clone().unwrap_or_else(setup::default_ort_library);
    let model: Arc<dyn Model> = setup::load_model(model_path.as_deref(), &library, cli.device.unwrap_or(Device::Auto))?;
    let mut out = setup::stdout_without_program_logs();
    let mut line = |text: String| {
        let _ = writeln!(out, "{text}");
    };
    line(format!("{} (seed {})\n{}", scenario.name, scenario.seed, scenario.description.trim()));
    line(format!("model {} on {}; claim photos read by PP-OCRv4", model.info().version, model.info().provider));
    let mut say = |said: sim::Line| match said {
        sim::Line::Step { n, of, title } => line(format!("\n[{n}/{of}] {title}")),
        sim::Line::Note { hour, text } if narrate => line(format!("  h{hour:<4} {text}")),
        sim::Line::Note { .. } => {}
    };
    let device = cli.device.unwrap_or(Device::Auto);
    let load_reader = |config: &KeeperConfig| -> anyhow::Result<Arc<crate::proofs::ProofReader>> {
        let base = base.unwrap_or(Path::new("."));
        Ok(Arc::new(crate::proofs::ProofReader::load(&config.proofs, base, &library, device)?))
    };
    let run = sim::run(&scenario, model, &load_reader, out_dir, &mut say).await?;
    let json = out_dir.join("report.json");
    std::fs::write(&json, serde_json::to_string_pretty(&run.report)? + "\n")
        .with_context(|| format!("writing {}", json.display()))?;
    let chart = out_dir.join("chart.svg");
    let drawn = sim::chart::svg(&run.report).map_err(anyhow::Error::msg)?;
    std::fs::write(&chart, drawn).with_context(|| format!("writing {}", chart.display()))?;
    line(format!("\n{}", run.report.render()));
    line(format!("wrote {}, {} and {}", json.display(), chart.display(), run.decision_log.display()));
    Ok(())
}

fn placeholder_config() -> KeeperConfig {
    KeeperConfig::parse("[keys]\nkeeper = \"unused\"\n[treasury]\nid = 0\n").unwrap_or_else(|_| unreachable!())
}

#[allow(clippy::too_many_arguments)] // the loop's parts, each built and checked by `run`
async fn run_loop(
    chain: Arc<dyn Chain>,
    model: Arc<dyn Model>,
    reader: Arc<crate::proofs::ProofReader>,
    config: KeeperConfig,
    keeper: Keypair,
    treasuries: Vec<TreasuryAddresses>,
    own: anchor_lang::prelude::Pubkey,
    once: bool,
    dry_run: bool,
) -> anyhow::Result<()> {
    let tick_every = std::time::Duration::from_secs(config.run.tick_seconds.max(1));
    let metrics_addr = config.run.metrics_addr.clone();
    // The first observe doubles as the connectivity check: an unreachable cluster is an error, not a loop.
    crate::observe::observe_many(chain.as_ref(), &treasuries, &config.sol_wallets()).await?;
    // The loop's own paid calls (`[[x402.call]]`), for the config's treasury, never in a dry run.
    let own_treasury = treasuries.iter().copied().find(|t| t.treasury == own);
    let paid = (!config.x402.calls.is_empty() && !dry_run).then(|| keeper.insecure_clone());
    let mut paid_calls = crate::x402::schedule::PaidCalls::new(
        config.x402.calls.clone(),
        &crate::journal::read_decisions(&config.run.decision_log).unwrap_or_default(),
    );
    let network = match &paid {
        Some(_) => crate::x402::command::network(&config.x402, &chain.endpoint()).await?,
        None => String::new(),
    };
    let x402 = config.x402.clone();
    let mut keeper =
        Keeper::fleet(chain.clone(), model, config, keeper, treasuries, dry_run)?.owning(own).with_proof_reader(reader);
    if let Some(addr) = metrics_addr {
        let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("metrics address {addr}"))?;
        tracing::info!(%addr, "serving /metrics");
        tokio::spawn(crate::metrics::serve(listener, keeper.metrics()));
    }
    loop {
        match keeper.tick().await {
            Ok(report) => {
                tracing::info!(
                    tick = report.tick,
                    candidates = report.candidates,
                    landed = report.landed.len(),
                    refused = report.refused.len(),
                    failed = report.failed.len(),
                    "tick done"
                );
                println!("{}", serde_json::to_string(&report)?);
            }
            // One tick asked for, one tick failed: the exit status says so (cron and CI rely on it).
            Err(error) if once => return Err(anyhow::anyhow!("tick failed: {error}")),
            Err(error) => tracing::warn!(%error, "tick failed"),
        }
        if let (Some(key), Some(treasury)) = (&paid, own_treasury) {
            crate::x402::command::run_due(&mut paid_calls, &mut keeper, chain.as_ref(), key, treasury, &x402, &network)
                .await;
        }
        if once {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(tick_every) => {}
            _ = shutdown_signal() => {
                tracing::info!("shutting down");
                return Ok(());
            }
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
