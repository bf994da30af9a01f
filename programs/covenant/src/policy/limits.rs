use anchor_lang::prelude::*;

use super::{roll_window, PolicyResult, SpendWindow};
use crate::constants::{MAX_PERIOD_SECONDS, MAX_TIMELOCK_SECONDS};
use crate::errors::CovenantError;

/// The operator's limits for one asset.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PolicyLimits {
    /// Largest single spend.
    pub per_tx_max: u64,
    /// Window length; windows advance by whole periods from the policy's anchor time.
    pub period_seconds: u32,
    /// Most that may leave the vault in one window, however many transactions it takes.
    pub period_cap: u64,
    /// Spends above this need the timelock or the operator (pending spends); `None`: never.
    pub cosign_threshold: Option<u64>,
    /// How long a pending spend waits before the keeper may execute it.
    pub timelock_seconds: u32,
    /// When set, only recipients with a payee entry can be paid.
    pub allowlist_required: bool,
}

pub fn validate_limits(limits: &PolicyLimits) -> PolicyResult<()> {
    let consistent = limits.per_tx_max > 0
        && limits.per_tx_max <= limits.period_cap
        && limits.period_seconds > 0
        && limits.period_seconds <= MAX_PERIOD_SECONDS
        && limits.timelock_seconds <= MAX_TIMELOCK_SECONDS
        && limits.cosign_threshold.is_none_or(|threshold| threshold <= limits.per_tx_max);
    if consistent {
        Ok(())
    } else {
        Err(CovenantError::InvalidPolicyLimits)
    }
}

/// True when the keeper alone may not move `amount` (it must become a pending spend).
pub fn requires_cosign(limits: &PolicyLimits, amount: u64) -> bool {
    limits.cosign_threshold.is_some_and(|threshold| amount > threshold)
}

/// Checks one spend against the per-transaction maximum and the current window's cap and returns
/// the window with the spend recorded. Does not look at the co-sign threshold: executing a
/// co-signed pending spend goes through here too.
pub fn enforce_spend(limits: &PolicyLimits, window: SpendWindow, amount: u64, now: i64) -> PolicyResult<SpendWindow> {
    if amount == 0 {
        return Err(CovenantError::ZeroAmount);
    }
    if amount > limits.per_tx_max {
        return Err(CovenantError::ExceedsPerTxMax);
    }
    let current = roll_window(window, limits.period_seconds, now)?;
    let spent = current.spent.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    if spent > limits.period_cap {
        return Err(CovenantError::ExceedsPeriodCap);
    }
    Ok(SpendWindow { start: current.start, spent })
}

/// The keeper's direct-spend path: everything `enforce_spend` checks plus the co-sign threshold.
pub fn enforce_keeper_spend(
    limits: &PolicyLimits,
    window: SpendWindow,
    amount: u64,
    now: i64,
) -> PolicyResult<SpendWindow> {
    if requires_cosign(limits, amount) {
        return Err(CovenantError::CosignRequired);
    }
    enforce_spend(limits, window, amount, now)
}

/// The largest single amount the keeper could spend right now without a co-signer.
pub fn keeper_headroom(limits: &PolicyLimits, window: SpendWindow, now: i64) -> PolicyResult<u64> {
    let current = roll_window(window, limits.period_seconds, now)?;
    let left_in_window = limits.period_cap.saturating_sub(current.spent);
    let single = limits.cosign_threshold.map_or(limits.per_tx_max, |threshold| threshold.min(limits.per_tx_max));
    Ok(single.min(left_in_window))
}
