mod donate_sol;
mod donate_token;

pub use donate_sol::*;
pub use donate_token::*;

use anchor_lang::prelude::*;

use crate::constants::MAX_MEMO_LEN;
use crate::errors::CovenantError;

pub(crate) fn validate_donation(amount: u64, memo: &str) -> Result<()> {
    require!(amount > 0, CovenantError::ZeroAmount);
    require!(memo.len() <= MAX_MEMO_LEN, CovenantError::MemoTooLong);
    Ok(())
}
