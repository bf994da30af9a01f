//! Caps in dollars: every outflow of every asset counts at price + confidence against one USD
//! window; an untrustworthy price refuses the outflow (fail closed) and moves nothing.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::UsdCharged;
use covenant::instructions::{CreateBountyArgs, CreateGrantArgs, ProposeSpendArgs};
use covenant::policy::{ReleaseSchedule, UsdLimits};
use covenant::sdk;
use covenant::state::{DecisionRecord, Treasury, UsdPolicy};
use covenant_tests::bank::SOL;
use covenant_tests::dollars::{usd_limits, Dollars, MICRO_USD, SOL_FEED, SOL_PRICE_E8, USDC, USDC_FEED, USDC_PRICE_E8};
use covenant_tests::pyth::{self, Quote};
use covenant_tests::tokens::{self, TOKEN};
use covenant_tests::{assert_program_error, decision, limits, swap_account, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn one_usd_window_counts_sol_and_a_stablecoin_at_price_plus_confidence() {
    let mut d = Dollars::new(Some(usd_limits())).await;
    // Half a SOL at $150 ± $0.15: $75.075.
    let events = d.h.as_keeper(d.spend_sol(SOL / 2, 1)).await.expect("within the USD caps");
    let charged = events.one::<UsdCharged>();
    assert_eq!((charged.asset, charged.amount), (SOL_ASSET, SOL / 2));
    assert_eq!((charged.micro_usd, charged.window_spent), (75_075_000, 75_075_000));
    assert_eq!(charged.price.price, SOL_PRICE_E8 as u64);
    // 0.7 SOL is $105.105: over the $100 per-transaction cap though the native cap allows 20 SOL.
    assert_program_error(d.h.as_keeper(d.spend_sol(7 * SOL / 10, 2)).await, CovenantError::ExceedsUsdPerTxMax);

    // The stablecoin counts in the same window: 70 and 4 at $1.001.
    d.h.as_keeper(d.spend_usdc(70 * USDC, 3)).await.expect("70 USDC");
    let events = d.h.as_keeper(d.spend_usdc(4 * USDC, 4)).await.expect("4 USDC");
    assert_eq!(events.one::<UsdCharged>().window_spent, 149_149_000);
    let recipient_usdc = d.usdc_token().account_of(&d.recipient);
    let paid = tokens::token_balance(&mut d.h.bank, recipient_usdc).await;
    assert_eq!(paid, 74 * USDC);

    // $0.851 left: one more dollar of either asset is refused, and nothing moves.
    let vault_before = d.h.vault_spendable().await;
    assert_program_error(d.h.as_keeper(d.spend_usdc(USDC, 5)).await, CovenantError::ExceedsUsdPeriodCap);
    assert_program_error(d.h.as_keeper(d.spend_sol(SOL / 100, 6)).await, CovenantError::ExceedsUsdPeriodCap);
    assert_eq!(d.h.vault_spendable().await, vault_before);
    assert_eq!(tokens::token_balance(&mut d.h.bank, recipient_usdc).await, 74 * USDC);
    let usd: UsdPolicy = d.h.bank.account(d.h.treasury.usd_policy()).await;
    assert_eq!(usd.window.spent, 149_149_000);

    // A whole period later the window resets on its anchor, not on the last spend.
    let start = usd.window.start;
    d.h.bank.warp_seconds(i64::from(DAY) + 7).await;
    d.refresh_prices().await;
    let events = d.h.as_keeper(d.spend_sol(SOL / 2, 7)).await.expect("next window");
    let charged = events.one::<UsdCharged>();
    assert_eq!((charged.window_start, charged.window_spent), (start + i64::from(DAY), 75_075_000));
}

#[tokio::test]
async fn an_untrustworthy_price_refuses_the_outflow_and_moves_nothing() {
    let mut d = Dollars::new(Some(usd_limits())).await;
    let now = d.h.bank.now().await;
    let fresh = Quote::new(SOL_FEED, SOL_PRICE_E8, now);
    let vault_before = d.h.vault_spendable().await;
    let cases = [
        (Quote { publish_time: now - 31, ..fresh }, CovenantError::PriceStale),
        (Quote { conf: (SOL_PRICE_E8 as u64) * 201 / 10_000, ..fresh }, CovenantError::PriceTooUncertain),
        (Quote { ema_price: SOL_PRICE_E8 * 9 / 10, ..fresh }, CovenantError::PriceOffEma),
        (Quote { price: SOL_PRICE_E8 * 9 / 10, ..fresh }, CovenantError::PriceOffEma),
        (Quote { fully_verified: false, ..fresh }, CovenantError::PriceNotFullyVerified),
        (Quote { price: -1, ..fresh }, CovenantError::PriceNotPositive),
        (
            Quote { feed_id: USDC_FEED, price: USDC_PRICE_E8, ema_price: USDC_PRICE_E8, ..fresh },
            CovenantError::PriceFeedMismatch,
        ),
    ];
    for (n, (quote, expected)) in cases.into_iter().enumerate() {
        pyth::publish(&mut d.h.bank, d.sol_price, &quote).await;
        assert_program_error(d.h.as_keeper(d.spend_sol(SOL / 10, n as u64)).await, expected);
    }
    // The receiver's exact layout under any other owner is a forgery; so is garbage it owns.
    pyth::publish_as(&mut d.h.bank, d.sol_price, &fresh, Keypair::new().pubkey()).await;
    assert_program_error(d.h.as_keeper(d.spend_sol(SOL / 10, 20)).await, CovenantError::PriceAccountInvalid);
    pyth::publish_as(&mut d.h.bank, d.sol_price, &fresh, covenant::ID).await;
    assert_program_error(d.h.as_keeper(d.spend_sol(SOL / 10, 21)).await, CovenantError::PriceAccountInvalid);
    let mut garbage = pyth::Quote::new(SOL_FEED, SOL_PRICE_E8, now).account_data();
    garbage[0] ^= 0xff;
    let rent = d.h.bank.rent_exempt_minimum(garbage.len()).await;
    d.h.bank.set_account(
        d.sol_price,
        solana_account::Account {
            lamports: rent,
            data: garbage,
            owner: pyth_solana_receiver_sdk::ID,
            ..Default::default()
        },
    );
    assert_program_error(d.h.as_keeper(d.spend_sol(SOL / 10, 22)).await, CovenantError::PriceAccountInvalid);

    // A stablecoin's price is stale after 10 s, not 30.
    pyth::publish(&mut d.h.bank, d.usdc_price, &Quote::new(USDC_FEED, USDC_PRICE_E8, now - 11)).await;
    assert_program_error(d.h.as_keeper(d.spend_usdc(USDC, 23)).await, CovenantError::PriceStale);

    // Leaving the dollar accounts out, or passing another account as the USD policy, is refused.
    let bare = d.h.spend_sol_ix(d.recipient, SOL / 10, 24);
    assert_program_error(d.h.as_keeper(bare.clone()).await, CovenantError::UsdPolicyMismatch);
    let mut forged = sdk::with_usd_price(bare, &d.h.treasury, d.sol_price);
    swap_account(&mut forged, d.h.treasury.usd_policy(), d.h.treasury.policy(&SOL_ASSET));
    assert_program_error(d.h.as_keeper(forged).await, CovenantError::UsdPolicyMismatch);

    // Removing a feed tightens, so it applies at once: the asset then has no USD headroom.
    d.refresh_prices().await;
    d.h.as_operator(sdk::set_price_feed(&d.h.treasury, SOL_ASSET, None)).await.expect("feed removed");
    assert_program_error(d.h.as_keeper(d.spend_sol(SOL / 10, 25)).await, CovenantError::PriceFeedNotSet);
    assert_eq!(d.h.vault_spendable().await, vault_before, "nothing left the vault");
    assert_eq!(d.h.bank.account::<UsdPolicy>(d.h.treasury.usd_policy()).await.window.spent, 0);
    // The native caps still apply with the dollar ones: USDC within both still pays.
    d.h.as_keeper(d.spend_usdc(USDC, 26)).await.expect("priced asset still pays");
}

#[tokio::test]
async fn bounty_funding_pending_spends_and_grant_payments_count_in_dollars() {
    let mut d = Dollars::new(Some(usd_limits())).await;
    let t = d.h.treasury;
    let keeper = d.h.roles.keeper.pubkey();
    let now = d.h.bank.now().await;
    // A bounty escrow of 2 x 0.2 SOL is $60.06 of outflow.
    let args = CreateBountyArgs {
        reward: SOL / 5,
        max_claims: 2,
        deadline: now + 3_600,
        description: "Photo of our poster".into(),
        decision: DecisionRecord::default(),
        claim_code: false,
        disputes: Default::default(),
    };
    let bounty = sdk::create_bounty(&t, keeper, None, 0, args.clone());
    assert_program_error(d.h.as_keeper(bounty.clone()).await, CovenantError::UsdPolicyMismatch);
    let events = d.h.as_keeper(sdk::with_usd_price(bounty, &t, d.sol_price)).await.expect("bounty funded");
    assert_eq!(events.one::<UsdCharged>().micro_usd, 60_060_000);

    // A co-signed pending spend counts when it executes, at the price of that moment.
    let tight = covenant::policy::PolicyLimits { cosign_threshold: Some(SOL / 100), ..limits(20 * SOL, 100 * SOL) };
    d.h.as_operator(sdk::update_policy(&t, SOL_ASSET, tight)).await.expect("threshold set");
    let recipient = Keypair::new().pubkey();
    let propose = ProposeSpendArgs { recipient, amount: SOL / 2, purpose: "GPU".into(), decision: decision(9) };
    let pending_id = d.h.treasury_state().await.next_pending_id;
    d.h.as_keeper(sdk::propose_spend(&t, keeper, SOL_ASSET, pending_id, propose)).await.expect("proposed");
    d.h.as_operator(sdk::approve_pending(&t, pending_id)).await.expect("co-signed");
    let execute = sdk::with_usd_price(sdk::execute_pending_sol(&t, keeper, pending_id, recipient), &t, d.sol_price);
    // $60.06 + $75.075 > $100? No: the cap is $150 a day, so this fits; then the window is full.
    let events = d.h.as_keeper(execute).await.expect("executed");
    assert_eq!(events.one::<UsdCharged>().window_spent, 60_060_000 + 75_075_000);

    d.h.as_operator(sdk::update_policy(&t, SOL_ASSET, limits(20 * SOL, 100 * SOL))).await.expect("no threshold");
    // A donor's grant paid out by the keeper counts too: $14.865 left, a 0.1 SOL payment ($15.015) is refused.
    let dev = Keypair::new().pubkey();
    let grant_args = CreateGrantArgs {
        grant_id: 0,
        amount: SOL,
        schedule: ReleaseSchedule::Immediate,
        payees: vec![dev],
        per_tx_cap: None,
        expires_at: now + 86_400,
    };
    let donor = d.h.roles.donor.pubkey();
    let ixs = sdk::create_grant(&t, donor, None, grant_args);
    let donor_key = d.h.roles.donor.insecure_clone();
    d.h.bank.send(&ixs, &[&donor_key]).await.expect("grant");
    let grant = t.grant(&donor, 0);
    let pay = |amount, n| {
        let ix = sdk::spend_grant(&t, keeper, grant, Pubkey::default(), dev, None, amount, decision(n));
        sdk::with_usd_price(ix, &t, d.sol_price)
    };
    assert_program_error(d.h.as_keeper(pay(SOL / 10, 10)).await, CovenantError::ExceedsUsdPeriodCap);
    let events = d.h.as_keeper(pay(SOL / 20, 11)).await.expect("half of that fits");
    assert_eq!(events.one::<UsdCharged>().window_spent, 60_060_000 + 75_075_000 + 7_507_500);
}

#[tokio::test]
async fn loosening_the_dollar_rules_waits_out_the_config_timelock_and_tightening_does_not() {
    let mut d = Dollars::new(None).await;
    let t = d.h.treasury;
    d.h.as_operator(sdk::set_config_timelock(&t, 3_600)).await.expect("timelock lengthened");
    // Adding caps tightens: at once. The treasury now demands the dollar accounts.
    d.h.as_operator(sdk::set_usd_limits(&t, Some(usd_limits()))).await.expect("caps added");
    assert!(d.h.treasury_state().await.usd_capped);
    let raised = UsdLimits { period_cap: 1_000 * MICRO_USD, ..usd_limits() };
    for loosening in [
        sdk::set_usd_limits(&t, Some(raised)),
        sdk::set_usd_limits(&t, None),
        sdk::set_price_feed(&t, Pubkey::new_unique(), Some(covenant_tests::dollars::feed([3; 32]))),
        sdk::set_price_feed(&t, SOL_ASSET, Some(covenant_tests::dollars::feed([4; 32]))),
        sdk::set_swap_venue(&t, Pubkey::new_unique(), Some(50)),
    ] {
        assert_program_error(d.h.as_operator(loosening).await, CovenantError::ConfigTimelockRequired);
    }
    let lower = UsdLimits { per_tx_max: 50 * MICRO_USD, ..usd_limits() };
    d.h.as_operator(sdk::set_usd_limits(&t, Some(lower))).await.expect("lowered at once");

    // Raising goes through the queue; a request queued against other caps than today's is stale.
    let change = covenant::policy::ConfigChange::SetUsdLimits { limits: Some(raised) };
    let id = d.h.treasury_state().await.next_config_change_id;
    d.h.as_operator(sdk::queue_config_change(&t, id, change.clone())).await.expect("queued");
    let lowest = UsdLimits { per_tx_max: 40 * MICRO_USD, ..usd_limits() };
    d.h.as_operator(sdk::set_usd_limits(&t, Some(lowest))).await.expect("tightened meanwhile");
    d.h.bank.warp_seconds(3_600).await;
    assert_program_error(
        d.h.as_operator(sdk::execute_config_change(&t, id, &change)).await,
        CovenantError::ConfigChangeStale,
    );
    let id = d.h.treasury_state().await.next_config_change_id;
    d.h.as_operator(sdk::queue_config_change(&t, id, change.clone())).await.expect("queued again");
    d.h.bank.warp_seconds(3_600).await;
    d.h.as_operator(sdk::execute_config_change(&t, id, &change)).await.expect("raised after the wait");
    let usd: UsdPolicy = d.h.bank.account(t.usd_policy()).await;
    assert_eq!(usd.limits, Some(raised));

    // Removing caps also waits; once applied the treasury no longer asks for prices.
    let remove = covenant::policy::ConfigChange::SetUsdLimits { limits: None };
    let id = d.h.treasury_state().await.next_config_change_id;
    d.h.as_operator(sdk::queue_config_change(&t, id, remove.clone())).await.expect("queued");
    d.h.bank.warp_seconds(3_600).await;
    d.h.as_operator(sdk::execute_config_change(&t, id, &remove)).await.expect("removed");
    assert!(!d.h.treasury_state().await.usd_capped);
    d.h.as_keeper(d.h.spend_sol_ix(d.recipient, SOL / 10, 1)).await.expect("no dollar accounts needed");
}

#[tokio::test]
async fn bad_dollar_rules_are_refused_and_only_the_operator_sets_them() {
    let mut d = Dollars::new(None).await;
    let t = d.h.treasury;
    let bad_limits = UsdLimits { per_tx_max: 0, ..usd_limits() };
    assert_program_error(
        d.h.as_operator(sdk::set_usd_limits(&t, Some(bad_limits))).await,
        CovenantError::InvalidUsdLimits,
    );
    let wide = covenant::policy::PriceFeed { max_conf_bps: 5_000, ..covenant_tests::dollars::feed([5; 32]) };
    assert_program_error(
        d.h.as_operator(sdk::set_price_feed(&t, SOL_ASSET, Some(wide))).await,
        CovenantError::InvalidPriceFeed,
    );
    for program in [TOKEN, covenant::ID, anchor_lang::system_program::ID] {
        assert_program_error(
            d.h.as_operator(sdk::set_swap_venue(&t, program, Some(50))).await,
            CovenantError::InvalidSwapVenue,
        );
    }
    assert_program_error(
        d.h.as_operator(sdk::set_swap_venue(&t, Pubkey::new_unique(), Some(1_001))).await,
        CovenantError::InvalidSwapVenue,
    );
    // Eight feeds at most (two are set already).
    for n in 0..6u8 {
        let feed = covenant_tests::dollars::feed([10 + n; 32]);
        d.h.as_operator(sdk::set_price_feed(&t, Pubkey::new_unique(), Some(feed))).await.expect("within eight");
    }
    let ninth = covenant_tests::dollars::feed([99; 32]);
    assert_program_error(
        d.h.as_operator(sdk::set_price_feed(&t, Pubkey::new_unique(), Some(ninth))).await,
        CovenantError::InvalidPriceFeed,
    );

    // A stranger signing in the operator's place.
    let mut ix = sdk::set_usd_limits(&t, Some(usd_limits()));
    swap_account(&mut ix, t.operator, d.h.roles.stranger.pubkey());
    assert_program_error(d.h.as_stranger(ix).await, CovenantError::NotOperator);
    assert!(!d.h.treasury_state().await.usd_capped);
}

#[tokio::test]
async fn lamports_sent_ahead_to_the_usd_policy_address_do_not_block_it() {
    let mut d = covenant_tests::Harness::new().await;
    let t = d.treasury;
    d.bank.transfer(t.usd_policy(), 5 * SOL).await;
    let payer_before = d.bank.lamports(t.operator).await;
    d.as_operator(sdk::set_usd_limits(&t, Some(usd_limits()))).await.expect("created over the lamports");
    let rent = d.bank.rent_of(t.usd_policy()).await;
    assert_eq!(d.bank.lamports(t.usd_policy()).await, rent, "holds exactly its rent");
    // The figures docs/compute-budget.md gives: 8 feeds and 4 venues of room.
    assert_eq!(d.bank.raw_account(t.usd_policy()).await.expect("exists").data.len(), 798);
    assert_eq!(rent, 6_444_960);
    assert!(d.bank.lamports(t.operator).await > payer_before, "the surplus went to the operator");
    let treasury: Treasury = d.bank.account(t.treasury).await;
    assert!(treasury.usd_capped);
}
