//! One event per state change, emitted as CPI events (`emit_cpi!`) so they survive log truncation
//! and are visible to natively-run tests as inner instructions.

use anchor_lang::prelude::*;

use crate::policy::{ClaimStatus, ConfigChange, MintLimits, PayeeTerms, PendingStatus, PolicyLimits};
use crate::state::{DecisionRecord, DisputeKind, DisputeState};

#[event]
pub struct TreasuryCreated {
    pub treasury: Pubkey,
    pub operator: Pubkey,
    pub keeper: Pubkey,
    pub guardian: Option<Pubkey>,
    pub treasury_id: u64,
    pub vault: Pubkey,
    pub config_timelock_seconds: u32,
}

#[event]
pub struct KeeperRotated {
    pub treasury: Pubkey,
    pub operator: Pubkey,
    pub old_keeper: Pubkey,
    pub new_keeper: Pubkey,
    /// The keeper tenure from now on (it grows with every new key).
    pub tenure: u64,
}

#[event]
pub struct GuardianChanged {
    pub treasury: Pubkey,
    pub operator: Pubkey,
    pub old_guardian: Option<Pubkey>,
    pub new_guardian: Option<Pubkey>,
}

#[event]
pub struct TreasuryPaused {
    pub treasury: Pubkey,
    pub by: Pubkey,
    /// Which pause this is: a queued unpause names the one it answers.
    pub pause_count: u64,
}

#[event]
pub struct TreasuryUnpaused {
    pub treasury: Pubkey,
    pub by: Pubkey,
}

#[event]
pub struct PolicyCreated {
    pub treasury: Pubkey,
    pub asset: Pubkey,
    pub token_program: Pubkey,
    pub limits: PolicyLimits,
    pub window_start: i64,
    /// Pending spends proposed under an earlier policy of this asset do not run under this one.
    pub generation: u64,
}

#[event]
pub struct PolicyUpdated {
    pub treasury: Pubkey,
    pub asset: Pubkey,
    pub old: PolicyLimits,
    pub new: PolicyLimits,
}

#[event]
pub struct PolicyClosed {
    pub treasury: Pubkey,
    pub asset: Pubkey,
    pub total_received: u64,
    pub total_spent: u64,
}

#[event]
pub struct PayeeAdded {
    pub treasury: Pubkey,
    pub recipient: Pubkey,
    pub label: String,
    pub category: String,
    pub terms: PayeeTerms,
}

#[event]
pub struct PayeeUpdated {
    pub treasury: Pubkey,
    pub recipient: Pubkey,
    pub old_label: String,
    pub new_label: String,
    pub old_category: String,
    pub new_category: String,
    pub old_terms: PayeeTerms,
    pub new_terms: PayeeTerms,
}

#[event]
pub struct PayeeRemoved {
    pub treasury: Pubkey,
    pub recipient: Pubkey,
    pub paid_count: u64,
    pub spent: u64,
}

/// A keeper spend that left the vault.
#[event]
pub struct Spent {
    pub treasury: Pubkey,
    pub keeper: Pubkey,
    pub asset: Pubkey,
    pub recipient: Pubkey,
    pub amount: u64,
    /// The payee's category when the recipient has a payee entry.
    pub category: Option<String>,
    pub window_start: i64,
    pub window_spent: u64,
    /// Vault balance of this asset after the spend (lamports above rent for SOL).
    pub vault_balance: u64,
    pub decision: DecisionRecord,
    /// Set when this spend executed a co-signed pending spend.
    pub pending_id: Option<u64>,
}

#[event]
pub struct DonationReceived {
    pub treasury: Pubkey,
    pub donor: Pubkey,
    pub asset: Pubkey,
    /// What actually arrived in the vault.
    pub amount: u64,
    pub memo: String,
    pub vault_balance: u64,
    /// Whether the asset's policy counted it in `total_received`.
    pub recorded_on_policy: bool,
}

/// A keeper action marked done under `key` (in the same transaction as the action itself).
#[event]
pub struct ActionMarked {
    pub treasury: Pubkey,
    pub keeper: Pubkey,
    pub key: [u8; 32],
    pub sequence: u64,
    /// The marker's sequence before (0: the key's first use).
    pub previous: u64,
    /// The tenure of the key that marked `previous`; older than `tenure` means a rotated-out key's
    /// mark that no longer bound this one.
    pub previous_tenure: u64,
    pub tenure: u64,
}

#[event]
pub struct PendingSpendProposed {
    pub treasury: Pubkey,
    pub id: u64,
    pub keeper: Pubkey,
    pub asset: Pubkey,
    pub recipient: Pubkey,
    pub amount: u64,
    pub purpose: String,
    pub executable_at: i64,
    pub expires_at: i64,
    pub decision: DecisionRecord,
    pub keeper_tenure: u64,
    pub policy_generation: u64,
}

#[event]
pub struct PendingSpendApproved {
    pub treasury: Pubkey,
    pub id: u64,
    pub operator: Pubkey,
}

#[event]
pub struct PendingSpendCancelled {
    pub treasury: Pubkey,
    pub id: u64,
    pub by: Pubkey,
}

/// A pending spend that ran out its grace period unexecuted (emitted when it is closed).
#[event]
pub struct PendingSpendExpired {
    pub treasury: Pubkey,
    pub id: u64,
    pub expires_at: i64,
}

#[event]
pub struct PendingSpendClosed {
    pub treasury: Pubkey,
    pub id: u64,
    pub status: PendingStatus,
    pub rent_to: Pubkey,
    /// Lamports the account held beyond its rent (sent from outside), swept to the vault.
    pub surplus_lamports: u64,
}

#[event]
pub struct MemeLaunched {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub operator: Pubkey,
    pub name: String,
    pub symbol: String,
    pub uri: String,
    pub decimals: u8,
    pub supply_cap: u64,
    pub limits: MintLimits,
    pub vault_allocation: u64,
    /// Vault allocation plus every named recipient's.
    pub initial_allocation: u64,
}

/// A keeper mint of the treasury's meme token.
#[event]
pub struct MemeMinted {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub keeper: Pubkey,
    pub recipient: Pubkey,
    pub amount: u64,
    pub category: Option<String>,
    pub window_start: i64,
    pub window_minted: u64,
    pub total_minted: u64,
    pub supply_cap: u64,
    pub decision: DecisionRecord,
}

#[event]
pub struct MemeMetadataUpdated {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub operator: Pubkey,
    pub old_uri: String,
    pub new_uri: String,
}

/// The mint authority is gone for good: supply can only shrink from here.
#[event]
pub struct MemeRenounced {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub operator: Pubkey,
    pub total_minted: u64,
    pub supply: u64,
}

/// A bounty funded from the vault (a spend under the asset's policy, category "bounty").
#[event]
pub struct BountyCreated {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub id: u64,
    pub creator: Pubkey,
    pub asset: Pubkey,
    pub reward: u64,
    pub max_claims: u32,
    pub deadline: i64,
    pub description: String,
    /// `reward * max_claims`, moved from the vault into the bounty's escrow.
    pub funded: u64,
    pub window_start: i64,
    pub window_spent: u64,
    pub vault_balance: u64,
    pub decision: DecisionRecord,
    /// Claims must show the claimant's code in their photo.
    pub claim_code: bool,
    pub challenge_window: i64,
    pub bond: u64,
    pub arbiter: Pubkey,
}

#[event]
pub struct ClaimSubmitted {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub proof_uri: String,
    pub proof_hash: [u8; 32],
}

#[event]
pub struct ClaimApproved {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub keeper: Pubkey,
    pub asset: Pubkey,
    pub reward: u64,
    pub approved_count: u32,
    pub escrow_left: u64,
    pub decision: DecisionRecord,
    /// When the reward leaves the escrow: now (it was paid in this transaction, see `ClaimPaid`)
    /// or at the end of the bounty's challenge window.
    pub payable_at: i64,
}

#[event]
pub struct ClaimRejected {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub keeper: Pubkey,
    pub reason_code: u16,
    pub decision: DecisionRecord,
}

#[event]
pub struct BountyClosed {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub id: u64,
    pub closed_by: Pubkey,
    pub asset: Pubkey,
    pub funded: u64,
    pub paid: u64,
    /// The unpaid rest, back in the vault.
    pub returned: u64,
    /// What the escrow held beyond its ledger (sent to it from outside), also swept to the vault.
    pub surplus: u64,
    pub approved_count: u32,
    pub rejected_count: u32,
    /// For a token bounty: lamports its record and escrow token account held beyond their rent
    /// (sent from outside), swept to the vault rather than to whoever gets the rent.
    pub surplus_lamports: u64,
}

#[event]
pub struct ClaimClosed {
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub status: ClaimStatus,
}

/// A loosening change entered the queue. `old` is the value it replaces as it stood when queued
/// (none for a new policy or payee, or an unpause).
#[event]
pub struct ConfigChangeQueued {
    pub treasury: Pubkey,
    pub id: u64,
    pub operator: Pubkey,
    pub old: Option<ConfigChange>,
    pub new: ConfigChange,
    pub executable_at: i64,
    /// A guardian override: only the operator can cancel it.
    pub overrides_guardian: bool,
    /// The pause it answers, for an unpause.
    pub pause_count: u64,
}

/// A queued change was applied by the operator's instruction, which emits its own {old, new} event.
#[event]
pub struct ConfigChangeExecuted {
    pub treasury: Pubkey,
    pub id: u64,
    pub change: ConfigChange,
}

#[event]
pub struct ConfigChangeCancelled {
    pub treasury: Pubkey,
    pub id: u64,
    pub cancelled_by: Pubkey,
    pub change: ConfigChange,
}

#[event]
pub struct ConfigTimelockChanged {
    pub treasury: Pubkey,
    pub operator: Pubkey,
    pub old_seconds: u32,
    pub new_seconds: u32,
}

/// A claim's reward left the escrow (at approval, or later once its challenge window passed or a
/// ruling made it payable). Indexers count claims paid from this event alone.
#[event]
pub struct ClaimPaid {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub asset: Pubkey,
    pub reward: u64,
    pub escrow_left: u64,
    /// The keeper's decision that approved it (or the default, for a rejection overturned on appeal).
    pub decision: DecisionRecord,
}

/// A challenge of an approval or an appeal of a rejection, with its bond posted.
#[event]
pub struct DisputeOpened {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub disputer: Pubkey,
    pub kind: DisputeKind,
    pub bond: u64,
    pub ruling_deadline: i64,
    pub arbiter: Pubkey,
    /// The decision disputed.
    pub decision: DecisionRecord,
}

/// A dispute ended: ruled by the arbiter (`ruled_by`) or lapsed at its deadline (`None`).
#[event]
pub struct DisputeResolved {
    pub treasury: Pubkey,
    pub bounty: Pubkey,
    pub claimant: Pubkey,
    pub disputer: Pubkey,
    pub kind: DisputeKind,
    pub outcome: DisputeState,
    pub ruled_by: Option<Pubkey>,
    pub bond: u64,
    pub bond_to: Pubkey,
    /// The claim's status after the dispute (an overturned approval is `Rejected`, and so on).
    pub claim_status: ClaimStatus,
    pub decision: DecisionRecord,
}

/// Where the treasury's decision records are published changed (or was set the first time).
#[event]
pub struct RecordsUriSet {
    pub treasury: Pubkey,
    pub operator: Pubkey,
    pub uri: String,
}

mod grant;
mod market;
pub use grant::*;
pub use market::*;
