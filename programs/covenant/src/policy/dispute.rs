//! Disputes as pure functions: who may dispute what and when, and what each ruling does.

use anchor_lang::prelude::*;

use super::{ClaimStatus, PolicyResult};
use crate::constants::MAX_CHALLENGE_WINDOW_SECONDS;
use crate::errors::CovenantError;
use crate::state::{DisputeKind, DisputeState};

/// Checks a new bounty's dispute terms and returns its arbiter (`Pubkey::default()` when it takes
/// no disputes). The keeper cannot judge its own decisions, whoever names it.
pub fn dispute_arbiter(
    challenge_window: i64,
    bond: u64,
    arbiter: Option<Pubkey>,
    guardian: Option<Pubkey>,
    keeper: &Pubkey,
) -> PolicyResult<Pubkey> {
    if challenge_window == 0 {
        return if bond == 0 && arbiter.is_none() {
            Ok(Pubkey::default())
        } else {
            Err(CovenantError::InvalidDisputeTerms)
        };
    }
    let arbiter = arbiter.or(guardian).ok_or(CovenantError::InvalidDisputeTerms)?;
    let consistent = (1..=MAX_CHALLENGE_WINDOW_SECONDS).contains(&challenge_window)
        && bond > 0
        && arbiter != *keeper
        && arbiter != Pubkey::default();
    if consistent {
        Ok(arbiter)
    } else {
        Err(CovenantError::InvalidDisputeTerms)
    }
}

/// Whether a claim's decision can be disputed now, and how: an unpaid approval is challenged, a
/// rejection appealed, each within the challenge window after the decision, once per claim.
pub fn check_disputable(
    status: ClaimStatus,
    paid: bool,
    dispute: DisputeState,
    decided_at: i64,
    challenge_window: i64,
    now: i64,
) -> PolicyResult<DisputeKind> {
    if challenge_window == 0 {
        return Err(CovenantError::DisputesNotEnabled);
    }
    if dispute != DisputeState::None {
        return Err(CovenantError::DisputeAlreadyOpened);
    }
    let kind = match status {
        ClaimStatus::Approved if !paid => DisputeKind::Challenge,
        ClaimStatus::Rejected => DisputeKind::Appeal,
        _ => return Err(CovenantError::NothingToDispute),
    };
    match decided_at.checked_add(challenge_window) {
        Some(closes) if now < closes => Ok(kind),
        _ => Err(CovenantError::ChallengeWindowClosed),
    }
}

/// Who receives the disputer's bond when a dispute ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BondTo {
    Disputer,
    Claimant,
    Vault,
}

/// What ending a dispute does: the claim's status after it, where the bond goes, and the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub status: ClaimStatus,
    pub bond_to: BondTo,
    pub outcome: DisputeState,
}

/// `overturn`: the arbiter's ruling, or `None` when the ruling deadline passed without one. The
/// default is that the keeper's decision stands and the disputer gets the bond back: nobody is
/// punished for an arbiter's absence, and no claim waits forever.
pub fn settle_dispute(kind: DisputeKind, overturn: Option<bool>) -> Settlement {
    use {BondTo::*, ClaimStatus::*, DisputeKind::*};
    let (status, bond_to, outcome) = match (kind, overturn) {
        (Challenge, None) => (Approved, Disputer, DisputeState::Lapsed),
        (Appeal, None) => (Rejected, Disputer, DisputeState::Lapsed),
        // The approval stands: the claimant, kept waiting, takes the challenger's bond.
        (Challenge, Some(false)) => (Approved, Claimant, DisputeState::Upheld),
        // The rejection stands: the treasury, which the appeal held up, takes the bond.
        (Appeal, Some(false)) => (Rejected, Vault, DisputeState::Upheld),
        (Challenge, Some(true)) => (Rejected, Disputer, DisputeState::Overturned),
        (Appeal, Some(true)) => (Approved, Disputer, DisputeState::Overturned),
    };
    Settlement { status, bond_to, outcome }
}

/// Whether an approved claim can be paid now: once, after its challenge window, never while disputed.
pub fn check_payable(
    status: ClaimStatus,
    paid: bool,
    dispute: DisputeState,
    payable_at: i64,
    now: i64,
) -> PolicyResult<()> {
    let payable = status == ClaimStatus::Approved && !paid && dispute != DisputeState::Open && now >= payable_at;
    if payable {
        Ok(())
    } else {
        Err(CovenantError::ClaimNotPayable)
    }
}

/// Whether a bounty's disputes are all over: nothing owed, nothing open, nothing still disputable.
pub fn check_bounty_settled(owed_claims: u32, disputes_open: u32, disputable_until: i64, now: i64) -> PolicyResult<()> {
    if owed_claims == 0 && disputes_open == 0 && now >= disputable_until {
        Ok(())
    } else {
        Err(CovenantError::BountyUnsettled)
    }
}
