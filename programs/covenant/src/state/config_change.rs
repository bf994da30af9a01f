use anchor_lang::prelude::*;

use crate::policy::ConfigChange;

/// A loosening operator change waiting out the treasury's config timelock: executable by the
/// operator's own instruction once it has matured (unless paused), cancellable by the guardian or
/// the operator until then, expired a grace period after maturing. It belongs to the state it was
/// queued against (`basis`, and for an unpause the pause it answers): if that state has changed
/// since, it can no longer execute. Closed when executed or cancelled.
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
    /// When it matured under the timelock of the moment it was queued; a timelock raised since
    /// delays it further (`policy::request_window`).
    pub executable_at: i64,
    pub bump: u8,
    /// What the change replaces, as it stood when queued (the queue event's `old`): the keeper,
    /// guardian, timelock, a policy's limits or a payee's terms. None where nothing is replaced.
    pub basis: Option<ConfigChange>,
    /// The treasury's pause count when queued: an unpause lifts only that pause.
    pub pause_count: u64,
    /// A guardian override (`queue_guardian_override`): waits a week longer, runs while paused,
    /// and only the operator can cancel it.
    pub overrides_guardian: bool,
}

impl ConfigChangeRequest {
    pub const SEED: &'static [u8] = b"config_change";

    pub fn find_address(treasury: &Pubkey, id: u64) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), &id.to_le_bytes()], &crate::ID)
    }
}
