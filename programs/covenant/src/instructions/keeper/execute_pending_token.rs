use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::{record_outflow, validate_pending_execution};
use crate::errors::CovenantError;
use crate::events::Spent;
use crate::instructions::usd_gate::charge_usd;
use crate::instructions::vault::TokenPayment;
use crate::policy::{enforce_spend, PendingStatus};
use crate::state::{PendingSpend, SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ExecutePendingToken<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Account<'info, Treasury>,
    #[account(seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy.asset == mint.key() @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy: Account<'info, SpendPolicy>,
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = pending.asset == mint.key() @ CovenantError::PolicyAssetMismatch,
    )]
    pub pending: Account<'info, PendingSpend>,
    #[account(constraint = *mint.to_account_info().owner == token_program.key() @ CovenantError::TokenProgramMismatch)]
    pub mint: InterfaceAccount<'info, Mint>,
    #[account(
        mut,
        constraint = vault_token_account.owner == vault.key() @ CovenantError::VaultTokenAccountMismatch,
        constraint = vault_token_account.mint == mint.key() @ CovenantError::MintMismatch,
    )]
    pub vault_token_account: InterfaceAccount<'info, TokenAccount>,
    /// CHECK: must be the recipient the pending spend names.
    #[account(address = pending.recipient @ CovenantError::RecipientMismatch)]
    pub recipient: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = recipient_token_account.mint == mint.key() @ CovenantError::MintMismatch,
        constraint = recipient_token_account.owner == recipient.key() @ CovenantError::RecipientMismatch,
    )]
    pub recipient_token_account: InterfaceAccount<'info, TokenAccount>,
    /// CHECK: the recipient's payee PDA, which may not exist; checked by `apply_payee_rules`.
    #[account(mut)]
    pub payee: UncheckedAccount<'info>,
    #[account(constraint = token_program.key() == policy.token_program @ CovenantError::TokenProgramMismatch)]
    pub token_program: Interface<'info, TokenInterface>,
}

impl ExecutePendingToken<'_> {
    pub fn validate(&self) -> Result<()> {
        validate_pending_execution(&self.treasury, &self.policy, &self.pending, &self.recipient)
    }
}

pub fn execute_pending_token_handler(ctx: Context<ExecutePendingToken>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let treasury_key = accounts.treasury.key();
    let recipient_key = accounts.recipient.key();
    let asset = accounts.mint.key();
    let amount = accounts.pending.amount;

    let window = enforce_spend(&accounts.policy.limits, accounts.policy.window, amount, now)?;
    let usd = charge_usd(&accounts.treasury, ctx.remaining_accounts, &asset, accounts.mint.decimals, amount, now)?;
    let category =
        record_outflow(&mut accounts.policy, window, &accounts.payee, &treasury_key, &recipient_key, amount, now)?;
    let vault_balance = TokenPayment {
        treasury: &accounts.treasury,
        vault: &accounts.vault.to_account_info(),
        mint: &accounts.mint,
        vault_token_account: &mut accounts.vault_token_account,
        destination: &accounts.recipient_token_account.to_account_info(),
        token_program: &accounts.token_program,
    }
    .pay(amount)?;
    accounts.pending.status = PendingStatus::Executed;

    emit_cpi!(Spent {
        treasury: treasury_key,
        keeper: ctx.accounts.keeper.key(),
        asset,
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
