mod donate_sol;
mod donate_token;

pub use donate_sol::*;
pub use donate_token::*;

use anchor_lang::prelude::*;

use crate::constants::MAX_MEMO_LEN;
use crate::errors::CovenantError;
use crate::state::{SpendPolicy, Treasury};

pub(crate) fn validate_donation(amount: u64, memo: &str) -> Result<()> {
    require!(amount > 0, CovenantError::ZeroAmount);
    require!(memo.len() <= MAX_MEMO_LEN, CovenantError::MemoTooLong);
    Ok(())
}

/// Counts a donation on the treasury, and on the asset's policy when the donor passed it.
/// Returns whether the policy counted it.
pub(crate) fn record_donation(treasury: &mut Treasury, policy: Option<&mut SpendPolicy>, amount: u64) -> Result<bool> {
    treasury.donation_count = treasury.donation_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    match policy {
        Some(policy) => {
            policy.record_received(amount)?;
            Ok(true)
        }
        None => Ok(false),
    }
}
