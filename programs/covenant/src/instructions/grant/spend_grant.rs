use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::pay_out;
use crate::errors::CovenantError;
use crate::events::GrantSpent;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::instructions::keeper::record_outflow;
use crate::instructions::usd_gate::charge_usd;
use crate::policy::enforce_keeper_spend;
use crate::state::{DecisionRecord, Grant, SpendPolicy, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct SpendGrant<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub grant: Box<Account<'info, Grant>>,
    /// The treasury's policy for the grant's asset: grant payments count like any spend.
    #[account(
        mut,
        has_one = treasury @ CovenantError::TreasuryMismatch,
        constraint = policy.asset == grant.asset @ CovenantError::PolicyAssetMismatch,
    )]
    pub policy: Box<Account<'info, SpendPolicy>>,
    /// CHECK: one of the grant's payees (checked in `validate`); paid directly for a SOL grant.
    #[account(mut)]
    pub recipient: UncheckedAccount<'info>,
    /// CHECK: the recipient's payee PDA, which may not exist; checked by the payee rules.
    #[account(mut)]
    pub payee: UncheckedAccount<'info>,
    /// Token grants only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub recipient_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl SpendGrant<'_> {
    pub fn validate(&self, amount: u64) -> Result<()> {
        self.treasury.require_active()?;
        Treasury::require_payable_recipient(&self.recipient)?;
        let grant = &self.grant;
        require!(grant.is_restricted(), CovenantError::GrantNotRestricted);
        grant.require_live(Clock::get()?.unix_timestamp)?;
        require!(grant.payees.contains(self.recipient.key), CovenantError::GrantPayeeNotAllowed);
        require!(grant.per_tx_cap.is_none_or(|cap| amount <= cap), CovenantError::GrantPerTxCapExceeded);
        Ok(())
    }
}

/// Pays one of a restricted grant's payees from the escrow: within what has vested, the grant's
/// own per-tx cap, and the treasury's policy and payee rules for the asset.
pub fn spend_grant_handler(ctx: Context<SpendGrant>, amount: u64, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let available = accounts.grant.ledger.available(&accounts.grant.schedule, now)?;
    require!(amount <= available, CovenantError::ExceedsVested);
    let treasury_key = accounts.treasury.key();
    let recipient_key = accounts.recipient.key();
    let policy = &mut accounts.policy;
    let window = enforce_keeper_spend(&policy.limits, policy.window, amount, now)?;
    let usd = charge_usd(&accounts.treasury, ctx.remaining_accounts, &policy.asset, policy.decimals, amount, now)?;
    let category = record_outflow(policy, window, &accounts.payee, &treasury_key, &recipient_key, amount, now)?;
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.recipient_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    pay_out(&accounts.grant, &accounts.recipient.to_account_info(), tokens, amount)?;
    let ledger = &mut accounts.grant.ledger;
    ledger.spent = ledger.spent.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    let event = GrantSpent {
        treasury: treasury_key,
        grant: accounts.grant.key(),
        keeper: accounts.keeper.key(),
        recipient: recipient_key,
        amount,
        category,
        window_start: window.start,
        window_spent: window.spent,
        ledger: accounts.grant.ledger,
        decision,
    };
    emit_cpi!(event);
    if let Some(usd) = usd {
        emit_cpi!(usd);
    }
    Ok(())
}
