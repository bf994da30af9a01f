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
    let treasury = &mut ctx.accounts.treasury;
    treasury.paused = true;
    treasury.pause_count = treasury.pause_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let pause_count = treasury.pause_count;
    emit_cpi!(TreasuryPaused { treasury: ctx.accounts.treasury.key(), by: ctx.accounts.authority.key(), pause_count });
    Ok(())
}
