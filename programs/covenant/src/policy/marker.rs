//! Exactly-once markers and pending spends across a keeper rotation.

use super::{PendingStatus, PolicyResult};
use crate::errors::CovenantError;

/// Whether a marker at `last`, marked in keeper tenure `marked_tenure`, accepts `sequence` from a
/// keeper of tenure `tenure`: within one tenure only forward; a rotated-out key's marks never bind
/// the keeper that replaced it.
pub fn marker_accepts(last: u64, marked_tenure: u64, sequence: u64, tenure: u64) -> bool {
    sequence > 0 && (marked_tenure < tenure || sequence > last)
}

/// Whether a pending spend still belongs to the treasury as it is now: proposed under the policy
/// that exists now (not one closed since), and by the current keeper tenure unless the operator
/// approved it (a rotated-out key's proposals must not mature into payments on their own).
pub fn check_pending_current(
    status: PendingStatus,
    proposed_tenure: u64,
    proposed_generation: u64,
    tenure: u64,
    policy_generation: u64,
) -> PolicyResult<()> {
    let same_policy = proposed_generation == policy_generation;
    let vouched = proposed_tenure == tenure || status == PendingStatus::Approved;
    if same_policy && vouched {
        Ok(())
    } else {
        Err(CovenantError::PendingSpendStale)
    }
}
