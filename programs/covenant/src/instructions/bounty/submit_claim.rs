use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ClaimSubmitted;
use crate::policy::{check_claimable, ClaimStatus};
use crate::state::{Bounty, Claim, DecisionRecord};

#[event_cpi]
#[derive(Accounts)]
pub struct SubmitClaim<'info> {
    /// Anyone; pays the claim's rent and gets it back once the bounty is closed.
    #[account(mut)]
    pub claimant: Signer<'info>,
    #[account(mut)]
    pub bounty: Box<Account<'info, Bounty>>,
    /// `init_if_needed` only so that a second claim fails with its own error rather than the system
    /// program's "already in use"; an existing claim is never overwritten.
    #[account(
        init_if_needed,
        payer = claimant,
        space = Claim::DISCRIMINATOR.len() + Claim::INIT_SPACE,
        seeds = [Claim::SEED, bounty.key().as_ref(), claimant.key().as_ref()],
        bump,
    )]
    pub claim: Box<Account<'info, Claim>>,
    pub system_program: Program<'info, System>,
}

impl SubmitClaim<'_> {
    pub fn validate(&self, proof_uri: &str) -> Result<()> {
        require_keys_eq!(self.claim.claimant, Pubkey::default(), CovenantError::ClaimAlreadySubmitted);
        let bounty = &self.bounty;
        check_claimable(bounty.deadline, bounty.approved_count, bounty.max_claims, Clock::get()?.unix_timestamp)?;
        Claim::validate_proof_uri(proof_uri)
    }
}

pub fn submit_claim_handler(ctx: Context<SubmitClaim>, proof_uri: String, proof_hash: [u8; 32]) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let bounty = &mut ctx.accounts.bounty;
    bounty.submitted_count = bounty.submitted_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    let event = ClaimSubmitted {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: ctx.accounts.claimant.key(),
        proof_uri: proof_uri.clone(),
        proof_hash,
    };
    ctx.accounts.claim.set_inner(Claim {
        bounty: bounty.key(),
        claimant: ctx.accounts.claimant.key(),
        proof_uri,
        proof_hash,
        status: ClaimStatus::Pending,
        reason_code: 0,
        decision: DecisionRecord::default(),
        submitted_at: now,
        settled_at: None,
        bump: ctx.bumps.claim,
    });
    emit_cpi!(event);
    Ok(())
}
