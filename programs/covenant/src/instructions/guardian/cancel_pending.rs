use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PendingSpendCancelled;
use crate::policy::{check_open, PendingStatus};
use crate::state::{PendingSpend, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CancelPending<'info> {
    pub authority: Signer<'info>,
    #[account(
        constraint = treasury.is_guardian_or_operator(&authority.key()) @ CovenantError::NotGuardianOrOperator,
    )]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub pending: Account<'info, PendingSpend>,
}

impl CancelPending<'_> {
    pub fn validate(&self) -> Result<()> {
        let pending = &self.pending;
        Ok(check_open(pending.status, pending.expires_at, Clock::get()?.unix_timestamp)?)
    }
}

/// The guardian (or operator) stops a large spend before it runs.
pub fn cancel_pending_handler(ctx: Context<CancelPending>) -> Result<()> {
    ctx.accounts.pending.status = PendingStatus::Cancelled;
    emit_cpi!(PendingSpendCancelled {
        treasury: ctx.accounts.treasury.key(),
        id: ctx.accounts.pending.id,
        by: ctx.accounts.authority.key(),
    });
    Ok(())
}
