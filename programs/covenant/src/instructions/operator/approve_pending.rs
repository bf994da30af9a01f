use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PendingSpendApproved;
use crate::policy::{check_open, PendingStatus};
use crate::state::{PendingSpend, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ApprovePending<'info> {
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub pending: Account<'info, PendingSpend>,
}

impl ApprovePending<'_> {
    pub fn validate(&self) -> Result<()> {
        let pending = &self.pending;
        check_open(pending.status, pending.expires_at, Clock::get()?.unix_timestamp)?;
        require!(pending.status != PendingStatus::Approved, CovenantError::AlreadyApproved);
        Ok(())
    }
}

/// The operator's co-signature: the keeper may execute at once instead of after the timelock.
/// Execution stays the keeper's single path, so window and payee rules are checked in one place.
pub fn approve_pending_handler(ctx: Context<ApprovePending>) -> Result<()> {
    ctx.accounts.pending.status = PendingStatus::Approved;
    emit_cpi!(PendingSpendApproved {
        treasury: ctx.accounts.treasury.key(),
        id: ctx.accounts.pending.id,
        operator: ctx.accounts.operator.key(),
    });
    Ok(())
}
