use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Transfer};

use crate::constants::DISPUTE_RULING_SECONDS;
use crate::errors::CovenantError;
use crate::events::DisputeOpened;
use crate::instructions::create::Funding;
use crate::policy::{check_approval, check_disputable, ClaimStatus};
use crate::state::{Bounty, Claim, Dispute, DisputeKind, DisputeState};

#[event_cpi]
#[derive(Accounts)]
pub struct DisputeClaim<'info> {
    /// Anyone challenging an approval; the claimant appealing a rejection. Posts the bond and pays
    /// the dispute's rent (returned when it ends).
    #[account(mut)]
    pub disputer: Signer<'info>,
    #[account(mut)]
    pub bounty: Box<Account<'info, Bounty>>,
    #[account(mut, has_one = bounty @ CovenantError::ClaimMismatch)]
    pub claim: Box<Account<'info, Claim>>,
    /// CHECK: created by the handler (pre-funding cannot block it, see `create.rs`); the claim's
    /// `dispute` state, not this account, says whether it was disputed before.
    #[account(mut, seeds = [Dispute::SEED, claim.key().as_ref()], bump)]
    pub dispute: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl DisputeClaim<'_> {
    /// Returns what the dispute is: a challenge or an appeal. A pause does not stop disputes: they
    /// are how a wrong decision is contested, not a way to move the treasury's money.
    pub fn validate(&self, bond: u64) -> Result<DisputeKind> {
        let (bounty, claim) = (&self.bounty, &self.claim);
        let decided_at = claim.settled_at.ok_or(CovenantError::NothingToDispute)?;
        let now = Clock::get()?.unix_timestamp;
        let kind = check_disputable(claim.status, claim.paid, claim.dispute, decided_at, bounty.challenge_window, now)?;
        require!(bond == bounty.bond, CovenantError::WrongBond);
        if kind == DisputeKind::Appeal {
            require_keys_eq!(self.disputer.key(), claim.claimant, CovenantError::NotClaimant);
            // An appeal holds a reward and a slot, so overturning it can always pay.
            check_approval(
                ClaimStatus::Pending,
                bounty.claims_taken(),
                bounty.max_claims,
                bounty.free_escrow(),
                bounty.reward,
            )?;
        }
        Ok(kind)
    }
}

/// Opens the claim's one dispute: the bond moves into the dispute account, an approval stops being
/// payable and an appeal holds a reward until the arbiter rules or the ruling deadline passes.
pub fn dispute_claim_handler(ctx: Context<DisputeClaim>, bond: u64) -> Result<()> {
    let kind = ctx.accounts.validate(bond)?;
    let now = Clock::get()?.unix_timestamp;
    let ruling_deadline = now.checked_add(DISPUTE_RULING_SECONDS).ok_or(CovenantError::MathOverflow)?;
    let accounts = &mut *ctx.accounts;
    let claim_key = accounts.claim.key();
    let disputer = accounts.disputer.to_account_info();
    let system = accounts.system_program.to_account_info();
    let dispute_info = accounts.dispute.to_account_info();
    let record = Dispute {
        bounty: accounts.bounty.key(),
        claim: claim_key,
        kind,
        disputer: disputer.key(),
        bond,
        opened_at: now,
        ruling_deadline,
        bump: ctx.bumps.dispute,
    };
    let seeds: &[&[u8]] = &[Dispute::SEED, claim_key.as_ref(), &[ctx.bumps.dispute]];
    Funding { payer: &disputer, system_program: &system }.init(&dispute_info, seeds, &record)?;
    let to_dispute = Transfer { from: disputer.clone(), to: dispute_info };
    system_program::transfer(CpiContext::new(system.key(), to_dispute), bond)?;

    let bounty = &mut accounts.bounty;
    bounty.disputes_open = bounty.disputes_open.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    if kind == DisputeKind::Appeal {
        bounty.appeals_open = bounty.appeals_open.checked_add(1).ok_or(CovenantError::MathOverflow)?;
    }
    let claim = &mut accounts.claim;
    claim.dispute = DisputeState::Open;
    let event = DisputeOpened {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: claim.claimant,
        disputer: record.disputer,
        kind,
        bond,
        ruling_deadline,
        arbiter: bounty.arbiter,
        decision: claim.decision,
    };
    emit_cpi!(event);
    Ok(())
}
