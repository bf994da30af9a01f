use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::GuardianChanged;
use crate::instructions::config_gate::authorize_config_change;
use crate::policy::{guardian_change_loosens, ConfigChange};
use crate::state::Treasury;

#[event_cpi]
#[derive(Accounts)]
pub struct SetGuardian<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
}

impl SetGuardian<'_> {
    pub fn validate(&self, new_guardian: &Option<Pubkey>) -> Result<()> {
        Treasury::check_roles(&self.treasury.operator, &self.treasury.keeper, new_guardian.as_ref())
    }
}

/// Adding a guardian applies at once; replacing or removing one is a loosening change.
pub fn set_guardian_handler(ctx: Context<SetGuardian>, new_guardian: Option<Pubkey>) -> Result<()> {
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::SetGuardian { guardian: new_guardian },
        guardian_change_loosens(ctx.accounts.treasury.guardian, new_guardian),
        Some(ConfigChange::SetGuardian { guardian: ctx.accounts.treasury.guardian }),
    )?;
    let treasury = &mut ctx.accounts.treasury;
    let old_guardian = treasury.guardian;
    treasury.guardian = new_guardian;
    treasury.invariant()?;
    emit_cpi!(GuardianChanged {
        treasury: ctx.accounts.treasury.key(),
        operator: ctx.accounts.operator.key(),
        old_guardian,
        new_guardian,
    });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}
