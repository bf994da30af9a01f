use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::TreasuryPaused;
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct Pause<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        constraint = treasury.is_guardian_or_operator(&authority.key()) @ CovenantError::NotGuardianOrOperator,
    )]
    pub treasury: Account<'info, Treasury>,
}

impl Pause<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(!self.treasury.paused, CovenantError::AlreadyPaused);
        Ok(())
    }
}

/// Stops every outflow at once (stolen keeper key, runaway model). Deposits still arrive.
pub fn pause_handler(ctx: Context<Pause>) -> Result<()> {
    ctx.accounts.treasury.paused = true;
    emit_cpi!(TreasuryPaused { treasury: ctx.accounts.treasury.key(), by: ctx.accounts.authority.key() });
    Ok(())
}
