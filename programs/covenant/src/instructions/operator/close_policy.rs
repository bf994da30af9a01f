use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PolicyClosed;
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ClosePolicy<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch, close = operator)]
    pub policy: Account<'info, SpendPolicy>,
}

/// Without a policy the asset cannot be spent at all; funds stay in the vault untouched.
pub fn close_policy_handler(ctx: Context<ClosePolicy>) -> Result<()> {
    let policy = &ctx.accounts.policy;
    emit_cpi!(PolicyClosed {
        treasury: ctx.accounts.treasury.key(),
        asset: policy.asset,
        total_received: policy.total_received,
        total_spent: policy.total_spent,
    });
    Ok(())
}
