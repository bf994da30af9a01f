use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ClaimRejected;
use crate::policy::ClaimStatus;
use crate::state::{Bounty, Claim, DecisionRecord, Treasury};

#[event_cpi]
#[derive(Accounts)]
pub struct RejectClaim<'info> {
    pub keeper: Signer<'info>,
    #[account(has_one = keeper @ CovenantError::NotKeeper)]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub bounty: Box<Account<'info, Bounty>>,
    #[account(mut, has_one = bounty @ CovenantError::ClaimMismatch)]
    pub claim: Box<Account<'info, Claim>>,
}

impl RejectClaim<'_> {
    pub fn validate(&self) -> Result<()> {
        self.treasury.require_active()?;
        require!(self.claim.status == ClaimStatus::Pending, CovenantError::ClaimNotPending);
        Ok(())
    }
}

pub fn reject_claim_handler(ctx: Context<RejectClaim>, reason_code: u16, decision: DecisionRecord) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let bounty = &mut ctx.accounts.bounty;
    bounty.rejected_count = bounty.rejected_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let claim = &mut ctx.accounts.claim;
    claim.status = ClaimStatus::Rejected;
    claim.reason_code = reason_code;
    claim.settled_at = Some(now);
    claim.decision = decision;
    if bounty.takes_disputes() {
        let appealable_until = now.checked_add(bounty.challenge_window).ok_or(CovenantError::MathOverflow)?;
        bounty.disputable_until = bounty.disputable_until.max(appealable_until);
    }
    let event = ClaimRejected {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: claim.claimant,
        keeper: ctx.accounts.keeper.key(),
        reason_code,
        decision,
    };
    emit_cpi!(event);
    Ok(())
}
