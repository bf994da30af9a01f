//! Scenario files: a treasury's keeper config plus what happens around it (donations, grants,
//! bounties and claims, a meme launch, a pause, time), played tick by tick on the in-process bank.
//!
//! Wallets are named, not keyed: any string `"@name"` in the file becomes the public key of a
//! keypair derived from the scenario's seed and that name, so a scenario needs no key files and
//! replays to the same addresses. Times in the keeper config (`payment.start`/`end`,
//! `payee.expires_at`) are seconds from the simulation's start.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::config::KeeperConfig;

/// The unix time every simulation starts at (2030-01-01), so replays decide on identical inputs.
pub const SIM_EPOCH: i64 = 1_893_456_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Derives every wallet and every coin flip (good or bad claims).
    pub seed: u64,
    pub ticks: u32,
    /// Chain time between keeper ticks.
    pub tick_seconds: u32,
    /// Virtual funds the operator puts in the vault before the first tick.
    #[serde(default)]
    pub vault_lamports: u64,
    /// The keeper config, as in `keeper.toml` without `[keys]` and `treasury.operator`/`guardian`
    /// (the simulation's own wallets `@operator`, `@keeper` and `@guardian` fill them).
    pub config: toml::Table,
    #[serde(default, rename = "event")]
    pub events: Vec<TimedEvent>,
    /// The scenario file's directory: `claim` events' image files are found from here.
    #[serde(skip)]
    pub base: Option<std::path::PathBuf>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TimedEvent {
    /// Applied just before keeper tick `tick` (the first tick is 1).
    pub tick: u32,
    /// A step title: the demo numbers these as its progress display.
    #[serde(default)]
    pub step: Option<String>,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A no-strings donation into the vault.
    Donation {
        from: String,
        amount: u64,
    },
    /// A grant escrow: `tranches` as (hours from now, basis points), or linear over `linear_hours`.
    Grant {
        from: String,
        id: u64,
        amount: u64,
        #[serde(default)]
        tranches: Vec<(u32, u16)>,
        linear_hours: Option<u32>,
        expires_hours: u32,
    },
    /// The donor takes back what the grant never released (after its expiry).
    ClawBack {
        from: String,
        id: u64,
    },
    /// The operator launches the agent's meme token at the seeded address `mint`.
    LaunchMeme {
        mint: String,
        symbol: String,
        decimals: u8,
        supply_cap: u64,
        period_cap: u64,
        period_hours: u32,
        #[serde(default)]
        vault_allocation: u64,
    },
    /// The operator posts a SOL bounty, escrowed from the vault.
    Bounty {
        id: u64,
        reward: u64,
        max_claims: u32,
        hours: u32,
        description: String,
        /// Each claim's photo must show the claimant's code.
        #[serde(default)]
        claim_code: bool,
    },
    /// `from` claims with a re-encoded copy (JPEG) of the photo fan `of` of an earlier `claims`
    /// event sent (`@fan-<bounty>-<i>`): a reused photo, with a new hash.
    ReusedClaim {
        bounty: u64,
        from: String,
        of: String,
    },
    /// On a claim-code bounty: `honest` writes their own code beside the poster; `copier` sends a
    /// photo of the same poster showing `honest`'s code; `forgetful` writes none.
    CodeClaims {
        bounty: u64,
        honest: String,
        copier: String,
        forgetful: String,
    },
    /// `good` claims with a photo of the poster (its slogan is the bounty's proof rule) and `bad`
    /// ones, shuffled by the seed. Photos are rendered from the seed; the bad ones cycle through a
    /// photo without the poster, a poster with other text, and a file altered after its hash went
    /// on chain.
    Claims {
        bounty: u64,
        good: u32,
        bad: u32,
    },
    /// One claim by `from` with an image file (relative to the scenario file).
    Claim {
        bounty: u64,
        from: String,
        image: String,
    },
    /// Someone holding the keeper key signs a direct spend, skipping the keeper's guard.
    ForcedSpend {
        recipient: String,
        amount: u64,
    },
    /// Someone holding the operator key tries to open the treasury to `recipient`: the program
    /// makes it queue, and the guardian cancels it while it waits out the config timelock.
    StolenOperatorKey {
        recipient: String,
    },
    // Written as empty structs, not unit variants: serde lets an internally tagged unit variant
    // swallow any other keys, and a typo in an event must be an error.
    Pause {},
    Unpause {},
    /// Nothing happens around the keeper: a step where the keeper acts on its own.
    Watch {},
}

impl Scenario {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("scenario file {}: {error}", path.display()))?;
        let mut scenario =
            Self::parse(&text).map_err(|error| anyhow::anyhow!("scenario file {}: {error}", path.display()))?;
        scenario.base = path.parent().map(Path::to_path_buf);
        Ok(scenario)
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let scenario: Scenario =
            toml::from_str(text).map_err(|error| anyhow::anyhow!(crate::config::toml_error(text, &error)))?;
        if scenario.ticks == 0 || scenario.tick_seconds == 0 {
            anyhow::bail!("ticks and tick_seconds must be positive");
        }
        if let Some(event) = scenario.events.iter().find(|event| event.tick == 0 || event.tick > scenario.ticks) {
            anyhow::bail!("an event at tick {} is outside 1..={}", event.tick, scenario.ticks);
        }
        Ok(scenario)
    }

    /// The wallet called `name` (without its `@`) in this scenario.
    pub fn wallet(&self, name: &str) -> Keypair {
        let digest: [u8; 32] = Sha256::new()
            .chain_update(b"covenant-sim")
            .chain_update(self.seed.to_le_bytes())
            .chain_update(name)
            .finalize()
            .into();
        Keypair::new_from_array(digest)
    }

    pub fn address(&self, name: &str) -> Pubkey {
        self.wallet(name.trim_start_matches('@')).pubkey()
    }

    /// The keeper config with wallets resolved, times moved to the simulation's clock, and the
    /// decision log at `decision_log`.
    /// The keeper config, with the decision log and the proofs directory of this run.
    pub fn keeper_config(&self, decision_log: &Path, proofs_dir: &Path) -> anyhow::Result<KeeperConfig> {
        let mut table = self.config.clone();
        for reserved in ["keys", "cluster"] {
            if table.contains_key(reserved) {
                anyhow::bail!("config.{reserved}: a simulation brings its own");
            }
        }
        for_each_wallet(&mut table, &mut |text| *text = self.address(text).to_string());
        shift_times(&mut table);
        let mut treasury = table.remove("treasury").and_then(|value| value.as_table().cloned()).unwrap_or_default();
        treasury.insert("operator".into(), self.address("operator").to_string().into());
        treasury.insert("guardian".into(), self.address("guardian").to_string().into());
        treasury.entry("id").or_insert(toml::Value::Integer(1));
        table.insert("treasury".into(), treasury.into());
        table.insert("keys".into(), toml::toml! { keeper = "@keeper" }.into());
        let mut run = table.remove("loop").and_then(|value| value.as_table().cloned()).unwrap_or_default();
        run.insert("decision_log".into(), decision_log.display().to_string().into());
        table.insert("loop".into(), run.into());
        let mut proofs = table.remove("proofs").and_then(|value| value.as_table().cloned()).unwrap_or_default();
        if proofs.contains_key("dir") {
            anyhow::bail!("config.proofs.dir: a simulation keeps its photos in its output folder");
        }
        proofs.insert("dir".into(), proofs_dir.display().to_string().into());
        table.insert("proofs".into(), proofs.into());
        let text = toml::to_string(&table)?;
        KeeperConfig::parse(&text).map_err(|error| anyhow::anyhow!("config: {error}"))
    }

    /// Every `"@name"` the scenario mentions (config and events), with its address.
    pub fn wallet_names(&self) -> Vec<(Pubkey, String)> {
        let mut names = std::collections::BTreeSet::new();
        for_each_wallet(&mut self.config.clone(), &mut |text| {
            names.insert(text.clone());
        });
        for event in &self.events {
            if let Event::Donation { from, .. }
            | Event::Grant { from, .. }
            | Event::ForcedSpend { recipient: from, .. } = &event.event
            {
                names.insert(from.clone());
            }
        }
        names.into_iter().map(|name| (self.address(&name), name)).collect()
    }

    /// A deterministic coin for `what` (splitmix64 of the seed and a counter).
    pub fn coin(&self, what: u64) -> u64 {
        let mut z = self.seed.wrapping_add(what.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Calls `visit` on every `"@name"` string in `table`, however deeply nested.
fn for_each_wallet(table: &mut toml::Table, visit: &mut dyn FnMut(&mut String)) {
    fn walk(value: &mut toml::Value, visit: &mut dyn FnMut(&mut String)) {
        match value {
            toml::Value::String(text) if text.starts_with('@') => visit(text),
            toml::Value::Array(items) => items.iter_mut().for_each(|item| walk(item, visit)),
            toml::Value::Table(table) => table.iter_mut().for_each(|(_, item)| walk(item, visit)),
            _ => {}
        }
    }
    table.iter_mut().for_each(|(_, value)| walk(value, visit));
}

fn shift_times(table: &mut toml::Table) {
    let shift = |entries: Option<&mut toml::Value>, fields: &[&str]| {
        let Some(toml::Value::Array(entries)) = entries else { return };
        for entry in entries.iter_mut().filter_map(toml::Value::as_table_mut) {
            for field in fields {
                if let Some(toml::Value::Integer(seconds)) = entry.get_mut(*field) {
                    *seconds = seconds.saturating_add(SIM_EPOCH);
                }
            }
        }
    };
    shift(table.get_mut("payment"), &["start", "end"]);
    shift(table.get_mut("payee"), &["expires_at"]);
    // A payment without a start counts its periods from the simulation's start.
    if let Some(toml::Value::Array(payments)) = table.get_mut("payment") {
        for payment in payments.iter_mut().filter_map(toml::Value::as_table_mut) {
            payment.entry("start").or_insert(toml::Value::Integer(SIM_EPOCH));
        }
    }
}
