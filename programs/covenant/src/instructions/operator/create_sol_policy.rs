use anchor_lang::prelude::*;

use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::events::PolicyCreated;
use crate::policy::{validate_limits, PolicyLimits};
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CreateSolPolicy<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(
        init,
        payer = operator,
        space = SpendPolicy::DISCRIMINATOR.len() + SpendPolicy::INIT_SPACE,
        seeds = [SpendPolicy::SEED, treasury.key().as_ref(), SOL_ASSET.as_ref()],
        bump,
    )]
    pub policy: Account<'info, SpendPolicy>,
    pub system_program: Program<'info, System>,
}

impl CreateSolPolicy<'_> {
    pub fn validate(&self, limits: &PolicyLimits) -> Result<()> {
        Ok(validate_limits(limits)?)
    }
}

pub fn create_sol_policy_handler(ctx: Context<CreateSolPolicy>, limits: PolicyLimits) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let policy = &mut ctx.accounts.policy;
    policy.set_inner(SpendPolicy::new(
        ctx.accounts.treasury.key(),
        SOL_ASSET,
        SOL_ASSET,
        9,
        limits,
        now,
        ctx.bumps.policy,
    ));
    policy.invariant()?;
    emit_cpi!(PolicyCreated {
        treasury: ctx.accounts.treasury.key(),
        asset: SOL_ASSET,
        token_program: SOL_ASSET,
        limits,
        window_start: now,
    });
    Ok(())
}
