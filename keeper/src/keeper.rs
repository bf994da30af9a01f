//! One keeper for one treasury: each tick runs observe → decide → guard → act → report, after
//! settling whatever a previous run left in flight.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use covenant::sdk::TreasuryAddresses;
use covenant::state::DecisionRecord;
use serde::Serialize;
use sha2::{Digest, Sha256};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::act::{self, compute_limit, priority_fee};
use crate::chain::{Chain, ChainError};
use crate::config::KeeperConfig;
use crate::decide::{candidates, proof_jobs, propose, Intent, Kind, Proposal};
use crate::guard::{Guard, Verdict};
use crate::journal::{Journal, JournalError, OpenIntent, Settlement};
use crate::metrics::Metrics;
use crate::model::{Model, ModelError, Score};
use crate::observe::{observe, Snapshot};
use crate::proofs::{ProofOutcome, ProofReader};

#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error("observe failed, tick skipped: {0}")]
    Observe(ChainError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Model(#[from] ModelError),
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
    /// Refused by their exactly-once markers: another keeper had landed them (nothing was paid twice).
    pub done_elsewhere: Vec<String>,
    /// Left in flight by an earlier run and settled now.
    pub reconciled: Vec<(String, Settlement)>,
    pub retries: u32,
    /// What each guarded decision would do, by key: the clamped intent where the guard clamped, the
    /// proposed one where it refused. Reports price the keys above with it.
    pub intents: BTreeMap<String, Intent>,
    /// Each claim decided this tick: what its photo showed and what was decided.
    pub claims: BTreeMap<String, ClaimReview>,
}

/// One claim's review, for reports: what was read and why it went the way it did.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimReview {
    pub claimant: String,
    /// The text regions read, in reading order ("" when the photo was not read).
    pub read: String,
    /// The proof rule's match score, when the photo was read.
    pub match_score: Option<f32>,
    /// "approve", "reject" or "hold".
    pub decision: &'static str,
    /// The reason: a reason-code name for rejections, the hold's reason, the model's score.
    pub why: String,
}

fn review(candidate: &crate::decide::Candidate, proposal: &Proposal, score: Option<Score>) -> Option<ClaimReview> {
    let claimant = match &candidate.intent {
        Intent::ApproveClaim { claimant, .. } | Intent::RejectClaim { claimant, .. } => claimant.clone(),
        _ => return None,
    };
    let (read, match_score, detail) = match &candidate.proof {
        Some(ProofOutcome::Read(reading)) => (reading.text(), Some(reading.rule_match.score), String::new()),
        Some(ProofOutcome::Refused { detail, .. } | ProofOutcome::Unreachable { detail }) => {
            (String::new(), None, detail.clone())
        }
        None => (String::new(), None, String::new()),
    };
    let approve = score.map(|score| format!("model approve {:.3}", score.approve)).unwrap_or_default();
    let (decision, why) = match proposal {
        Proposal::Hold(reason) => ("hold", format!("{reason} {approve}").trim().to_string()),
        Proposal::Act(Intent::RejectClaim { reason_code, .. }) => {
            let name = crate::proofs::RejectReason::from_code(*reason_code).map_or("unknown", |reason| reason.name());
            let because = if detail.is_empty() { approve } else { detail };
            ("reject", format!("{name} (code {reason_code}): {because}"))
        }
        Proposal::Act(_) => ("approve", approve),
    };
    Some(ClaimReview { claimant, read, match_score, decision, why })
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
    /// SHA-256 of the text detection and recognition models that read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    proof_models: Option<[String; 2]>,
}

pub fn decision_hash(input: &serde_json::Value) -> [u8; 32] {
    let bytes = serde_json::to_vec(input).unwrap_or_default();
    Sha256::digest(bytes).into()
}

enum Sent {
    Landed,
    Expired,
    Failed(String),
    /// Refused by its exactly-once marker: another keeper landed this action first.
    DoneElsewhere,
    Unsettled,
}

pub struct Keeper {
    chain: Arc<dyn Chain>,
    model: Arc<dyn Model>,
    proofs: Option<Arc<ProofReader>>,
    config: KeeperConfig,
    keeper: Keypair,
    addresses: TreasuryAddresses,
    journal: Journal,
    metrics: Arc<Metrics>,
    dry_run: bool,
    tick: u64,
    /// Queued config changes already reported, so each is logged once.
    config_changes_seen: std::collections::BTreeSet<u64>,
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
        let journal = Journal::open(&config.run.decision_log)?;
        Ok(Self {
            chain,
            model,
            proofs: None,
            config,
            keeper,
            addresses,
            journal,
            metrics: Arc::default(),
            dry_run,
            tick: 0,
            config_changes_seen: Default::default(),
        })
    }

    /// Claims are judged by what their photos show; without a reader they wait.
    pub fn with_proof_reader(mut self, reader: Arc<ProofReader>) -> Self {
        self.proofs = Some(reader);
        self
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub async fn observe(&self) -> Result<Snapshot, KeeperError> {
        observe(self.chain.as_ref(), &self.addresses, &self.config.sol_wallets()).await.map_err(KeeperError::Observe)
    }

    pub async fn tick(&mut self) -> Result<TickReport, KeeperError> {
        self.tick += 1;
        let mut report = TickReport { tick: self.tick, ..TickReport::default() };
        if !self.dry_run {
            self.reconcile(&mut report).await?;
        }
        let snapshot = match self.observe().await {
            Ok(snapshot) => snapshot,
            Err(error) => {
                self.metrics.count("covenant_keeper_ticks_total", &[("outcome", "observe_failed")]);
                self.metrics.tick_finished(None);
                return Err(error);
            }
        };
        report.now = snapshot.now;
        self.report_balances(&snapshot).await;
        self.metrics.set_gauge("covenant_keeper_config_changes_queued", snapshot.config_changes.len() as f64);
        for (_, request) in snapshot.config_changes.iter().filter(|(_, r)| self.config_changes_seen.insert(r.id)) {
            // Loud on purpose: a loosening change nobody expected is how a stolen operator key shows.
            tracing::warn!(
                id = request.id,
                executable_at = request.executable_at,
                change = %crate::status::describe_change(&request.change),
                "queued config change: cancel it with the guardian key if nobody meant it"
            );
        }
        let settled = self.journal.settled_or_open();
        let jobs = proof_jobs(&snapshot, &self.config, &settled);
        let proofs = match (&self.proofs, jobs.is_empty()) {
            (Some(reader), false) => {
                let started = Instant::now();
                let read = reader.read_all(jobs).await?;
                self.metrics.set_gauge("covenant_keeper_proof_read_seconds", started.elapsed().as_secs_f64());
                read
            }
            _ => Default::default(),
        };
        let found = candidates(&snapshot, &self.config, &settled, &proofs);
        report.candidates = found.len();

        let scored: Vec<usize> = (0..found.len()).filter(|&i| found[i].is_scored()).collect();
        let rows: Vec<_> = scored.iter().map(|&i| found[i].features).collect();
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

        let mut guard = Guard::new(&snapshot);
        let mut sent = 0usize;
        for (candidate, score) in found.iter().zip(score_of) {
            let proposal = propose(candidate, score, &self.config);
            if let Some(review) = review(candidate, &proposal, score) {
                report.claims.insert(candidate.key.clone(), review);
            }
            let verdict = match proposal {
                Proposal::Hold(reason) => {
                    report.held.push(candidate.key.clone());
                    self.log_decision(&snapshot, candidate, score, None, reason)?;
                    continue;
                }
                Proposal::Act(intent) => {
                    let verdict = guard.check(&intent);
                    let priced = match &verdict {
                        Verdict::Pass { intent } | Verdict::Clamped { intent, .. } => intent.clone(),
                        Verdict::Refused { .. } => intent,
                    };
                    report.intents.insert(candidate.key.clone(), priced);
                    verdict
                }
            };
            let record = self.log_decision(&snapshot, candidate, score, Some(&verdict), "")?;
            let intent = match &verdict {
                Verdict::Refused { code, .. } => {
                    self.metrics.count("covenant_keeper_refusals_total", &[("reason", code)]);
                    report.refused.push((candidate.key.clone(), code.clone()));
                    continue;
                }
                Verdict::Clamped { intent, .. } => {
                    report.clamped.push(candidate.key.clone());
                    intent.clone()
                }
                Verdict::Pass { intent } => intent.clone(),
            };
            if self.dry_run || sent >= self.config.run.max_actions_per_tick {
                report.not_sent.push(candidate.key.clone());
                continue;
            }
            sent += 1;
            self.act(&candidate.key, &intent, &snapshot, record, &mut report).await?;
        }
        // Held and refused decisions, and outcomes, reach the disk once per tick.
        self.journal.sync()?;
        self.metrics.count("covenant_keeper_ticks_total", &[("outcome", "ok")]);
        self.metrics.tick_finished(Some(snapshot.now));
        self.metrics.set_gauge("covenant_keeper_open_intents", self.journal.open_intents().len() as f64);
        Ok(report)
    }

    /// Gauges for what an operator watches: the fee payer's lamports, the vault's balances, pause.
    async fn report_balances(&self, snapshot: &Snapshot) {
        let treasury = self.addresses.treasury.to_string();
        if let Ok(accounts) = self.chain.accounts(&[self.keeper.pubkey()]).await {
            let lamports = accounts.into_iter().next().flatten().map_or(0, |account| account.lamports);
            self.metrics.set_gauge("covenant_keeper_fee_payer_lamports", lamports as f64);
        }
        let vault = "covenant_keeper_vault_balance";
        self.metrics.set_labeled_gauge(
            vault,
            &[("treasury", &treasury), ("asset", "SOL")],
            snapshot.vault_spendable as f64,
        );
        for (mint, amount) in &snapshot.token_balances {
            self.metrics.set_labeled_gauge(
                vault,
                &[("treasury", &treasury), ("asset", &mint.to_string())],
                *amount as f64,
            );
        }
        self.metrics.set_gauge("covenant_keeper_paused", f64::from(u8::from(snapshot.treasury.paused)));
    }

    fn log_decision(
        &mut self,
        snapshot: &Snapshot,
        candidate: &crate::decide::Candidate,
        score: Option<Score>,
        verdict: Option<&Verdict>,
        held_because: &str,
    ) -> Result<DecisionRecord, KeeperError> {
        let outcome = match verdict {
            Some(Verdict::Pass { .. }) => "pass",
            Some(Verdict::Clamped { .. }) => "clamped",
            Some(Verdict::Refused { .. }) => "refused",
            None => "hold",
        };
        let (key, kind) = (candidate.key.as_str(), candidate.kind);
        self.metrics.count("covenant_keeper_decisions_total", &[("kind", kind_label(kind)), ("verdict", outcome)]);
        let proof = candidate.proof.as_ref();
        let proof_models = proof.and(self.proofs.as_ref()).map(|reader| {
            let info = reader.info();
            [hex::encode(info.det_hash), hex::encode(info.rec_hash)]
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
        };
        let input = serde_json::to_value(&input).unwrap_or_default();
        let hash = decision_hash(&input);
        self.journal.decision(serde_json::json!({
            "tick": self.tick,
            "time": snapshot.now,
            "treasury": self.addresses.treasury.to_string(),
            "kind": kind_label(kind),
            "outcome": outcome,
            "model_version": self.model.info().version,
            "decision_hash": hex::encode(hash),
            // A dry run decides and guards but signs nothing: its lines say so, so that nobody
            // (and no auditor recomputing hashes) takes them for actions taken.
            "dry_run": self.dry_run,
            "input": input,
        }))?;
        Ok(DecisionRecord { model_hash: self.model.info().hash, decision_hash: hash })
    }

    async fn act(
        &mut self,
        key: &str,
        intent: &Intent,
        snapshot: &Snapshot,
        decision: DecisionRecord,
        report: &mut TickReport,
    ) -> Result<(), KeeperError> {
        let keeper = self.keeper.pubkey();
        let ixs = match act::instructions(intent, snapshot, &keeper, decision) {
            Ok(ixs) => crate::exactly_once::marked(key, &snapshot.addresses, &keeper, ixs),
            Err(error) => {
                report.failed.push((key.into(), error.to_string()));
                return Ok(());
            }
        };
        let writable: Vec<Pubkey> = ixs
            .iter()
            .flat_map(|ix| ix.accounts.iter().filter(|meta| meta.is_writable).map(|meta| meta.pubkey))
            .collect();
        let recent = self.chain.recent_priority_fees(&writable).await.unwrap_or_default();
        let fee = priority_fee(&recent, &self.config.fees);
        for _ in 0..self.config.run.attempts {
            let blockhash = match self.chain.latest_blockhash().await {
                Ok(blockhash) => blockhash,
                Err(error) => {
                    report.retries += 1;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                    continue;
                }
            };
            // Simulation skips signature checks, so the probe goes unsigned: one ed25519 per action.
            let probe = act::unsigned(&ixs, 1_400_000, fee, &keeper, blockhash);
            let units = match self.chain.simulate(&probe).await {
                Ok(simulation) => match simulation.error {
                    Some(error) if crate::exactly_once::done_elsewhere(key, &error) => {
                        self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "done_elsewhere")]);
                        report.done_elsewhere.push(key.into());
                        return Ok(());
                    }
                    Some(error) => {
                        // The program (or runtime) refuses it: nothing is sent.
                        self.metrics
                            .count("covenant_keeper_transactions_total", &[("outcome", "refused_in_simulation")]);
                        report.failed.push((key.into(), describe(&error)));
                        return Ok(());
                    }
                    None => compute_limit(simulation.units_consumed),
                },
                Err(_) => compute_limit(None),
            };
            let tx = act::sign(&ixs, units, fee, &self.keeper, blockhash);
            let signature = tx.signatures[0].to_string();
            let encoded = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap_or_default());
            self.journal.intent(OpenIntent { key: key.into(), signature: signature.clone(), transaction: encoded })?;
            match self.send(key, &tx, report).await {
                Sent::Landed => {
                    self.journal.outcome(key, &signature, Settlement::Landed, None)?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "landed")]);
                    report.landed.push(key.into());
                    return Ok(());
                }
                Sent::Failed(detail) => {
                    self.journal.outcome(key, &signature, Settlement::Failed, Some(detail.clone()))?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "failed")]);
                    report.failed.push((key.into(), detail));
                    return Ok(());
                }
                Sent::DoneElsewhere => {
                    let detail = "done by another keeper (its marker refused this one)".to_string();
                    self.journal.outcome(key, &signature, Settlement::Failed, Some(detail))?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "done_elsewhere")]);
                    report.done_elsewhere.push(key.into());
                    return Ok(());
                }
                Sent::Expired => {
                    self.journal.outcome(key, &signature, Settlement::Expired, None)?;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", "blockhash_expired")]);
                    report.retries += 1;
                }
                Sent::Unsettled => {
                    report.unsettled.push(key.into());
                    return Ok(());
                }
            }
        }
        report.unsettled.push(key.into());
        Ok(())
    }

    /// Sends one signed transaction until it is settled; on network trouble, asks whether it landed
    /// before resending the same bytes (same signature: it can land at most once).
    async fn send(&self, key: &str, tx: &Transaction, report: &mut TickReport) -> Sent {
        let signature = tx.signatures[0];
        for attempt in 0..self.config.run.attempts {
            match self.chain.send_and_confirm(tx).await {
                Ok(_) | Err(ChainError::AlreadyProcessed) => return Sent::Landed,
                Err(ChainError::Rejected { error, .. }) if crate::exactly_once::done_elsewhere(key, &error) => {
                    return Sent::DoneElsewhere
                }
                Err(ChainError::Rejected { error, .. }) => return Sent::Failed(describe(&error)),
                Err(ChainError::BlockhashExpired) => {
                    return match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => Sent::Landed,
                        _ => Sent::Expired,
                    };
                }
                Err(error) => {
                    report.retries += 1;
                    self.metrics.count("covenant_keeper_transactions_total", &[("outcome", error.label())]);
                    tracing::warn!(%signature, %error, attempt, "send failed; checking whether it landed");
                    match self.chain.signature_status(&signature).await {
                        Ok(Some(Ok(()))) => return Sent::Landed,
                        Ok(Some(Err(error))) => return Sent::Failed(describe(&error)),
                        _ => tokio::time::sleep(self.config.run.backoff(attempt)).await,
                    }
                }
            }
        }
        Sent::Unsettled
    }

    /// Settles what an earlier run left in flight, before anything new is decided.
    async fn reconcile(&mut self, report: &mut TickReport) -> Result<(), KeeperError> {
        for intent in self.journal.open_intents() {
            let Ok(signature) = intent.signature.parse::<Signature>() else { continue };
            let settlement = match self.chain.signature_status(&signature).await {
                Ok(Some(Ok(()))) => Some((Settlement::Landed, None)),
                Ok(Some(Err(error))) => Some((Settlement::Failed, Some(describe(&error)))),
                // Unseen: the very same bytes go out again, through the same send path as a new action.
                Ok(None) => match decode_transaction(&intent.transaction) {
                    Some(tx) => match self.send(&intent.key, &tx, report).await {
                        Sent::Landed => Some((Settlement::Landed, None)),
                        Sent::Expired => Some((Settlement::Expired, None)),
                        Sent::Failed(detail) => Some((Settlement::Failed, Some(detail))),
                        Sent::DoneElsewhere => Some((
                            Settlement::Failed,
                            Some("done by another keeper (its marker refused this one)".into()),
                        )),
                        Sent::Unsettled => None,
                    },
                    None => None,
                },
                Err(_) => None,
            };
            if let Some((settlement, detail)) = settlement {
                self.journal.outcome(&intent.key, &intent.signature, settlement, detail)?;
                if settlement == Settlement::Landed {
                    report.landed.push(intent.key.clone());
                }
                report.reconciled.push((intent.key.clone(), settlement));
            }
        }
        Ok(())
    }
}

fn decode_transaction(encoded: &str) -> Option<Transaction> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    bincode::deserialize(&bytes).ok()
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Claim => "claim",
        Kind::GrantRelease => "grant_release",
        Kind::Payment => "payment",
        Kind::Airdrop => "airdrop",
        Kind::Execute => "execute_pending",
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
