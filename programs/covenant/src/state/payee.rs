use anchor_lang::prelude::*;

use crate::constants::{MAX_CATEGORY_LEN, MAX_LABEL_LEN};
use crate::errors::CovenantError;
use crate::policy::{ConfigChange, PayeeTerms};

/// An allowlisted recipient of one treasury, with what it is for and how much it may receive.
#[account]
#[derive(InitSpace, Debug)]
pub struct Payee {
    pub treasury: Pubkey,
    pub recipient: Pubkey,
    #[max_len(MAX_LABEL_LEN)]
    pub label: String,
    /// Reporting bucket, e.g. "inference", "bounty", "dev".
    #[max_len(MAX_CATEGORY_LEN)]
    pub category: String,
    pub terms: PayeeTerms,
    pub paid_count: u64,
    pub created_at: i64,
    pub bump: u8,
}

impl Payee {
    pub const SEED: &'static [u8] = b"payee";

    pub fn find_address(treasury: &Pubkey, recipient: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), recipient.as_ref()], &crate::ID)
    }

    /// This payee as the `UpdatePayee` change that would set it to what it is now: what a queued
    /// update records as its basis, and must find again when it executes.
    pub fn as_change(&self) -> ConfigChange {
        ConfigChange::UpdatePayee {
            recipient: self.recipient,
            label: self.label.clone(),
            category: self.category.clone(),
            budget: self.terms.budget,
            expires_at: self.terms.expires_at,
        }
    }

    /// What `add_payee`, `update_payee` and their queued forms check of a payee's fields.
    pub fn validate_entry(label: &str, category: &str, expires_at: Option<i64>, now: i64) -> Result<()> {
        Self::validate_label(label)?;
        Self::validate_category(category)?;
        Self::validate_expiry(expires_at, now)
    }

    /// A payee may be any wallet but the treasury's own vault (or the default key).
    pub fn validate_recipient(treasury: &Pubkey, recipient: &Pubkey) -> Result<()> {
        let (vault, _) = crate::state::Treasury::find_vault(treasury);
        require!(*recipient != vault && *recipient != Pubkey::default(), CovenantError::InvalidRecipient);
        Ok(())
    }

    pub fn validate_label(label: &str) -> Result<()> {
        require!(!label.is_empty() && label.len() <= MAX_LABEL_LEN, CovenantError::InvalidPayeeLabel);
        Ok(())
    }

    pub fn validate_category(category: &str) -> Result<()> {
        let well_formed = !category.is_empty()
            && category.len() <= MAX_CATEGORY_LEN
            && category.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        require!(well_formed, CovenantError::InvalidPayeeCategory);
        Ok(())
    }

    pub fn validate_expiry(expires_at: Option<i64>, now: i64) -> Result<()> {
        if let Some(expires_at) = expires_at {
            require!(expires_at > now, CovenantError::InvalidExpiry);
        }
        Ok(())
    }
}
