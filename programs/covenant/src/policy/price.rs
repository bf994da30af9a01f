//! Prices and dollars: when an oracle price may be trusted, what an outflow is worth in USD, the
//! USD caps, and the least a swap must return. The program and the keeper's guard both run these.
//!
//! Amounts in dollars are micro-USD (1 USD = 1,000,000). A Pyth price is `price * 10^exponent`
//! dollars per whole token, `conf` its uncertainty in the same units.

use anchor_lang::prelude::*;

use super::{roll_window, PolicyResult, SpendWindow};
use crate::constants::{
    DEFAULT_PRICE_MAX_AGE_SECONDS, DEFAULT_PRICE_MAX_CONF_BPS, DEFAULT_PRICE_MAX_EMA_DEVIATION_BPS,
    DEFAULT_STABLECOIN_MAX_AGE_SECONDS, MAX_PERIOD_SECONDS, MAX_PRICE_AGE_SECONDS, MAX_PRICE_CONF_BPS,
    MAX_PRICE_EMA_DEVIATION_BPS, MAX_SWAP_SLIPPAGE_BPS,
};
use crate::errors::CovenantError;

const BPS: u128 = 10_000;
/// micro-USD per dollar, as a power of ten.
const MICRO_USD_DIGITS: i32 = 6;

/// The treasury's caps in dollars, next to each asset's native caps.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct UsdLimits {
    /// Largest single outflow, in micro-USD.
    pub per_tx_max: u64,
    /// Window length; windows advance by whole periods from the anchor, as the native ones do.
    pub period_seconds: u32,
    /// Most that may leave in one window, in micro-USD, summed over every asset.
    pub period_cap: u64,
}

/// Which Pyth feed prices an asset and how fresh, certain and calm its price must be.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PriceFeed {
    /// The Pyth feed id (e.g. SOL/USD `ef0d8b6f…`).
    pub feed_id: [u8; 32],
    /// Oldest usable price, in seconds since its publish time (30 by default, 10 for stablecoins).
    pub max_age_seconds: u32,
    /// Widest usable confidence interval, in basis points of the price (200 by default).
    pub max_conf_bps: u16,
    /// Farthest the spot price may sit from its EMA, in basis points of the EMA (500 by default).
    pub max_ema_deviation_bps: u16,
}

impl PriceFeed {
    /// `feed_id` under the default terms: 30 s old at most, 2% confidence, 5% from the EMA.
    pub fn with_defaults(feed_id: [u8; 32]) -> Self {
        Self {
            feed_id,
            max_age_seconds: DEFAULT_PRICE_MAX_AGE_SECONDS,
            max_conf_bps: DEFAULT_PRICE_MAX_CONF_BPS,
            max_ema_deviation_bps: DEFAULT_PRICE_MAX_EMA_DEVIATION_BPS,
        }
    }

    /// A stablecoin's feed: as the defaults, but 10 s old at most (a depeg moves fast and its
    /// price is otherwise flat, so an old one says little).
    pub fn stablecoin(feed_id: [u8; 32]) -> Self {
        Self { max_age_seconds: DEFAULT_STABLECOIN_MAX_AGE_SECONDS, ..Self::with_defaults(feed_id) }
    }
}

/// The parts of a Pyth `PriceUpdateV2` the checks read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceReading {
    pub feed_id: [u8; 32],
    pub fully_verified: bool,
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub ema_price: i64,
}

impl From<&pyth_solana_receiver_sdk::price_update::PriceUpdateV2> for PriceReading {
    fn from(update: &pyth_solana_receiver_sdk::price_update::PriceUpdateV2) -> Self {
        let message = &update.price_message;
        Self {
            feed_id: message.feed_id,
            fully_verified: update.verification_level
                == pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
            price: message.price,
            conf: message.conf,
            exponent: message.exponent,
            publish_time: message.publish_time,
            ema_price: message.ema_price,
        }
    }
}

/// A price that passed its feed's checks: positive, with its confidence and exponent.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
#[cfg_attr(not(target_os = "solana"), derive(serde::Serialize))]
pub struct CheckedPrice {
    pub price: u64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

pub fn validate_usd_limits(limits: &UsdLimits) -> PolicyResult<()> {
    let consistent = limits.per_tx_max > 0
        && limits.per_tx_max <= limits.period_cap
        && limits.period_seconds > 0
        && limits.period_seconds <= MAX_PERIOD_SECONDS;
    if consistent {
        Ok(())
    } else {
        Err(CovenantError::InvalidUsdLimits)
    }
}

pub fn validate_price_feed(feed: &PriceFeed) -> PolicyResult<()> {
    let sane = feed.feed_id != [0; 32]
        && (1..=MAX_PRICE_AGE_SECONDS).contains(&feed.max_age_seconds)
        && (1..=MAX_PRICE_CONF_BPS).contains(&feed.max_conf_bps)
        && (1..=MAX_PRICE_EMA_DEVIATION_BPS).contains(&feed.max_ema_deviation_bps);
    if sane {
        Ok(())
    } else {
        Err(CovenantError::InvalidPriceFeed)
    }
}

pub fn validate_slippage(max_slippage_bps: u16) -> PolicyResult<()> {
    if (1..=MAX_SWAP_SLIPPAGE_BPS).contains(&max_slippage_bps) {
        Ok(())
    } else {
        Err(CovenantError::InvalidSwapVenue)
    }
}

/// New USD limits loosen when they let more through; removing them loosens; adding them tightens.
pub fn usd_limits_loosen(old: Option<&UsdLimits>, new: Option<&UsdLimits>) -> bool {
    match (old, new) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(old), Some(new)) => {
            new.per_tx_max > old.per_tx_max
                || new.period_cap > old.period_cap
                || new.period_seconds < old.period_seconds
        }
    }
}

/// A feed loosens when it is new (an asset without one has no USD headroom and cannot be swapped),
/// points elsewhere, or accepts older, less certain or wilder prices. Removing one tightens.
pub fn price_feed_loosens(old: Option<&PriceFeed>, new: Option<&PriceFeed>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(old), Some(new)) => {
            new.feed_id != old.feed_id
                || new.max_age_seconds > old.max_age_seconds
                || new.max_conf_bps > old.max_conf_bps
                || new.max_ema_deviation_bps > old.max_ema_deviation_bps
        }
    }
}

/// A swap venue loosens when it is new or accepts more slippage.
pub fn swap_venue_loosens(old: Option<u16>, new: Option<u16>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(old), Some(new)) => new > old,
    }
}

/// Accepts a reading only if it is the pinned feed, fully verified, fresh, certain and near its
/// EMA. Anything else is refused: the USD headroom of an unpriced asset is zero.
pub fn check_price(feed: &PriceFeed, reading: &PriceReading, now: i64) -> PolicyResult<CheckedPrice> {
    if reading.feed_id != feed.feed_id {
        return Err(CovenantError::PriceFeedMismatch);
    }
    if !reading.fully_verified {
        return Err(CovenantError::PriceNotFullyVerified);
    }
    if now.saturating_sub(reading.publish_time) > i64::from(feed.max_age_seconds) {
        return Err(CovenantError::PriceStale);
    }
    let (Ok(price), Ok(ema)) = (u64::try_from(reading.price), u64::try_from(reading.ema_price)) else {
        return Err(CovenantError::PriceNotPositive);
    };
    if price == 0 || ema == 0 {
        return Err(CovenantError::PriceNotPositive);
    }
    if u128::from(reading.conf) * BPS > u128::from(feed.max_conf_bps) * u128::from(price) {
        return Err(CovenantError::PriceTooUncertain);
    }
    if u128::from(price.abs_diff(ema)) * BPS > u128::from(feed.max_ema_deviation_bps) * u128::from(ema) {
        return Err(CovenantError::PriceOffEma);
    }
    Ok(CheckedPrice { price, conf: reading.conf, exponent: reading.exponent, publish_time: reading.publish_time })
}

fn pow10(digits: u32) -> PolicyResult<u128> {
    10u128.checked_pow(digits).ok_or(CovenantError::MathOverflow)
}

/// The power of ten between two scales, from exponents and decimals summed in i64 (any i32
/// exponent, however odd, sums without overflow; a shift no u128 can take fails in `pow10`).
fn shift_of(terms: &[i64]) -> PolicyResult<i32> {
    i32::try_from(terms.iter().sum::<i64>()).map_err(|_| CovenantError::MathOverflow)
}

/// `value * 10^shift`, rounded up when `shift` divides (`round_up`) or down.
fn scale(value: u128, shift: i32, round_up: bool) -> PolicyResult<u128> {
    if shift >= 0 {
        return value.checked_mul(pow10(shift.unsigned_abs())?).ok_or(CovenantError::MathOverflow);
    }
    let divisor = pow10(shift.unsigned_abs())?;
    let quotient = value / divisor;
    if round_up && !value.is_multiple_of(divisor) {
        quotient.checked_add(1).ok_or(CovenantError::MathOverflow)
    } else {
        Ok(quotient)
    }
}

/// What `amount` base units of an asset with `decimals` are worth in micro-USD, counted at the top
/// of the confidence interval and rounded up: the uncertainty counts against the agent.
pub fn usd_value(amount: u64, decimals: u8, price: &CheckedPrice) -> PolicyResult<u64> {
    let upper = u128::from(price.price).checked_add(u128::from(price.conf)).ok_or(CovenantError::MathOverflow)?;
    let raw = u128::from(amount).checked_mul(upper).ok_or(CovenantError::MathOverflow)?;
    let shift = shift_of(&[i64::from(price.exponent), i64::from(MICRO_USD_DIGITS), -i64::from(decimals)])?;
    u64::try_from(scale(raw, shift, true)?).map_err(|_| CovenantError::MathOverflow)
}

/// Checks an outflow worth `micro_usd` against the USD caps and returns the window with it counted.
pub fn enforce_usd_spend(
    limits: &UsdLimits,
    window: SpendWindow,
    micro_usd: u64,
    now: i64,
) -> PolicyResult<SpendWindow> {
    if micro_usd > limits.per_tx_max {
        return Err(CovenantError::ExceedsUsdPerTxMax);
    }
    let current = roll_window(window, limits.period_seconds, now)?;
    let spent = current.spent.checked_add(micro_usd).ok_or(CovenantError::MathOverflow)?;
    if spent > limits.period_cap {
        return Err(CovenantError::ExceedsUsdPeriodCap);
    }
    Ok(SpendWindow { start: current.start, spent })
}

/// The most micro-USD that could leave in one outflow now.
pub fn usd_headroom(limits: &UsdLimits, window: SpendWindow, now: i64) -> PolicyResult<u64> {
    let current = roll_window(window, limits.period_seconds, now)?;
    Ok(limits.per_tx_max.min(limits.period_cap.saturating_sub(current.spent)))
}

/// The most of an asset (base units) that fits the USD caps now at `price`: the inverse of
/// `usd_value`, rounded down, so `usd_value` of it never exceeds the headroom.
pub fn usd_headroom_in_asset(
    limits: &UsdLimits,
    window: SpendWindow,
    decimals: u8,
    price: &CheckedPrice,
    now: i64,
) -> PolicyResult<u64> {
    let headroom = u128::from(usd_headroom(limits, window, now)?);
    let upper = u128::from(price.price).checked_add(u128::from(price.conf)).ok_or(CovenantError::MathOverflow)?;
    let shift = shift_of(&[i64::from(decimals), -i64::from(price.exponent), -i64::from(MICRO_USD_DIGITS)])?;
    let amount = scale(headroom, shift, false)? / upper;
    Ok(u64::try_from(amount).unwrap_or(u64::MAX))
}

/// The least a swap of `spent` (asset in) must return in asset out: its value at the two oracle
/// mid prices, less the venue's maximum slippage, rounded down. Never the caller's number.
pub fn swap_minimum_out(
    spent: u64,
    decimals_in: u8,
    price_in: &CheckedPrice,
    decimals_out: u8,
    price_out: &CheckedPrice,
    max_slippage_bps: u16,
) -> PolicyResult<u64> {
    validate_slippage(max_slippage_bps)?;
    let value = u128::from(spent).checked_mul(u128::from(price_in.price)).ok_or(CovenantError::MathOverflow)?;
    let keep = BPS - u128::from(max_slippage_bps);
    // value * keep / BPS without overflowing the product.
    let after_slippage = (value / BPS)
        .checked_mul(keep)
        .and_then(|whole| whole.checked_add((value % BPS) * keep / BPS))
        .ok_or(CovenantError::MathOverflow)?;
    let shift = shift_of(&[
        i64::from(price_in.exponent),
        -i64::from(decimals_in),
        -i64::from(price_out.exponent),
        i64::from(decimals_out),
    ])?;
    let scaled = scale(after_slippage, shift, false)?;
    u64::try_from(scaled / u128::from(price_out.price)).map_err(|_| CovenantError::MathOverflow)
}
