use anchor_lang::prelude::*;

use crate::constants::MAX_PURPOSE_LEN;
use crate::errors::CovenantError;
use crate::policy::PendingStatus;
use crate::state::DecisionRecord;

/// A spend above the co-sign threshold, waiting for its timelock or the operator.
#[account]
#[derive(InitSpace, Debug)]
pub struct PendingSpend {
    pub treasury: Pubkey,
    /// From the treasury's sequence: the n-th pending spend of this treasury.
    pub id: u64,
    pub asset: Pubkey,
    pub recipient: Pubkey,
    pub amount: u64,
    #[max_len(MAX_PURPOSE_LEN)]
    pub purpose: String,
    pub decision: DecisionRecord,
    /// The keeper that proposed it, which paid its rent and gets the rent back on close.
    pub proposer: Pubkey,
    pub created_at: i64,
    pub executable_at: i64,
    pub expires_at: i64,
    pub status: PendingStatus,
    pub bump: u8,
    /// The keeper tenure it was proposed under: after a rotation it runs only if the operator
    /// approves it (a stolen key's proposals must not mature into payments).
    pub keeper_tenure: u64,
    /// The policy it was proposed under (`SpendPolicy::generation`): closing that policy ends it.
    pub policy_generation: u64,
}

impl PendingSpend {
    pub const SEED: &'static [u8] = b"pending";

    pub fn find_address(treasury: &Pubkey, id: u64) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), &id.to_le_bytes()], &crate::ID)
    }

    pub fn validate_purpose(purpose: &str) -> Result<()> {
        require!(!purpose.is_empty() && purpose.len() <= MAX_PURPOSE_LEN, CovenantError::InvalidPurpose);
        Ok(())
    }
}
