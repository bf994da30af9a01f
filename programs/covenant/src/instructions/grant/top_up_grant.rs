use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::deposit;
use crate::errors::CovenantError;
use crate::events::GrantToppedUp;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::state::Grant;

#[event_cpi]
#[derive(Accounts)]
pub struct TopUpGrant<'info> {
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
    pub system_program: Program<'info, System>,
}

impl TopUpGrant<'_> {
    pub fn validate(&self, amount: u64) -> Result<()> {
        require!(amount > 0, CovenantError::ZeroAmount);
        self.grant.require_live(Clock::get()?.unix_timestamp)
    }
}

/// Adds to the grant; the addition vests on the grant's schedule (shares that already vested
/// become available at once).
pub fn top_up_grant_handler(ctx: Context<TopUpGrant>, amount: u64) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.donor_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    deposit(
        &accounts.grant,
        &accounts.grant.to_account_info(),
        &accounts.donor,
        &accounts.system_program,
        tokens,
        amount,
    )?;
    let ledger = &mut accounts.grant.ledger;
    ledger.funded = ledger.funded.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
    let event = GrantToppedUp {
        treasury: accounts.grant.treasury,
        grant: accounts.grant.key(),
        donor: accounts.donor.key(),
        amount,
        ledger: accounts.grant.ledger,
    };
    emit_cpi!(event);
    Ok(())
}
