use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::escrow_terms;
use crate::errors::CovenantError;
use crate::events::GrantClosed;
use crate::instructions::escrow::{
    close_token_escrow, escrow_surplus, pay_sol_from_escrow, sol_escrow_held, EscrowTokenAccounts,
};
use crate::state::{Grant, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct CloseGrant<'info> {
    #[account(mut)]
    pub donor: Signer<'info>,
    #[account(mut, has_one = donor @ CovenantError::NotDonor, has_one = treasury @ CovenantError::TreasuryMismatch, close = donor)]
    pub grant: Box<Account<'info, Grant>>,
    pub treasury: Box<Account<'info, Treasury>>,
    /// Where anything the escrow holds beyond its (empty) ledger goes.
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    /// Token grants only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub vault_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl CloseGrant<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.grant.ledger.remaining()? == 0, CovenantError::GrantNotEmpty);
        Ok(())
    }
}

/// Closes a grant whose ledger is empty: its rent (and a token escrow's) returns to the donor.
/// Whatever the escrow still holds was sent to it from outside the grant: it is swept to the
/// treasury's vault, named in the event as `surplus` (and SOL on a token grant's accounts as
/// `surplus_lamports`), so the escrow can always be closed and the donor gets exactly its rent.
pub fn close_grant_handler(ctx: Context<CloseGrant>) -> Result<()> {
    let accounts = &*ctx.accounts;
    let grant = &accounts.grant;
    let grant_info = grant.to_account_info();
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.vault_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    let vault = accounts.vault.to_account_info();
    let (surplus, surplus_lamports) = match tokens.leg(&escrow_terms(grant, grant.key()), &accounts.vault.key())? {
        Some(leg) => {
            let surplus = escrow_surplus(leg.held(), 0)?;
            let surplus_lamports = grant.sign(|signer| {
                if surplus > 0 {
                    leg.pay_out(grant_info.clone(), signer, surplus)?;
                }
                close_token_escrow(&leg, &grant_info, &vault, signer)
            })?;
            (surplus, surplus_lamports)
        }
        None => {
            let surplus = escrow_surplus(sol_escrow_held(&grant_info)?, 0)?;
            pay_sol_from_escrow(&grant_info, &vault, surplus)?;
            (surplus, 0)
        }
    };
    emit_cpi!(GrantClosed {
        treasury: grant.treasury,
        grant: grant.key(),
        donor: accounts.donor.key(),
        ledger: grant.ledger,
        surplus,
        surplus_lamports,
    });
    Ok(())
}
