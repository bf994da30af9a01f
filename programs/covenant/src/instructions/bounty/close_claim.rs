use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ClaimClosed;
use crate::state::{Claim, ProofRecord};

#[event_cpi]
#[derive(Accounts)]
pub struct CloseClaim<'info> {
    /// Anyone may crank this: the rent only ever goes back to the claimant.
    pub cranker: Signer<'info>,
    #[account(mut, close = claimant)]
    pub claim: Box<Account<'info, Claim>>,
    /// The record of the claim's proof hash, closed with it.
    #[account(
        mut,
        close = claimant,
        seeds = [ProofRecord::SEED, claim.bounty.as_ref(), claim.proof_hash.as_ref()],
        bump = proof_record.bump,
        constraint = proof_record.claimant == claim.claimant @ CovenantError::ClaimMismatch,
    )]
    pub proof_record: Box<Account<'info, ProofRecord>>,
    /// CHECK: the claimant, who paid the claim's rent.
    #[account(mut, address = claim.claimant @ CovenantError::RentRecipientMismatch)]
    pub claimant: UncheckedAccount<'info>,
    /// CHECK: the claim's bounty, which must be closed (gone) already.
    #[account(address = claim.bounty @ CovenantError::ClaimMismatch)]
    pub bounty: UncheckedAccount<'info>,
}

impl CloseClaim<'_> {
    /// Only once the bounty is gone: while it lives, the claim PDA is what stops a second claim
    /// (and a second payment) from the same wallet, and the proof record a second claim with the
    /// same file.
    pub fn validate(&self) -> Result<()> {
        require!(*self.bounty.owner != crate::ID, CovenantError::BountyNotClosed);
        Ok(())
    }
}

pub fn close_claim_handler(ctx: Context<CloseClaim>) -> Result<()> {
    let claim = &ctx.accounts.claim;
    let event = ClaimClosed { bounty: claim.bounty, claimant: claim.claimant, status: claim.status };
    emit_cpi!(event);
    Ok(())
}
