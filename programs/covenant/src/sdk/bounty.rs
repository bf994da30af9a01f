//! Builders for bounties and claims. `token` is `None` for a SOL bounty.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::system_program;
use anchor_spl::associated_token;

use super::{build, event_authority, TokenMint, TreasuryAddresses};
use crate::constants::SOL_ASSET;
use crate::instructions::CreateBountyArgs;
use crate::state::{Bounty, Claim, DecisionRecord, Dispute, ProofRecord};
use crate::{accounts, instruction};

impl TreasuryAddresses {
    /// The treasury's `id`-th bounty (ids come from the treasury's `next_bounty_id`).
    pub fn bounty(&self, id: u64) -> Pubkey {
        Bounty::find_address(&self.treasury, id).0
    }
}

pub fn claim_address(bounty: &Pubkey, claimant: &Pubkey) -> Pubkey {
    Claim::find_address(bounty, claimant).0
}

/// The record that a bounty's proof with this hash was claimed.
pub fn proof_record_address(bounty: &Pubkey, proof_hash: &[u8; 32]) -> Pubkey {
    ProofRecord::find_address(bounty, proof_hash).0
}

/// The dispute over a claim (it exists only while the dispute is open).
pub fn dispute_address(claim: &Pubkey) -> Pubkey {
    Dispute::find_address(claim).0
}

/// Where a token bounty holds its escrow.
pub fn bounty_escrow(bounty: &Pubkey, token: &TokenMint) -> Pubkey {
    token.account_of(bounty)
}

/// `bounty_id` must be the treasury's current `next_bounty_id`.
pub fn create_bounty(
    t: &TreasuryAddresses,
    creator: Pubkey,
    token: Option<TokenMint>,
    bounty_id: u64,
    args: CreateBountyArgs,
) -> Instruction {
    let bounty = t.bounty(bounty_id);
    let asset = token.map_or(SOL_ASSET, |token| token.mint);
    build(
        accounts::CreateBounty {
            creator,
            treasury: t.treasury,
            vault: t.vault,
            policy: t.policy(&asset),
            bounty,
            mint: token.map(|token| token.mint),
            vault_token_account: token.map(|token| token.account_of(&t.vault)),
            escrow_token_account: token.map(|token| bounty_escrow(&bounty, &token)),
            token_program: token.map(|token| token.program),
            associated_token_program: token.map(|_| associated_token::ID),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CreateBounty { args },
    )
}

pub fn submit_claim(bounty: Pubkey, claimant: Pubkey, proof_uri: String, proof_hash: [u8; 32]) -> Instruction {
    build(
        accounts::SubmitClaim {
            claimant,
            bounty,
            claim: claim_address(&bounty, &claimant),
            proof_record: proof_record_address(&bounty, &proof_hash),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SubmitClaim { proof_uri, proof_hash },
    )
}

/// For a token bounty the claimant's associated token account must exist.
pub fn approve_claim(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    bounty: Pubkey,
    claimant: Pubkey,
    token: Option<TokenMint>,
    decision: DecisionRecord,
) -> Instruction {
    build(
        accounts::ApproveClaim {
            keeper,
            treasury: t.treasury,
            bounty,
            claim: claim_address(&bounty, &claimant),
            claimant,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| bounty_escrow(&bounty, &token)),
            claimant_token_account: token.map(|token| token.account_of(&claimant)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ApproveClaim { decision },
    )
}

pub fn reject_claim(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    bounty: Pubkey,
    claimant: Pubkey,
    reason_code: u16,
    decision: DecisionRecord,
) -> Instruction {
    build(
        accounts::RejectClaim {
            keeper,
            treasury: t.treasury,
            bounty,
            claim: claim_address(&bounty, &claimant),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::RejectClaim { reason_code, decision },
    )
}

pub fn close_bounty(
    t: &TreasuryAddresses,
    closer: Pubkey,
    bounty: Pubkey,
    creator: Pubkey,
    token: Option<TokenMint>,
) -> Instruction {
    build(
        accounts::CloseBounty {
            closer,
            treasury: t.treasury,
            vault: t.vault,
            bounty,
            creator,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| bounty_escrow(&bounty, &token)),
            vault_token_account: token.map(|token| token.account_of(&t.vault)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CloseBounty {},
    )
}

/// `proof_hash` is the claim's (its proof record is closed with it).
pub fn close_claim(cranker: Pubkey, bounty: Pubkey, claimant: Pubkey, proof_hash: [u8; 32]) -> Instruction {
    build(
        accounts::CloseClaim {
            cranker,
            claim: claim_address(&bounty, &claimant),
            proof_record: proof_record_address(&bounty, &proof_hash),
            claimant,
            bounty,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CloseClaim {},
    )
}

/// Pays an owed claim (anyone may crank it); for a token bounty the claimant's associated token
/// account must exist.
pub fn pay_claim(
    t: &TreasuryAddresses,
    cranker: Pubkey,
    bounty: Pubkey,
    claimant: Pubkey,
    token: Option<TokenMint>,
) -> Instruction {
    build(
        accounts::PayClaim {
            cranker,
            treasury: t.treasury,
            bounty,
            claim: claim_address(&bounty, &claimant),
            claimant,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| bounty_escrow(&bounty, &token)),
            claimant_token_account: token.map(|token| token.account_of(&claimant)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::PayClaim {},
    )
}

/// Challenges the claim's approval or (as its claimant) appeals its rejection, posting `bond`.
pub fn dispute_claim(disputer: Pubkey, bounty: Pubkey, claimant: Pubkey, bond: u64) -> Instruction {
    let claim = claim_address(&bounty, &claimant);
    build(
        accounts::DisputeClaim {
            disputer,
            bounty,
            claim,
            dispute: dispute_address(&claim),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::DisputeClaim { bond },
    )
}

fn settle_accounts(
    t: &TreasuryAddresses,
    settler: Pubkey,
    bounty: Pubkey,
    claimant: Pubkey,
    disputer: Pubkey,
) -> accounts::SettleDispute {
    let claim = claim_address(&bounty, &claimant);
    accounts::SettleDispute {
        settler,
        treasury: t.treasury,
        vault: t.vault,
        bounty,
        claim,
        dispute: dispute_address(&claim),
        disputer,
        claimant,
        event_authority: event_authority(),
        program: crate::ID,
    }
}

/// The arbiter's ruling on the dispute `disputer` opened over `claimant`'s claim.
pub fn rule_dispute(
    t: &TreasuryAddresses,
    arbiter: Pubkey,
    bounty: Pubkey,
    claimant: Pubkey,
    disputer: Pubkey,
    overturn: bool,
) -> Instruction {
    build(settle_accounts(t, arbiter, bounty, claimant, disputer), instruction::RuleDispute { overturn })
}

/// Applies the default once the ruling deadline passed (anyone may crank it).
pub fn lapse_dispute(
    t: &TreasuryAddresses,
    cranker: Pubkey,
    bounty: Pubkey,
    claimant: Pubkey,
    disputer: Pubkey,
) -> Instruction {
    build(settle_accounts(t, cranker, bounty, claimant, disputer), instruction::LapseDispute {})
}
