//! Bounties: funded from the vault under the spend policy, claimed once per wallet, paid by the
//! keeper's approval (at once, or after a challenge window when the bounty takes disputes), the
//! unpaid rest returned to the vault when the bounty closes.

mod approve_claim;
mod close_bounty;
mod close_claim;
mod create_bounty;
mod dispute_claim;
mod pay_claim;
mod reject_claim;
mod settle_dispute;
mod submit_claim;

pub use approve_claim::*;
pub use close_bounty::*;
pub use close_claim::*;
pub use create_bounty::*;
pub use dispute_claim::*;
pub use pay_claim::*;
pub use reject_claim::*;
pub use settle_dispute::*;
pub use submit_claim::*;

use anchor_lang::prelude::*;

use crate::errors::CovenantError;
use crate::events::ClaimPaid;
use crate::instructions::escrow::{pay_sol_from_escrow, EscrowTerms, EscrowTokenAccounts};
use crate::state::{Bounty, Claim};

fn escrow_terms(bounty: &Account<Bounty>) -> EscrowTerms {
    EscrowTerms { asset: bounty.asset, token_program: bounty.token_program, holder: bounty.key() }
}

/// Pays a claim's reward out of its bounty's escrow (the claimant's token account for a token
/// bounty, its wallet for SOL) and records it on both; the caller has checked it is payable.
fn pay_reward<'info>(
    bounty: &mut Account<'info, Bounty>,
    claim: &mut Account<'info, Claim>,
    claimant: &AccountInfo<'info>,
    tokens: EscrowTokenAccounts<'_, 'info>,
) -> Result<ClaimPaid> {
    let reward = bounty.reward;
    let escrow_left = bounty.escrow_left().checked_sub(reward).ok_or(CovenantError::InsufficientFunds)?;
    match tokens.leg(&escrow_terms(bounty), &claimant.key())? {
        Some(leg) => bounty.sign(|signer| leg.pay_out(bounty.to_account_info(), signer, reward))?,
        None => pay_sol_from_escrow(&bounty.to_account_info(), claimant, reward)?,
    }
    bounty.paid = bounty.paid.checked_add(reward).ok_or(CovenantError::MathOverflow)?;
    claim.paid = true;
    Ok(ClaimPaid {
        treasury: bounty.treasury,
        bounty: bounty.key(),
        claimant: claim.claimant,
        asset: bounty.asset,
        reward,
        escrow_left,
        decision: claim.decision,
    })
}
