use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ClaimSubmitted;
use crate::instructions::create::{is_program_account, Funding};
use crate::policy::{check_claimable, ClaimStatus};
use crate::state::{Bounty, Claim, DecisionRecord, DisputeState, ProofRecord};

#[event_cpi]
#[derive(Accounts)]
#[instruction(proof_uri: String, proof_hash: [u8; 32])]
pub struct SubmitClaim<'info> {
    /// Anyone; pays the claim's rent and gets it back once the bounty is closed.
    #[account(mut)]
    pub claimant: Signer<'info>,
    #[account(mut)]
    pub bounty: Box<Account<'info, Bounty>>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`); one that
    /// exists already is this wallet's earlier claim and is never overwritten.
    #[account(mut, seeds = [Claim::SEED, bounty.key().as_ref(), claimant.key().as_ref()], bump)]
    pub claim: UncheckedAccount<'info>,
    /// CHECK: created by the handler like the claim; one that exists already means this file was
    /// claimed on this bounty before (by any wallet), and the claim is refused.
    #[account(mut, seeds = [ProofRecord::SEED, bounty.key().as_ref(), proof_hash.as_ref()], bump)]
    pub proof_record: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl SubmitClaim<'_> {
    pub fn validate(&self, proof_uri: &str) -> Result<()> {
        require!(!is_program_account(&self.claim), CovenantError::ClaimAlreadySubmitted);
        require!(!is_program_account(&self.proof_record), CovenantError::ProofAlreadyClaimed);
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
    let bounty_key = bounty.key();
    let claimant = ctx.accounts.claimant.key();
    let claim = Claim {
        bounty: bounty_key,
        claimant: ctx.accounts.claimant.key(),
        proof_uri,
        proof_hash,
        status: ClaimStatus::Pending,
        reason_code: 0,
        decision: DecisionRecord::default(),
        submitted_at: now,
        settled_at: None,
        bump: ctx.bumps.claim,
        payable_at: 0,
        paid: false,
        dispute: DisputeState::None,
    };
    let funding = Funding {
        payer: &ctx.accounts.claimant.to_account_info(),
        system_program: &ctx.accounts.system_program.to_account_info(),
    };
    let seeds: &[&[u8]] = &[Claim::SEED, bounty_key.as_ref(), claimant.as_ref(), &[ctx.bumps.claim]];
    funding.init(&ctx.accounts.claim, seeds, &claim)?;
    let record = ProofRecord { bounty: bounty_key, proof_hash, claimant, bump: ctx.bumps.proof_record };
    let seeds: &[&[u8]] = &[ProofRecord::SEED, bounty_key.as_ref(), &proof_hash, &[ctx.bumps.proof_record]];
    funding.init(&ctx.accounts.proof_record, seeds, &record)?;
    emit_cpi!(event);
    Ok(())
}
