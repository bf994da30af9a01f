use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PolicyUpdated;
use crate::instructions::config_gate::authorize_config_change;
use crate::policy::{limits_loosen, validate_limits, ConfigChange, PolicyLimits};
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct UpdatePolicy<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub policy: Account<'info, SpendPolicy>,
}

impl UpdatePolicy<'_> {
    pub fn validate(&self, limits: &PolicyLimits) -> Result<()> {
        Ok(validate_limits(limits)?)
    }
}

/// New limits apply from the next spend. The window keeps its anchor and what it has already
/// spent, so lowering a cap mid-window cannot be dodged and raising one does not forget usage.
/// Tightening applies at once; limits that loosen anything (`policy::limits_loosen`) wait out the
/// config timelock as a queued change.
pub fn update_policy_handler(ctx: Context<UpdatePolicy>, limits: PolicyLimits) -> Result<()> {
    let executed = authorize_config_change(
        &ctx.accounts.treasury,
        &ctx.accounts.operator,
        ctx.remaining_accounts,
        ConfigChange::UpdatePolicy { asset: ctx.accounts.policy.asset, limits },
        limits_loosen(&ctx.accounts.policy.limits, &limits),
        Some(ConfigChange::UpdatePolicy { asset: ctx.accounts.policy.asset, limits: ctx.accounts.policy.limits }),
    )?;
    let policy = &mut ctx.accounts.policy;
    let old = policy.limits;
    policy.limits = limits;
    // A lowered cap may now sit below this window's usage: that only blocks further spends.
    validate_limits(&policy.limits)?;
    emit_cpi!(PolicyUpdated {
        treasury: ctx.accounts.treasury.key(),
        asset: ctx.accounts.policy.asset,
        old,
        new: limits,
    });
    if let Some(executed) = executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}
