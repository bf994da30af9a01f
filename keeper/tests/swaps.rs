//! Swaps through the keeper's core (MCP `request_swap`, CLI `swap`): planned with the program's own
//! rules against a real SPL Token Swap pool on the bank, sent once per idempotency key, refused by
//! name before anything is signed when the venue, the rules or the pool's price say no.

mod common;

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use common::{World, SOL};
use covenant::policy::{PolicyLimits, PriceFeed};
use covenant::sdk;
use covenant_keeper::agent::{self, Agent, Amount, SwapAsk};
use covenant_keeper::chain::Chain;
use covenant_keeper::ops;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_token_swap::curve::base::{CurveType, SwapCurve};
use spl_token_swap::curve::constant_product::ConstantProductCurve;
use spl_token_swap::curve::fees::Fees;

const TOKEN: Pubkey = spl_token_interface::ID;
const SOL_FEED: [u8; 32] = [0xef; 32];
const USDC_FEED: [u8; 32] = [0xea; 32];
const USDC: u64 = 1_000_000;

struct Market {
    world: World,
    wsol: Pubkey,
    usdc: Pubkey,
}

fn limits(per_tx_max: u64, period_cap: u64) -> PolicyLimits {
    PolicyLimits {
        per_tx_max,
        period_seconds: 86_400,
        period_cap,
        cosign_threshold: None,
        timelock_seconds: 0,
        allowlist_required: false,
    }
}

async fn send(world: &World, ixs: &[solana_instruction::Instruction], signers: &[&Keypair]) {
    ops::submit(world.chain.as_ref(), ixs, &world.operator, signers).await.expect("setup transaction lands");
}

/// A classic SPL Token mint whose authority is `authority`.
async fn mint(world: &World, decimals: u8, authority: &Pubkey) -> Pubkey {
    let mint = Keypair::new();
    let rent = world.chain.minimum_balance(82).await.expect("rent");
    let ixs = [
        solana_system_interface::instruction::create_account(
            &world.operator.pubkey(),
            &mint.pubkey(),
            rent,
            82,
            &TOKEN,
        ),
        spl_token_interface::instruction::initialize_mint2(&TOKEN, &mint.pubkey(), authority, None, decimals)
            .expect("builds"),
    ];
    send(world, &ixs, &[&mint]).await;
    mint.pubkey()
}

/// `owner`'s associated account of `mint`, created, holding `amount` minted by the operator.
async fn holding(world: &World, owner: &Pubkey, mint: &Pubkey, amount: u64) -> Pubkey {
    let operator = world.operator.pubkey();
    let account = spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        owner, mint, &TOKEN,
    );
    let mut ixs =
        vec![spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &operator, owner, mint, &TOKEN,
        )];
    if amount > 0 {
        ixs.push(
            spl_token_interface::instruction::mint_to(&TOKEN, mint, &account, &operator, &[], amount).expect("builds"),
        );
    }
    send(world, &ixs, &[]).await;
    account
}

async fn balance(world: &World, account: Pubkey) -> u64 {
    let read = world.chain.accounts(&[account]).await.expect("read");
    read[0].as_ref().map_or(0, |account| u64::from_le_bytes(account.data[64..72].try_into().expect("amount")))
}

/// SPL Token Swap pool of (wsol, usdc) holding `wsol_reserve` and `usdc_reserve`.
async fn open_pool(world: &World, wsol: Pubkey, usdc: Pubkey, wsol_reserve: u64, usdc_reserve: u64) -> Pubkey {
    let swap = Keypair::new();
    let authority = Pubkey::find_program_address(&[&swap.pubkey().to_bytes()], &spl_token_swap::ID).0;
    let token_a = holding(world, &authority, &wsol, wsol_reserve).await;
    let token_b = holding(world, &authority, &usdc, usdc_reserve).await;
    let pool_mint = mint(world, 2, &authority).await;
    let fee_account = holding(world, &world.operator.pubkey(), &pool_mint, 0).await;
    let destination = holding(world, &Keypair::new().pubkey(), &pool_mint, 0).await;
    let space = spl_token_swap::state::SwapVersion::LATEST_LEN;
    let rent = world.chain.minimum_balance(space).await.expect("rent");
    let create = solana_system_interface::instruction::create_account(
        &world.operator.pubkey(),
        &swap.pubkey(),
        rent,
        space as u64,
        &spl_token_swap::ID,
    );
    let fees = Fees {
        trade_fee_numerator: 25,
        trade_fee_denominator: 10_000,
        owner_trade_fee_numerator: 5,
        owner_trade_fee_denominator: 10_000,
        owner_withdraw_fee_numerator: 0,
        owner_withdraw_fee_denominator: 0,
        host_fee_numerator: 0,
        host_fee_denominator: 0,
    };
    let curve = SwapCurve { curve_type: CurveType::ConstantProduct, calculator: Arc::new(ConstantProductCurve) };
    let initialize = spl_token_swap::instruction::initialize(
        &spl_token_swap::ID,
        &TOKEN,
        &swap.pubkey(),
        &authority,
        &token_a,
        &token_b,
        &pool_mint,
        &fee_account,
        &destination,
        fees,
        curve,
    )
    .expect("builds");
    send(world, &[create, initialize], &[&swap]).await;
    swap.pubkey()
}

/// A treasury holding 10 wrapped SOL and 1,000 USDC under policies, both priced (SOL $150, USDC
/// $1), SPL Token Swap allowlisted at 1% slippage.
async fn market() -> Market {
    let world = World::new("", SOL).await;
    let operator = world.operator.pubkey();
    let (wsol, usdc) = (mint(&world, 9, &operator).await, mint(&world, 6, &operator).await);
    let t = world.t;
    let feed = |feed_id| PriceFeed { feed_id, max_age_seconds: 30, max_conf_bps: 200, max_ema_deviation_bps: 500 };
    let setup = [
        sdk::create_token_policy(&t, wsol, TOKEN, limits(2 * SOL, 5 * SOL)),
        sdk::create_token_policy(&t, usdc, TOKEN, limits(500 * USDC, 1_000 * USDC)),
        sdk::set_price_feed(&t, wsol, Some(feed(SOL_FEED))),
        sdk::set_price_feed(&t, usdc, Some(feed(USDC_FEED))),
        sdk::set_swap_venue(&t, spl_token_swap::ID, Some(100)),
    ];
    for ix in setup {
        send(&world, &[ix], &[]).await;
    }
    holding(&world, &t.vault, &wsol, 10 * SOL).await;
    holding(&world, &t.vault, &usdc, 1_000 * USDC).await;
    world.publish_price(SOL_FEED, 15_000_000_000, 0).await;
    world.publish_price(USDC_FEED, 100_000_000, 0).await;
    Market { world, wsol, usdc }
}

fn ask(m: &Market, pool: Pubkey, amount: &str, key: &str, dry_run: bool) -> SwapAsk {
    SwapAsk {
        sell: m.wsol.to_string(),
        buy: m.usdc.to_string(),
        amount: Amount::Text(amount.into()),
        pool: pool.to_string(),
        idempotency_key: key.into(),
        dry_run: Some(dry_run),
        treasury: None,
    }
}

#[tokio::test]
async fn an_agent_swaps_through_an_allowlisted_pool_once_and_the_rules_refuse_the_rest() {
    let m = market().await;
    let pool = open_pool(&m.world, m.wsol, m.usdc, 1_000 * SOL, 150_000 * USDC).await;
    let chain: Arc<dyn Chain> = m.world.chain.clone();
    let core = agent::spawn(m.world.keeper(), chain, m.world.config.clone());
    let operator = Agent::operator(vec![m.world.t.treasury]);
    let vault_usdc = m.world.t.vault_token_account(&m.usdc, &TOKEN);

    // Checked first: the pool's quote clears the oracle minimum (half a SOL at $150, less 1%).
    let checked = core.request_swap(&operator, ask(&m, pool, "0.5", "s1", true)).await;
    assert!(!checked.is_error, "{}", checked.line);
    assert_eq!(checked.value["status"], "would_swap");
    assert_eq!(checked.value["plan"]["minimum_out"], 74_249_999);
    assert_eq!(balance(&m.world, vault_usdc).await, 1_000 * USDC, "a check sends nothing");

    let done = core.request_swap(&operator, ask(&m, pool, "0.5", "s1", false)).await;
    assert!(!done.is_error, "{}", done.line);
    assert_eq!(done.value["status"], "swapped");
    let received = done.value["plan"]["expected_out"].as_u64().expect("expected_out");
    assert!(received >= 74_249_999);
    assert_eq!(balance(&m.world, vault_usdc).await, 1_000 * USDC + received);
    // The same key again: the on-chain marker refuses a second swap.
    let again = core.request_swap(&operator, ask(&m, pool, "0.5", "s1", false)).await;
    assert_eq!(again.value["status"], "done_before", "{}", again.line);
    assert_eq!(balance(&m.world, vault_usdc).await, 1_000 * USDC + received);

    // Over the wrapped SOL policy's per-transaction max: refused by the program's name, unsent.
    let large = core.request_swap(&operator, ask(&m, pool, "3", "s2", false)).await;
    assert_eq!(large.value["error"], "ExceedsPerTxMax", "{}", large.line);
    // A pool skewed to $140 a SOL pays less than the oracle minimum: refused before signing.
    let skewed = open_pool(&m.world, m.wsol, m.usdc, 1_000 * SOL, 140_000 * USDC).await;
    let refused = core.request_swap(&operator, ask(&m, skewed, "0.5", "s3", false)).await;
    assert_eq!(refused.value["error"], "SwapOutputBelowMinimum", "{}", refused.line);
    // Something that is not a pool.
    let stranger = core.request_swap(&operator, ask(&m, Pubkey::new_unique(), "0.5", "s4", false)).await;
    assert_eq!(stranger.value["error"], "UnknownPool", "{}", stranger.line);
    // An agent the operator did not allow to swap.
    let default_tools = covenant_keeper::config::DEFAULT_TOOLS.iter().map(|tool| tool.to_string()).collect();
    let agent =
        Agent { id: "bot".into(), treasuries: vec![m.world.t.treasury], tools: default_tools, requests_per_minute: 60 };
    let denied = core.request_swap(&agent, ask(&m, pool, "0.5", "s5", false)).await;
    assert_eq!(denied.value["error"], "ToolNotAllowed", "{}", denied.line);
    // The operator removes the venue (at once): no more swaps there.
    send(&m.world, &[sdk::set_swap_venue(&m.world.t, spl_token_swap::ID, None)], &[]).await;
    let closed = core.request_swap(&operator, ask(&m, pool, "0.5", "s6", false)).await;
    assert_eq!(closed.value["error"], "SwapProgramNotAllowed", "{}", closed.line);
    assert_eq!(balance(&m.world, vault_usdc).await, 1_000 * USDC + received, "only the first swap moved funds");
}
