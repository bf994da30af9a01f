//! Events of donors' grants: funded, topped up, released, spent, clawed back, closed.

use anchor_lang::prelude::*;

use crate::policy::{GrantLedger, ReleaseSchedule};
use crate::state::DecisionRecord;

#[event]
pub struct GrantCreated {
    pub treasury: Pubkey,
    pub grant: Pubkey,
    pub donor: Pubkey,
    pub grant_id: u64,
    pub asset: Pubkey,
    pub amount: u64,
    pub schedule: ReleaseSchedule,
    pub payees: Vec<Pubkey>,
    pub per_tx_cap: Option<u64>,
    pub expires_at: i64,
}

#[event]
pub struct GrantToppedUp {
    pub treasury: Pubkey,
    pub grant: Pubkey,
    pub donor: Pubkey,
    pub amount: u64,
    pub ledger: GrantLedger,
}

/// Vested funds moved from the grant's escrow into the treasury's vault.
#[event]
pub struct GrantReleased {
    pub treasury: Pubkey,
    pub grant: Pubkey,
    pub cranker: Pubkey,
    pub amount: u64,
    pub ledger: GrantLedger,
}

/// A restricted grant paid one of its payees.
#[event]
pub struct GrantSpent {
    pub treasury: Pubkey,
    pub grant: Pubkey,
    pub keeper: Pubkey,
    pub recipient: Pubkey,
    pub amount: u64,
    pub category: Option<String>,
    pub window_start: i64,
    pub window_spent: u64,
    pub ledger: GrantLedger,
    pub decision: DecisionRecord,
}

#[event]
pub struct GrantClawedBack {
    pub treasury: Pubkey,
    pub grant: Pubkey,
    pub donor: Pubkey,
    pub amount: u64,
    pub ledger: GrantLedger,
}

#[event]
pub struct GrantClosed {
    pub treasury: Pubkey,
    pub grant: Pubkey,
    pub donor: Pubkey,
    pub ledger: GrantLedger,
    /// What the escrow held beyond its ledger (sent to it from outside), swept to the vault.
    pub surplus: u64,
    /// For a token grant: lamports its record and escrow token account held beyond their rent,
    /// swept to the vault rather than to the donor.
    pub surplus_lamports: u64,
}
