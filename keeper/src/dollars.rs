//! The USD caps as the keeper sees them: the prices it read for the treasury's pinned feeds, and
//! what an outflow would count, computed by the program's own functions (`covenant::policy`) so
//! the guard refuses what the chain would, by the same name, before anything is signed.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use covenant::errors::CovenantError;
use covenant::policy::{
    check_price, enforce_usd_spend, usd_headroom_in_asset, usd_value, CheckedPrice, PriceReading, SpendWindow,
    UsdLimits,
};
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use solana_account::Account;

use crate::observe::Snapshot;

/// Where an asset's price is read, and what was there (`None`: missing, not the receiver's, or
/// not a price update: the program would refuse it as `PriceAccountInvalid`).
#[derive(Clone, Debug, PartialEq)]
pub struct PriceSource {
    pub address: Pubkey,
    pub reading: Option<PriceReading>,
}

impl PriceSource {
    pub fn read(address: Pubkey, account: Option<&Account>) -> Self {
        let reading = account
            .filter(|account| account.owner == pyth_solana_receiver_sdk::ID)
            .and_then(|account| PriceUpdateV2::try_deserialize(&mut account.data.as_slice()).ok())
            .map(|update| PriceReading::from(&update));
        Self { address, reading }
    }
}

/// The USD limits and the checked price of `asset`, when the treasury has USD caps.
fn priced(
    snapshot: &Snapshot,
    asset: &Pubkey,
) -> Result<Option<(UsdLimits, SpendWindow, CheckedPrice)>, CovenantError> {
    if !snapshot.treasury.usd_capped {
        return Ok(None);
    }
    let usd = snapshot.usd_policy.as_ref().ok_or(CovenantError::UsdPolicyMismatch)?;
    let limits = usd.limits.ok_or(CovenantError::UsdPolicyMismatch)?;
    let feed = usd.feed_of(asset).ok_or(CovenantError::PriceFeedNotSet)?;
    let reading = snapshot.prices.get(asset).and_then(|source| source.reading);
    let price = check_price(feed, &reading.ok_or(CovenantError::PriceAccountInvalid)?, snapshot.now)?;
    Ok(Some((limits, usd.window, price)))
}

fn decimals(snapshot: &Snapshot, asset: &Pubkey) -> u8 {
    snapshot.policies.get(asset).map_or(9, |policy| policy.decimals)
}

/// The most of `asset` the USD caps let out now (`u64::MAX` without caps, 0 without a usable
/// price): what a partial payment is clamped to.
pub fn headroom(snapshot: &Snapshot, asset: &Pubkey) -> u64 {
    match priced(snapshot, asset) {
        Ok(None) => u64::MAX,
        Ok(Some((limits, window, price))) => {
            usd_headroom_in_asset(&limits, window, decimals(snapshot, asset), &price, snapshot.now).unwrap_or(0)
        }
        Err(_) => 0,
    }
}

/// The USD window after an outflow of `amount` of `asset`, or `None` when the treasury has no USD
/// caps; refused exactly as `charge_usd` in the program would refuse it.
pub fn charge(snapshot: &Snapshot, asset: &Pubkey, amount: u64) -> Result<Option<SpendWindow>, CovenantError> {
    let Some((limits, window, price)) = priced(snapshot, asset)? else {
        return Ok(None);
    };
    let micro_usd = usd_value(amount, decimals(snapshot, asset), &price)?;
    enforce_usd_spend(&limits, window, micro_usd, snapshot.now).map(Some)
}
