//! Events of the dollar rules and of swaps.

use anchor_lang::prelude::*;

use crate::policy::{CheckedPrice, PriceFeed, UsdLimits};
use crate::state::DecisionRecord;

#[event]
pub struct UsdLimitsSet {
    pub treasury: Pubkey,
    pub old: Option<UsdLimits>,
    pub new: Option<UsdLimits>,
}

#[event]
pub struct PriceFeedSet {
    pub treasury: Pubkey,
    pub asset: Pubkey,
    pub old: Option<PriceFeed>,
    pub new: Option<PriceFeed>,
}

#[event]
pub struct SwapVenueSet {
    pub treasury: Pubkey,
    pub program: Pubkey,
    pub old: Option<u16>,
    pub new: Option<u16>,
}

/// An outflow counted against the USD caps, next to its own event (`Spent`, `BountyCreated`, ...).
#[event]
pub struct UsdCharged {
    pub treasury: Pubkey,
    pub asset: Pubkey,
    pub amount: u64,
    /// What it counted as: `amount` at price + confidence, in micro-USD, rounded up.
    pub micro_usd: u64,
    pub price: CheckedPrice,
    pub window_start: i64,
    pub window_spent: u64,
}

#[event]
pub struct Swapped {
    pub treasury: Pubkey,
    pub keeper: Pubkey,
    pub program: Pubkey,
    pub asset_in: Pubkey,
    pub asset_out: Pubkey,
    /// The most the keeper let the swap take, and what it took.
    pub amount_in: u64,
    pub spent: u64,
    pub received: u64,
    /// The least it had to return: `spent` at the oracle mid prices less the venue's slippage.
    pub minimum_out: u64,
    pub price_in: CheckedPrice,
    pub price_out: CheckedPrice,
    /// The native window of the asset sold after the swap.
    pub window_spent: u64,
    /// What `spent` counted against the USD caps (0 without USD caps).
    pub micro_usd: u64,
    pub decision: DecisionRecord,
}
