use anchor_lang::prelude::*;

/// Exactly-once for the keeper actions that the program's own state does not make idempotent
/// (scheduled payments and the proposals they become, airdrops): the highest sequence done under
/// one key for one treasury. A keeper marks an action in the same transaction as the action, so
/// two keepers racing on one treasury (a standby, a restart with a lost journal, overlapping
/// shards) land it once: the second transaction fails whole.
///
/// One account per key, not per action: a payment schedule's key is its name and its sequence the
/// period number (+1), so the rent is paid once per schedule however many periods it pays.
///
/// Marks bind the keeper tenure that made them: once the operator rotates the keeper, a mark made
/// by the old key (a thief's mark at `u64::MAX`, say) no longer blocks the new key, whose first
/// mark may take any sequence. Between two keepers of one tenure nothing changes; across a
/// rotation no race is possible (the old key can do nothing any more), so exactly-once still holds.
#[account]
#[derive(InitSpace, Debug)]
pub struct ActionMarker {
    pub treasury: Pubkey,
    /// The keeper's hash of the action's name (e.g. SHA-256 of "covenant:pay:inference").
    pub key: [u8; 32],
    /// The highest sequence marked; only a higher one can be marked next.
    pub last: u64,
    /// The keeper that paid the rent.
    pub payer: Pubkey,
    pub bump: u8,
    /// The treasury's keeper tenure when `last` was marked.
    pub tenure: u64,
    /// When `last` was marked: a keeper compares it with its schedule to tell a mark made ahead of
    /// time (a stolen key's) from one made when the action was due.
    pub marked_at: i64,
}

impl ActionMarker {
    pub const SEED: &'static [u8] = b"marker";

    pub fn find_address(treasury: &Pubkey, key: &[u8; 32]) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), key], &crate::ID)
    }
}
