//! The agents' doors as commands: `mcp` (stdio or HTTP, against a cluster or a simulated bank),
//! `mcp-token`, and the CLI's own `request-payment` / `check-payment`, all over one core.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use covenant::sdk::TreasuryAddresses;
use solana_keypair::Keypair;

use crate::agent::{self, Agent, AgentCore, Amount, PaymentAsk, SwapAsk};
use crate::chain::Chain;
use crate::cli::{Cli, PaymentArgs, SwapArgs};
use crate::config::KeeperConfig;
use crate::context::{keeper_keypair, load_model, settings, treasury};
use crate::keeper::Keeper;
use crate::sim::scenario::Scenario;

/// Virtual funds in a simulated treasury's vault (20 SOL, the demo's first donation).
const SIMULATED_VAULT: u64 = 20_000_000_000;

/// What `mcp` was asked for.
pub struct McpArgs {
    pub http: bool,
    pub bind: Option<String>,
    pub agent: Option<String>,
    pub simulate: Option<String>,
    pub decision_log: Option<std::path::PathBuf>,
}

/// A keeper for the agents' door over `treasuries`, its worker started.
fn start(
    cli: &Cli,
    chain: Arc<dyn Chain>,
    config: &KeeperConfig,
    keeper: Keypair,
    treasuries: Vec<TreasuryAddresses>,
    own: TreasuryAddresses,
) -> anyhow::Result<Arc<AgentCore>> {
    let model = load_model(cli, config)?;
    let keeper = Keeper::fleet(chain.clone(), model, config.clone(), keeper, treasuries, false)?.owning(own.treasury);
    Ok(Arc::new(agent::spawn(keeper, chain, config.clone())))
}

/// `mcp`: the server, on a cluster or (`--simulate`) on a scenario's treasury in a bank.
pub async fn mcp(cli: &Cli, args: McpArgs) -> anyhow::Result<()> {
    // Natively run (`--simulate`), the program prints its `msg!` lines to stdout: over stdio they
    // would corrupt the protocol, over HTTP fill a pipe nobody reads until the bank blocks on it.
    // So fd 1 points at /dev/null from here on; over stdio the protocol keeps the real stdout.
    let protocol_out = crate::setup::detach_stdout();
    let (core, config, own, simulated) = match &args.simulate {
        Some(name) => {
            let scenario = match name.as_str() {
                "demo" => Scenario::parse(super::DEMO_SCENARIO)?,
                path => Scenario::load(Path::new(path))?,
            };
            let dir = tempfile_dir()?;
            let log = args.decision_log.clone().unwrap_or_else(|| dir.join("decisions.jsonl"));
            let open = crate::sim::open_treasury(&scenario, &log, &dir.join("proofs"), SIMULATED_VAULT).await?;
            let chain: Arc<dyn Chain> = open.chain.clone();
            let names: Vec<String> = open.wallets.iter().map(|(name, key)| format!("{name}={key}")).collect();
            tracing::warn!(treasury = %open.addresses.treasury, wallets = %names.join(" "), "serving a simulated treasury with virtual funds");
            let core = start(cli, chain, &open.config, open.keeper, vec![open.addresses], open.addresses)?;
            (core, open.config, open.addresses, true)
        }
        None => {
            let mut settings = settings(cli)?;
            if let Some(path) = &args.decision_log {
                settings.config.run.decision_log = path.clone();
            }
            let chain: Arc<dyn Chain> =
                Arc::new(crate::setup::rpc_chain(&settings.url, settings.commitment, &settings.config));
            let own = treasury(&settings.config, &cli.config)
                .with_context(|| format!("config file {}", cli.config.display()))?;
            let mut treasuries = vec![own];
            treasuries.extend(crate::fleet::resolve(chain.as_ref(), &settings.config.fleet.treasuries).await?);
            // The first observe is the connectivity check: an unreachable cluster is one line.
            crate::observe::observe_many(chain.as_ref(), &treasuries, &[]).await?;
            let key = keeper_keypair(cli, &settings.config)?;
            let core = start(cli, chain, &settings.config, key, treasuries, own)?;
            (core, settings.config, own, false)
        }
    };
    let agents: Vec<(Option<String>, Agent)> = config
        .mcp
        .agents
        .iter()
        .map(|agent| (agent.token_sha256.clone(), Agent::from_config(agent, own.treasury)))
        .collect();
    if !args.http {
        let agent = match (&args.agent, agents.as_slice()) {
            (Some(id), _) => agents.iter().find(|(_, agent)| agent.id == *id).map(|(_, agent)| agent.clone()),
            (None, [(_, only)]) => Some(only.clone()),
            (None, []) => Some(default_agent(own)),
            (None, _) => bail!("several [[mcp.agent]] are configured: pass --agent ID"),
        };
        let agent =
            agent.with_context(|| format!("no [[mcp.agent]] with id {:?}", args.agent.clone().unwrap_or_default()))?;
        return crate::mcp::serve_stdio(core, agent, protocol_out).await;
    }
    drop(protocol_out);
    let mut tokens: Vec<([u8; 32], Agent)> = agents
        .into_iter()
        .filter_map(|(hash, agent)| Some((crate::mcp::token_hash(hash.as_deref()?)?, agent)))
        .collect();
    if tokens.is_empty() {
        if !simulated {
            bail!("mcp --http: no [[mcp.agent]] has a token_sha256 (make one with covenant-keeper mcp-token)");
        }
        // A sandbox with no agents configured: one agent, its token printed for whoever connects.
        let (token, hash) = crate::mcp::new_token();
        eprintln!("agent \"agent\" may connect with: Authorization: Bearer {token}");
        tokens.push((crate::mcp::token_hash(&hash).unwrap_or_default(), default_agent(own)));
    }
    let bind = args.bind.unwrap_or_else(|| config.mcp.bind.clone());
    let mut mcp_config = config.mcp.clone();
    mcp_config.bind = bind.clone();
    let addr: std::net::SocketAddr = bind.parse().with_context(|| format!("--bind {bind}: not an address"))?;
    if !addr.ip().is_loopback() && !config.mcp.allow_remote {
        bail!("--bind {bind}: not loopback: set mcp.allow_remote = true (and put a TLS proxy in front)");
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {bind}"))?;
    // The address actually bound (a port of 0 picks a free one): the line a script waits for.
    eprintln!("covenant MCP server on http://{}/mcp", listener.local_addr()?);
    let router = crate::mcp::router(core, crate::mcp::Tokens::new(tokens), &mcp_config);
    crate::mcp::serve_http(listener, router, super::shutdown_signal()).await
}

/// The agent when none is configured: the default tools on the config's own treasury.
fn default_agent(own: TreasuryAddresses) -> Agent {
    let tools = crate::config::DEFAULT_TOOLS.iter().map(|tool| tool.to_string()).collect();
    Agent { id: "agent".into(), treasuries: vec![own.treasury], tools, requests_per_minute: 600 }
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("covenant-mcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// `request-payment` / `check-payment`: the CLI's door onto the same core.
pub async fn payment(cli: &Cli, args: PaymentArgs, dry_run: bool) -> anyhow::Result<()> {
    let mut settings = settings(cli)?;
    if let Some(path) = &args.decision_log {
        settings.config.run.decision_log = path.clone();
    }
    let chain: Arc<dyn Chain> = Arc::new(crate::setup::rpc_chain(&settings.url, settings.commitment, &settings.config));
    let own =
        treasury(&settings.config, &cli.config).with_context(|| format!("config file {}", cli.config.display()))?;
    let key = keeper_keypair(cli, &settings.config)?;
    let core = start(cli, chain, &settings.config, key, vec![own], own)?;
    let ask = PaymentAsk {
        to: args.to,
        amount: Amount::Text(args.amount),
        asset: args.asset,
        purpose: args.purpose,
        memo: args.memo,
        idempotency_key: args
            .idempotency_key
            .unwrap_or_else(|| format!("cli-{}", hex::encode(rand::random::<[u8; 8]>()))),
        treasury: None,
    };
    let agent = Agent::operator(vec![own.treasury]);
    let answer = if dry_run { core.check_payment(&agent, ask).await } else { core.request_payment(&agent, ask).await };
    crate::output::emit(cli.output, answer.line.clone(), answer.value)?;
    if answer.is_error {
        bail!("{}", answer.line);
    }
    Ok(())
}

/// `swap`: the CLI's door onto the agents' `request_swap`, as the operator's own agent.
pub async fn swap(cli: &Cli, args: SwapArgs) -> anyhow::Result<()> {
    let settings = settings(cli)?;
    let chain: Arc<dyn Chain> = Arc::new(crate::setup::rpc_chain(&settings.url, settings.commitment, &settings.config));
    let own =
        treasury(&settings.config, &cli.config).with_context(|| format!("config file {}", cli.config.display()))?;
    let key = keeper_keypair(cli, &settings.config)?;
    let core = start(cli, chain, &settings.config, key, vec![own], own)?;
    let ask = SwapAsk {
        sell: args.sell,
        buy: args.buy,
        amount: Amount::Text(args.amount),
        pool: args.pool,
        idempotency_key: args
            .idempotency_key
            .unwrap_or_else(|| format!("cli-{}", hex::encode(rand::random::<[u8; 8]>()))),
        dry_run: Some(args.dry_run),
        treasury: None,
    };
    let answer = core.request_swap(&Agent::operator(vec![own.treasury]), ask).await;
    crate::output::emit(cli.output, answer.line.clone(), answer.value)?;
    if answer.is_error {
        bail!("{}", answer.line);
    }
    Ok(())
}
