use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::PolicyUpdated;
use crate::policy::{validate_limits, PolicyLimits};
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct UpdatePolicy<'info> {
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
pub fn update_policy_handler(ctx: Context<UpdatePolicy>, limits: PolicyLimits) -> Result<()> {
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
    Ok(())
}
