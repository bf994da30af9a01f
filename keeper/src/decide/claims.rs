//! Claims as candidates: each pending claim's photo, as the proof reader read it and the screening
//! judged it, becomes an approval for the model to score, or a rejection or hold by rule.

use std::collections::{HashMap, HashSet};

use anchor_lang::prelude::Pubkey;
use covenant::policy::{check_payable, ClaimStatus};
use covenant::state::Bounty;

use super::{ratio, row, spend_features, Candidate, Intent, Kind, DAY};
use crate::config::KeeperConfig;
use crate::observe::Snapshot;
use crate::proofs::claim_code::CodeCheck;
use crate::proofs::{CopyCheck, ProofJob, ProofOutcome, RejectReason};

/// The proofs this tick must read: pending claims of bounties with a proof rule, not yet settled,
/// oldest first.
pub fn proof_jobs(snapshot: &Snapshot, config: &KeeperConfig, settled: &HashSet<String>) -> Vec<ProofJob> {
    let bounties: HashMap<&Pubkey, &Bounty> = snapshot.bounties.iter().map(|(key, bounty)| (key, bounty)).collect();
    let mut claims: Vec<_> = snapshot.claims.iter().collect();
    claims.sort_by_key(|(key, claim)| (claim.submitted_at, *key));
    claims
        .into_iter()
        .filter(|(key, claim)| claim.status == ClaimStatus::Pending && !settled.contains(&claim_key(key)))
        .filter_map(|(key, claim)| {
            let bounty = bounties.get(&claim.bounty)?;
            let terms = config.bounty(bounty.id)?;
            Some(ProofJob {
                claim: *key,
                uri: claim.proof_uri.clone(),
                expected_hash: claim.proof_hash,
                rule: terms.proof.clone(),
                publish: terms.publish_photos.then(|| config.run.records_dir().join("photos")),
            })
        })
        .collect()
}

fn claim_key(claim: &Pubkey) -> String {
    format!("claim:{claim}")
}

/// The pending claims' candidates.
pub(super) fn candidates(
    snapshot: &Snapshot,
    config: &KeeperConfig,
    proofs: &HashMap<Pubkey, ProofOutcome>,
) -> Vec<Candidate> {
    let mut found = Vec::new();
    let now = snapshot.now;
    // One lookup per claim, however many claims a bounty has.
    let bounties: HashMap<&Pubkey, &Bounty> = snapshot.bounties.iter().map(|(key, bounty)| (key, bounty)).collect();
    for (claim_address, claim) in &snapshot.claims {
        if claim.status != ClaimStatus::Pending {
            continue;
        }
        let Some(&bounty) = bounties.get(&claim.bounty) else {
            continue;
        };
        let mut features = row(Kind::Claim);
        (features[4], features[5]) = spend_features(snapshot, &bounty.asset, bounty.reward);
        features[7] = ((now.saturating_sub(claim.submitted_at)) as f32 / DAY / 7.0).clamp(0.0, 1.0);
        features[8] = ratio(u64::from(bounty.approved_count), u64::from(bounty.max_claims));
        let approve = Intent::ApproveClaim {
            bounty: claim.bounty,
            claimant: claim.claimant,
            asset: bounty.asset,
            reward: bounty.reward,
        };
        let reject = |reason: RejectReason| Intent::RejectClaim {
            bounty: claim.bounty,
            claimant: claim.claimant,
            reason_code: reason.code(),
        };
        let mut candidate = Candidate::new(claim_key(claim_address), Kind::Claim, features, approve);
        let proof = proofs.get(claim_address);
        match proof {
            Some(ProofOutcome::Read(reading)) => {
                // Rules before the model: another wallet's photo, or a copy of an earlier claim's.
                let code = reading.claim_code.as_ref().map(|(_, check)| check);
                match (code, &reading.copy) {
                    (Some(CodeCheck::Missing), _) => candidate.intent = reject(RejectReason::ClaimCodeMissing),
                    (Some(CodeCheck::Mismatched { .. }), _) => {
                        candidate.intent = reject(RejectReason::ClaimCodeMismatch)
                    }
                    (_, Some(CopyCheck::Copy { .. })) => candidate.intent = reject(RejectReason::DuplicatePhoto),
                    (_, Some(CopyCheck::Unsure { .. })) => {
                        candidate.wait = Some("possibly a copy of an earlier claim's photo: held for the operator")
                    }
                    _ => {}
                }
                candidate.by_rule = candidate.wait.is_some() || matches!(candidate.intent, Intent::RejectClaim { .. });
                let features = &mut candidate.features;
                features[10] = 1.0;
                features[11] = reading.rule_match.score;
                features[12] = reading.detection_confidence();
                features[13] = (reading.regions.len() as f32 / 16.0).min(1.0);
                features[14] = ((f64::from(reading.width) * f64::from(reading.height)) / 1e6).min(4.0) as f32;
            }
            Some(ProofOutcome::Refused { reason, .. }) => {
                candidate.intent = reject(*reason);
                candidate.by_rule = true;
            }
            Some(ProofOutcome::Unreachable { .. }) => {
                candidate.by_rule = true;
                if now.saturating_sub(claim.submitted_at) >= config.proofs.reject_unreachable_after_seconds {
                    candidate.intent = reject(RejectReason::ProofUnreachable);
                } else {
                    candidate.wait = Some("proof unreachable: tried again next tick");
                }
            }
            None if config.proof_rule(bounty.id).is_none() => {
                candidate.by_rule = true;
                candidate.wait = Some("no proof rule for this bounty in the config ([[bounty]] proof)");
            }
            None => {
                candidate.by_rule = true;
                candidate.wait = Some("proof not read yet");
            }
        }
        candidate.proof = proof.cloned();
        found.push(candidate);
    }

    found
}

/// Approved claims that are payable now: their challenge window passed with no dispute open, or a
/// ruling left them approved. Claims under dispute are held (the program refuses them too).
pub(super) fn owed(snapshot: &Snapshot) -> Vec<Candidate> {
    let bounties: HashMap<&Pubkey, &Bounty> = snapshot.bounties.iter().map(|(key, bounty)| (key, bounty)).collect();
    snapshot
        .claims
        .iter()
        .filter(|(_, claim)| {
            check_payable(claim.status, claim.paid, claim.dispute, claim.payable_at, snapshot.now).is_ok()
        })
        .filter_map(|(key, claim)| {
            let bounty = bounties.get(&claim.bounty)?;
            let intent = Intent::PayClaim {
                bounty: claim.bounty,
                claimant: claim.claimant,
                asset: bounty.asset,
                reward: bounty.reward,
            };
            Some(Candidate::new(format!("pay-claim:{key}"), Kind::PayClaim, row(Kind::PayClaim), intent))
        })
        .collect()
}
