use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::pay_reward;
use crate::errors::CovenantError;
use crate::instructions::escrow::EscrowTokenAccounts;
use crate::policy::check_payable;
use crate::state::{Bounty, Claim, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct PayClaim<'info> {
    /// Anyone may crank this: the reward only ever goes to the claimant.
    pub cranker: Signer<'info>,
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub bounty: Box<Account<'info, Bounty>>,
    #[account(mut, has_one = bounty @ CovenantError::ClaimMismatch)]
    pub claim: Box<Account<'info, Claim>>,
    /// CHECK: the wallet that claimed; paid directly for a SOL bounty.
    #[account(mut, address = claim.claimant @ CovenantError::RecipientMismatch)]
    pub claimant: UncheckedAccount<'info>,
    /// Token bounties only, like every account below.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub escrow_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub claimant_token_account: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
}

impl PayClaim<'_> {
    /// A guardian's pause holds owed rewards too (a thief's approvals are what it stops); it is
    /// bounded like every pause.
    pub fn validate(&self) -> Result<()> {
        self.treasury.require_active()?;
        let claim = &self.claim;
        Ok(check_payable(claim.status, claim.paid, claim.dispute, claim.payable_at, Clock::get()?.unix_timestamp)?)
    }
}

/// Pays an approved claim whose challenge window passed undisputed, or whose dispute left it approved.
pub fn pay_claim_handler(ctx: Context<PayClaim>) -> Result<()> {
    let accounts = &mut *ctx.accounts;
    let bounty = &mut accounts.bounty;
    bounty.owed_claims = bounty.owed_claims.checked_sub(1).ok_or(CovenantError::MathOverflow)?;
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.claimant_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    let paid = pay_reward(bounty, &mut accounts.claim, &accounts.claimant.to_account_info(), tokens)?;
    emit_cpi!(paid);
    Ok(())
}
