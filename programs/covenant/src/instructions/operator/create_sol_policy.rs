use anchor_lang::prelude::*;

use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::events::PolicyCreated;
use crate::instructions::config_gate::{authorize_config_change, ExecutedChange};
use crate::instructions::create::Funding;
use crate::policy::{validate_limits, ConfigChange, PolicyLimits};
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CreateSolPolicy<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(mut, seeds = [SpendPolicy::SEED, treasury.key().as_ref(), SOL_ASSET.as_ref()], bump)]
    pub policy: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl CreateSolPolicy<'_> {
    pub fn validate(&self, limits: &PolicyLimits) -> Result<()> {
        Ok(validate_limits(limits)?)
    }
}

pub fn create_sol_policy_handler(ctx: Context<CreateSolPolicy>, limits: PolicyLimits) -> Result<()> {
    let accounts = &ctx.accounts;
    let opened = NewPolicy {
        treasury: &accounts.treasury,
        operator: &accounts.operator,
        system_program: &accounts.system_program,
        policy: &accounts.policy,
        bump: ctx.bumps.policy,
    }
    .open(ctx.remaining_accounts, SOL_ASSET, SOL_ASSET, 9, limits)?;
    ctx.accounts.treasury.policy_generation = opened.created.generation;
    emit_cpi!(opened.created);
    if let Some(executed) = opened.executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}

/// The accounts that create one spend policy (SOL or token).
pub(super) struct NewPolicy<'a, 'info> {
    pub treasury: &'a Account<'info, Treasury>,
    pub operator: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
    pub policy: &'a AccountInfo<'info>,
    pub bump: u8,
}

pub(super) struct OpenedPolicy<'a, 'info> {
    pub executed: Option<ExecutedChange<'a, 'info>>,
    pub created: PolicyCreated,
}

impl<'info> NewPolicy<'_, 'info> {
    /// A new policy makes an asset spendable, so it is a loosening change: under a config timelock
    /// it is created only by executing a matured queued request.
    pub fn open<'r, 'ri>(
        self,
        remaining_accounts: &'r [AccountInfo<'ri>],
        asset: Pubkey,
        token_program: Pubkey,
        decimals: u8,
        limits: PolicyLimits,
    ) -> Result<OpenedPolicy<'r, 'ri>> {
        let executed = authorize_config_change(
            self.treasury,
            self.operator,
            remaining_accounts,
            ConfigChange::CreatePolicy { asset, token_program, limits },
            true,
            None,
        )?;
        let now = Clock::get()?.unix_timestamp;
        let treasury = self.treasury.key();
        let generation = self.treasury.policy_generation.checked_add(1).ok_or(CovenantError::MathOverflow)?;
        let policy = SpendPolicy {
            generation,
            ..SpendPolicy::new(treasury, asset, token_program, decimals, limits, now, self.bump)
        };
        policy.invariant()?;
        let funding = Funding { payer: self.operator, system_program: self.system_program };
        let seeds: &[&[u8]] = &[SpendPolicy::SEED, treasury.as_ref(), asset.as_ref(), &[self.bump]];
        funding.init(self.policy, seeds, &policy)?;
        let created = PolicyCreated { treasury, asset, token_program, limits, window_start: now, generation };
        Ok(OpenedPolicy { executed, created })
    }
}
