//! Each claim's review as reports show it: what its photo showed, and why it went the way it did.

use serde::Serialize;

use crate::decide::{Intent, Proposal};
use crate::model::Score;
use crate::proofs::ProofOutcome;

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

pub(super) fn review(
    candidate: &crate::decide::Candidate,
    proposal: &Proposal,
    score: Option<Score>,
) -> Option<ClaimReview> {
    let claimant = match &candidate.intent {
        Intent::ApproveClaim { claimant, .. } | Intent::RejectClaim { claimant, .. } => claimant.to_string(),
        _ => return None,
    };
    let (read, match_score, detail) = match &candidate.proof {
        Some(ProofOutcome::Read(reading)) => (reading.text(), Some(reading.rule_match.score), reading.screening()),
        Some(ProofOutcome::Refused { detail, .. } | ProofOutcome::Unreachable { detail }) => {
            (String::new(), None, detail.clone())
        }
        None => (String::new(), None, String::new()),
    };
    let approve = score.map(|score| format!("model approve {:.3}", score.approve)).unwrap_or_default();
    let (decision, why) = match proposal {
        Proposal::Hold(reason) => ("hold", format!("{reason} {detail} {approve}").trim().to_string()),
        Proposal::Act(Intent::RejectClaim { reason_code, .. }) => {
            let name = crate::proofs::RejectReason::from_code(*reason_code).map_or("unknown", |reason| reason.name());
            let because = if detail.is_empty() { approve } else { detail };
            ("reject", format!("{name} (code {reason_code}): {because}"))
        }
        Proposal::Act(_) if detail.is_empty() => ("approve", approve),
        Proposal::Act(_) => ("approve", format!("{detail}; {approve}")),
    };
    Some(ClaimReview { claimant, read, match_score, decision, why })
}
