use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::escrow_terms;
use crate::errors::CovenantError;
use crate::events::ClaimApproved;
use crate::instructions::escrow::{pay_sol_from_escrow, EscrowTokenAccounts};
use crate::policy::{check_approval, ClaimStatus};
use crate::state::{Bounty, Claim, DecisionRecord, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct ApproveClaim<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
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

impl ApproveClaim<'_> {
    pub fn validate(&self) -> Result<()> {
        self.treasury.require_active()
    }
}

/// Pays the claim's reward once: the claim leaves `Pending` for good, and the bounty never pays
/// more than `max_claims` rewards or more than its escrow holds.
pub fn approve_claim_handler(ctx: Context<ApproveClaim>, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let bounty = &accounts.bounty;
    let reward = bounty.reward;
    let escrow_after =
        check_approval(accounts.claim.status, bounty.approved_count, bounty.max_claims, bounty.escrow_left(), reward)?;
    let leg = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.claimant_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    }
    .leg(&escrow_terms(bounty), &accounts.claimant.key())?;
    match leg {
        Some(leg) => bounty.sign(|signer| leg.pay_out(bounty.to_account_info(), signer, reward))?,
        None => pay_sol_from_escrow(&bounty.to_account_info(), &accounts.claimant.to_account_info(), reward)?,
    }

    let bounty = &mut accounts.bounty;
    bounty.paid = bounty.paid.checked_add(reward).ok_or(CovenantError::MathOverflow)?;
    bounty.approved_count = bounty.approved_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let claim = &mut accounts.claim;
    claim.status = ClaimStatus::Approved;
    claim.settled_at = Some(now);
    claim.decision = decision;
    let event = ClaimApproved {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: claim.claimant,
        keeper: accounts.keeper.key(),
        asset: bounty.asset,
        reward,
        approved_count: bounty.approved_count,
        escrow_left: escrow_after,
        decision,
    };
    emit_cpi!(event);
    Ok(())
}
