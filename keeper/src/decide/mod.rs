//! Decide: turn a snapshot into candidate actions with their feature rows (the model's input),
//! then turn the model's scores into proposals. Nothing here signs or checks policy; that is the
//! guard's job.

use std::collections::{HashMap, HashSet};

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::policy::{roll_window, PendingStatus};
use serde::Serialize;

use crate::config::KeeperConfig;
use crate::exactly_once::{progress, Progress};
use crate::model::{FeatureRow, Score, FEATURE_COUNT};
use crate::observe::Snapshot;
use crate::proofs::{ProofOutcome, RejectReason};

mod claims;

pub use claims::proof_jobs;

const DAY: f32 = 86_400.0;

/// What the keeper would do; amounts in the asset's base units. Keys are typed: they are formatted
/// (base58, `"SOL"` for the SOL asset) only when an intent is logged or hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Intent {
    ApproveClaim {
        #[serde(serialize_with = "text::key")]
        bounty: Pubkey,
        #[serde(serialize_with = "text::key")]
        claimant: Pubkey,
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        reward: u64,
    },
    /// An approved claim whose challenge window has passed undisputed (or whose dispute left it
    /// approved): the reward leaves the bounty's escrow.
    PayClaim {
        #[serde(serialize_with = "text::key")]
        bounty: Pubkey,
        #[serde(serialize_with = "text::key")]
        claimant: Pubkey,
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        reward: u64,
    },
    RejectClaim {
        #[serde(serialize_with = "text::key")]
        bounty: Pubkey,
        #[serde(serialize_with = "text::key")]
        claimant: Pubkey,
        /// Written on chain (`RejectReason` in proofs).
        reason_code: u16,
    },
    ReleaseGrant {
        #[serde(serialize_with = "text::key")]
        grant: Pubkey,
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        amount: u64,
    },
    Pay {
        schedule: String,
        #[serde(serialize_with = "text::key")]
        recipient: Pubkey,
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        amount: u64,
        partial: bool,
        purpose: String,
    },
    /// A payment above the co-sign threshold becomes a pending spend (timelock or operator).
    Propose {
        schedule: String,
        #[serde(serialize_with = "text::key")]
        recipient: Pubkey,
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        amount: u64,
        pending_id: u64,
        purpose: String,
    },
    Airdrop {
        airdrop: String,
        #[serde(serialize_with = "text::key")]
        mint: Pubkey,
        #[serde(serialize_with = "text::key")]
        recipient: Pubkey,
        amount: u64,
    },
    ExecutePending {
        pending_id: u64,
        #[serde(serialize_with = "text::key")]
        recipient: Pubkey,
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        amount: u64,
    },
    /// An agent's bounty (where the operator lets it open one): `reward × max_claims` leaves the
    /// vault for the bounty's escrow as one keeper spend.
    CreateBounty {
        #[serde(serialize_with = "text::asset")]
        asset: Pubkey,
        reward: u64,
        max_claims: u32,
        deadline: i64,
        description: String,
        /// The treasury's next bounty id (the guard numbers a batch's bounties in order).
        bounty_id: u64,
        /// Claims must show the claimant's code (left out when not, as before codes existed).
        #[serde(skip_serializing_if = "is_false")]
        claim_code: bool,
    },
}

pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// How intents' keys read in logs, reports and decision hashes (unchanged since they were strings).
mod text {
    use anchor_lang::prelude::Pubkey;
    use covenant::constants::SOL_ASSET;
    use serde::Serializer;

    pub fn key<S: Serializer>(key: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(key)
    }

    pub fn asset<S: Serializer>(asset: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
        if *asset == SOL_ASSET {
            serializer.serialize_str("SOL")
        } else {
            serializer.collect_str(asset)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Claim,
    GrantRelease,
    Payment,
    Airdrop,
    /// Executing a matured pending spend: decided when it was proposed, so not scored again.
    Execute,
    /// An agent's payment request (`requests`): scored by a v3 model, guarded like a payment.
    Request,
    /// Paying a claim approved earlier, once its challenge window passed undisputed: decided at
    /// approval, so not scored again.
    PayClaim,
}

#[derive(Clone, Debug)]
pub struct Candidate {
    /// Stable identity of the action: the idempotency key in the journal.
    pub key: String,
    pub kind: Kind,
    pub features: FeatureRow,
    /// What "yes" means for this candidate.
    pub intent: Intent,
    /// A claim's proof as read (or why it could not be): logged and hashed with the decision.
    pub proof: Option<ProofOutcome>,
    /// Decided without the model: a proof that cannot be judged (its rejection is the intent), or
    /// a claim that waits (`wait` says why).
    pub by_rule: bool,
    pub wait: Option<&'static str>,
    /// For an agent's request: what it asked (agent, tool, arguments, purpose), in the decision
    /// record so the on-chain decision hash names what the agent asked for and why.
    pub asked: Option<serde_json::Value>,
}

impl Candidate {
    pub fn is_scored(&self) -> bool {
        !matches!(self.kind, Kind::Execute | Kind::PayClaim) && !self.by_rule
    }

    fn new(key: String, kind: Kind, features: FeatureRow, intent: Intent) -> Self {
        Self { key, kind, features, intent, proof: None, by_rule: false, wait: None, asked: None }
    }

    /// An agent's request (`requests::candidate`); `by_rule` when the model cannot score requests.
    pub fn request(key: String, features: FeatureRow, intent: Intent, by_rule: bool, asked: serde_json::Value) -> Self {
        Self { by_rule, asked: Some(asked), ..Self::new(key, Kind::Request, features, intent) }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Proposal {
    Act(Intent),
    /// The model said no (or not yet): nothing is sent.
    Hold(&'static str),
}

pub(crate) fn ratio(part: u64, whole: u64) -> f32 {
    if whole == 0 {
        return if part == 0 { 0.0 } else { 4.0 };
    }
    (part as f64 / whole as f64).min(4.0) as f32
}

fn row(kind: Kind) -> FeatureRow {
    let mut features = [0.0; FEATURE_COUNT];
    match kind {
        Kind::Claim => features[0] = 1.0,
        Kind::GrantRelease => features[1] = 1.0,
        Kind::Payment => features[2] = 1.0,
        Kind::Airdrop => features[3] = 1.0,
        Kind::Request => features[15] = 1.0,
        Kind::Execute | Kind::PayClaim => {}
    }
    features
}

/// (amount vs the keeper's single-transaction limit, window used) for a spend of `asset`.
fn spend_features(snapshot: &Snapshot, asset: &Pubkey, amount: u64) -> (f32, f32) {
    let Some(policy) = snapshot.policies.get(asset) else {
        return (4.0, 1.0);
    };
    let limits = &policy.limits;
    let single = limits.cosign_threshold.map_or(limits.per_tx_max, |threshold| threshold.min(limits.per_tx_max));
    let spent = roll_window(policy.window, limits.period_seconds, snapshot.now).map_or(limits.period_cap, |w| w.spent);
    (ratio(amount, single), ratio(spent, limits.period_cap))
}

fn payee_budget_used(snapshot: &Snapshot, recipient: &Pubkey) -> f32 {
    snapshot
        .payees
        .get(recipient)
        .and_then(|payee| payee.terms.budget.map(|budget| ratio(payee.terms.spent, budget.amount)))
        .unwrap_or(0.0)
}

/// Every candidate action of this tick, skipping keys already settled, in flight or marked done on
/// chain. `proofs` holds
/// what the proof reader made of each pending claim's photo.
pub fn candidates(
    snapshot: &Snapshot,
    config: &KeeperConfig,
    settled: &HashSet<String>,
    proofs: &HashMap<Pubkey, ProofOutcome>,
) -> Vec<Candidate> {
    let mut found = Vec::new();
    let now = snapshot.now;

    found.extend(claims::candidates(snapshot, config, proofs));

    for (grant_key, grant) in &snapshot.grants {
        if grant.is_restricted() || now >= grant.expires_at {
            continue;
        }
        let available = grant.ledger.available(&grant.schedule, now).unwrap_or(0);
        let remaining = grant.ledger.remaining().unwrap_or(0);
        if available == 0 {
            continue;
        }
        let mut features = row(Kind::GrantRelease);
        features[9] = ratio(available, remaining.max(available));
        found.push(Candidate::new(
            format!("release:{grant_key}:{}", grant.ledger.released),
            Kind::GrantRelease,
            features,
            Intent::ReleaseGrant { grant: *grant_key, asset: grant.asset, amount: available },
        ));
    }

    for payment in &config.payments {
        let (recipient, asset) = (payment.recipient, payment.asset);
        if now < payment.start || payment.end.is_some_and(|end| now >= end) {
            continue;
        }
        let period = (now - payment.start) / i64::from(payment.every_seconds);
        let mut features = row(Kind::Payment);
        (features[4], features[5]) = spend_features(snapshot, &asset, payment.amount);
        features[6] = payee_budget_used(snapshot, &recipient);
        features[9] = 1.0;
        found.push(Candidate::new(
            format!("pay:{}:{period}", payment.name),
            Kind::Payment,
            features,
            Intent::Pay {
                schedule: payment.name.clone(),
                recipient,
                asset,
                amount: payment.amount,
                partial: payment.partial,
                purpose: payment.purpose.clone(),
            },
        ));
    }

    for airdrop in &config.airdrops {
        let mint = airdrop.mint;
        let Some(meme) = snapshot.memes.get(&mint) else { continue };
        let used =
            roll_window(meme.window, meme.limits.period_seconds, now).map_or(meme.limits.period_cap, |w| w.spent);
        for &recipient in &airdrop.recipients {
            let mut features = row(Kind::Airdrop);
            features[4] = ratio(airdrop.amount, meme.limits.period_cap);
            features[5] = ratio(used, meme.limits.period_cap);
            features[9] = 1.0;
            found.push(Candidate::new(
                format!("airdrop:{}:{recipient}", airdrop.name),
                Kind::Airdrop,
                features,
                Intent::Airdrop { airdrop: airdrop.name.clone(), mint, recipient, amount: airdrop.amount },
            ));
        }
    }

    found.extend(claims::owed(snapshot));

    for (_, pending) in &snapshot.pendings {
        let live = now < pending.expires_at;
        let ready = pending.status == PendingStatus::Approved
            || (pending.status == PendingStatus::Proposed && now >= pending.executable_at);
        // A rotated-out key's proposal waits for the operator; one under a closed policy never runs.
        let current = snapshot.pending_is_current(pending);
        if live && ready && current {
            found.push(Candidate::new(
                format!("execute:{}", pending.id),
                Kind::Execute,
                row(Kind::Execute),
                Intent::ExecutePending {
                    pending_id: pending.id,
                    recipient: pending.recipient,
                    asset: pending.asset,
                    amount: pending.amount,
                },
            ));
        }
    }

    // Settled here, in flight, or (whatever this keeper's journal says) marked done on chain; a
    // schedule whose marker is ahead of it under this key is not tried (the chain would refuse it:
    // `exactly_once::alarms` reports it instead).
    let tenure = snapshot.treasury.keeper_tenure;
    found.retain(|candidate| {
        let schedule = match &candidate.intent {
            Intent::Pay { schedule, .. } => config.schedule(schedule),
            _ => None,
        };
        !settled.contains(&candidate.key)
            && progress(&candidate.key, &snapshot.markers, tenure, schedule) == Progress::Due
    });
    found
}

/// The model's answer made concrete. Amounts scale by `amount_scale` in exact integer math
/// (micro-units of the scale), so a scale of exactly 1 proposes exactly the requested amount.
pub fn propose(candidate: &Candidate, score: Option<Score>, config: &KeeperConfig) -> Proposal {
    if let Some(reason) = candidate.wait {
        return Proposal::Hold(reason);
    }
    let Some(score) = score else {
        return Proposal::Act(candidate.intent.clone());
    };
    if !score.approve.is_finite() || !score.amount_scale.is_finite() {
        return Proposal::Hold("model output is not a number");
    }
    if score.approve >= config.model.approve_threshold {
        // An agent asked for an exact amount: the model says yes or no to it, never how much.
        if candidate.kind == Kind::Request {
            return Proposal::Act(candidate.intent.clone());
        }
        return Proposal::Act(scale(&candidate.intent, score.amount_scale));
    }
    match &candidate.intent {
        Intent::ApproveClaim { bounty, claimant, .. } if score.approve <= config.model.reject_threshold => {
            Proposal::Act(Intent::RejectClaim {
                bounty: *bounty,
                claimant: *claimant,
                reason_code: RejectReason::ModelRejected.code(),
            })
        }
        Intent::ApproveClaim { .. } => Proposal::Hold("model unsure: claim left for a later tick"),
        _ => Proposal::Hold("model declined"),
    }
}

fn scale(intent: &Intent, amount_scale: f32) -> Intent {
    let micro = (f64::from(amount_scale) * 1e6).round().clamp(0.0, 1e12) as u128;
    let scaled = |amount: u64| u64::try_from(u128::from(amount) * micro / 1_000_000).unwrap_or(u64::MAX);
    let mut intent = intent.clone();
    match &mut intent {
        Intent::Pay { amount, .. } | Intent::Airdrop { amount, .. } => *amount = scaled(*amount),
        _ => {}
    }
    intent
}

/// The SOL asset's display name in intents and logs.
pub fn asset_name(asset: &Pubkey) -> String {
    if *asset == SOL_ASSET {
        "SOL".into()
    } else {
        asset.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Decision hashes and reports hash and print intents as JSON: typed keys must read exactly
    /// as the base58 strings (and `"SOL"`) they replaced, field order included.
    #[test]
    fn typed_keys_serialize_as_the_text_they_replaced() {
        let recipient = Pubkey::new_from_array([7; 32]);
        let mint = Pubkey::new_from_array([9; 32]);
        let pay = Intent::Pay {
            schedule: "gpu".into(),
            recipient,
            asset: SOL_ASSET,
            amount: 5,
            partial: false,
            purpose: "rent".into(),
        };
        assert_eq!(
            serde_json::to_string(&pay).unwrap(),
            format!(
                r#"{{"action":"pay","schedule":"gpu","recipient":"{recipient}","asset":"SOL","amount":5,"partial":false,"purpose":"rent"}}"#
            )
        );
        let release = Intent::ReleaseGrant { grant: recipient, asset: mint, amount: 1 };
        assert_eq!(
            serde_json::to_value(&release).unwrap(),
            json!({"action": "release_grant", "grant": recipient.to_string(), "asset": mint.to_string(), "amount": 1})
        );
        let airdrop = Intent::Airdrop { airdrop: "fans".into(), mint, recipient, amount: 2 };
        assert_eq!(
            serde_json::to_value(&airdrop).unwrap(),
            json!({"action": "airdrop", "airdrop": "fans", "mint": mint.to_string(), "recipient": recipient.to_string(), "amount": 2})
        );
        assert_eq!(asset_name(&SOL_ASSET), "SOL");
    }
}
