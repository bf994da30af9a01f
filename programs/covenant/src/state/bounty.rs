use anchor_lang::prelude::*;

use crate::constants::{MAX_BOUNTY_DESCRIPTION_LEN, MAX_PROOF_URI_LEN};
use crate::errors::CovenantError;
use crate::policy::ClaimStatus;
use crate::state::{DecisionRecord, DisputeState};

/// A bounty the agent posted: its escrow holds `reward * max_claims` (SOL in this account itself,
/// tokens in this account's associated token account) and pays each approved claim once.
#[account]
#[derive(InitSpace, Debug)]
pub struct Bounty {
    pub treasury: Pubkey,
    /// From the treasury's sequence.
    pub id: u64,
    /// Keeper or operator; paid the rent and gets it back on close.
    pub creator: Pubkey,
    /// `SOL_ASSET` or the mint.
    pub asset: Pubkey,
    pub token_program: Pubkey,
    pub reward: u64,
    pub max_claims: u32,
    pub deadline: i64,
    #[max_len(MAX_BOUNTY_DESCRIPTION_LEN)]
    pub description: String,
    pub funded: u64,
    pub paid: u64,
    pub submitted_count: u32,
    pub approved_count: u32,
    pub rejected_count: u32,
    pub created_at: i64,
    pub bump: u8,
    /// Each claim's photo must show the claimant's code (`claim_code`), written by hand next to
    /// what the bounty asks for: a photo reused from another wallet fails it. The keeper checks.
    pub claim_code: bool,
    /// Disputes (0: none, approvals pay at once). Otherwise an approval pays only once this many
    /// seconds have passed without a challenge, and a rejection can be appealed as long.
    pub challenge_window: i64,
    /// Lamports a challenger or appellant posts; the loser's bond goes to the winner.
    pub bond: u64,
    /// Who rules on disputes (the guardian unless the creator named another key).
    pub arbiter: Pubkey,
    /// Approved claims not paid yet, and rejections under appeal: each holds one reward of the
    /// escrow and one of `max_claims`, so a ruling can always pay.
    pub owed_claims: u32,
    pub appeals_open: u32,
    pub disputes_open: u32,
    /// Until when some decision of this bounty can still be disputed (the bounty cannot close).
    pub disputable_until: i64,
}

impl Bounty {
    pub const SEED: &'static [u8] = b"bounty";

    pub fn find_address(treasury: &Pubkey, id: u64) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), &id.to_le_bytes()], &crate::ID)
    }

    /// What the escrow still holds for unpaid claims.
    pub fn escrow_left(&self) -> u64 {
        self.funded.saturating_sub(self.paid)
    }

    /// Claims approved (paid or owed) plus rejections under appeal: what counts against `max_claims`.
    pub fn claims_taken(&self) -> u32 {
        self.approved_count.saturating_add(self.appeals_open)
    }

    /// The escrow less what approved-but-unpaid claims and open appeals hold.
    pub fn free_escrow(&self) -> u64 {
        let held = self.reward.saturating_mul(u64::from(self.owed_claims.saturating_add(self.appeals_open)));
        self.escrow_left().saturating_sub(held)
    }

    pub fn takes_disputes(&self) -> bool {
        self.challenge_window > 0
    }

    /// Runs `cpi` with this bounty's PDA as signer (the authority of its token escrow).
    pub fn sign<R>(&self, cpi: impl FnOnce(&[&[&[u8]]]) -> Result<R>) -> Result<R> {
        let id = self.id.to_le_bytes();
        let seeds: &[&[u8]] = &[Self::SEED, self.treasury.as_ref(), &id, &[self.bump]];
        cpi(&[seeds])
    }
}

/// One proof (by its hash) claimed on one bounty: the PDA (bounty, proof hash) makes a second claim
/// with the same file impossible, whichever wallet sends it. Paid for by the claim's claimant and
/// closed with the claim, once the bounty is gone.
#[account]
#[derive(InitSpace, Debug)]
pub struct ProofRecord {
    pub bounty: Pubkey,
    pub proof_hash: [u8; 32],
    /// Who claimed with it first (and gets the rent back).
    pub claimant: Pubkey,
    pub bump: u8,
}

impl ProofRecord {
    pub const SEED: &'static [u8] = b"proof";

    pub fn find_address(bounty: &Pubkey, proof_hash: &[u8; 32]) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, bounty.as_ref(), proof_hash], &crate::ID)
    }
}

/// One wallet's claim on one bounty: the PDA (bounty, claimant) makes a second claim impossible.
#[account]
#[derive(InitSpace, Debug)]
pub struct Claim {
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    #[max_len(MAX_PROOF_URI_LEN)]
    pub proof_uri: String,
    /// e.g. a hash of the photo, so the proof cannot be swapped after review.
    pub proof_hash: [u8; 32],
    pub status: ClaimStatus,
    /// Why it was rejected (the keeper's reason code; 0 when not rejected).
    pub reason_code: u16,
    pub decision: DecisionRecord,
    pub submitted_at: i64,
    pub settled_at: Option<i64>,
    pub bump: u8,
    /// When an approved claim may be paid (its approval time plus the bounty's challenge window).
    pub payable_at: i64,
    /// The reward left the escrow.
    pub paid: bool,
    pub dispute: DisputeState,
}

impl Claim {
    pub const SEED: &'static [u8] = b"claim";

    pub fn find_address(bounty: &Pubkey, claimant: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, bounty.as_ref(), claimant.as_ref()], &crate::ID)
    }

    pub fn validate_proof_uri(uri: &str) -> Result<()> {
        require!((1..=MAX_PROOF_URI_LEN).contains(&uri.len()), CovenantError::InvalidProof);
        Ok(())
    }
}
