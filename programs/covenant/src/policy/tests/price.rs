use proptest::prelude::*;

use super::super::*;
use crate::errors::CovenantError;

const FEED: [u8; 32] = [7; 32];
const NOW: i64 = 1_800_000_000;

fn feed() -> PriceFeed {
    PriceFeed { feed_id: FEED, max_age_seconds: 30, max_conf_bps: 200, max_ema_deviation_bps: 500 }
}

/// SOL at $150.00000000 (exponent -8), 0.1% confidence, on its EMA, published now.
fn reading() -> PriceReading {
    PriceReading {
        feed_id: FEED,
        fully_verified: true,
        price: 15_000_000_000,
        conf: 15_000_000,
        exponent: -8,
        publish_time: NOW,
        ema_price: 15_000_000_000,
    }
}

fn checked(price: u64, conf: u64, exponent: i32) -> CheckedPrice {
    CheckedPrice { price, conf, exponent, publish_time: NOW }
}

#[test]
fn a_fresh_certain_verified_price_of_the_pinned_feed_is_accepted() {
    let price = check_price(&feed(), &reading(), NOW + 30).expect("accepted at exactly the max age");
    assert_eq!(price, checked(15_000_000_000, 15_000_000, -8));
}

#[test]
fn each_untrustworthy_reading_is_refused_by_name() {
    let cases = [
        (PriceReading { feed_id: [8; 32], ..reading() }, NOW, CovenantError::PriceFeedMismatch),
        (PriceReading { fully_verified: false, ..reading() }, NOW, CovenantError::PriceNotFullyVerified),
        (reading(), NOW + 31, CovenantError::PriceStale),
        (PriceReading { price: 0, ..reading() }, NOW, CovenantError::PriceNotPositive),
        (PriceReading { price: -5, ..reading() }, NOW, CovenantError::PriceNotPositive),
        (PriceReading { ema_price: 0, ..reading() }, NOW, CovenantError::PriceNotPositive),
        // 2% is allowed, a hair more is not.
        (PriceReading { conf: 300_000_001, ..reading() }, NOW, CovenantError::PriceTooUncertain),
        // 5% off the EMA is allowed, more is not, either way.
        (PriceReading { price: 15_750_000_001, ..reading() }, NOW, CovenantError::PriceOffEma),
        (PriceReading { price: 14_249_999_999, ..reading() }, NOW, CovenantError::PriceOffEma),
    ];
    for (reading, now, expected) in cases {
        assert_eq!(check_price(&feed(), &reading, now), Err(expected), "{reading:?}");
    }
    assert!(check_price(&feed(), &PriceReading { conf: 300_000_000, ..reading() }, NOW).is_ok());
    assert!(check_price(&feed(), &PriceReading { price: 15_750_000_000, ..reading() }, NOW).is_ok());
}

#[test]
fn usd_value_counts_at_price_plus_confidence_rounded_up() {
    // 2 SOL at $150 ± $0.15: $300.30.
    assert_eq!(usd_value(2_000_000_000, 9, &checked(15_000_000_000, 15_000_000, -8)), Ok(300_300_000));
    // 1 lamport is worth 0.0000001503 USD: rounds up to one micro-dollar, never down to free.
    assert_eq!(usd_value(1, 9, &checked(15_000_000_000, 15_000_000, -8)), Ok(1));
    // USDC (6 decimals) at $1.0001 ± 0.0001 (exponent -4 here): 5 USDC = $5.001.
    assert_eq!(usd_value(5_000_000, 6, &checked(10_001, 1, -4)), Ok(5_001_000));
    // A positive exponent scales up.
    assert_eq!(usd_value(3, 0, &checked(2, 0, 2)), Ok(600_000_000));
    assert_eq!(usd_value(u64::MAX, 0, &checked(u64::MAX, u64::MAX, 0)), Err(CovenantError::MathOverflow));
}

#[test]
fn the_default_terms_are_the_documented_ones() {
    let feed = PriceFeed::with_defaults(FEED);
    assert_eq!((feed.max_age_seconds, feed.max_conf_bps, feed.max_ema_deviation_bps), (30, 200, 500));
    assert_eq!(PriceFeed::stablecoin(FEED).max_age_seconds, 10);
    assert_eq!(validate_price_feed(&feed), Ok(()));
}

#[test]
fn any_exponent_fails_cleanly_rather_than_overflowing() {
    // Far beyond what a u128 can scale by: refused, never a panic.
    for exponent in [i32::MIN, i32::MIN + 1, i32::MAX - 10, i32::MAX] {
        let odd = checked(15_000_000_000, 0, exponent);
        let normal = checked(100_000_000, 0, -8);
        assert_eq!(usd_value(1_000, 9, &odd), Err(CovenantError::MathOverflow), "exponent {exponent}");
        assert_eq!(swap_minimum_out(1_000, 9, &odd, 6, &normal, 100), Err(CovenantError::MathOverflow));
        let limits = UsdLimits { per_tx_max: 10, period_seconds: 10, period_cap: 10 };
        let room = usd_headroom_in_asset(&limits, SpendWindow::anchored_at(NOW), 9, &odd, NOW);
        assert!(room == Err(CovenantError::MathOverflow) || room == Ok(0), "exponent {exponent}: {room:?}");
    }
    // Merely odd: a price of 10^-40 dollars prices a swap's minimum at nothing, and the value of a
    // thousand units at 10^40 dollars does not fit.
    let tiny = checked(15_000_000_000, 0, -40);
    assert_eq!(swap_minimum_out(1_000, 9, &tiny, 6, &checked(100_000_000, 0, -8), 100), Ok(0));
    assert_eq!(usd_value(1_000, 9, &checked(1, 0, 40)), Err(CovenantError::MathOverflow));
}

#[test]
fn usd_caps_refuse_a_large_outflow_and_a_full_window_and_reset_on_whole_periods() {
    let limits = UsdLimits { per_tx_max: 100_000_000, period_seconds: 86_400, period_cap: 150_000_000 };
    let window = SpendWindow::anchored_at(NOW);
    assert_eq!(enforce_usd_spend(&limits, window, 100_000_001, NOW), Err(CovenantError::ExceedsUsdPerTxMax));
    let window = enforce_usd_spend(&limits, window, 100_000_000, NOW).expect("first");
    assert_eq!(usd_headroom(&limits, window, NOW), Ok(50_000_000));
    assert_eq!(enforce_usd_spend(&limits, window, 50_000_001, NOW + 10), Err(CovenantError::ExceedsUsdPeriodCap));
    let next = enforce_usd_spend(&limits, window, 100_000_000, NOW + 86_400 + 5).expect("next window");
    assert_eq!(next, SpendWindow { start: NOW + 86_400, spent: 100_000_000 });
}

#[test]
fn limits_and_feeds_are_validated() {
    let limits = UsdLimits { per_tx_max: 1, period_seconds: 1, period_cap: 1 };
    assert_eq!(validate_usd_limits(&limits), Ok(()));
    for bad in [
        UsdLimits { per_tx_max: 0, ..limits },
        UsdLimits { per_tx_max: 2, ..limits },
        UsdLimits { period_seconds: 0, ..limits },
    ] {
        assert_eq!(validate_usd_limits(&bad), Err(CovenantError::InvalidUsdLimits));
    }
    assert_eq!(validate_price_feed(&feed()), Ok(()));
    for bad in [
        PriceFeed { feed_id: [0; 32], ..feed() },
        PriceFeed { max_age_seconds: 0, ..feed() },
        PriceFeed { max_age_seconds: 3_601, ..feed() },
        PriceFeed { max_conf_bps: 1_001, ..feed() },
        PriceFeed { max_ema_deviation_bps: 0, ..feed() },
    ] {
        assert_eq!(validate_price_feed(&bad), Err(CovenantError::InvalidPriceFeed));
    }
    assert_eq!(validate_slippage(0), Err(CovenantError::InvalidSwapVenue));
    assert_eq!(validate_slippage(1_001), Err(CovenantError::InvalidSwapVenue));
}

#[test]
fn what_loosens_the_dollar_rules() {
    let caps = UsdLimits { per_tx_max: 10, period_seconds: 100, period_cap: 50 };
    assert!(!usd_limits_loosen(None, Some(&caps)), "adding caps tightens");
    assert!(usd_limits_loosen(Some(&caps), None), "removing caps loosens");
    assert!(usd_limits_loosen(Some(&caps), Some(&UsdLimits { per_tx_max: 11, ..caps })));
    assert!(usd_limits_loosen(Some(&caps), Some(&UsdLimits { period_cap: 51, ..caps })));
    assert!(usd_limits_loosen(Some(&caps), Some(&UsdLimits { period_seconds: 99, ..caps })));
    assert!(!usd_limits_loosen(Some(&caps), Some(&UsdLimits { per_tx_max: 9, period_seconds: 101, ..caps })));

    assert!(price_feed_loosens(None, Some(&feed())), "a new feed opens an asset");
    assert!(!price_feed_loosens(Some(&feed()), None));
    assert!(price_feed_loosens(Some(&feed()), Some(&PriceFeed { feed_id: [9; 32], ..feed() })));
    assert!(price_feed_loosens(Some(&feed()), Some(&PriceFeed { max_age_seconds: 31, ..feed() })));
    assert!(price_feed_loosens(Some(&feed()), Some(&PriceFeed { max_conf_bps: 201, ..feed() })));
    assert!(price_feed_loosens(Some(&feed()), Some(&PriceFeed { max_ema_deviation_bps: 501, ..feed() })));
    assert!(!price_feed_loosens(Some(&feed()), Some(&PriceFeed { max_age_seconds: 10, ..feed() })));

    assert!(swap_venue_loosens(None, Some(50)));
    assert!(swap_venue_loosens(Some(50), Some(51)));
    assert!(!swap_venue_loosens(Some(50), Some(49)));
    assert!(!swap_venue_loosens(Some(50), None));
}

#[test]
fn the_swap_minimum_is_the_oracle_value_less_slippage() {
    let sol = checked(15_000_000_000, 15_000_000, -8);
    let usdc = checked(100_000_000, 10_000, -8);
    // 1 SOL at $150 is 150 USDC; 1% slippage leaves 148.5 USDC.
    assert_eq!(swap_minimum_out(1_000_000_000, 9, &sol, 6, &usdc, 100), Ok(148_500_000));
    // And back: 150 USDC is 1 SOL; 0.5% leaves 0.995 SOL.
    assert_eq!(swap_minimum_out(150_000_000, 6, &usdc, 9, &sol, 50), Ok(995_000_000));
    assert_eq!(swap_minimum_out(1, 9, &sol, 6, &usdc, 100), Ok(0), "dust rounds down");
}

proptest! {
    /// Counting at the upper price never gives less than the mid value, and never less than the
    /// per-unit value times the amount (rounding only ever goes against the agent).
    #[test]
    fn usd_value_is_monotonic_and_never_below_the_mid(amount in 0u64..1 << 36, extra in 1u64..1 << 20,
            price in 1u64..1 << 32, conf in 0u64..1 << 28, decimals in 0u8..=9) {
        let at = |amount| usd_value(amount, decimals, &checked(price, conf, -8)).expect("fits");
        let mid = usd_value(amount, decimals, &checked(price, 0, -8)).expect("fits");
        prop_assert!(at(amount) >= mid);
        prop_assert!(at(amount + extra) >= at(amount));
    }

    /// The headroom in asset units is the most that fits: it passes the caps, one more unit does not
    /// (unless one unit rounds to nothing, when any amount would fit the same).
    #[test]
    fn usd_headroom_in_asset_is_the_largest_amount_that_fits(spent in 0u64..150_000_000, price in 1_000u64..1 << 36,
            conf in 0u64..1_000, decimals in 0u8..=9) {
        let limits = UsdLimits { per_tx_max: 100_000_000, period_seconds: 86_400, period_cap: 150_000_000 };
        let window = SpendWindow { start: NOW, spent };
        let price = checked(price, conf, -8);
        let room = usd_headroom_in_asset(&limits, window, decimals, &price, NOW).expect("fits");
        let charge = |amount| usd_value(amount, decimals, &price).and_then(|usd| enforce_usd_spend(&limits, window, usd, NOW));
        if room > 0 {
            prop_assert!(charge(room).is_ok());
        }
        prop_assert!(charge(room + 1).is_err() || usd_value(1, decimals, &price) == Ok(0));
    }

    /// A swap minimum never exceeds the full oracle value of what was spent (slippage only lowers it).
    #[test]
    fn the_minimum_never_exceeds_the_value(spent in 1u64..1 << 50, p_in in 1u64..1 << 40, p_out in 1u64..1 << 40,
            slippage in 1u16..=1_000) {
        let min = swap_minimum_out(spent, 9, &checked(p_in, 0, -8), 6, &checked(p_out, 0, -8), slippage).expect("fits");
        let full = u128::from(spent) * u128::from(p_in) / 1_000 / u128::from(p_out);
        prop_assert!(u128::from(min) <= full);
    }
}
