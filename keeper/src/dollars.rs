//! The USD caps as the keeper sees them: the prices it read for the treasury's pinned feeds, and
//! what an outflow would count, computed by the program's own functions (`covenant::policy`) so
//! the guard refuses what the chain would, by the same name, before anything is signed.

use anchor_lang::prelude::Pubkey;
use covenant::errors::CovenantError;
use covenant::policy::{
    check_price, enforce_usd_spend, roll_window, usd_headroom_in_asset, usd_value, CheckedPrice, SpendWindow, UsdLimits,
};
use serde_json::{json, Value};

use crate::observe::Snapshot;

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
    Ok(Some((limits, usd.window, checked_price(snapshot, asset)?)))
}

/// `asset`'s price as the program would take it now: its pinned feed's update, read with the
/// treasury, passed through the program's own checks (else the refusal it would give).
pub fn checked_price(snapshot: &Snapshot, asset: &Pubkey) -> Result<CheckedPrice, CovenantError> {
    let feed = snapshot.usd_policy.as_ref().and_then(|usd| usd.feed_of(asset)).ok_or(CovenantError::PriceFeedNotSet)?;
    let reading = snapshot.prices.get(asset).and_then(|source| source.reading);
    check_price(feed, &reading.ok_or(CovenantError::PriceAccountInvalid)?, snapshot.now)
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

/// micro-USD as dollars with cents.
pub fn dollars(micro_usd: u64) -> String {
    format!("{}.{:02}", micro_usd / 1_000_000, micro_usd % 1_000_000 / 10_000)
}

/// The dollar rules as `status` and the agents' `treasury_status` show them (amounts in micro-USD):
/// the caps and this window's use, each pinned feed with its price now and whether the program
/// would accept it (else the refusal's name) and what of the asset fits, and the swap venues.
pub fn status_json(snapshot: &Snapshot) -> Value {
    let Some(usd) = &snapshot.usd_policy else { return Value::Null };
    let now = snapshot.now;
    let caps = usd.limits.map(|limits| {
        let window = roll_window(usd.window, limits.period_seconds, now).unwrap_or(usd.window);
        json!({
            "per_tx_max": limits.per_tx_max,
            "period_seconds": limits.period_seconds,
            "period_cap": limits.period_cap,
            "window_spent": window.spent,
            "window_left": limits.period_cap.saturating_sub(window.spent),
            "window_resets_at": window.start.saturating_add(i64::from(limits.period_seconds)),
        })
    });
    let feeds: Vec<Value> = usd
        .feeds
        .iter()
        .map(|entry| {
            let source = snapshot.prices.get(&entry.asset);
            let checked = checked_price(snapshot, &entry.asset);
            json!({
                "asset": crate::decide::asset_name(&entry.asset),
                "feed_id": hex::encode(entry.feed.feed_id),
                "price_account": source.map(|source| source.address.to_string()),
                "max_age_seconds": entry.feed.max_age_seconds,
                "max_conf_bps": entry.feed.max_conf_bps,
                "max_ema_deviation_bps": entry.feed.max_ema_deviation_bps,
                "price": checked.as_ref().ok(),
                "refusal": checked.as_ref().err().map(|error| format!("{error:?}")),
                "headroom": headroom(snapshot, &entry.asset),
            })
        })
        .collect();
    let venues: Vec<Value> = usd
        .venues
        .iter()
        .map(|venue| json!({"program": venue.program.to_string(), "max_slippage_bps": venue.max_slippage_bps}))
        .collect();
    json!({"usd_capped": snapshot.treasury.usd_capped, "caps": caps, "feeds": feeds, "venues": venues})
}

/// One line for `status`: the USD caps and what is left, or nothing without them.
pub fn status_line(snapshot: &Snapshot) -> Option<String> {
    let usd = snapshot.usd_policy.as_ref()?;
    let limits = usd.limits.filter(|_| snapshot.treasury.usd_capped)?;
    let window = roll_window(usd.window, limits.period_seconds, snapshot.now).unwrap_or(usd.window);
    Some(format!(
        "USD caps  ${} a transaction, ${} per {} s: ${} used, ${} left ({} feeds, {} swap venues)",
        dollars(limits.per_tx_max),
        dollars(limits.period_cap),
        limits.period_seconds,
        dollars(window.spent),
        dollars(limits.period_cap.saturating_sub(window.spent)),
        usd.feeds.len(),
        usd.venues.len(),
    ))
}
