//! The keeper of one treasury or a fleet: each tick runs observe → decide → guard → act → report,
//! after settling whatever a previous run left in flight. `send` is the acting half.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use covenant::sdk::TreasuryAddresses;
use covenant::state::DecisionRecord;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::chain::{Chain, ChainError};
use crate::config::KeeperConfig;
use crate::decide::{candidates, proof_jobs, propose, Intent, Kind, Proposal};
use crate::guard::{Guard, Verdict};
use crate::journal::{Journal, JournalError, Settlement};
use crate::metrics::Metrics;
use crate::model::{Model, ModelError, Score};
use crate::observe::Snapshot;
use crate::proofs::copies::PhotoIndex;
use crate::proofs::{ProofOutcome, ProofReader};
pub use crate::records::decision_hash;
use crate::records::Records;

mod requests;
mod review;
mod send;
mod watch;

use review::review;
pub use review::ClaimReview;

#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error("observe failed, tick skipped: {0}")]
    Observe(ChainError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Photos(#[from] crate::proofs::copies::IndexError),
    #[error(transparent)]
    Records(#[from] crate::records::RecordsError),
}

/// What one tick did, by idempotency key.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TickReport {
    pub tick: u64,
    pub now: i64,
    pub candidates: usize,
    pub landed: Vec<String>,
    /// (key, reason code) for what the guard refused.
    pub refused: Vec<(String, String)>,
    pub clamped: Vec<String>,
    pub held: Vec<String>,
    /// (key, error) for what the program refused or could not be built.
    pub failed: Vec<(String, String)>,
    /// Passed the guard but not sent (`--dry-run`, or over `max_actions_per_tick`).
    pub not_sent: Vec<String>,
    /// Still in flight after this tick (network trouble): settled on a later tick.
    pub unsettled: Vec<String>,
    /// Refused because another keeper had done them (their exactly-once marker, or the program's
    /// state for claims, grant releases and pending executions): nothing was done twice.
    pub done_elsewhere: Vec<String>,
    /// Left in flight by an earlier run and settled now.
    pub reconciled: Vec<(String, Settlement)>,
    pub retries: u32,
    /// What each guarded decision would do, by key: the clamped intent where the guard clamped, the
    /// proposed one where it refused. Reports price the keys above with it.
    pub intents: BTreeMap<String, Intent>,
    /// Each claim decided this tick: what its photo showed and what was decided.
    pub claims: BTreeMap<String, ClaimReview>,
    /// The transaction of each landed key.
    pub signatures: BTreeMap<String, String>,
}

/// The inputs and outputs of one decision. `decision_hash` is SHA-256 of this object as compact
/// JSON with sorted keys (serde_json's `Value` order), so anyone can recompute it from the log.
#[derive(Serialize)]
struct DecisionInput<'a> {
    model_hash: String,
    key: &'a str,
    features: &'a [f32],
    approve: Option<f32>,
    amount_scale: Option<f32>,
    /// The guard's answer; `None` when the model's answer was to hold.
    verdict: Option<&'a Verdict>,
    held_because: Option<&'a str>,
    /// A claim's photo as read: its SHA-256, the text regions and the rule's match.
    #[serde(skip_serializing_if = "Option::is_none")]
    proof: Option<&'a ProofOutcome>,
    /// SHA-256 of the text detection, recognition and direction models that read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    proof_models: Option<[String; 3]>,
    /// An agent's request: who asked, through which tool, with what arguments and purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<&'a serde_json::Value>,
}

/// A journal key's treasury and its candidate key: `<treasury>/<key>`, or a key of `own` (the
/// config's treasury) as it stands. A schedule's name may hold a `/`; only an address scopes.
pub fn split_scope(key: &str, own: Option<Pubkey>) -> (Option<Pubkey>, &str) {
    match key.split_once('/') {
        Some((treasury, rest)) => match treasury.parse::<Pubkey>() {
            Ok(treasury) => (Some(treasury), rest),
            Err(_) => (own, key),
        },
        None => (own, key),
    }
}

/// The journal's settled and open keys, split by treasury (unscoped ones are `own`'s).
pub fn by_treasury(keys: HashSet<String>, own: Option<Pubkey>) -> HashMap<Pubkey, HashSet<String>> {
    let mut settled: HashMap<Pubkey, HashSet<String>> = HashMap::new();
    for key in &keys {
        if let (Some(treasury), key) = split_scope(key, own) {
            settled.entry(treasury).or_default().insert(key.to_string());
        }
    }
    settled
}

pub struct Keeper {
    chain: Arc<dyn Chain>,
    model: Arc<dyn Model>,
    proofs: Option<Arc<ProofReader>>,
    config: KeeperConfig,
    keeper: Keypair,
    /// One treasury, or a fleet (`Keeper::fleet`): observed in one pass, scored in one batch.
    treasuries: Vec<TreasuryAddresses>,
    /// The config's own treasury, whose journal keys stay unscoped (see `scoped`).
    own: Option<Pubkey>,
    journal: Journal,
    /// Every claim photo read so far, by fingerprint (`proofs::copies`).
    photos: PhotoIndex,
    /// Where decision records are published (`records`).
    records: Arc<Records>,
    metrics: Arc<Metrics>,
    dry_run: bool,
    tick: u64,
    /// Queued config changes and marker alarms already reported, so each is logged once.
    seen: watch::Seen,
}

impl Keeper {
    pub fn new(
        chain: Arc<dyn Chain>,
        model: Arc<dyn Model>,
        config: KeeperConfig,
        keeper: Keypair,
        addresses: TreasuryAddresses,
        dry_run: bool,
    ) -> Result<Self, KeeperError> {
        let own = addresses.treasury;
        Ok(Self::fleet(chain, model, config, keeper, vec![addresses], dry_run)?.owning(own))
    }

    /// A keeper for several treasuries whose keeper is `keeper`: one journal (its keys scoped by
    /// treasury, but for the config's own: `owning`), one observation pass and one inference
    /// batch per tick; the config's payments, airdrops and proof rules apply to each treasury.
    pub fn fleet(
        chain: Arc<dyn Chain>,
        model: Arc<dyn Model>,
        config: KeeperConfig,
        keeper: Keypair,
        treasuries: Vec<TreasuryAddresses>,
        dry_run: bool,
    ) -> Result<Self, KeeperError> {
        let journal = Journal::open(&config.run.decision_log)?;
        let horizon = i64::from(config.proofs.copies.horizon_days) * 86_400;
        let photos = PhotoIndex::open(&PhotoIndex::path_for(&config), horizon)?;
        let records = Arc::new(Records::open(&config.run.records_dir())?);
        Ok(Self {
            chain,
            model,
            proofs: None,
            config,
            keeper,
            treasuries,
            own: None,
            journal,
            photos,
            records,
            metrics: Arc::default(),
            dry_run,
            tick: 0,
            seen: Default::default(),
        })
    }

    /// `treasury` is the config's own: its journal keys are written unscoped, as before fleets, so
    /// a journal written by a one-treasury keeper still counts whatever the fleet around it.
    pub fn owning(mut self, treasury: Pubkey) -> Self {
        self.own = Some(treasury);
        self
    }

    /// Claims are judged by what their photos show; without a reader they wait.
    pub fn with_proof_reader(mut self, reader: Arc<ProofReader>) -> Self {
        self.proofs = Some(reader);
        self
    }

    /// The published decision records, for the HTTP server.
    pub fn records(&self) -> Arc<Records> {
        self.records.clone()
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// The journal, for what the loop does beside the ticks (paid calls, `x402::schedule`).
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// The keeper's key and journal together, for a door that signs and journals by itself (x402).
    pub fn signer_and_journal(&mut self) -> (&Keypair, &mut Journal) {
        (&self.keeper, &mut self.journal)
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The first treasury's snapshot.
    pub async fn observe(&self) -> Result<Snapshot, KeeperError> {
        let mut all = self.observe_all().await?;
        all.truncate(1);
        all.pop().ok_or_else(|| KeeperError::Observe(crate::chain::ChainError::Other("no treasury to keep".into())))
    }

    pub async fn observe_all(&self) -> Result<Vec<Snapshot>, KeeperError> {
        crate::observe::observe_many(self.chain.as_ref(), &self.treasuries, &self.config.sol_wallets())
            .await
            .map_err(KeeperError::Observe)
    }

    pub fn treasuries(&self) -> &[TreasuryAddresses] {
        &self.treasuries
    }

    /// The journal's and the report's key for `key` of `treasury`: as is for the config's own
    /// treasury (so a journal written before fleets still counts), `<treasury>/<key>` for every
    /// other, however many the shard holds (a key must not change when the shard grows).
    fn scoped(&self, treasury: &Pubkey, key: &str) -> String {
        if self.own == Some(*treasury) {
            key.to_string()
        } else {
            format!("{treasury}/{key}")
        }
    }

    pub async fn tick(&mut self) -> Result<TickReport, KeeperError> {
        self.tick += 1;
        let mut report = TickReport { tick: self.tick, ..TickReport::default() };
        if !self.dry_run {
            self.reconcile(&mut report).await?;
        }
        let snapshots = match self.observe_all().await {
            Ok(snapshots) => snapshots,
            Err(error) => {
                self.metrics.count("covenant_keeper_ticks_total", &[("outcome", "observe_failed")]);
                self.metrics.tick_finished(None);
                return Err(error);
            }
        };
        let now = snapshots.first().map_or(0, |snapshot| snapshot.now);
        report.now = now;
        self.report_balances(&snapshots).await;
        self.watch(&snapshots);
        // What the journal holds, split by treasury (a fleet's keys are `<treasury>/<key>`).
        let settled = by_treasury(self.journal.settled_or_open(), self.own);
        let none = HashSet::new();
        let settled_of = |snapshot: &Snapshot| settled.get(&snapshot.addresses.treasury).unwrap_or(&none);
        let jobs: Vec<_> =
            snapshots.iter().flat_map(|snapshot| proof_jobs(snapshot, &self.config, settled_of(snapshot))).collect();
        let mut proofs = match (&self.proofs, jobs.is_empty()) {
            (Some(reader), false) => {
                let started = Instant::now();
                let read = reader.read_all(jobs).await?;
                self.metrics.set_gauge("covenant_keeper_proof_read_seconds", started.elapsed().as_secs_f64());
                read
            }
            _ => Default::default(),
        };
        if let Some(reader) = &self.proofs {
            crate::proofs::backfill::backfill(reader, &mut self.photos, &snapshots).await?;
        }
        crate::proofs::screen(&mut self.photos, &snapshots, &mut proofs, &self.config.proofs.copies)?;
        // Every treasury's candidates, scored in one batch.
        let found: Vec<(usize, crate::decide::Candidate)> = snapshots
            .iter()
            .enumerate()
            .flat_map(|(index, snapshot)| {
                candidates(snapshot, &self.config, settled_of(snapshot), &proofs).into_iter().map(move |c| (index, c))
            })
            .collect();
        report.candidates = found.len();

        let scored: Vec<usize> = (0..found.len()).filter(|&i| found[i].1.is_scored()).collect();
        let rows: Vec<_> = scored.iter().map(|&i| found[i].1.features).collect();
        let model = self.model.clone();
        let started = Instant::now();
        let scores = tokio::task::spawn_blocking(move || model.score(&rows))
            .await
            .map_err(|error| ModelError::Inference(format!("inference task: {error}")))??;
        self.metrics.observe_inference(started.elapsed().as_secs_f64());
        let mut score_of: Vec<Option<Score>> = vec![None; found.len()];
        for (&i, score) in scored.iter().zip(scores) {
            score_of[i] = Some(score);
        }

        let mut guards: Vec<Guard> = snapshots.iter().map(Guard::new).collect();
        // `max_actions_per_tick` is per treasury: a large fleet does not starve its last members.
        let mut sent = vec![0usize; snapshots.len()];
        let mut actions = Vec::new();
        for ((index, candidate), score) in found.iter().zip(score_of) {
            let snapshot = &snapshots[*index];
            let key = self.scoped(&snapshot.addresses.treasury, &candidate.key);
            let proposal = propose(candidate, score, &self.config);
            if let Some(review) = review(candidate, &proposal, score) {
                report.claims.insert(key.clone(), review);
            }
            let verdict = match proposal {
                Proposal::Hold(reason) => {
                    report.held.push(key);
                    self.log_decision(snapshot, candidate, score, None, reason)?;
                    continue;
                }
                Proposal::Act(intent) => {
                    let verdict = guards[*index].check(&intent);
                    let priced = match &verdict {
                        Verdict::Pass { intent } | Verdict::Clamped { intent, .. } => intent.clone(),
                        Verdict::Refused { .. } => intent,
                    };
                    report.intents.insert(key.clone(), priced);
                    verdict
                }
            };
            let record = self.log_decision(snapshot, candidate, score, Some(&verdict), "")?;
            let intent = match &verdict {
                Verdict::Refused { code, .. } => {
                    self.metrics.count("covenant_keeper_refusals_total", &[("reason", code)]);
                    report.refused.push((key, code.clone()));
                    continue;
                }
                Verdict::Clamped { intent, .. } => {
                    report.clamped.push(key.clone());
                    intent.clone()
                }
                Verdict::Pass { intent } => intent.clone(),
            };
            if self.dry_run || sent[*index] >= self.config.run.max_actions_per_tick {
                report.not_sent.push(key);
                continue;
            }
            sent[*index] += 1;
            actions.push(send::Action {
                action: candidate.key.clone(),
                key,
                intent,
                snapshot,
                decision: record,
                memo: None,
                ordered: true,
            });
        }
        self.act_all(actions, &mut report).await?;
        // Held and refused decisions, and outcomes, reach the disk once per tick.
        self.journal.sync()?;
        self.metrics.count("covenant_keeper_ticks_total", &[("outcome", "ok")]);
        self.metrics.tick_finished(Some(now));
        self.metrics.set_gauge("covenant_keeper_open_intents", self.journal.open_intents().len() as f64);
        Ok(report)
    }

    /// Gauges for what an operator watches: the fee payer's lamports, the vault's balances, pause.
    async fn report_balances(&self, snapshots: &[Snapshot]) {
        if let Ok(accounts) = self.chain.accounts(&[self.keeper.pubkey()]).await {
            let lamports = accounts.into_iter().next().flatten().map_or(0, |account| account.lamports);
            self.metrics.set_gauge("covenant_keeper_fee_payer_lamports", lamports as f64);
        }
        // Labelled per treasury up to `metrics_treasury_labels` (series cost memory in every
        // scraper); the fleet's size and its paused count are always there.
        let vault = "covenant_keeper_vault_balance";
        for snapshot in snapshots.iter().take(self.config.run.metrics_treasury_labels) {
            let treasury = snapshot.addresses.treasury.to_string();
            let sol = snapshot.vault_spendable as f64;
            self.metrics.set_labeled_gauge(vault, &[("treasury", &treasury), ("asset", "SOL")], sol);
            for (mint, amount) in &snapshot.token_balances {
                let labels = [("treasury", treasury.as_str()), ("asset", &mint.to_string())];
                self.metrics.set_labeled_gauge(vault, &labels, *amount as f64);
            }
        }
        let paused = snapshots.iter().filter(|snapshot| snapshot.treasury.paused).count();
        self.metrics.set_gauge("covenant_keeper_paused", paused as f64);
        self.metrics.set_gauge("covenant_keeper_treasuries", snapshots.len() as f64);
    }

    fn log_decision(
        &mut self,
        snapshot: &Snapshot,
        candidate: &crate::decide::Candidate,
        score: Option<Score>,
        verdict: Option<&Verdict>,
        held_because: &str,
    ) -> Result<DecisionRecord, KeeperError> {
        let (line, record) = self.decision_line(snapshot, candidate, score, verdict, held_because);
        let outcome = line["outcome"].as_str().unwrap_or_default();
        let labels = [("kind", kind_label(candidate.kind)), ("verdict", outcome)];
        self.metrics.count("covenant_keeper_decisions_total", &labels);
        // A dry run's hashes never reach the chain: its lines stay in the log only.
        if !self.dry_run {
            self.records.publish(&line)?;
        }
        self.journal.decision(line)?;
        Ok(record)
    }

    /// A decision's log line and the record that goes on chain (`decision_hash` over its `input`).
    fn decision_line(
        &self,
        snapshot: &Snapshot,
        candidate: &crate::decide::Candidate,
        score: Option<Score>,
        verdict: Option<&Verdict>,
        held_because: &str,
    ) -> (serde_json::Value, DecisionRecord) {
        let outcome = match verdict {
            Some(Verdict::Pass { .. }) => "pass",
            Some(Verdict::Clamped { .. }) => "clamped",
            Some(Verdict::Refused { .. }) => "refused",
            None => "hold",
        };
        let (key, kind) = (candidate.key.as_str(), candidate.kind);
        let proof = candidate.proof.as_ref();
        let proof_models = proof.and(self.proofs.as_ref()).map(|reader| {
            let info = reader.info();
            [hex::encode(info.det_hash), hex::encode(info.rec_hash), hex::encode(info.cls_hash)]
        });
        let input = DecisionInput {
            model_hash: hex::encode(self.model.info().hash),
            key,
            features: &candidate.features,
            approve: score.map(|score| score.approve),
            amount_scale: score.map(|score| score.amount_scale),
            verdict,
            held_because: verdict.is_none().then_some(held_because),
            proof,
            proof_models,
            request: candidate.asked.as_ref(),
        };
        let input = serde_json::to_value(&input).unwrap_or_default();
        let hash = decision_hash(&input);
        let line = serde_json::json!({
            "tick": self.tick,
            "time": snapshot.now,
            "treasury": snapshot.addresses.treasury.to_string(),
            "kind": kind_label(kind),
            "outcome": outcome,
            "model_version": self.model.info().version,
            "decision_hash": hex::encode(hash),
            // A dry run decides and guards but signs nothing: its lines say so, so that nobody
            // (and no auditor recomputing hashes) takes them for actions taken.
            "dry_run": self.dry_run,
            "input": input,
        });
        (line, DecisionRecord { model_hash: self.model.info().hash, decision_hash: hash })
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Claim => "claim",
        Kind::GrantRelease => "grant_release",
        Kind::Payment => "payment",
        Kind::Airdrop => "airdrop",
        Kind::Execute => "execute_pending",
        Kind::PayClaim => "pay_claim",
        Kind::Request => "request",
    }
}

/// A transaction error in words; Covenant's own errors by name.
pub fn describe(error: &TransactionError) -> String {
    if let TransactionError::InstructionError(index, solana_instruction_error::InstructionError::Custom(code)) = error {
        if let Some(name) = crate::errors::transaction_error_name(error) {
            return format!("instruction {index}: {name} ({code})");
        }
    }
    format!("{error:?}")
}
