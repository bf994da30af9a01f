use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::record_outflow;
use crate::errors::CovenantError;
use crate::events::Spent;
use crate::instructions::usd_gate::charge_usd;
use crate::instructions::vault::TokenPayment;
use crate::policy::enforce_keeper_spend;
use crate::state::{DecisionRecord, SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct SpendToken<'info> {
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
        constraint = *mint.to_account_info().owner == token_program.key() @ CovenantError::TokenProgramMismatch,
    )]
    pub mint: InterfaceAccount<'info, Mint>,
    #[account(
        mut,
        constraint = vault_token_account.owner == vault.key() @ CovenantError::VaultTokenAccountMismatch,
        constraint = vault_token_account.mint == mint.key() @ CovenantError::MintMismatch,
    )]
    pub vault_token_account: InterfaceAccount<'info, TokenAccount>,
    /// CHECK: the wallet being paid; bound to the destination below and by the payee rules.
    #[account(constraint = recipient.key() != vault.key() @ CovenantError::InvalidRecipient)]
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

impl SpendToken<'_> {
    pub fn validate(&self) -> Result<()> {
        self.treasury.require_active()?;
        Treasury::require_payable_recipient(&self.recipient)
    }
}

pub fn spend_token_handler(ctx: Context<SpendToken>, amount: u64, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let treasury_key = accounts.treasury.key();
    let recipient_key = accounts.recipient.key();
    let asset = accounts.mint.key();

    let window = enforce_keeper_spend(&accounts.policy.limits, accounts.policy.window, amount, now)?;
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
        decision,
        pending_id: None,
    });
    if let Some(usd) = usd {
        emit_cpi!(usd);
    }
    Ok(())
}
