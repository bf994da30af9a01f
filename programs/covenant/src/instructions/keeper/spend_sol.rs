use anchor_lang::prelude::*;

use super::record_outflow;
use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::events::Spent;
use crate::instructions::usd_gate::charge_usd;
use crate::instructions::vault::pay_sol;
use crate::policy::enforce_keeper_spend;
use crate::state::{DecisionRecord, SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct SpendSol<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Account<'info, Treasury>,
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy.asset == SOL_ASSET @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy: Account<'info, SpendPolicy>,
    /// CHECK: any account may receive lamports; the payee rules below bind it by address.
    #[account(mut, constraint = recipient.key() != vault.key() @ CovenantError::InvalidRecipient)]
    pub recipient: UncheckedAccount<'info>,
    /// CHECK: the recipient's payee PDA, which may not exist; checked by `apply_payee_rules`.
    #[account(mut)]
    pub payee: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl SpendSol<'_> {
    pub fn validate(&self) -> Result<()> {
        self.treasury.require_active()?;
        Treasury::require_payable_recipient(&self.recipient)
    }
}

pub fn spend_sol_handler(ctx: Context<SpendSol>, amount: u64, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let treasury_key = accounts.treasury.key();
    let recipient_key = accounts.recipient.key();

    let window = enforce_keeper_spend(&accounts.policy.limits, accounts.policy.window, amount, now)?;
    let usd =
        charge_usd(&accounts.treasury, ctx.remaining_accounts, &SOL_ASSET, accounts.policy.decimals, amount, now)?;
    let category =
        record_outflow(&mut accounts.policy, window, &accounts.payee, &treasury_key, &recipient_key, amount, now)?;
    let vault_balance = pay_sol(
        &accounts.treasury,
        &accounts.vault.to_account_info(),
        &accounts.recipient.to_account_info(),
        &accounts.system_program.to_account_info(),
        amount,
    )?;

    emit_cpi!(Spent {
        treasury: treasury_key,
        keeper: ctx.accounts.keeper.key(),
        asset: SOL_ASSET,
        recipient: recipient_key,
        amount,
        category,
        window_start: window.start,
        window_spent: window.spent,
        vault_balance,
        decision,
        pending_id: None,
    });
    if let Some(usd) = usd {
        emit_cpi!(usd);
    }
    Ok(())
}
