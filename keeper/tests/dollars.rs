//! USD caps in the keeper: it reads the price feed account of each pinned feed, its guard counts an
//! outflow at price + confidence with the program's own functions, refuses what the program would
//! refuse by the same name, clamps partial payments to the dollars left, and sends the dollar
//! accounts with every outflow.

mod common;

use anchor_lang::prelude::Pubkey;
use common::{World, SOL};
use covenant::constants::SOL_ASSET;
use covenant::policy::{PriceFeed, UsdLimits};
use covenant::sdk;
use covenant_keeper::act;
use covenant_keeper::decide::Intent;
use covenant_keeper::guard::{Guard, Verdict};
use covenant_keeper::ops;
use solana_signer::Signer;

const SOL_FEED: [u8; 32] = [0xef; 32];
const MICRO_USD: u64 = 1_000_000;

/// A world whose treasury counts SOL in dollars: $200 a transaction, $300 a day, SOL at $150.
async fn dollar_world() -> World {
    let world = World::new("", 9 * SOL).await;
    let feed = PriceFeed { feed_id: SOL_FEED, max_age_seconds: 30, max_conf_bps: 200, max_ema_deviation_bps: 500 };
    let caps = UsdLimits { per_tx_max: 200 * MICRO_USD, period_seconds: 86_400, period_cap: 300 * MICRO_USD };
    let ixs = [sdk::set_price_feed(&world.t, SOL_ASSET, Some(feed)), sdk::set_usd_limits(&world.t, Some(caps))];
    ops::submit(world.chain.as_ref(), &ixs, &world.operator, &[]).await.expect("dollar rules set");
    world.publish_price(SOL_FEED, 15_000_000_000, 0).await;
    world
}

fn pay(n: u32, recipient: Pubkey, amount: u64, partial: bool) -> Intent {
    Intent::Pay {
        schedule: format!("pay-{n}"),
        recipient,
        asset: SOL_ASSET,
        amount,
        partial,
        purpose: "dollars test".into(),
    }
}

/// What the guard says, and what the program says to the instructions the guard would send (for a
/// refusal: the same payment forced through).
async fn judge(world: &World, intent: &Intent) -> (Verdict, Result<(), String>) {
    let keeper = world.keeper();
    let snapshot = keeper.observe().await.expect("observe");
    let verdict = Guard::new(&snapshot).check(intent);
    let sent = verdict.intent().cloned().unwrap_or_else(|| intent.clone());
    let ixs = act::instructions(&sent, &snapshot, &world.keeper.pubkey(), Default::default()).expect("builds");
    let result = ops::submit(world.chain.as_ref(), &ixs, &world.keeper, &[]).await;
    (verdict, result.map(|_| ()).map_err(|error| error.to_string()))
}

fn refused_code(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Refused { code, .. } => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_guard_and_the_program_count_the_same_dollars_and_refuse_by_the_same_name() {
    let world = dollar_world().await;
    let recipient = Pubkey::new_unique();
    // 1.2 SOL at $150.15 is $180.18: within $200 a transaction.
    let (verdict, landed) = judge(&world, &pay(1, recipient, 12 * SOL / 10, false)).await;
    assert!(matches!(verdict, Verdict::Pass { .. }), "{verdict:?}");
    assert_eq!(landed, Ok(()));
    // What status (and an agent's treasury_status) shows of it.
    let snapshot = world.keeper().observe().await.expect("observe");
    let shown = covenant_keeper::status::json(&snapshot, &[]);
    assert_eq!(shown["dollars"]["caps"]["window_spent"], 180_180_000, "{shown}");
    assert_eq!(shown["dollars"]["caps"]["window_left"], 119_820_000);
    assert_eq!(shown["dollars"]["feeds"][0]["refusal"], serde_json::Value::Null);
    assert_eq!(shown["dollars"]["feeds"][0]["headroom"], 798_001_998, "SOL that still fits today");
    let text = covenant_keeper::status::render(&snapshot, &[]);
    assert!(
        text.contains("USD caps  $200.00 a transaction, $300.00 per 86400 s: $180.18 used, $119.82 left"),
        "{text}"
    );
    // Another 1.2 would make $360.36 today: both refuse it as ExceedsUsdPeriodCap.
    let (verdict, landed) = judge(&world, &pay(2, recipient, 12 * SOL / 10, false)).await;
    assert_eq!(refused_code(&verdict), "ExceedsUsdPeriodCap");
    assert!(landed.as_ref().is_err_and(|error| error.contains("ExceedsUsdPeriodCap")), "{landed:?}");
    // 1.4 SOL is $210.21: over the per-transaction cap, however much is left today.
    let (verdict, _) = judge(&world, &pay(3, recipient, 14 * SOL / 10, false)).await;
    assert_eq!(refused_code(&verdict), "ExceedsUsdPerTxMax");
    // A price older than the feed allows: both refuse it as PriceStale.
    world.publish_price(SOL_FEED, 15_000_000_000, 31).await;
    let (verdict, landed) = judge(&world, &pay(4, recipient, SOL / 10, false)).await;
    assert_eq!(refused_code(&verdict), "PriceStale");
    assert!(landed.as_ref().is_err_and(|error| error.contains("PriceStale")), "{landed:?}");
    let shown = covenant_keeper::status::json(&world.keeper().observe().await.expect("observe"), &[]);
    assert_eq!(shown["dollars"]["feeds"][0]["refusal"], "PriceStale", "{shown}");
    assert_eq!(shown["dollars"]["feeds"][0]["headroom"], 0);
    assert_eq!(world.lamports(recipient).await, 12 * SOL / 10, "only the first payment landed");
}

#[tokio::test]
async fn a_partial_payment_is_clamped_to_the_dollars_left_and_lands() {
    let world = dollar_world().await;
    let recipient = Pubkey::new_unique();
    judge(&world, &pay(1, recipient, 12 * SOL / 10, false)).await.1.expect("first payment");
    // $119.82 left today: at $150.15 that is 0.79800199 SOL (rounded down to the lamport).
    let (verdict, landed) = judge(&world, &pay(2, recipient, SOL, true)).await;
    let Verdict::Clamped { intent: Intent::Pay { amount, .. }, requested, .. } = verdict else {
        panic!("expected a clamp, got {verdict:?}");
    };
    assert_eq!((requested, amount), (SOL, 798_001_998));
    assert_eq!(landed, Ok(()));
    // Nothing is left but dust: the next partial payment is refused by name.
    let (verdict, _) = judge(&world, &pay(3, recipient, SOL, true)).await;
    assert_eq!(refused_code(&verdict), "ExceedsUsdPeriodCap");
}
