//! Exactly-once on chain for the actions the program's own state does not make idempotent: a
//! scheduled payment (or the pending spend it becomes above the co-sign threshold) and an airdrop.
//! Each carries `mark_action` in its transaction, so whichever keeper lands it first, any other
//! (a standby, a restart with a lost journal, an overlapping shard) fails whole; and a keeper reads
//! the markers when it observes, so it does not even try what is already done.
//!
//! Claims, grant releases and pending-spend executions need nothing more: the claim's status, the
//! grant's released total and the pending spend's status already refuse a second time.

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use covenant::sdk::{self, TreasuryAddresses};
use sha2::{Digest, Sha256};
use solana_instruction::Instruction;

/// The marker key and sequence for an action key: `pay:<schedule>:<period>` is marked under its
/// schedule with sequence period + 1 (one account per schedule, moving forward each period);
/// `airdrop:<name>:<recipient>` under itself with sequence 1. Other actions need no marker.
pub fn marker_of(key: &str) -> Option<([u8; 32], u64)> {
    if let Some(rest) = key.strip_prefix("pay:") {
        let (schedule, period) = rest.rsplit_once(':')?;
        let period: u64 = period.parse().ok()?;
        return Some((hash(&format!("covenant:pay:{schedule}")), period.checked_add(1)?));
    }
    if key.starts_with("airdrop:") {
        return Some((hash(&format!("covenant:{key}")), 1));
    }
    None
}

fn hash(name: &str) -> [u8; 32] {
    Sha256::digest(name.as_bytes()).into()
}

/// Whether the chain already shows `key` done: its marker is at or past its sequence.
pub fn is_done(key: &str, markers: &BTreeMap<[u8; 32], u64>) -> bool {
    marker_of(key).is_some_and(|(marker, sequence)| markers.get(&marker).is_some_and(|last| *last >= sequence))
}

/// `ixs` with the action's marker in front, when it needs one.
pub fn marked(key: &str, t: &TreasuryAddresses, keeper: &Pubkey, mut ixs: Vec<Instruction>) -> Vec<Instruction> {
    if let Some((marker, sequence)) = marker_of(key) {
        ixs.insert(0, sdk::mark_action(t, *keeper, marker, sequence));
    }
    ixs
}

/// Whether the program refused `key`'s transaction because the action was already done, by
/// another keeper racing this one: its marker, or for the actions the program's state makes
/// idempotent, the claim no longer pending, the grant with nothing left due, the pending spend no
/// longer active.
pub fn done_elsewhere(key: &str, error: &solana_transaction_error::TransactionError) -> bool {
    use covenant::errors::CovenantError;
    let solana_transaction_error::TransactionError::InstructionError(
        _,
        solana_instruction_error::InstructionError::Custom(code),
    ) = error
    else {
        return false;
    };
    let done = match key.split(':').next() {
        Some("pay" | "airdrop") => CovenantError::ActionAlreadyMarked,
        Some("claim") => CovenantError::ClaimNotPending,
        Some("release") => CovenantError::NothingDue,
        Some("execute") => CovenantError::PendingSpendNotActive,
        _ => return false,
    };
    *code == u32::from(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments_share_a_marker_per_schedule_and_airdrops_have_one_each() {
        let (first, one) = marker_of("pay:inference:0").unwrap();
        let (same, eight) = marker_of("pay:inference:7").unwrap();
        assert_eq!((first, one, eight), (same, 1, 8));
        assert_ne!(marker_of("pay:rent:7").unwrap().0, first, "another schedule");
        // A schedule name may contain colons: the period is after the last one.
        assert_eq!(marker_of("pay:a:b:3").unwrap(), (hash("covenant:pay:a:b"), 4));
        let (fan, seq) = marker_of("airdrop:launch:Fan1").unwrap();
        assert_eq!(seq, 1);
        assert_ne!(fan, marker_of("airdrop:launch:Fan2").unwrap().0);
        for unmarked in ["claim:x", "release:g:5", "execute:3", "pay:nope", "pay:x:-1"] {
            assert_eq!(marker_of(unmarked), None, "{unmarked}");
        }
        let markers = BTreeMap::from([(first, 8)]);
        assert!(is_done("pay:inference:7", &markers) && is_done("pay:inference:3", &markers));
        assert!(!is_done("pay:inference:8", &markers) && !is_done("claim:x", &markers));
    }
}
