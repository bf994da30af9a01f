use anchor_lang::prelude::*;

use super::PolicyResult;
use crate::constants::PENDING_GRACE_SECONDS;
use crate::errors::CovenantError;

/// Where a pending spend stands. Expiry is not a stored state: it follows from the clock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum PendingStatus {
    /// Waiting for its timelock (or the operator).
    Proposed,
    /// The operator co-signed: executable at once, still within the grace period.
    Approved,
    Executed,
    Cancelled,
}

/// When a spend proposed at `now` matures, and when it expires.
pub fn pending_schedule(now: i64, timelock_seconds: u32) -> PolicyResult<(i64, i64)> {
    let executable_at = now.checked_add(i64::from(timelock_seconds)).ok_or(CovenantError::MathOverflow)?;
    let expires_at = executable_at.checked_add(PENDING_GRACE_SECONDS).ok_or(CovenantError::MathOverflow)?;
    Ok((executable_at, expires_at))
}

/// Whether a pending spend may be executed at `now` (policy and payee rules are checked apart).
pub fn check_executable(status: PendingStatus, executable_at: i64, expires_at: i64, now: i64) -> PolicyResult<()> {
    match status {
        PendingStatus::Executed | PendingStatus::Cancelled => Err(CovenantError::PendingSpendNotActive),
        _ if now >= expires_at => Err(CovenantError::PendingSpendExpired),
        PendingStatus::Proposed if now < executable_at => Err(CovenantError::TimelockActive),
        _ => Ok(()),
    }
}

/// Whether a pending spend can still change state (be approved, cancelled or executed).
pub fn check_open(status: PendingStatus, expires_at: i64, now: i64) -> PolicyResult<()> {
    match status {
        PendingStatus::Executed | PendingStatus::Cancelled => Err(CovenantError::PendingSpendNotActive),
        _ if now >= expires_at => Err(CovenantError::PendingSpendExpired),
        _ => Ok(()),
    }
}

/// Settled (executed, cancelled) or expired pending spends can be closed for their rent.
pub fn is_closable(status: PendingStatus, expires_at: i64, now: i64) -> bool {
    matches!(status, PendingStatus::Executed | PendingStatus::Cancelled) || now >= expires_at
}
