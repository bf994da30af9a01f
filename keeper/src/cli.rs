//! The command line's shape (clap types only): what each command takes. `app` dispatches it;
//! every input error stops before anything is signed.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::model::Device;
pub use crate::output::{AmountArgs, LogFormat, Output};

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
    /// A claimant's code for a bounty that asks for claim codes: what to write by hand next to
    /// the poster in the photo (derived from the bounty and the wallet; no key, no cluster).
    ClaimCode {
        /// The bounty's id in this treasury.
        #[arg(long)]
        bounty: u64,
        /// The claimant's wallet address.
        #[arg(long)]
        claimant: String,
    },
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
    /// Serve the agents' door: an MCP server whose tools (treasury status, payments, paid HTTP
    /// calls, claims) are bounded by the chain. Over stdio for one agent (what a desktop MCP
    /// client starts), or `--http` for many, each with its bearer token (`[[mcp.agent]]`).
    Mcp {
        /// Streamable HTTP on mcp.bind (default 127.0.0.1:8765) instead of stdio.
        #[arg(long)]
        http: bool,
        /// Listen here (overrides mcp.bind).
        #[arg(long, value_name = "HOST:PORT")]
        bind: Option<String>,
        /// Over stdio: which `[[mcp.agent]]` is connecting (default: the only one, else `agent`).
        #[arg(long, value_name = "ID")]
        agent: Option<String>,
        /// Serve a scenario's treasury on an in-process bank with virtual funds instead of a
        /// cluster: the demo's (no argument), or a scenario file. No validator, no key files.
        #[arg(long, value_name = "SCENARIO", num_args = 0..=1, default_missing_value = "demo")]
        simulate: Option<String>,
        /// The journal (overrides loop.decision_log): one per process.
        #[arg(long, env = "COVENANT_DECISION_LOG", value_name = "PATH")]
        decision_log: Option<PathBuf>,
    },
    /// Print a new bearer token for an agent, and the `token_sha256` line keeper.toml keeps.
    McpToken,
    /// Check a published decision record: its input hashes to its name (the decision hash the
    /// chain recorded), the decision model, run again on its features, gives the same score, and
    /// a claim's photo (from the records, else its own URI) holds its hash and reads the same.
    Verify {
        /// The decision hash (64 hex digits), or a transaction's signature: then every decision
        /// its Covenant events carry, each record found where its treasury says on chain.
        #[arg(value_name = "HASH|SIGNATURE")]
        hash: String,
        /// Where the records are: a directory, or a base URL serving `/decisions/<hash>.json`
        /// (default for a hash: loop.records_dir, else `records/` beside the decision log; for a
        /// signature: the treasury's records URI on chain).
        #[arg(long, value_name = "DIR|URL")]
        from: Option<String>,
    },
    /// Reputation from the treasury's events on the cluster, folded oldest first: each
    /// claimant's, payee's and disputer's record, and the agent's decisions upheld and overturned
    /// (derived from events, not stored: docs/disputes.md).
    Reputation {
        /// Only this account's record.
        #[arg(value_name = "ADDRESS")]
        account: Option<String>,
        /// The newest transactions read at most, per address (the treasury and each of its bounties).
        #[arg(long, default_value_t = 5_000)]
        limit: usize,
    },
    /// Fingerprint photos as the keeper does for its duplicate check (the whole photo and its
    /// windows, as decision records show them) and give each one's distance to the first: anyone
    /// holding two claims' photos can re-run the comparison (no key, no cluster, no config).
    Fingerprint {
        /// PNG or JPEG files; the first is the one the others are compared with.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Ask for a payment as an agent does, through the same core as the MCP tool
    /// `request_payment` (keeper key): model, guard, chain.
    RequestPayment(PaymentArgs),
    /// Sells one of the treasury's tokens for another through an allowlisted SPL Token Swap pool,
    /// checked against the policy, the USD caps and the oracle minimum (the same core as MCP's
    /// `request_swap`).
    Swap(SwapArgs),
    /// The checks of `request-payment`, nothing signed (the MCP tool `check_payment`).
    CheckPayment(PaymentArgs),
    /// Cancel a pending spend (guardian or operator key).
    CancelPending {
        #[arg(long)]
        id: u64,
        /// Default: keys.guardian, else keys.operator.
        #[arg(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
}

/// A swap as the operator asks for it.
#[derive(clap::Args, Debug, Clone)]
pub struct SwapArgs {
    /// The mint to sell.
    #[arg(long)]
    pub sell: String,
    /// The mint to buy.
    #[arg(long)]
    pub buy: String,
    /// In the sold token's units (e.g. 0.5).
    #[arg(long)]
    pub amount: String,
    /// The SPL Token Swap pool's address.
    #[arg(long)]
    pub pool: String,
    /// Check only: the rules and the pool's quote against the oracle minimum, nothing sent.
    #[arg(long)]
    pub dry_run: bool,
    /// A retry with the same key never swaps twice (default: a new key each time).
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

/// A payment as an agent asks for it.
#[derive(clap::Args, Debug, Clone)]
pub struct PaymentArgs {
    /// The recipient's wallet.
    #[arg(long)]
    pub to: String,
    /// In the asset's units (e.g. 0.1 SOL).
    #[arg(long)]
    pub amount: String,
    /// SOL (default) or a token's mint.
    #[arg(long)]
    pub asset: Option<String>,
    /// What it is for (1 to 64 bytes).
    #[arg(long)]
    pub purpose: String,
    #[arg(long)]
    pub memo: Option<String>,
    /// A retry with the same key never pays twice (default: a new key each time).
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// The journal (overrides loop.decision_log).
    #[arg(long, env = "COVENANT_DECISION_LOG", value_name = "PATH")]
    pub decision_log: Option<PathBuf>,
}
