//! The embedded sandbox behind `demo` and `simulate`: a fresh in-process bank with virtual funds,
//! the treasury created from a scenario's config, and the real keeper loop ticking over it while
//! the scenario's events happen around it. Every figure in the report is taken from what landed.

pub mod chart;
mod events;
mod open;
pub mod report;
pub mod scenario;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::sdk::TreasuryAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::chain::{BankChain, Chain};
use crate::config::{parse_pubkey, KeeperConfig};
use crate::decide::{asset_name, Intent};
use crate::journal::read_decisions;
use crate::keeper::{ClaimReview, Keeper, TickReport};
use crate::model::Model;
use crate::observe::Snapshot;
use crate::ops;
use crate::proofs::ProofReader;
use open::start_bank;
pub use open::{open_treasury, OpenTreasury};
use report::{amount, AssetFlows, ClaimLine, Counts, DecisionLine, MemeSummary, Report, Sample, StepMark, WindowUsage};
use scenario::{Event, Scenario, SIM_EPOCH};

const SOL: u64 = 1_000_000_000;

/// What the sandbox says as it goes.
pub enum Line {
    /// A titled step of the story: `n` of `of`.
    Step { n: usize, of: usize, title: String },
    /// Something that happened, at `hour` of chain time from the start.
    Note { hour: f64, text: String },
}

/// A finished run: the report and the bank it ran on, for checks against the chain.
pub struct Run {
    pub report: Report,
    pub chain: Arc<BankChain>,
    pub addresses: TreasuryAddresses,
    pub config: KeeperConfig,
    pub decision_log: PathBuf,
}

pub(crate) struct Sandbox {
    scenario: Scenario,
    chain: Arc<BankChain>,
    addresses: TreasuryAddresses,
    operator: Keypair,
    keeper_key: Keypair,
    /// Mint → (symbol, decimals) for meme tokens launched in this run.
    symbols: HashMap<Pubkey, (String, u8)>,
    /// Wallet → `@name`, for the narration.
    names: HashMap<Pubkey, String>,
    flows: BTreeMap<String, AssetFlows>,
    counts: Counts,
    /// Bounty id → its proof rule, for rendering the photos its claims carry.
    proof_rules: HashMap<u64, covenant_vision::ProofRule>,
    proofs_dir: PathBuf,
    /// Every claim's review, as the keeper last decided it.
    claims: BTreeMap<String, ClaimReview>,
}

impl Sandbox {
    /// The sandbox around `scenario`'s treasury at `addresses` on `chain`, nothing counted yet.
    fn new(
        scenario: &Scenario,
        chain: Arc<BankChain>,
        addresses: TreasuryAddresses,
        config: &KeeperConfig,
        proofs_dir: PathBuf,
    ) -> Self {
        Self {
            scenario: scenario.clone(),
            chain,
            addresses,
            operator: scenario.wallet("operator"),
            keeper_key: scenario.wallet("keeper"),
            symbols: HashMap::new(),
            names: scenario.wallet_names().into_iter().collect(),
            flows: BTreeMap::new(),
            counts: Counts::default(),
            proof_rules: config.bounties.iter().map(|bounty| (bounty.id, bounty.proof.clone())).collect(),
            proofs_dir,
            claims: BTreeMap::new(),
        }
    }

    fn flows(&mut self, asset: &str) -> &mut AssetFlows {
        self.flows.entry(asset.to_string()).or_default()
    }

    /// "SOL", a meme token's symbol, or the mint.
    fn asset_label(&self, asset: &Pubkey) -> String {
        self.symbols.get(asset).map_or_else(|| asset_name(asset), |(symbol, _)| symbol.clone())
    }

    fn name(&self, wallet: &Pubkey) -> String {
        self.names.get(wallet).cloned().unwrap_or_else(|| format!("{}…", &wallet.to_string()[..6]))
    }

    /// `name` for a wallet as the report writes it.
    fn name_of(&self, wallet: &str) -> String {
        match parse_pubkey(wallet) {
            Ok(key) => self.name(&key),
            Err(_) => wallet.to_string(),
        }
    }

    fn shown(&self, asset: &Pubkey, value: u64) -> String {
        let (label, decimals) = match self.symbols.get(asset) {
            Some((symbol, decimals)) => (symbol.clone(), *decimals),
            None => (asset_name(asset), 9),
        };
        format!("{} {label}", amount(value, decimals))
    }
}

/// How the sandbox loads its proof reader (the OCR models), from the run's config.
pub type ReaderLoader<'a> = &'a dyn Fn(&KeeperConfig) -> anyhow::Result<Arc<ProofReader>>;

/// Plays `scenario` on a fresh bank, with the keeper's decision log at `out_dir/decisions.jsonl`
/// and the claims' photos in `out_dir/proofs`.
pub async fn run(
    scenario: &Scenario,
    model: Arc<dyn Model>,
    reader: ReaderLoader<'_>,
    out_dir: &Path,
    say: &mut dyn FnMut(Line),
) -> anyhow::Result<Run> {
    let proofs_dir = out_dir.join("proofs");
    std::fs::create_dir_all(&proofs_dir)
        .map_err(|error| anyhow::anyhow!("output folder {}: {error}", proofs_dir.display()))?;
    let decision_log = out_dir.join("decisions.jsonl");
    // A replay starts from nothing: the log is also the journal, and an old one would skip work.
    if decision_log.exists() {
        std::fs::remove_file(&decision_log)?;
    }
    let config = scenario.keeper_config(&decision_log, &proofs_dir)?;
    let reader = reader(&config)?;
    let (operator, keeper_key) = (scenario.wallet("operator"), scenario.wallet("keeper"));
    let chain = start_bank(scenario).await?;

    let addresses = TreasuryAddresses::new(operator.pubkey(), config.treasury.id);

    let mut sandbox = Sandbox::new(scenario, chain.clone(), addresses, &config, proofs_dir);
    let steps = 1 + scenario.events.iter().filter(|event| event.step.is_some()).count();
    say(Line::Step {
        n: 1,
        of: steps,
        title: "An operator creates the agent's treasury under its spend policies".into(),
    });
    for step in ops::init_steps(chain.as_ref(), &config, operator.pubkey(), keeper_key.pubkey())
        .await
        .map_err(anyhow::Error::msg)?
    {
        ops::submit(chain.as_ref(), &step.instructions, &operator, &[]).await?;
        say(Line::Note { hour: 0.0, text: format!("created {}", step.what) });
    }
    let vault_start = lamports(chain.as_ref(), addresses.vault).await?;
    if scenario.vault_lamports > 0 {
        let ixs = ops::donate(&addresses, operator.pubkey(), scenario.vault_lamports, "operator funding".into());
        ops::submit(chain.as_ref(), &ixs, &operator, &[]).await?;
        sandbox.flows("SOL").inflow.insert("funding".into(), scenario.vault_lamports);
        say(Line::Note {
            hour: 0.0,
            text: format!("the operator funds the vault with {}", sandbox.shown(&SOL_ASSET, scenario.vault_lamports)),
        });
    }

    let mut keeper =
        Keeper::new(chain.clone(), model.clone(), config.clone(), keeper_key.insecure_clone(), addresses, false)?
            .with_proof_reader(reader);
    let mut step = 1;
    let mut samples = Vec::new();
    let mut marks = Vec::new();
    let mut narrated = BTreeSet::new();
    for tick in 1..=scenario.ticks {
        let hour = f64::from(tick - 1) * f64::from(scenario.tick_seconds) / 3_600.0;
        for event in scenario.events.iter().filter(|event| event.tick == tick) {
            if let Some(title) = &event.step {
                step += 1;
                say(Line::Step { n: step, of: steps, title: title.clone() });
                marks.push(StepMark { n: step, hour, title: title.clone() });
            }
            for text in sandbox.apply(&event.event).await? {
                say(Line::Note { hour, text });
            }
        }
        let tick_report = keeper.tick().await?;
        let snapshot = keeper.observe().await?;
        for text in sandbox.account(&tick_report, &snapshot, &mut narrated) {
            say(Line::Note { hour, text });
        }
        samples.push(Sample {
            hour,
            vault_lamports: lamports(chain.as_ref(), addresses.vault).await?,
            window_used: sol_window_used(&snapshot),
        });
        if tick < scenario.ticks {
            chain.warp_seconds(i64::from(scenario.tick_seconds)).await?;
        }
    }

    let snapshot = keeper.observe().await?;
    let mut report = sandbox.finish(&snapshot, &*model, samples, vault_start, &decision_log).await?;
    report.steps = marks;
    Ok(Run { report, chain, addresses, config, decision_log })
}

impl Sandbox {
    /// Prices what one keeper tick landed and refused; returns the narration.
    fn account(&mut self, tick: &TickReport, snapshot: &Snapshot, narrated: &mut BTreeSet<String>) -> Vec<String> {
        let mut lines = Vec::new();
        let category = |recipient: &Pubkey| {
            snapshot.payees.get(recipient).map_or_else(|| "unlisted".to_string(), |payee| payee.category.clone())
        };
        let (mut approved, mut rejected, mut rewards) = (0u32, 0u32, 0u64);
        for key in &tick.landed {
            self.counts.landed += 1;
            let clamped = if tick.clamped.contains(key) { " (clamped to fit the cap)" } else { "" };
            match tick.intents.get(key) {
                Some(Intent::ApproveClaim { reward, .. }) => {
                    (approved, rewards) = (approved + 1, rewards + reward);
                    self.counts.claims_approved += 1;
                }
                Some(Intent::PayClaim { asset, reward, claimant, .. }) => {
                    let who = self.name(claimant);
                    lines.push(format!(
                        "no one disputed it in time: the keeper pays {who}'s approved claim, {}",
                        self.shown(asset, *reward)
                    ));
                }
                Some(Intent::RejectClaim { .. }) => {
                    rejected += 1;
                    self.counts.claims_rejected += 1;
                }
                Some(Intent::ReleaseGrant { asset, amount, .. }) => {
                    let label = self.asset_label(asset);
                    *self.flows(&label).inflow.entry("grant release".into()).or_default() += amount;
                    lines.push(format!(
                        "the keeper releases {} of vested grant money into the vault",
                        self.shown(asset, *amount)
                    ));
                }
                Some(Intent::Pay { recipient, asset, amount, schedule, .. }) => {
                    let (label, category) = (self.asset_label(asset), category(recipient));
                    *self.flows(&label).outflow.entry(category.clone()).or_default() += amount;
                    let who = self.name(recipient);
                    lines.push(format!(
                        "the keeper pays {who} ({category}) {} for \"{schedule}\"{clamped}",
                        self.shown(asset, *amount)
                    ));
                }
                Some(Intent::Propose { recipient, asset, amount, pending_id, .. }) => {
                    let who = self.name(recipient);
                    lines.push(format!(
                        "{} to {who} is above the co-sign threshold: the keeper proposes pending spend #{pending_id}, which waits out the timelock",
                        self.shown(asset, *amount)
                    ));
                }
                Some(Intent::ExecutePending { recipient, asset, amount, pending_id }) => {
                    let (label, category) = (self.asset_label(asset), category(recipient));
                    *self.flows(&label).outflow.entry(category.clone()).or_default() += amount;
                    let who = self.name(recipient);
                    lines.push(format!("the timelock is over: the keeper executes pending spend #{pending_id}, {} to {who} ({category})", self.shown(asset, *amount)));
                }
                Some(Intent::Airdrop { airdrop, mint, recipient, amount }) => {
                    let label = self.asset_label(mint);
                    *self.flows(&label).minted.entry(airdrop.clone()).or_default() += amount;
                    let who = self.name(recipient);
                    lines.push(format!("the keeper airdrops {} to {who}{clamped}", self.shown(mint, *amount)));
                }
                Some(Intent::CreateBounty { asset, reward, max_claims, bounty_id, .. }) => {
                    let (label, total) = (self.asset_label(asset), reward.saturating_mul(u64::from(*max_claims)));
                    *self.flows(&label).outflow.entry("bounty".into()).or_default() += total;
                    lines.push(format!(
                        "the keeper opens bounty #{bounty_id}: {} to each of {max_claims}",
                        self.shown(asset, *reward)
                    ));
                }
                None => lines.push(format!("landed {key}")),
            }
        }
        for (key, review) in &tick.claims {
            self.claims.insert(key.clone(), review.clone());
            if review.decision == "hold" && !narrated.insert(format!("review {key} {}", review.why)) {
                continue;
            }
            let who = self.name_of(&review.claimant);
            let read = match (review.read.is_empty(), review.match_score) {
                (false, _) => format!("read \"{}\"", review.read),
                (true, Some(_)) => "no text found in the photo".to_string(),
                (true, None) => "photo not read".to_string(),
            };
            let score = review.match_score.map(|score| format!(", match {score:.2}")).unwrap_or_default();
            lines.push(format!("{who}: {read}{score} -> {} ({})", review.decision, review.why));
        }
        if approved + rejected > 0 {
            lines.push(format!(
                "the model reviews the claims: {approved} approved and paid {} in all, {rejected} rejected on chain",
                self.shown(&SOL_ASSET, rewards)
            ));
        }
        for (key, code) in &tick.refused {
            self.counts.refused += 1;
            let Some(intent) = tick.intents.get(key) else { continue };
            let (asset, asked) = intent_amount(intent);
            let label = self.asset_label(&asset);
            let flows = self.flows(&label);
            *flows.refused_by_guard.entry(code.clone()).or_default() += 1;
            flows.refused_amount = flows.refused_amount.saturating_add(asked);
            if narrated.insert(key.clone()) {
                lines.push(format!(
                    "the guard refuses {} ({}): {code}, so it is never signed",
                    key_label(key),
                    self.shown(&asset, asked)
                ));
            }
        }
        for key in &tick.held {
            if narrated.insert(format!("held {key}")) {
                lines.push(format!("the model holds {}: nothing is sent", key_label(key)));
            }
        }
        for (key, error) in &tick.failed {
            self.counts.failed += 1;
            lines.push(format!("the program refused {key}: {error}"));
        }
        self.counts.clamped += tick.clamped.len() as u32;
        self.counts.held += tick.held.len() as u32;
        lines
    }

    async fn finish(
        &mut self,
        snapshot: &Snapshot,
        model: &dyn Model,
        samples: Vec<Sample>,
        vault_start: u64,
        decision_log: &Path,
    ) -> anyhow::Result<Report> {
        let decisions: Vec<DecisionLine> = read_decisions(decision_log)?
            .iter()
            .map(|entry| DecisionLine {
                tick: entry["tick"].as_u64().unwrap_or(0),
                key: entry["input"]["key"].as_str().unwrap_or_default().to_string(),
                outcome: entry["outcome"].as_str().unwrap_or_default().to_string(),
                detail: entry["input"]["verdict"]["code"]
                    .as_str()
                    .or_else(|| entry["input"]["held_because"].as_str())
                    .unwrap_or_default()
                    .to_string(),
                decision_hash: entry["decision_hash"].as_str().unwrap_or_default().to_string(),
            })
            .collect();
        self.counts.decisions = decisions.len() as u32;
        let windows = snapshot
            .policies
            .values()
            .filter_map(|policy| {
                let (spent, resets_in) = snapshot.window_now(policy)?;
                Some(WindowUsage {
                    asset: self.asset_label(&policy.asset),
                    spent,
                    cap: policy.limits.period_cap,
                    period_seconds: policy.limits.period_seconds,
                    resets_in,
                    total_received: policy.total_received,
                    total_spent: policy.total_spent,
                })
            })
            .collect();
        let meme = snapshot.memes.values().next().map(|meme| {
            let (symbol, _) = self.symbols.get(&meme.mint).cloned().unwrap_or_default();
            MemeSummary {
                symbol,
                mint: meme.mint.to_string(),
                supply: meme.total_minted,
                supply_cap: meme.supply_cap,
                decimals: meme.decimals,
            }
        });
        let info = model.info();
        Ok(Report {
            scenario: self.scenario.name.clone(),
            seed: self.scenario.seed,
            ticks: self.scenario.ticks,
            hours: f64::from(self.scenario.ticks) * f64::from(self.scenario.tick_seconds) / 3_600.0,
            model_version: info.version.clone(),
            model_hash: hex::encode(info.hash),
            treasury: self.addresses.treasury.to_string(),
            vault: self.addresses.vault.to_string(),
            vault_start,
            vault_end: lamports(self.chain.as_ref(), self.addresses.vault).await?,
            paused: snapshot.treasury.paused,
            flows: std::mem::take(&mut self.flows),
            windows,
            counts: self.counts.clone(),
            meme,
            samples,
            steps: Vec::new(),
            claims: std::mem::take(&mut self.claims)
                .into_values()
                .map(|review| ClaimLine { claimant: self.name_of(&review.claimant), review })
                .collect(),
            decisions,
        })
    }
}

fn intent_amount(intent: &Intent) -> (Pubkey, u64) {
    match intent {
        Intent::ApproveClaim { asset, reward, .. } | Intent::PayClaim { asset, reward, .. } => (*asset, *reward),
        Intent::RejectClaim { .. } => (SOL_ASSET, 0),
        Intent::ReleaseGrant { asset, amount, .. }
        | Intent::Pay { asset, amount, .. }
        | Intent::Propose { asset, amount, .. }
        | Intent::ExecutePending { asset, amount, .. } => (*asset, *amount),
        Intent::Airdrop { mint, amount, .. } => (*mint, *amount),
        Intent::CreateBounty { asset, reward, max_claims, .. } => {
            (*asset, reward.saturating_mul(u64::from(*max_claims)))
        }
    }
}

/// "pay:gpu:12" → "payment \"gpu\""; other keys as they are.
fn key_label(key: &str) -> String {
    let mut parts = key.split(':');
    match (parts.next(), parts.next()) {
        (Some("pay"), Some(name)) => format!("payment \"{name}\""),
        (Some("airdrop"), Some(name)) => format!("airdrop \"{name}\""),
        (Some("release"), _) => "a grant release".into(),
        (Some("claim"), _) => "a claim".into(),
        _ => key.into(),
    }
}

async fn lamports(chain: &dyn Chain, key: Pubkey) -> anyhow::Result<u64> {
    Ok(chain.accounts(&[key]).await?.into_iter().next().flatten().map_or(0, |account| account.lamports))
}

/// The SOL window's spent share of its cap, 0..=1.
fn sol_window_used(snapshot: &Snapshot) -> f64 {
    let Some(policy) = snapshot.policies.get(&SOL_ASSET) else { return 0.0 };
    snapshot.window_now(policy).map_or(0.0, |(spent, _)| spent as f64 / policy.limits.period_cap.max(1) as f64)
}
