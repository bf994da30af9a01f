use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::KeeperRotated;
use crate::instructions::config_gate::authorize_config_change;
use crate::policy::{keeper_change_loosens, ConfigChange};
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct SetKeeper<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
}

impl SetKeeper<'_> {
    pub fn validate(&self, new_keeper: &Pubkey) -> Result<()> {
        Treasury::check_roles(&self.treasury.operator, new_keeper, self.treasury.guardian.as_ref())
    }
}

/// A new keeper is a loosening change (another key gains the keeper's powers), so under a config
/// timelock it runs only as a matured queued change. Once it runs the old key can do nothing from
/// the next transaction on, and its marks and proposals stop binding (`keeper_tenure`).
pub fn set_keeper_handler(ctx: Context<SetKeeper>, new_keeper: Pubkey) -> Result<()> {
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::SetKeeper { keeper: new_keeper },
        keeper_change_loosens(&ctx.accounts.treasury.keeper, &new_keeper),
        Some(ConfigChange::SetKeeper { keeper: ctx.accounts.treasury.keeper }),
    )?;
    let treasury = &mut ctx.accounts.treasury;
    let old_keeper = treasury.keeper;
    if new_keeper != old_keeper {
        // A new tenure: what the old key marked or proposed no longer binds the new one.
        treasury.keeper_tenure = treasury.keeper_tenure.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    }
    treasury.keeper = new_keeper;
    treasury.invariant()?;
    emit_cpi!(KeeperRotated {
        treasury: ctx.accounts.treasury.key(),
        operator: ctx.accounts.operator.key(),
        old_keeper,
        new_keeper,
        tenure: ctx.accounts.treasury.keeper_tenure,
    });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}
