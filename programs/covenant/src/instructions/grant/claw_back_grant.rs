use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::pay_out;
use crate::errors::CovenantError;
use crate::events::GrantClawedBack;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::state::Grant;

#[event_cpi]
#[derive(Accounts)]
pub struct ClawBackGrant<'info> {
    #[account(mut)]
    pub donor: Signer<'info>,
    #[account(mut, has_one = donor @ CovenantError::NotDonor)]
    pub grant: Box<Account<'info, Grant>>,
    /// Token grants only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub donor_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl ClawBackGrant<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(Clock::get()?.unix_timestamp >= self.grant.expires_at, CovenantError::GrantNotExpired);
        Ok(())
    }
}

/// After expiry the donor takes back everything the escrow still holds: never what was released
/// to the vault or paid to a payee.
pub fn claw_back_grant_handler(ctx: Context<ClawBackGrant>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let amount = accounts.grant.ledger.remaining()?;
    require!(amount > 0, CovenantError::NothingDue);
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.donor_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    pay_out(&accounts.grant, &accounts.donor.to_account_info(), tokens, amount)?;
    let ledger = &mut accounts.grant.ledger;
    ledger.clawed_back = ledger.clawed_back.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    let event = GrantClawedBack {
        treasury: accounts.grant.treasury,
        grant: accounts.grant.key(),
        donor: accounts.donor.key(),
        amount,
        ledger: accounts.grant.ledger,
    };
    emit_cpi!(event);
    Ok(())
}
