use anchor_lang::prelude::*;
use anchor_lang::system_program;

use super::{record_donation, validate_donation};
use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::events::DonationReceived;
use crate::instructions::vault::vault_spendable_lamports;
use crate::state::{SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct DonateSol<'info> {
    #[account(mut)]
    pub donor: Signer<'info>,
    #[account(mut)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    /// The SOL policy, when the treasury has one, counts the donation in `total_received`.
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy.asset == SOL_ASSET @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy: Option<Account<'info, SpendPolicy>>,
    pub system_program: Program<'info, System>,
}

impl DonateSol<'_> {
    pub fn validate(&self, amount: u64, memo: &str) -> Result<()> {
        validate_donation(amount, memo)
    }
}

/// A recorded donation: the same as a plain transfer to the vault, plus an event and counters.
/// Accepted while paused: pausing stops outflows, never gifts.
pub fn donate_sol_handler(ctx: Context<DonateSol>, amount: u64, memo: String) -> Result<()> {
    system_program::transfer(
        CpiContext::new(
            ctx.accounts.system_program.key(),
            system_program::Transfer {
                from: ctx.accounts.donor.to_account_info(),
                to: ctx.accounts.vault.to_account_info(),
            },
        ),
        amount,
    )?;
    let policy = ctx.accounts.policy.as_deref_mut();
    let recorded_on_policy = record_donation(&mut ctx.accounts.treasury, policy, amount)?;
    let vault_balance = vault_spendable_lamports(&ctx.accounts.vault.to_account_info())?;
    emit_cpi!(DonationReceived {
        treasury: ctx.accounts.treasury.key(),
        donor: ctx.accounts.donor.key(),
        asset: SOL_ASSET,
        amount,
        memo,
        vault_balance,
        recorded_on_policy,
    });
    Ok(())
}
