//! The top of the keeper: dispatches the command line to the loop, the sandbox, the one-shot
//! commands, `fetch` and the MCP server. Nothing imports this module.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use covenant::sdk::TreasuryAddresses;
use solana_keypair::Keypair;

use crate::chain::Chain;
use crate::cli::{Cli, Command};
use crate::config::KeeperConfig;
use crate::context::{keeper_keypair, load_model, load_reader, settings};
use crate::keeper::Keeper;
use crate::model::{Device, Model};
use crate::output::emit;
use crate::sim::scenario::Scenario;
use crate::{setup, sim};

mod agents;

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
                "proof reader ok: PP-OCRv4 detection sha256 {}, recognition sha256 {}, direction sha256 {}, provider {}",
                hex::encode(info.det_hash),
                hex::encode(info.rec_hash),
                hex::encode(info.cls_hash),
                info.provider
            );
            return Ok(());
        }
        Command::Demo { seed, out } => {
            let mut scenario = Scenario::parse(DEMO_SCENARIO)?;
            scenario.seed = *seed;
            return sandbox(&cli, scenario, None, out, true).await;
        }
        Command::Mcp { http, bind, agent, simulate, decision_log } => {
            let args = agents::McpArgs {
                http: *http,
                bind: bind.clone(),
                agent: agent.clone(),
                simulate: simulate.clone(),
                decision_log: decision_log.clone(),
            };
            return agents::mcp(&cli, args).await;
        }
        Command::McpToken => {
            let (token, hash) = crate::mcp::new_token();
            println!("token (give it to the agent; it is not kept anywhere): {token}");
            println!("keeper.toml, in its [[mcp.agent]]: token_sha256 = \"{hash}\"");
            return Ok(());
        }
        Command::Verify { hash, from } => {
            let config = KeeperConfig::load(&cli.config).ok().unwrap_or_else(placeholder_config);
            let model = load_model(&cli, &config)?;
            let base = cli.config.parent().unwrap_or(Path::new(".")).to_path_buf();
            let load_reader = || {
                crate::context::load_reader(&cli, &config)
                    .context("the record's photo needs the OCR models to be read again (scripts/setup-ocr-models)")
            };
            let is_hash = hash.len() == 64 && hash.bytes().all(|byte| byte.is_ascii_hexdigit());
            let (text, json) = if is_hash {
                let record = crate::records::fetch(hash, from.as_deref(), &config).await?;
                let source = from.clone().unwrap_or_else(|| config.run.records_dir().display().to_string());
                crate::records::verify_with_photo(&record, &source, &config, &base, model.as_ref(), &load_reader)
                    .await?
            } else {
                hash.parse::<solana_signature::Signature>().map_err(|_| {
                    anyhow::anyhow!("{hash:?} is neither a decision hash (64 hex digits) nor a transaction signature")
                })?;
                let client = rpc_client(&cli, &config)?;
                let from = from.as_deref();
                crate::records::chain::verify_signature(
                    &client,
                    hash,
                    from,
                    &config,
                    &base,
                    model.as_ref(),
                    &load_reader,
                )
                .await?
            };
            return emit(cli.output, text, json);
        }
        Command::Reputation { account, limit } => {
            let config = KeeperConfig::load(&cli.config)?;
            let addresses = crate::context::treasury(&config, &cli.config)?;
            let account = match account {
                Some(text) => Some(
                    text.parse::<anchor_lang::prelude::Pubkey>()
                        .map_err(|_| anyhow::anyhow!("{text:?} is not an account address"))?,
                ),
                None => None,
            };
            let (reputation, read) = crate::reputation::read(&rpc_client(&cli, &config)?, &addresses, *limit).await?;
            let (text, json) = crate::reputation::report(&reputation, read, &addresses.treasury, account.as_ref());
            return emit(cli.output, text, json);
        }
        Command::Fingerprint { photos } => {
            let (text, json) = fingerprints(photos)?;
            return emit(cli.output, text, json);
        }
        Command::RequestPayment(args) => return agents::payment(&cli, args.clone(), false).await,
        Command::CheckPayment(args) => return agents::payment(&cli, args.clone(), true).await,
        Command::Swap(args) => return agents::swap(&cli, args.clone()).await,
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
        let primary = crate::context::treasury(&settings.config, &cli.config)
            .with_context(|| format!("config file {}", cli.config.display()))?;
        let model = load_model(&cli, &settings.config)?;
        if !dry_run {
            let records = crate::records::Records::open(&settings.config.run.records_dir())?;
            records.publish_model(&crate::context::model_bytes(&cli, &settings.config)?)?;
        }
        let reader = load_reader(&cli, &settings.config)?;
        let fleet = &settings.config.fleet;
        let shard = match shard {
            Some(shard) => shard,
            None => fleet.shard.as_deref().map(str::parse).transpose().map_err(anyhow::Error::msg)?.unwrap_or_default(),
        };
        let own = primary.treasury;
        let mut treasuries = vec![primary];
        let listed: Vec<anchor_lang::prelude::Pubkey> = fleet.treasuries.clone();
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

/// `fingerprint`: each photo's fingerprints and its distance to the first, as the screening
/// computes them (the first photo stored, the others queried in every orientation).
fn fingerprints(paths: &[std::path::PathBuf]) -> anyhow::Result<(String, serde_json::Value)> {
    use covenant_vision::{decode, DecodeLimits, Fingerprint};
    let mut lines = Vec::new();
    let mut json = Vec::new();
    let mut first: Option<Vec<Fingerprint>> = None;
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("photo {}", path.display()))?;
        let image = decode(&bytes, DecodeLimits::default()).with_context(|| format!("photo {}", path.display()))?;
        let stored = Fingerprint::stored(&image);
        let distance =
            first.as_ref().map(|first| Fingerprint::photo_distance(first, &Fingerprint::orientations(&image)));
        let whole = stored[0];
        let near = distance.map_or(String::new(), |distance| format!("  distance to the first: {distance}"));
        lines.push(format!("{}  phash {:016x} dhash {:016x}{near}", path.display(), whole.phash, whole.dhash));
        json.push(serde_json::json!({
            "photo": path.display().to_string(),
            "fingerprint": whole,
            "windows": &stored[1..],
            "distance_to_first": distance,
        }));
        first.get_or_insert(stored);
    }
    Ok((lines.join("\n"), serde_json::json!({ "photos": json })))
}

/// The demo's story, compiled in so `demo` runs from anywhere.
pub const DEMO_SCENARIO: &str = include_str!("../../scenarios/demo.toml");

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
        tracing::info!(%addr, "serving /metrics and /decisions/<hash>");
        let records = Some(crate::records::router(keeper.records()));
        tokio::spawn(crate::metrics::serve(listener, keeper.metrics(), records));
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

pub(crate) async fn shutdown_signal() {
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

/// An RPC client for `--url`, else `cluster.url`, else the default cluster.
fn rpc_client(cli: &Cli, config: &KeeperConfig) -> anyhow::Result<solana_client::nonblocking::rpc_client::RpcClient> {
    let url = match (&cli.url, &config.cluster.url) {
        (Some(url), _) | (None, Some(url)) => crate::cluster::resolve_url(url).map_err(anyhow::Error::msg)?,
        (None, None) => crate::cluster::DEFAULT_URL.to_string(),
    };
    Ok(solana_client::nonblocking::rpc_client::RpcClient::new(url))
}
