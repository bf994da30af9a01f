use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::TreasuryUnpaused;
use crate::instructions::config_gate::authorize_config_change;
use crate::policy::ConfigChange;
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct Unpause<'info> {
    #[account(mut)]
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

/// Only the operator lifts a pause: the guardian's power is one-way by design. Lifting it loosens
/// (outflows resume), so under a config timelock it runs only as a matured queued change, which
/// the guardian can cancel: a thief with the operator key cannot end the guardian's pause at once.
pub fn unpause_handler(ctx: Context<Unpause>) -> Result<()> {
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::Unpause,
        true,
        None,
    )?;
    ctx.accounts.treasury.paused = false;
    emit_cpi!(TreasuryUnpaused { treasury: ctx.accounts.treasury.key(), by: ctx.accounts.operator.key() });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}
