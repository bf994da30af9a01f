use anchor_lang::prelude::*;

use super::{roll_window, PolicyResult, SpendWindow};
use crate::constants::MAX_PERIOD_SECONDS;
use crate::errors::CovenantError;

/// What the keeper may mint of a treasury's meme token, on top of the token's hard supply cap.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct MintLimits {
    /// Window length; windows advance by whole periods from the launch time, as spend windows do.
    pub period_seconds: u32,
    /// Most the keeper may mint in one window, however many transactions it takes.
    pub period_cap: u64,
    /// When set, only recipients with a payee entry can receive minted tokens.
    pub allowlist_required: bool,
}

pub fn validate_mint_terms(supply_cap: u64, limits: &MintLimits) -> PolicyResult<()> {
    let consistent = supply_cap > 0
        && limits.period_seconds > 0
        && limits.period_seconds <= MAX_PERIOD_SECONDS
        && limits.period_cap > 0
        && limits.period_cap <= supply_cap;
    if consistent {
        Ok(())
    } else {
        Err(CovenantError::InvalidMintLimits)
    }
}

/// A keeper mint that passed every cap: the window and all-time total with it recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MintRecorded {
    pub window: SpendWindow,
    pub total_minted: u64,
}

/// Checks one keeper mint against the hard supply cap (counted on everything ever minted, so burns
/// never make room again) and the current window's mint cap.
pub fn enforce_mint(
    limits: &MintLimits,
    window: SpendWindow,
    total_minted: u64,
    supply_cap: u64,
    amount: u64,
    now: i64,
) -> PolicyResult<MintRecorded> {
    if amount == 0 {
        return Err(CovenantError::ZeroAmount);
    }
    let total_minted = total_minted.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    if total_minted > supply_cap {
        return Err(CovenantError::SupplyCapExceeded);
    }
    let current = roll_window(window, limits.period_seconds, now)?;
    let spent = current.spent.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    if spent > limits.period_cap {
        return Err(CovenantError::MintPeriodCapExceeded);
    }
    Ok(MintRecorded { window: SpendWindow { start: current.start, spent }, total_minted })
}

/// The most the keeper could mint right now in one transaction.
pub fn mint_headroom(
    limits: &MintLimits,
    window: SpendWindow,
    total_minted: u64,
    supply_cap: u64,
    now: i64,
) -> PolicyResult<u64> {
    let current = roll_window(window, limits.period_seconds, now)?;
    let left_in_window = limits.period_cap.saturating_sub(current.spent);
    Ok(left_in_window.min(supply_cap.saturating_sub(total_minted)))
}
