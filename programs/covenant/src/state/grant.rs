use anchor_lang::prelude::*;

use crate::constants::MAX_GRANT_PAYEES;
use crate::errors::CovenantError;
use crate::policy::{GrantLedger, ReleaseSchedule};

/// A donor's grant to a treasury: an escrow the donor does not control, released to the vault by
/// schedule (or, when it names payees, paid only to them by the keeper), clawed back after expiry.
#[account]
#[derive(InitSpace, Debug)]
pub struct Grant {
    pub treasury: Pubkey,
    pub donor: Pubkey,
    /// Chosen by the donor, so donors never contend for a counter on the treasury.
    pub grant_id: u64,
    /// `SOL_ASSET` or the mint.
    pub asset: Pubkey,
    pub token_program: Pubkey,
    pub schedule: ReleaseSchedule,
    /// When not empty, funds leave the escrow only to these wallets, never to the vault.
    #[max_len(MAX_GRANT_PAYEES)]
    pub payees: Vec<Pubkey>,
    /// The grant's own cap on one payment to a payee.
    pub per_tx_cap: Option<u64>,
    pub expires_at: i64,
    pub ledger: GrantLedger,
    pub created_at: i64,
    pub bump: u8,
}

impl Grant {
    pub const SEED: &'static [u8] = b"grant";

    pub fn find_address(treasury: &Pubkey, donor: &Pubkey, grant_id: u64) -> (Pubkey, u8) {
        Pubkey::find_program_address(
            &[Self::SEED, treasury.as_ref(), donor.as_ref(), &grant_id.to_le_bytes()],
            &crate::ID,
        )
    }

    pub fn is_restricted(&self) -> bool {
        !self.payees.is_empty()
    }

    pub fn require_live(&self, now: i64) -> Result<()> {
        require!(now < self.expires_at, CovenantError::GrantExpired);
        Ok(())
    }

    /// Runs `cpi` with this grant's PDA as signer (the authority of its token escrow).
    pub fn sign<R>(&self, cpi: impl FnOnce(&[&[&[u8]]]) -> Result<R>) -> Result<R> {
        let id = self.grant_id.to_le_bytes();
        let seeds: &[&[u8]] = &[Self::SEED, self.treasury.as_ref(), self.donor.as_ref(), &id, &[self.bump]];
        cpi(&[seeds])
    }

    pub fn validate_terms(payees: &[Pubkey], per_tx_cap: Option<u64>, expires_at: i64, now: i64) -> Result<()> {
        let distinct = payees.iter().enumerate().all(|(i, payee)| !payees[..i].contains(payee));
        let valid = payees.len() <= MAX_GRANT_PAYEES
            && distinct
            && expires_at > now
            && per_tx_cap.is_none_or(|cap| cap > 0 && !payees.is_empty());
        require!(valid, CovenantError::InvalidGrantTerms);
        Ok(())
    }
}
