//! Agents' payment requests, handled in batches by the same machinery as a tick: one observation
//! of the treasuries they name, one inference batch (contract v3), the guard per treasury in
//! order (so the batch's requests count against each other's window), the decision logged and
//! hashed with what the agent asked, then sent in waves behind each request's exactly-once marker.
//! A request key already answered gets its first answer again.

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use covenant::state::DecisionRecord;

use super::{send, Keeper, KeeperError, TickReport};
use crate::decide::{propose, Intent, Proposal};
use crate::guard::{Guard, Verdict};
use crate::model::{ModelError, Score};
use crate::observe::Snapshot;
use crate::requests::{AgentRequest, Headroom, PendingInfo, Refusal, RequestOutcome};

/// One request on its way through the batch.
struct Pending<'a> {
    index: usize,
    request: &'a AgentRequest,
    key: String,
    snapshot: usize,
}

impl Keeper {
    /// Decides, guards and (unless `dry_run`) acts on `requests`; one outcome per request, in order.
    pub async fn handle_requests(
        &mut self,
        requests: &[AgentRequest],
        dry_run: bool,
    ) -> Result<Vec<RequestOutcome>, KeeperError> {
        let mut outcomes: Vec<Option<RequestOutcome>> = vec![None; requests.len()];
        let mut first_of: HashMap<String, usize> = HashMap::new();
        let mut fresh = Vec::new();
        let mut wanted: Vec<Pubkey> = Vec::new();
        for (index, request) in requests.iter().enumerate() {
            let key = self.scoped(&request.treasury, &request.key());
            if !self.treasuries.iter().any(|t| t.treasury == request.treasury) {
                outcomes[index] =
                    Some(refused(request, "keeper", "TreasuryNotKept", "this keeper does not keep that treasury"));
                continue;
            }
            if !dry_run {
                if let Some(answer) = self.answered(request, &key) {
                    outcomes[index] = Some(answer);
                    continue;
                }
                // The same key twice in one batch: the second waits for the first's answer.
                if first_of.contains_key(&key) {
                    continue;
                }
                first_of.insert(key.clone(), index);
            }
            if !wanted.contains(&request.treasury) {
                wanted.push(request.treasury);
            }
            fresh.push((index, key));
        }
        let addresses: Vec<_> = self.treasuries.iter().copied().filter(|t| wanted.contains(&t.treasury)).collect();
        let snapshots = crate::observe::observe_many(self.chain.as_ref(), &addresses, &self.config.sol_wallets())
            .await
            .map_err(KeeperError::Observe)?;
        let at = |treasury: &Pubkey| snapshots.iter().position(|s| s.addresses.treasury == *treasury);
        let pending: Vec<Pending> = fresh
            .into_iter()
            .filter_map(|(index, key)| {
                let snapshot = at(&requests[index].treasury)?;
                Some(Pending { index, request: &requests[index], key, snapshot })
            })
            .collect();

        let scored = self.model.scores_requests();
        let candidates: Vec<_> = pending.iter().map(|p| p.request.candidate(&snapshots[p.snapshot], scored)).collect();
        let scores = self.score_requests(&candidates).await?;

        let mut guards: Vec<Guard> = snapshots.iter().map(Guard::new).collect();
        let mut actions = Vec::new();
        let mut report = TickReport { now: snapshots.first().map_or(0, |s| s.now), ..TickReport::default() };
        let mut decided = Vec::new();
        for ((p, candidate), score) in pending.iter().zip(&candidates).zip(scores) {
            let snapshot = &snapshots[p.snapshot];
            let proposal = propose(candidate, score, &self.config);
            let verdict = match &proposal {
                Proposal::Act(intent) => Some(guards[p.snapshot].check(intent)),
                // The model declined: if the chain's rules refuse it too, that is the answer an
                // agent can act on (the rule by name, with what is left), so the guard is asked
                // on a copy that the declined request does not count against.
                Proposal::Hold(_) => match guards[p.snapshot].clone().check(&candidate.intent) {
                    refused @ Verdict::Refused { .. } => Some(refused),
                    _ => None,
                },
            };
            let held = match &proposal {
                Proposal::Hold(reason) => *reason,
                Proposal::Act(_) => "",
            };
            let (line, record) = self.decision_line(snapshot, candidate, score, verdict.as_ref(), held);
            if !dry_run {
                let labels = [("kind", "request"), ("verdict", line["outcome"].as_str().unwrap_or_default())];
                self.metrics.count("covenant_keeper_decisions_total", &labels);
                self.journal.decision(line)?;
            }
            match verdict {
                None => {
                    let refusal = refused(
                        p.request,
                        "model",
                        "ModelDeclined",
                        &format!("{held} (approve {:.3})", score.map_or(0.0, |s| s.approve)),
                    );
                    outcomes[p.index] = Some(with_record(refusal, &record));
                }
                Some(Verdict::Refused { code, detail, .. }) => {
                    self.metrics.count("covenant_keeper_refusals_total", &[("reason", code.as_str())]);
                    let mut refusal = refused(p.request, "guard", &code, &detail);
                    refusal.line = format!("{} ({})", refusal.line, room_line(snapshot, p.request));
                    outcomes[p.index] = Some(with_record(refusal, &record));
                }
                Some(Verdict::Pass { intent } | Verdict::Clamped { intent, .. }) if dry_run => {
                    outcomes[p.index] = Some(with_record(would(p.request, snapshot, &intent), &record));
                }
                Some(Verdict::Pass { intent } | Verdict::Clamped { intent, .. }) => {
                    actions.push(send::Action {
                        action: p.request.key(),
                        key: p.key.clone(),
                        intent: intent.clone(),
                        snapshot,
                        decision: record,
                        memo: p.request.memo.clone(),
                        ordered: matches!(intent, Intent::Propose { .. } | Intent::CreateBounty { .. }),
                    });
                    decided.push((p, intent, record));
                }
            }
        }
        if !actions.is_empty() {
            self.act_all(actions, &mut report).await?;
        }
        for (p, intent, record) in decided {
            let outcome = settled(p.request, &p.key, &intent, &snapshots[p.snapshot], &report);
            outcomes[p.index] = Some(with_record(outcome, &record));
        }
        // Answers are final once the chain (or the rules) gave one: a retry gets the same.
        if !dry_run {
            for p in &pending {
                if let Some(outcome) = &outcomes[p.index] {
                    if outcome.status != "unsettled" {
                        self.journal.record_answer(&p.key, serde_json::to_value(outcome).unwrap_or_default())?;
                    }
                }
            }
            self.journal.sync()?;
        }
        for (index, request) in requests.iter().enumerate() {
            if outcomes[index].is_none() {
                let key = self.scoped(&request.treasury, &request.key());
                let first = first_of.get(&key).and_then(|&first| outcomes[first].clone());
                outcomes[index] = first.or_else(|| self.answered(request, &key));
            }
        }
        Ok(outcomes
            .into_iter()
            .zip(requests)
            .map(|(outcome, request)| {
                outcome.unwrap_or_else(|| refused(request, "keeper", "NotDecided", "no decision was reached"))
            })
            .collect())
    }

    /// Settles what an earlier run left in flight (its signatures' statuses), as a tick does first:
    /// a request sent just before a crash is then answered `paid` (or decided afresh), never left
    /// `unsettled` for good.
    pub async fn settle_in_flight(&mut self) -> Result<(), KeeperError> {
        let mut report = TickReport::default();
        self.reconcile(&mut report).await?;
        self.journal.sync()?;
        Ok(())
    }

    /// The answer given for `request`'s key (`request_status`), if any was.
    pub fn request_answer(&self, request: &AgentRequest) -> Option<RequestOutcome> {
        self.answered(request, &self.scoped(&request.treasury, &request.key()))
    }

    /// The answer already given for `key`, or what the journal knows of it (landed or in flight
    /// before a restart).
    fn answered(&self, request: &AgentRequest, key: &str) -> Option<RequestOutcome> {
        if let Some(answer) = self.journal.answer(key) {
            return serde_json::from_value(answer.clone()).ok();
        }
        if let Some(signature) = self.journal.landed_signature(key) {
            let mut outcome = base(request, "paid");
            outcome.signature = Some(signature.to_string());
            outcome.line = format!("already paid under this idempotency key ({signature})");
            return Some(outcome);
        }
        self.journal.is_open(key).then(|| {
            let mut outcome = base(request, "unsettled");
            outcome.line = "sent before a restart and not yet confirmed: ask again shortly".into();
            outcome
        })
    }

    async fn score_requests(&self, candidates: &[crate::decide::Candidate]) -> Result<Vec<Option<Score>>, KeeperError> {
        let scored: Vec<usize> = (0..candidates.len()).filter(|&i| candidates[i].is_scored()).collect();
        let rows: Vec<_> = scored.iter().map(|&i| candidates[i].features).collect();
        let model = self.model.clone();
        let scores = tokio::task::spawn_blocking(move || model.score(&rows))
            .await
            .map_err(|error| ModelError::Inference(format!("inference task: {error}")))??;
        let mut out = vec![None; candidates.len()];
        for (&i, score) in scored.iter().zip(scores) {
            out[i] = Some(score);
        }
        Ok(out)
    }
}

fn base(request: &AgentRequest, status: &str) -> RequestOutcome {
    RequestOutcome {
        status: status.into(),
        idempotency_key: request.idempotency_key.clone(),
        treasury: request.treasury.to_string(),
        to: request.to.to_string(),
        asset: crate::decide::asset_name(&request.asset),
        amount: request.amount,
        signature: None,
        pending: None,
        refusal: None,
        decision_hash: None,
        model_hash: None,
        line: String::new(),
    }
}

pub(crate) fn refused(request: &AgentRequest, by: &str, error: &str, message: &str) -> RequestOutcome {
    let mut outcome = base(request, "refused");
    outcome.line = format!("refused by the {by}: {error}: {message}");
    outcome.refusal = Some(Refusal { by: by.into(), error: error.into(), message: message.into() });
    outcome
}

fn with_record(mut outcome: RequestOutcome, record: &DecisionRecord) -> RequestOutcome {
    outcome.decision_hash = Some(hex::encode(record.decision_hash));
    outcome.model_hash = Some(hex::encode(record.model_hash));
    outcome
}

/// What the window and the payee have left, for a refusal's line.
fn room_line(snapshot: &Snapshot, request: &AgentRequest) -> String {
    let room = Headroom::of(snapshot, &request.asset, &request.to);
    let Some(policy) = room.policy else { return "no policy for this asset".into() };
    let amount = |value: u64| crate::units::amount(value, policy.decimals);
    let mut line = format!(
        "per-transaction max {}, {} left in the window until {}",
        amount(policy.per_tx_max),
        amount(policy.window_left),
        policy.window_resets_at
    );
    if let Some(left) = room.payee.and_then(|payee| payee.budget_left) {
        line.push_str(&format!(", payee budget left {}", amount(left)));
    }
    line
}

/// A dry run's answer: what a real request would do now.
fn would(request: &AgentRequest, snapshot: &Snapshot, intent: &Intent) -> RequestOutcome {
    match intent {
        Intent::Propose { pending_id, .. } => {
            let mut outcome = base(request, "would_propose");
            outcome.pending = Some(pending_info(snapshot, request, *pending_id));
            outcome.line = format!("would become pending spend {pending_id}: above the co-sign threshold");
            outcome
        }
        _ => {
            let mut outcome = base(request, "would_pay");
            outcome.line = format!("would pay now ({})", room_line(snapshot, request));
            outcome
        }
    }
}

fn pending_info(snapshot: &Snapshot, request: &AgentRequest, id: u64) -> PendingInfo {
    let timelock = snapshot.policies.get(&request.asset).map_or(0, |policy| policy.limits.timelock_seconds);
    let t = &snapshot.treasury;
    let mut cancellers = vec![format!("operator {}", t.operator)];
    cancellers.extend(t.guardian.map(|guardian| format!("guardian {guardian}")));
    PendingInfo {
        id,
        executable_at: snapshot.now.saturating_add(i64::from(timelock)),
        approver: format!("operator {} (covenant-keeper approve-pending --id {id})", t.operator),
        cancellers,
    }
}

/// What the chain made of a sent request.
fn settled(
    request: &AgentRequest,
    key: &str,
    intent: &Intent,
    snapshot: &Snapshot,
    report: &TickReport,
) -> RequestOutcome {
    if let Some(signature) = report.signatures.get(key) {
        let mut outcome = match intent {
            Intent::CreateBounty { bounty_id, reward, max_claims, deadline, .. } => {
                let mut outcome = base(request, "opened");
                let address = snapshot.addresses.bounty(*bounty_id);
                outcome.line = format!(
                    "bounty {bounty_id} ({address}) opened: {reward} base units to each of {max_claims} claimants until {deadline}"
                );
                outcome
            }
            Intent::Propose { pending_id, .. } => {
                let mut outcome = base(request, "pending");
                let info = pending_info(snapshot, request, *pending_id);
                outcome.line = format!(
                    "pending spend {pending_id}: above the co-sign threshold, executable at {} unless cancelled, or at once if the operator approves",
                    info.executable_at
                );
                outcome.pending = Some(info);
                outcome
            }
            _ => {
                let mut outcome = base(request, "paid");
                outcome.line = format!("paid ({signature})");
                outcome
            }
        };
        outcome.signature = Some(signature.clone());
        return outcome;
    }
    if report.done_elsewhere.iter().any(|done| done == key) {
        let mut outcome = base(request, "paid");
        outcome.line = "already done under this idempotency key by another keeper of this treasury".into();
        return outcome;
    }
    if let Some((_, detail)) = report.failed.iter().find(|(failed, _)| failed == key) {
        let error = crate::errors::program_error_in(detail).unwrap_or("TransactionFailed");
        let mut outcome = refused(request, "program", error, detail);
        outcome.line = format!("{} ({})", outcome.line, room_line(snapshot, request));
        return outcome;
    }
    let mut outcome = base(request, "unsettled");
    outcome.line = "sent, not yet confirmed: ask request_status with the same idempotency key".into();
    outcome
}
