use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ConfigChangeCancelled;
use crate::state::{ConfigChangeRequest, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CancelConfigChange<'info> {
    pub authority: Signer<'info>,
    #[account(
        constraint = treasury.is_guardian_or_operator(&authority.key()) @ CovenantError::NotGuardianOrOperator,
    )]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch, close = proposer)]
    pub request: Account<'info, ConfigChangeRequest>,
    /// CHECK: the operator that queued the change and paid its rent.
    #[account(mut, address = request.proposer @ CovenantError::RentRecipientMismatch)]
    pub proposer: UncheckedAccount<'info>,
}

impl CancelConfigChange<'_> {
    /// The guardian vetoes ordinary requests; a guardian override exists to get past a guardian,
    /// so only the operator may withdraw one.
    pub fn validate(&self) -> Result<()> {
        let by_operator = self.authority.key() == self.treasury.operator;
        require!(by_operator || !self.request.overrides_guardian, CovenantError::GuardianCannotCancelOverride);
        Ok(())
    }
}

/// The guardian's (or the operator's) veto: the queued change is gone, its rent back with the
/// proposer. Works while paused too, and at any time before the change executes.
pub fn cancel_config_change_handler(ctx: Context<CancelConfigChange>) -> Result<()> {
    let request = &ctx.accounts.request;
    emit_cpi!(ConfigChangeCancelled {
        treasury: ctx.accounts.treasury.key(),
        id: request.id,
        cancelled_by: ctx.accounts.authority.key(),
        change: request.change.clone(),
    });
    Ok(())
}
