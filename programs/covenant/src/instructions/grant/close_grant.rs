use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::escrow_terms;
use crate::errors::CovenantError;
use crate::events::GrantClosed;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::state::Grant;

#[event_cpi]
#[derive(Accounts)]
pub struct CloseGrant<'info> {
    #[account(mut)]
    pub donor: Signer<'info>,
    #[account(mut, has_one = donor @ CovenantError::NotDonor, close = donor)]
    pub grant: Box<Account<'info, Grant>>,
    /// Token grants only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub donor_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl CloseGrant<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.grant.ledger.remaining()? == 0, CovenantError::GrantNotEmpty);
        Ok(())
    }
}

/// Closes an empty grant: its rent (and a token escrow's) returns to the donor. Tokens someone sent
/// to the escrow outside the grant go to the donor too, so the escrow can always be closed.
pub fn close_grant_handler(ctx: Context<CloseGrant>) -> Result<()> {
    let accounts = &*ctx.accounts;
    let grant = &accounts.grant;
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.donor_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    let leg = tokens.leg(&escrow_terms(grant), &accounts.donor.key())?;
    if let (Some(leg), Some(escrow)) = (leg, &accounts.escrow_token_account) {
        grant.sign(|signer| {
            if escrow.amount > 0 {
                leg.pay_out(grant.to_account_info(), signer, escrow.amount)?;
            }
            leg.close(grant.to_account_info(), accounts.donor.to_account_info(), signer)
        })?;
    }
    emit_cpi!(GrantClosed {
        treasury: grant.treasury,
        grant: grant.key(),
        donor: accounts.donor.key(),
        ledger: grant.ledger
    });
    Ok(())
}
