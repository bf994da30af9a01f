use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ConfigTimelockChanged;
use crate::instructions::config_gate::authorize_config_change;
use crate::policy::{config_timelock_loosens, validate_config_timelock, ConfigChange};
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct SetConfigTimelock<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
}

impl SetConfigTimelock<'_> {
    pub fn validate(&self, seconds: u32) -> Result<()> {
        Ok(validate_config_timelock(seconds)?)
    }
}

/// A longer delay applies at once; a shorter one is itself a loosening change and waits out the
/// delay it shortens.
pub fn set_config_timelock_handler(ctx: Context<SetConfigTimelock>, seconds: u32) -> Result<()> {
    let old_seconds = ctx.accounts.treasury.config_timelock_seconds;
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::SetConfigTimelock { seconds },
        config_timelock_loosens(old_seconds, seconds),
        Some(ConfigChange::SetConfigTimelock { seconds: old_seconds }),
    )?;
    ctx.accounts.treasury.config_timelock_seconds = seconds;
    emit_cpi!(ConfigTimelockChanged {
        treasury: ctx.accounts.treasury.key(),
        operator: ctx.accounts.operator.key(),
        old_seconds,
        new_seconds: seconds,
    });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}
