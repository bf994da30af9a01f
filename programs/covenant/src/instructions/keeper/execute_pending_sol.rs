use anchor_lang::prelude::*;

use super::{record_outflow, validate_pending_execution};
use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::events::Spent;
use crate::instructions::usd_gate::charge_usd;
use crate::instructions::vault::pay_sol;
use crate::policy::{enforce_spend, PendingStatus};
use crate::state::{PendingSpend, SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ExecutePendingSol<'info> {
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
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = pending.asset == SOL_ASSET @ CovenantError::PolicyAssetMismatch,
    )]
    pub pending: Account<'info, PendingSpend>,
    /// CHECK: must be the recipient the pending spend names.
    #[account(mut, address = pending.recipient @ CovenantError::RecipientMismatch)]
    pub recipient: UncheckedAccount<'info>,
    /// CHECK: the recipient's payee PDA, which may not exist; checked by `apply_payee_rules`.
    #[account(mut)]
    pub payee: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl ExecutePendingSol<'_> {
    pub fn validate(&self) -> Result<()> {
        validate_pending_execution(&self.treasury, &self.policy, &self.pending, &self.recipient)
    }
}

/// Executes a matured or approved pending spend. The window cap and payee rules apply as for any
/// spend, against the state at execution time; the co-sign threshold does not (that was the point).
pub fn execute_pending_sol_handler(ctx: Context<ExecutePendingSol>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let treasury_key = accounts.treasury.key();
    let recipient_key = accounts.recipient.key();
    let amount = accounts.pending.amount;

    let window = enforce_spend(&accounts.policy.limits, accounts.policy.window, amount, now)?;
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
    accounts.pending.status = PendingStatus::Executed;

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
        decision: ctx.accounts.pending.decision,
        pending_id: Some(ctx.accounts.pending.id),
    });
    if let Some(usd) = usd {
        emit_cpi!(usd);
    }
    Ok(())
}
