//! Bounties: funded from the vault under the spend policy, claimed once per wallet, paid by the
//! keeper's approval, the unpaid rest returned to the vault when the bounty closes.

mod approve_claim;
mod close_bounty;
mod close_claim;
mod create_bounty;
mod reject_claim;
mod submit_claim;

pub use approve_claim::*;
pub use close_bounty::*;
pub use close_claim::*;
pub use create_bounty::*;
pub use reject_claim::*;
pub use submit_claim::*;

use anchor_lang::prelude::*;

use crate::instructions::escrow::EscrowTerms;
use crate::state::Bounty;

fn escrow_terms(bounty: &Account<Bounty>) -> EscrowTerms {
    EscrowTerms { asset: bounty.asset, token_program: bounty.token_program, holder: bounty.key() }
}
