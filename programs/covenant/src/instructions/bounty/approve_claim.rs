use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use super::pay_reward;
use crate::errors::CovenantError;
use crate::events::ClaimApproved;
use crate::instructions::escrow::EscrowTokenAccounts;
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
    /// Token bounties that pay at once only, like every account below.
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

/// Approves a pending claim, once: the claim leaves `Pending` for good, and the bounty never
/// approves more than `max_claims` claims or more than its escrow holds (less what approved and
/// appealed claims already hold). Without disputes the reward is paid now; with them it is owed
/// until the challenge window ends (`pay_claim`).
pub fn approve_claim_handler(ctx: Context<ApproveClaim>, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let bounty = &mut accounts.bounty;
    let escrow_after = check_approval(
        accounts.claim.status,
        bounty.claims_taken(),
        bounty.max_claims,
        bounty.free_escrow(),
        bounty.reward,
    )?;
    let payable_at = now.checked_add(bounty.challenge_window).ok_or(CovenantError::MathOverflow)?;
    bounty.approved_count = bounty.approved_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let claim = &mut accounts.claim;
    claim.status = ClaimStatus::Approved;
    claim.settled_at = Some(now);
    claim.decision = decision;
    claim.payable_at = payable_at;
    let approved = ClaimApproved {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: claim.claimant,
        keeper: accounts.keeper.key(),
        asset: bounty.asset,
        reward: bounty.reward,
        approved_count: bounty.approved_count,
        escrow_left: escrow_after,
        decision,
        payable_at,
    };
    if bounty.takes_disputes() {
        bounty.owed_claims = bounty.owed_claims.checked_add(1).ok_or(CovenantError::MathOverflow)?;
        bounty.disputable_until = bounty.disputable_until.max(payable_at);
        emit_cpi!(approved);
        return Ok(());
    }
    let tokens = EscrowTokenAccounts {
        mint: accounts.mint.as_deref(),
        escrow: accounts.escrow_token_account.as_deref(),
        counterparty: accounts.claimant_token_account.as_deref(),
        token_program: accounts.token_program.as_ref(),
    };
    let paid = pay_reward(bounty, claim, &accounts.claimant.to_account_info(), tokens)?;
    emit_cpi!(approved);
    emit_cpi!(paid);
    Ok(())
}
