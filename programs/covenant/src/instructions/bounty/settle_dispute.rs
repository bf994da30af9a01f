use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::DisputeResolved;
use crate::instructions::escrow::pay_sol_from_escrow;
use crate::policy::{settle_dispute, BondTo, ClaimStatus};
use crate::state::{Bounty, Claim, Dispute, DisputeKind, Treasury};

/// Ends a dispute: by the arbiter's ruling (`rule_dispute`) or, after the ruling deadline, by
/// anyone applying the default (`lapse_dispute`).
#[event_cpi]
#[derive(Accounts)]
pub struct SettleDispute<'info> {
    /// The arbiter for a ruling; anyone for a lapse.
    pub settler: Signer<'info>,
    pub treasury: Box<Account<'info, Treasury>>,
    /// CHECK: the treasury's vault, which takes the bond of an appeal that lost.
    #[account(mut, seeds = [Treasury::VAULT_SEED, treasury.key().as_ref()], bump = treasury.vault_bump)]
    pub vault: SystemAccount<'info>,
    #[account(mut, has_one = treasury @ CovenantError::TreasuryMismatch)]
    pub bounty: Box<Account<'info, Bounty>>,
    #[account(mut, has_one = bounty @ CovenantError::ClaimMismatch)]
    pub claim: Box<Account<'info, Claim>>,
    #[account(
        mut,
        close = disputer,
        seeds = [Dispute::SEED, claim.key().as_ref()],
        bump = dispute.bump,
        has_one = claim @ CovenantError::ClaimMismatch,
    )]
    pub dispute: Box<Account<'info, Dispute>>,
    /// CHECK: who posted the bond and paid the dispute's rent.
    #[account(mut, address = dispute.disputer @ CovenantError::RentRecipientMismatch)]
    pub disputer: UncheckedAccount<'info>,
    /// CHECK: the claim's wallet, which takes the bond of a challenge that lost.
    #[account(mut, address = claim.claimant @ CovenantError::RecipientMismatch)]
    pub claimant: UncheckedAccount<'info>,
}

impl SettleDispute<'_> {
    pub fn validate_ruling(&self) -> Result<()> {
        require_keys_eq!(self.settler.key(), self.bounty.arbiter, CovenantError::NotArbiter);
        require!(Clock::get()?.unix_timestamp < self.dispute.ruling_deadline, CovenantError::RulingPeriodOver);
        Ok(())
    }

    pub fn validate_lapse(&self) -> Result<()> {
        require!(Clock::get()?.unix_timestamp >= self.dispute.ruling_deadline, CovenantError::RulingPeriodActive);
        Ok(())
    }
}

/// `overturn`: the arbiter's ruling, `None` for the default. The bond goes to the winner, the rest
/// of the dispute account (its rent, and any dust sent to it) to the disputer; a claim that ends
/// up approved is payable at once (`pay_claim`), one that ends up rejected frees its reward.
pub fn settle_dispute_handler(ctx: Context<SettleDispute>, overturn: Option<bool>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut *ctx.accounts;
    let dispute = &accounts.dispute;
    let settlement = settle_dispute(dispute.kind, overturn);
    let bond_to = match settlement.bond_to {
        BondTo::Disputer => accounts.disputer.to_account_info(),
        BondTo::Claimant => accounts.claimant.to_account_info(),
        BondTo::Vault => accounts.vault.to_account_info(),
    };
    pay_sol_from_escrow(&dispute.to_account_info(), &bond_to, dispute.bond)?;

    let bounty = &mut accounts.bounty;
    let claim = &mut accounts.claim;
    let was_approved = claim.status == ClaimStatus::Approved;
    let approved = settlement.status == ClaimStatus::Approved;
    bounty.disputes_open = bounty.disputes_open.checked_sub(1).ok_or(CovenantError::MathOverflow)?;
    if dispute.kind == DisputeKind::Appeal {
        bounty.appeals_open = bounty.appeals_open.checked_sub(1).ok_or(CovenantError::MathOverflow)?;
    }
    match (was_approved, approved) {
        (true, false) => {
            bounty.approved_count = bounty.approved_count.checked_sub(1).ok_or(CovenantError::MathOverflow)?;
            bounty.owed_claims = bounty.owed_claims.checked_sub(1).ok_or(CovenantError::MathOverflow)?;
        }
        (false, true) => {
            bounty.approved_count = bounty.approved_count.checked_add(1).ok_or(CovenantError::MathOverflow)?;
            bounty.owed_claims = bounty.owed_claims.checked_add(1).ok_or(CovenantError::MathOverflow)?;
        }
        _ => {}
    }
    if approved {
        // No second dispute can come: what stands approved pays now.
        claim.payable_at = claim.payable_at.min(now);
    }
    claim.status = settlement.status;
    claim.dispute = settlement.outcome;
    let event = DisputeResolved {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: claim.claimant,
        disputer: dispute.disputer,
        kind: dispute.kind,
        outcome: settlement.outcome,
        ruled_by: overturn.map(|_| accounts.settler.key()),
        bond: dispute.bond,
        bond_to: bond_to.key(),
        claim_status: claim.status,
        decision: claim.decision,
    };
    emit_cpi!(event);
    Ok(())
}
