use anchor_lang::prelude::*;

use crate::policy::ConfigChange;

/// A loosening operator change waiting out the treasury's config timelock: executable by the
/// operator's own instruction once `executable_at` has passed (unless paused), cancellable by the
/// guardian or the operator until then. Closed when executed or cancelled.
#[account]
#[derive(InitSpace, Debug)]
pub struct ConfigChangeRequest {
    pub treasury: Pubkey,
    /// From the treasury's sequence.
    pub id: u64,
    pub change: ConfigChange,
    /// The operator that queued it, which paid its rent and gets it back.
    pub proposer: Pubkey,
    pub queued_at: i64,
    pub executable_at: i64,
    pub bump: u8,
}

impl ConfigChangeRequest {
    pub const SEED: &'static [u8] = b"config_change";

    pub fn find_address(treasury: &Pubkey, id: u64) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), &id.to_le_bytes()], &crate::ID)
    }
}
