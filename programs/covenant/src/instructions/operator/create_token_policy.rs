use anchor_lang::prelude::*;
use anchor_spl::associated_token::{self, get_associated_token_address_with_program_id, AssociatedToken};
use anchor_spl::token_interface::{Mint, TokenInterface};

use super::create_sol_policy::NewPolicy;
use crate::errors::CovenantError;
use crate::mint_rules::check_mint_extensions;
use crate::policy::{validate_limits, PolicyLimits};
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CreateTokenPolicy<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator @ CovenantError::NotOperator)]
    pub treasury: Account<'info, Treasury>,
    #[account(seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    pub mint: InterfaceAccount<'info, Mint>,
    /// CHECK: address is the vault's associated token account for (mint, token program); created
    /// idempotently by the handler once the mint and program have been checked.
    #[account(
        mut,
        address = get_associated_token_address_with_program_id(&vault.key(), &mint.key(), &token_program.key())
            @ CovenantError::VaultTokenAccountMismatch,
    )]
    pub vault_token_account: UncheckedAccount<'info>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`).
    #[account(mut, seeds = [SpendPolicy::SEED, treasury.key().as_ref(), mint.key().as_ref()], bump)]
    pub policy: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

impl CreateTokenPolicy<'_> {
    pub fn validate(&self, limits: &PolicyLimits) -> Result<()> {
        require_keys_eq!(
            *self.mint.to_account_info().owner,
            self.token_program.key(),
            CovenantError::TokenProgramMismatch
        );
        check_mint_extensions(&self.mint.to_account_info())?;
        Ok(validate_limits(limits)?)
    }
}

pub fn create_token_policy_handler(ctx: Context<CreateTokenPolicy>, limits: PolicyLimits) -> Result<()> {
    associated_token::create_idempotent(CpiContext::new(
        ctx.accounts.associated_token_program.key(),
        associated_token::Create {
            payer: ctx.accounts.operator.to_account_info(),
            associated_token: ctx.accounts.vault_token_account.to_account_info(),
            authority: ctx.accounts.vault.to_account_info(),
            mint: ctx.accounts.mint.to_account_info(),
            system_program: ctx.accounts.system_program.to_account_info(),
            token_program: ctx.accounts.token_program.to_account_info(),
        },
    ))?;

    let accounts = &ctx.accounts;
    let opened = NewPolicy {
        treasury: &accounts.treasury,
        operator: &accounts.operator,
        system_program: &accounts.system_program,
        policy: &accounts.policy,
        bump: ctx.bumps.policy,
    }
    .open(
        ctx.remaining_accounts,
        accounts.mint.key(),
        accounts.token_program.key(),
        accounts.mint.decimals,
        limits,
    )?;
    ctx.accounts.treasury.policy_generation = opened.created.generation;
    emit_cpi!(opened.created);
    if let Some(executed) = opened.executed {
        emit_cpi!(executed.finish(&ctx.accounts.operator)?);
    }
    Ok(())
}
