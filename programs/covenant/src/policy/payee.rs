use anchor_lang::prelude::*;

use super::PolicyResult;
use crate::errors::CovenantError;

/// A cap on what one payee may receive in total, in one asset.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PayeeBudget {
    pub asset: Pubkey,
    pub amount: u64,
}

/// The rules a payee entry imposes on each payment to it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PayeeTerms {
    /// With a budget, the payee is paid only in the budget's asset and never past its amount.
    pub budget: Option<PayeeBudget>,
    /// Paid so far in the budget's asset (0 without a budget).
    pub spent: u64,
    /// Payments at or after this time are refused.
    pub expires_at: Option<i64>,
}

/// Checks one payment to a payee and returns the terms with the payment recorded.
pub fn enforce_payee(terms: &PayeeTerms, asset: &Pubkey, amount: u64, now: i64) -> PolicyResult<PayeeTerms> {
    if terms.expires_at.is_some_and(|expires_at| now >= expires_at) {
        return Err(CovenantError::PayeeExpired);
    }
    let Some(budget) = terms.budget else {
        return Ok(*terms);
    };
    if budget.asset != *asset {
        return Err(CovenantError::PayeeAssetMismatch);
    }
    let spent = terms.spent.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    if spent > budget.amount {
        return Err(CovenantError::PayeeBudgetExceeded);
    }
    Ok(PayeeTerms { spent, ..*terms })
}

/// What is left of the payee's budget for `asset` (`u64::MAX` when unbudgeted), or the refusal.
pub fn payee_headroom(terms: &PayeeTerms, asset: &Pubkey, now: i64) -> PolicyResult<u64> {
    if terms.expires_at.is_some_and(|expires_at| now >= expires_at) {
        return Err(CovenantError::PayeeExpired);
    }
    match terms.budget {
        None => Ok(u64::MAX),
        Some(budget) if budget.asset != *asset => Err(CovenantError::PayeeAssetMismatch),
        Some(budget) => Ok(budget.amount.saturating_sub(terms.spent)),
    }
}
