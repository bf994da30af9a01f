use anchor_lang::prelude::*;

use super::PolicyResult;
use crate::constants::{BOUNTY_REVIEW_SECONDS, MAX_BOUNTY_CLAIMS, MAX_BOUNTY_DURATION_SECONDS};
use crate::errors::CovenantError;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum ClaimStatus {
    Pending,
    Approved,
    Rejected,
}

/// Checks a new bounty's terms and returns what it must be funded with (every claim paid in full).
pub fn bounty_funding(reward: u64, max_claims: u32, deadline: i64, now: i64) -> PolicyResult<u64> {
    let runs_for = deadline.saturating_sub(now);
    let consistent = reward > 0
        && (1..=MAX_BOUNTY_CLAIMS).contains(&max_claims)
        && runs_for > 0
        && runs_for <= MAX_BOUNTY_DURATION_SECONDS;
    if !consistent {
        return Err(CovenantError::InvalidBountyTerms);
    }
    reward.checked_mul(u64::from(max_claims)).ok_or(CovenantError::MathOverflow)
}

/// Whether a new claim may still be submitted.
pub fn check_claimable(deadline: i64, approved: u32, max_claims: u32, now: i64) -> PolicyResult<()> {
    if now >= deadline {
        return Err(CovenantError::BountyDeadlinePassed);
    }
    if approved >= max_claims {
        return Err(CovenantError::BountyFull);
    }
    Ok(())
}

/// Whether a claim may be paid: once, within max claims and within what the escrow still holds.
/// Returns the escrow's balance after the payment.
pub fn check_approval(
    status: ClaimStatus,
    approved: u32,
    max_claims: u32,
    escrow: u64,
    reward: u64,
) -> PolicyResult<u64> {
    if status != ClaimStatus::Pending {
        return Err(CovenantError::ClaimNotPending);
    }
    if approved >= max_claims {
        return Err(CovenantError::BountyFull);
    }
    escrow.checked_sub(reward).ok_or(CovenantError::InsufficientFunds)
}

/// Whether a bounty can be closed (its unpaid rest returned to the vault): once every claim is
/// paid, or after the deadline by the operator, or after the review period by anyone.
pub fn check_bounty_closable(
    deadline: i64,
    approved: u32,
    max_claims: u32,
    now: i64,
    by_operator: bool,
) -> PolicyResult<()> {
    if approved >= max_claims {
        return Ok(());
    }
    let opens_at = if by_operator { Some(deadline) } else { deadline.checked_add(BOUNTY_REVIEW_SECONDS) };
    match opens_at {
        Some(opens_at) if now >= opens_at => Ok(()),
        _ => Err(CovenantError::BountyStillOpen),
    }
}
