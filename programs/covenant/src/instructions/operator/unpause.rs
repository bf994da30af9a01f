use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::TreasuryUnpaused;
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct Unpause<'info> {
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
}

impl Unpause<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.treasury.paused, CovenantError::NotPaused);
        Ok(())
    }
}

/// Only the operator lifts a pause: the guardian's power is one-way by design.
pub fn unpause_handler(ctx: Context<Unpause>) -> Result<()> {
    ctx.accounts.treasury.paused = false;
    emit_cpi!(TreasuryUnpaused { treasury: ctx.accounts.treasury.key(), by: ctx.accounts.operator.key() });
    Ok(())
}
