use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::pay_out;
use crate::errors::CovenantError;
use crate::events::GrantReleased;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::state::{Grant, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ReleaseGrant<'info> {
    /// Anyone may crank a release: the funds can only go to the treasury's vault.
    pub cranker: Signer<'info>,
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub grant: Box<Account<'info, Grant>>,
    /// Token grants only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub vault_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl ReleaseGrant<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(!self.grant.is_restricted(), CovenantError::GrantRestricted);
        self.grant.require_live(Clock::get()?.unix_timestamp)
    }
}

/// Moves exactly what has vested and not yet been released into the vault.
pub fn release_grant_handler(ctx: Context<ReleaseGrant>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let amount = accounts.grant.ledger.available(&accounts.grant.schedule, now)?;
    require!(amount > 0, CovenantError::NothingDue);
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.vault_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    pay_out(&accounts.grant, &accounts.vault.to_account_info(), tokens, amount)?;
    let ledger = &mut accounts.grant.ledger;
    ledger.released = ledger.released.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    let event = GrantReleased {
        treasury: accounts.treasury.key(),
        grant: accounts.grant.key(),
        cranker: accounts.cranker.key(),
        amount,
        ledger: accounts.grant.ledger,
    };
    emit_cpi!(event);
    Ok(())
}
