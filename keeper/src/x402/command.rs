//! `covenant-keeper fetch URL`: one HTTP request, paid for from the treasury if the server asks
//! (x402). The body goes to stdout; what was paid to stderr (or all of it as JSON with `--output json`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};

use super::client::{Request, X402Client};
use crate::chain::Chain;
use crate::cli::Cli;
use crate::context::Settings;
use crate::output::Output;

pub struct FetchArgs {
    pub url: String,
    pub method: String,
    pub data: Option<String>,
    pub headers: Vec<String>,
    pub decision_log: Option<PathBuf>,
    pub unguarded: bool,
}

fn request(args: &FetchArgs) -> anyhow::Result<Request> {
    let method = reqwest::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| anyhow::anyhow!("--method {}: not an HTTP method", args.method))?;
    let url = url::Url::parse(&args.url).map_err(|error| anyhow::anyhow!("{}: {error}", args.url))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("{}: only http and https URLs are fetched", args.url);
    }
    let body = match args.data.as_deref() {
        Some(path) if path.starts_with('@') => {
            std::fs::read(&path[1..]).with_context(|| format!("--data {path}: cannot read the file"))?
        }
        Some(text) => text.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let headers = args
        .headers
        .iter()
        .map(|header| match header.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.trim().to_string())),
            _ => Err(anyhow::anyhow!("--header {header:?}: expected \"Name: value\"")),
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Request { method, url: args.url.clone(), headers, body })
}

/// The cluster's CAIP-2 id, from the config or from its genesis hash.
pub async fn network(config: &crate::config::X402Config, url: &str) -> anyhow::Result<String> {
    if let Some(network) = &config.network {
        return Ok(network.clone());
    }
    let rpc = solana_client::nonblocking::rpc_client::RpcClient::new(url.to_string());
    let genesis = rpc.get_genesis_hash().await.with_context(|| format!("cannot reach the cluster at {url}"))?;
    Ok(super::network_id(&genesis.to_string()))
}

/// The loop's due `[[x402.call]]`s, each paid (or refused) like `fetch`; one line each in the log.
pub async fn run_due(
    calls: &mut super::schedule::PaidCalls,
    keeper: &mut crate::keeper::Keeper,
    chain: &dyn Chain,
    key: &solana_keypair::Keypair,
    treasury: covenant::sdk::TreasuryAddresses,
    config: &crate::config::X402Config,
    network: &str,
) {
    let now = match chain.clock().await {
        Ok(clock) => clock.unix_timestamp,
        Err(error) => return tracing::warn!(%error, "paid calls skipped: no clock"),
    };
    for (call, period) in calls.due(now) {
        let method =
            reqwest::Method::from_bytes(call.method.to_ascii_uppercase().as_bytes()).unwrap_or(reqwest::Method::GET);
        let request = Request { method, url: call.url.clone(), headers: vec![], body: call.body.clone().into_bytes() };
        let mut client = X402Client {
            http: reqwest::Client::new(),
            chain,
            keeper: key,
            treasury,
            settings: config,
            network: network.to_string(),
            journal: keeper.journal_mut(),
            unguarded: false,
            schedule: Some((call.name.clone(), period)),
        };
        match client.fetch(&request).await {
            Ok(fetched) => {
                tracing::info!(call = %call.name, period, status = fetched.status, paid = ?fetched.paid.map(|paid| paid.amount), "paid call")
            }
            Err(error) => tracing::warn!(call = %call.name, period, %error, "paid call not made"),
        }
    }
}

pub async fn fetch(cli: &Cli, settings: Settings, chain: &dyn Chain, args: FetchArgs) -> anyhow::Result<()> {
    let request = request(&args)?;
    let keeper = crate::context::keeper_keypair(cli, &settings.config)?;
    let treasury = crate::context::treasury(&settings.config, &cli.config)
        .with_context(|| format!("config file {}", cli.config.display()))?;
    let network = network(&settings.config.x402, &settings.url).await?;
    let log = args.decision_log.clone().unwrap_or_else(|| settings.config.run.decision_log.clone());
    let mut journal = crate::journal::Journal::open(&log)?;
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .context("cannot start the HTTP client")?;
    let mut client = X402Client {
        http,
        chain,
        keeper: &keeper,
        treasury,
        settings: &settings.config.x402,
        network,
        journal: &mut journal,
        unguarded: args.unguarded,
        schedule: None,
    };
    let fetched = client.fetch(&request).await?;
    match cli.output {
        Output::Display => {
            std::io::stdout().write_all(&fetched.body).context("writing the response to stdout")?;
            if let Some(paid) = &fetched.paid {
                eprintln!(
                    "paid {} base units of {} to {} on {}: transaction {}, decision {}",
                    paid.amount, paid.asset, paid.pay_to, paid.network, paid.settlement.transaction, paid.decision_hash
                );
            }
        }
        output => crate::output::emit(
            output,
            String::new(),
            serde_json::json!({
                "status": fetched.status,
                "paid": fetched.paid,
                "body": String::from_utf8_lossy(&fetched.body),
            }),
        )?,
    }
    if fetched.status >= 400 {
        bail!("{} answered HTTP {}", args.url, fetched.status);
    }
    Ok(())
}
