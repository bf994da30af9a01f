//! The operator's TOML file, parsed into a validated typed config. Every error names the file and
//! the field; nothing touches the chain until the whole file is valid.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use serde::Deserialize;

use crate::model::Device;

pub(crate) mod address;
mod defaults;
mod mcp;
mod text;
mod validate;
mod x402;
pub use mcp::{AgentConfig, McpConfig, DEFAULT_TOOLS, TOOLS};
use text::sol_amounts;
pub use text::toml_error;
pub use x402::{PaidCall, X402Config};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("config file {path}: {detail}")]
    Invalid { path: String, detail: String },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub keys: KeysConfig,
    pub treasury: TreasuryConfig,
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicyConfig>,
    #[serde(default, rename = "payee")]
    pub payees: Vec<PayeeConfig>,
    #[serde(default, rename = "payment")]
    pub payments: Vec<PaymentSchedule>,
    #[serde(default, rename = "airdrop")]
    pub airdrops: Vec<AirdropConfig>,
    /// Proof rules, by bounty id: what each bounty's photos must show.
    #[serde(default, rename = "bounty")]
    pub bounties: Vec<BountyConfig>,
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default)]
    pub proofs: ProofConfig,
    #[serde(default)]
    pub fees: FeeConfig,
    #[serde(default, rename = "loop")]
    pub run: LoopConfig,
    /// More treasuries for the same keeper key, kept by one process (`run`).
    #[serde(default)]
    pub fleet: FleetConfig,
    #[serde(default)]
    pub x402: X402Config,
    #[serde(default)]
    pub mcp: McpConfig,
}

/// A keeper process for many treasuries: `[treasury]`, the `treasuries` listed here and, with
/// `all`, every treasury whose keeper is this key; of those, the ones in `shard`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// Treasury addresses.
    #[serde(default, deserialize_with = "address::pubkeys")]
    pub treasuries: Vec<Pubkey>,
    /// Every treasury whose keeper is this key (one filtered scan at start).
    #[serde(default)]
    pub all: bool,
    /// `i/n`: keep the treasuries of shard i of n (a stable hash of the address); default 0/1.
    pub shard: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// A JSON-RPC URL or a moniker (m, d, t, l). Unset: the Solana CLI config's, else localhost.
    pub url: Option<String>,
    /// processed, confirmed or finalized. Unset: the Solana CLI config's, else confirmed.
    pub commitment: Option<String>,
    #[serde(default = "defaults::timeout_seconds")]
    pub timeout_seconds: u64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self { url: None, commitment: None, timeout_seconds: defaults::timeout_seconds() }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// The keeper's hot key (Solana CLI JSON keypair file). Unset: the Solana CLI config's keypair.
    /// Only `run` reads it (and `init`, for its public key, unless `treasury.keeper` is set).
    pub keeper: Option<PathBuf>,
    /// The operator's key as a signer URI (a keypair file, `prompt://`, `stdin:`, `usb://ledger`,
    /// or a public key for offline signing). Only `init`, `unpause` and `approve-pending` load it.
    pub operator: Option<String>,
    /// The guardian's key, as a signer URI: the default `--authority` of `pause` and `cancel-pending`.
    pub guardian: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreasuryConfig {
    /// The operator's public key. Unset: the public key of `keys.operator`, when that is a file
    /// or a public key (never a prompt or a device: `run` and `status` must not ask for the cold key).
    #[serde(default, deserialize_with = "address::optional")]
    pub operator: Option<Pubkey>,
    /// The keeper's public key, for `init` on a machine without the keeper's key file.
    #[serde(default, deserialize_with = "address::optional")]
    pub keeper: Option<Pubkey>,
    pub id: u64,
    #[serde(default, deserialize_with = "address::optional")]
    pub guardian: Option<Pubkey>,
    /// How long a loosening change (a new payee, a higher cap, a new keeper...) waits in the
    /// on-chain queue, where the guardian can cancel it; `init` sets it last. 0: no delay.
    #[serde(default)]
    pub config_timelock_seconds: u32,
    /// Where this keeper's decision records are published (a base URL serving
    /// `/decisions/<hash>.json`: the keeper's own HTTP server, or where `loop.records_dir` is
    /// synced). `init` says it on chain, so donors need no other channel to find them.
    #[serde(default)]
    pub records_uri: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// "SOL" or a mint address.
    #[serde(deserialize_with = "address::asset")]
    pub asset: Pubkey,
    pub per_tx_max: u64,
    pub period_seconds: u32,
    pub period_cap: u64,
    pub cosign_threshold: Option<u64>,
    #[serde(default)]
    pub timelock_seconds: u32,
    #[serde(default)]
    pub allowlist_required: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayeeConfig {
    #[serde(deserialize_with = "address::pubkey")]
    pub recipient: Pubkey,
    pub label: String,
    pub category: String,
    /// Budget in the base units of `budget_asset` ("SOL" unless given).
    pub budget: Option<u64>,
    #[serde(default, deserialize_with = "address::optional_asset")]
    pub budget_asset: Option<Pubkey>,
    pub expires_at: Option<i64>,
}

/// A payment the operator scheduled: `amount` to `recipient` once per `every_seconds`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSchedule {
    pub name: String,
    #[serde(deserialize_with = "address::pubkey")]
    pub recipient: Pubkey,
    #[serde(default = "defaults::sol", deserialize_with = "address::asset")]
    pub asset: Pubkey,
    pub amount: u64,
    pub every_seconds: u32,
    /// Periods count from here (unix seconds; default 0).
    #[serde(default)]
    pub start: i64,
    /// No period starts at or after this (unix seconds; default: never ends).
    pub end: Option<i64>,
    /// Pay what the policy allows when the full amount does not fit (default: refuse).
    #[serde(default)]
    pub partial: bool,
    #[serde(default = "defaults::purpose")]
    pub purpose: String,
}

/// A one-off meme-token airdrop: `amount` to each recipient, clamped to the mint caps.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirdropConfig {
    pub name: String,
    #[serde(deserialize_with = "address::pubkey")]
    pub mint: Pubkey,
    #[serde(deserialize_with = "address::pubkeys")]
    pub recipients: Vec<Pubkey>,
    pub amount: u64,
}

/// A bounty the keeper judges: the one with this id under the treasury, and its proof rule.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BountyConfig {
    pub id: u64,
    pub proof: covenant_vision::ProofRule,
    /// Keep each claim photo that passes its hash check in the records (`photos/<sha256>`), so
    /// that anyone can check and read it again after the claimant takes it down. Off by default:
    /// the photos are the claimants', and publishing them is the operator's call per bounty.
    #[serde(default)]
    pub publish_photos: bool,
}

/// Where claim photos come from, and what one may cost to read.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofConfig {
    /// `file://` proofs must resolve inside this directory (none: `file://` is refused).
    pub dir: Option<PathBuf>,
    /// `ipfs://CID[/path]` is fetched as GATEWAY/ipfs/CID[/path] (none: `ipfs://` is refused).
    pub ipfs_gateway: Option<String>,
    /// The PP-OCRv4 models (default: where scripts/setup-ocr-models puts them).
    pub models_dir: Option<PathBuf>,
    #[serde(default = "defaults::max_bytes")]
    pub max_bytes: u64,
    #[serde(default = "defaults::max_pixels")]
    pub max_pixels: u64,
    #[serde(default = "defaults::fetch_timeout_seconds")]
    pub timeout_seconds: u64,
    /// Proofs fetched at once.
    #[serde(default = "defaults::concurrency")]
    pub concurrency: usize,
    /// New proofs read per tick, oldest claims first and ones that were unreachable last; the
    /// rest wait for a later tick (a flood of slow proofs cannot stall the other actions).
    #[serde(default = "defaults::max_per_tick")]
    pub max_per_tick: usize,
    /// Text regions recognised per tick, over all photos: photos past it (never the first) wait
    /// for a later tick, so a flood of pages of text bounds the tick's time (about 90 s of CPU on
    /// 2 cores at 1,024 regions; 64 poster photos have a few hundred). Memory is bounded by the
    /// reader's chunks whatever this is.
    #[serde(default = "defaults::max_regions_per_tick")]
    pub max_regions_per_tick: usize,
    /// An unreachable proof is retried each tick until its claim is this old, then rejected.
    #[serde(default = "defaults::unreachable_after_seconds")]
    pub reject_unreachable_after_seconds: i64,
    /// Photos per text-detection batch. Default: 1 on CPU, where larger batches are no faster and
    /// need far more memory (BENCHMARKS.md), 8 on CUDA.
    #[serde(default)]
    pub det_batch: Option<usize>,
    /// Photos are scaled so their longer side is this before detection (a multiple of 32).
    #[serde(default = "defaults::det_side")]
    pub det_side: u32,
    /// ONNX Runtime threads for the proof reader (0: one per core).
    #[serde(default)]
    pub threads: usize,
    /// Catching reused photos (keeper/MODEL.md, "One photo pays once").
    #[serde(default)]
    pub copies: CopiesConfig,
}

/// How near a photo must be to an earlier claim's to be a copy. Distances are the fingerprints'
/// summed Hamming distance (0-128); the defaults come from measured same-shot and different-shot
/// pairs of real photos (BENCHMARKS.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopiesConfig {
    /// At or below: surely a copy, rejected (`duplicate_photo`). At most 23 (the index is exact
    /// up to there).
    #[serde(default = "defaults::copy_distance")]
    pub copy_distance: u32,
    /// At or above: surely a new photo. In between: held for the operator.
    #[serde(default = "defaults::new_distance")]
    pub new_distance: u32,
    /// Photos of the operator's other bounties count when claimed at most this long before.
    #[serde(default = "defaults::copies_horizon_days")]
    pub horizon_days: u32,
    /// Held claims the operator looked at and lets through as new photos.
    #[serde(default, deserialize_with = "address::pubkeys")]
    pub allow: Vec<Pubkey>,
    /// Where the index of fingerprints lives (default: `photos.jsonl` beside the decision log).
    pub index: Option<PathBuf>,
}

impl Default for CopiesConfig {
    fn default() -> Self {
        Self {
            copy_distance: defaults::copy_distance(),
            new_distance: defaults::new_distance(),
            horizon_days: defaults::copies_horizon_days(),
            allow: Vec::new(),
            index: None,
        }
    }
}

impl Default for ProofConfig {
    fn default() -> Self {
        Self {
            dir: None,
            ipfs_gateway: None,
            models_dir: None,
            max_bytes: defaults::max_bytes(),
            max_pixels: defaults::max_pixels(),
            timeout_seconds: defaults::fetch_timeout_seconds(),
            concurrency: defaults::concurrency(),
            max_per_tick: defaults::max_per_tick(),
            max_regions_per_tick: defaults::max_regions_per_tick(),
            reject_unreachable_after_seconds: defaults::unreachable_after_seconds(),
            det_batch: None,
            det_side: defaults::det_side(),
            threads: 0,
            copies: CopiesConfig::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub path: Option<PathBuf>,
    #[serde(default = "defaults::device")]
    pub device: Device,
    /// Act when the model's `approve` is at least this.
    #[serde(default = "defaults::approve_threshold")]
    pub approve_threshold: f32,
    /// Reject a claim when `approve` is at most this (between the two: wait).
    #[serde(default = "defaults::reject_threshold")]
    pub reject_threshold: f32,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            path: None,
            device: defaults::device(),
            approve_threshold: defaults::approve_threshold(),
            reject_threshold: defaults::reject_threshold(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeConfig {
    /// Priority fee floor and cap, micro-lamports per compute unit.
    #[serde(default)]
    pub floor_micro_lamports: u64,
    #[serde(default = "defaults::fee_cap")]
    pub cap_micro_lamports: u64,
    /// Which percentile of recent fees to pay.
    #[serde(default = "defaults::fee_percentile")]
    pub percentile: u8,
}

impl Default for FeeConfig {
    fn default() -> Self {
        Self {
            floor_micro_lamports: 0,
            cap_micro_lamports: defaults::fee_cap(),
            percentile: defaults::fee_percentile(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopConfig {
    #[serde(default = "defaults::tick_seconds")]
    pub tick_seconds: u64,
    #[serde(default = "defaults::max_actions")]
    pub max_actions_per_tick: usize,
    /// Transactions in flight at once across a fleet's treasuries (one treasury's go in order).
    #[serde(default = "defaults::max_in_flight")]
    pub max_in_flight: usize,
    /// Attempts per transaction (network faults and expired blockhashes).
    #[serde(default = "defaults::attempts")]
    pub attempts: u32,
    /// Backoff between attempts: doubling from `retry_base_ms` up to `retry_max_ms`, each delay
    /// drawn from its upper half (jitter, so that keepers that failed together retry apart).
    #[serde(default = "defaults::retry_base_ms")]
    pub retry_base_ms: u64,
    #[serde(default = "defaults::retry_max_ms")]
    pub retry_max_ms: u64,
    /// The JSONL decision log, which is also the keeper's journal (keep it across restarts).
    #[serde(default = "defaults::decision_log")]
    pub decision_log: PathBuf,
    /// Every decision record as `<decision hash>.json`, for an operator to sync to IPFS or object
    /// storage; served at `/decisions/<hash>` beside the metrics (default: `records/` beside the
    /// decision log).
    pub records_dir: Option<PathBuf>,
    /// Serve Prometheus metrics (and the decision records) here (e.g. "127.0.0.1:9464").
    pub metrics_addr: Option<String>,
    /// Per-treasury metric series for at most this many treasuries of a fleet.
    #[serde(default = "defaults::metrics_treasury_labels")]
    pub metrics_treasury_labels: usize,
}

impl LoopConfig {
    /// `records_dir`, else `records/` beside the decision log.
    pub fn records_dir(&self) -> PathBuf {
        self.records_dir.clone().unwrap_or_else(|| {
            self.decision_log.parent().map_or_else(|| PathBuf::from("records"), |dir| dir.join("records"))
        })
    }
}

impl Default for LoopConfig {
    fn default() -> Self {
        Self {
            tick_seconds: defaults::tick_seconds(),
            max_actions_per_tick: defaults::max_actions(),
            max_in_flight: defaults::max_in_flight(),
            attempts: defaults::attempts(),
            retry_base_ms: defaults::retry_base_ms(),
            retry_max_ms: defaults::retry_max_ms(),
            decision_log: defaults::decision_log(),
            records_dir: None,
            metrics_addr: None,
            metrics_treasury_labels: defaults::metrics_treasury_labels(),
        }
    }
}

impl LoopConfig {
    /// How long to wait before retry `attempt` (0 for the first retry).
    pub fn backoff(&self, attempt: u32) -> std::time::Duration {
        use rand::Rng;
        let ceiling = self.retry_base_ms.saturating_mul(1u64 << attempt.min(20)).min(self.retry_max_ms);
        std::time::Duration::from_millis(rand::thread_rng().gen_range(ceiling / 2..=ceiling))
    }
}

/// "SOL" (any case) is the SOL asset; anything else must be a base58 address.
pub fn parse_asset(text: &str) -> Result<Pubkey, String> {
    if text.eq_ignore_ascii_case("sol") {
        return Ok(SOL_ASSET);
    }
    parse_pubkey(text)
}

pub fn parse_pubkey(text: &str) -> Result<Pubkey, String> {
    Pubkey::from_str(text.trim()).map_err(|_| format!("{text:?} is not a base58 public key"))
}

impl KeeperConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|error| ConfigError::Read { path: shown.clone(), detail: error.to_string() })?;
        Self::parse(&text).map_err(|detail| ConfigError::Invalid { path: shown, detail })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|error| toml_error(text, &error))?;
        // Parsed again from the text when nothing was in SOL, so that errors keep their line.
        let config: Self = if sol_amounts(&mut table)? {
            serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|error| {
                let path = error.path().to_string();
                format!("{path}: {}", error.into_inner().message())
            })?
        } else {
            toml::from_str(text).map_err(|error| toml_error(text, &error))?
        };
        config.validate()?;
        Ok(config)
    }

    pub fn limits(&self, policy: &PolicyConfig) -> covenant::policy::PolicyLimits {
        covenant::policy::PolicyLimits {
            per_tx_max: policy.per_tx_max,
            period_seconds: policy.period_seconds,
            period_cap: policy.period_cap,
            cosign_threshold: policy.cosign_threshold,
            timelock_seconds: policy.timelock_seconds,
            allowlist_required: policy.allowlist_required,
        }
    }

    pub fn proof_rule(&self, bounty_id: u64) -> Option<&covenant_vision::ProofRule> {
        self.bounty(bounty_id).map(|bounty| &bounty.proof)
    }

    pub fn bounty(&self, bounty_id: u64) -> Option<&BountyConfig> {
        self.bounties.iter().find(|bounty| bounty.id == bounty_id)
    }

    /// The payment schedule named `name`, as its exactly-once marks count periods.
    pub fn schedule(&self, name: &str) -> Option<crate::exactly_once::Schedule> {
        let payment = self.payments.iter().find(|payment| payment.name == name)?;
        Some(crate::exactly_once::Schedule { start: payment.start, every: payment.every_seconds })
    }

    /// Every wallet the keeper may pay SOL to (their balances matter for rent).
    pub fn sol_wallets(&self) -> Vec<Pubkey> {
        self.payments.iter().map(|payment| payment.recipient).collect()
    }
}
