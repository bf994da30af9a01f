//! The USD caps at the point of use: every outflow of a USD-capped treasury prices itself here.

use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;

use crate::errors::CovenantError;
use crate::events::UsdCharged;
use crate::policy::{check_price, enforce_usd_spend, usd_value, CheckedPrice, PriceFeed, PriceReading};
use crate::state::{Treasury, UsdPolicy};

/// Reads a Pyth `PriceUpdateV2` and accepts it only under `feed`'s terms. The owner check is the
/// one that matters: anyone can write an account in the receiver's layout, only the receiver
/// program can own one.
pub(crate) fn read_price(info: &AccountInfo, feed: &PriceFeed, now: i64) -> Result<CheckedPrice> {
    require_keys_eq!(*info.owner, pyth_solana_receiver_sdk::ID, CovenantError::PriceAccountInvalid);
    let update = {
        let data = info.try_borrow_data()?;
        PriceUpdateV2::try_deserialize(&mut &data[..]).map_err(|_| error!(CovenantError::PriceAccountInvalid))?
    };
    let reading = PriceReading::from(&update);
    Ok(check_price(feed, &reading, now)?)
}

/// Counts an outflow of `amount` of `asset` against the treasury's USD caps, when it has them.
/// The caller passes, after the instruction's own accounts, the treasury's `UsdPolicy` (writable)
/// and the asset's price update. Returns the event to emit, `None` for a treasury without caps.
pub(crate) fn charge_usd(
    treasury: &Account<Treasury>,
    remaining_accounts: &[AccountInfo],
    asset: &Pubkey,
    decimals: u8,
    amount: u64,
    now: i64,
) -> Result<Option<UsdCharged>> {
    if !treasury.usd_capped {
        return Ok(None);
    }
    let [policy_info, price_info, ..] = remaining_accounts else {
        return err!(CovenantError::UsdPolicyMismatch);
    };
    require!(*policy_info.owner == crate::ID && policy_info.is_writable, CovenantError::UsdPolicyMismatch);
    let mut usd_policy = {
        let data = policy_info.try_borrow_data()?;
        UsdPolicy::try_deserialize(&mut &data[..]).map_err(|_| error!(CovenantError::UsdPolicyMismatch))?
    };
    // Its stored bump re-derives the address in one hash (no bump search).
    let treasury_key = treasury.key();
    let seeds: &[&[u8]] = &[UsdPolicy::SEED, treasury_key.as_ref(), &[usd_policy.bump]];
    let expected =
        Pubkey::create_program_address(seeds, &crate::ID).map_err(|_| error!(CovenantError::UsdPolicyMismatch))?;
    require!(policy_info.key() == expected && usd_policy.treasury == treasury_key, CovenantError::UsdPolicyMismatch);
    let limits = usd_policy.limits.ok_or(CovenantError::UsdPolicyMismatch)?;
    let feed = usd_policy.feed_of(asset).copied().ok_or(CovenantError::PriceFeedNotSet)?;
    let price = read_price(price_info, &feed, now)?;
    let micro_usd = usd_value(amount, decimals, &price)?;
    usd_policy.window = enforce_usd_spend(&limits, usd_policy.window, micro_usd, now)?;
    let mut data = policy_info.try_borrow_mut_data()?;
    usd_policy.try_serialize(&mut &mut data[..])?;
    Ok(Some(UsdCharged {
        treasury: treasury.key(),
        asset: *asset,
        amount,
        micro_usd,
        price,
        window_start: usd_policy.window.start,
        window_spent: usd_policy.window.spent,
    }))
}
