//! Swaps under the policy: through allowlisted programs only, the vault signing, and kept only if
//! the vault lost at most `amount_in`, got at least the oracle minimum, and nothing else changed.
//! Run against a constant-product pool and hostile programs (`covenant_tests::amm`).

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use covenant::errors::CovenantError;
use covenant::events::{Swapped, UsdCharged};
use covenant::policy::PolicyLimits;
use covenant::sdk::{self, SwapSide, TokenMint};
use covenant::state::SpendPolicy;
use covenant_tests::amm::{self, Pool};
use covenant_tests::bank::SOL;
use covenant_tests::dollars::{feed, usd_limits, Dollars, SOL_FEED, USDC, USDC_FEED, USDC_PRICE_E8};
use covenant_tests::pyth::{self, Quote};
use covenant_tests::token_swap::{self, TokenSwapPool};
use covenant_tests::tokens::{self, TOKEN};
use covenant_tests::{assert_anchor_error, assert_program_error, decision, limits};
use solana_instruction_error::InstructionError;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

/// SOL's price at $150 quotes a 1,000-token pool of a 9-decimal wrapped SOL against 150,000 USDC.
const POOL_WSOL: u64 = 1_000 * SOL;
const POOL_USDC: u64 = 150_000 * USDC;

struct Market {
    d: Dollars,
    wsol: Pubkey,
    vault_wsol: Pubkey,
    vault_usdc: Pubkey,
}

impl Market {
    /// `Dollars` plus a wrapped-SOL mint (10 in the vault) under a policy, priced by the SOL feed.
    async fn new(caps: Option<covenant::policy::UsdLimits>) -> Self {
        let mut d = Dollars::new_with(caps, |program_test| {
            amm::add_to(program_test);
            token_swap::add_to(program_test);
        })
        .await;
        let wsol = tokens::create_mint(&mut d.h.bank, TOKEN, 9, &[]).await;
        let t = d.h.treasury;
        d.h.as_operator(sdk::create_token_policy(&t, wsol, TOKEN, limits(20 * SOL, 100 * SOL))).await.expect("policy");
        let vault_wsol = t.vault_token_account(&wsol, &TOKEN);
        tokens::mint_to(&mut d.h.bank, wsol, TOKEN, vault_wsol, 10 * SOL).await;
        d.h.as_operator(sdk::set_price_feed(&t, wsol, Some(feed(SOL_FEED)))).await.expect("wsol feed");
        let vault_usdc = t.vault_token_account(&d.usdc, &TOKEN);
        Self { d, wsol, vault_wsol, vault_usdc }
    }

    async fn allow(&mut self, venue: Pubkey, max_slippage_bps: Option<u16>) {
        let ix = sdk::set_swap_venue(&self.d.h.treasury, venue, max_slippage_bps);
        self.d.h.as_operator(ix).await.expect("venue set");
    }

    async fn pool(&mut self, program: Pubkey, usdc_reserve: u64) -> Pool {
        Pool::open(&mut self.d.h.bank, program, (self.wsol, POOL_WSOL), (self.d.usdc, usdc_reserve)).await
    }

    fn sell_wsol(&self) -> SwapSide {
        SwapSide { token: TokenMint { mint: self.wsol, program: TOKEN }, price_update: self.d.sol_price }
    }

    fn buy_usdc(&self) -> SwapSide {
        SwapSide { token: self.d.usdc_token(), price_update: self.d.usdc_price }
    }

    fn swap_accounts(&self, pool: &Pool) -> Vec<AccountMeta> {
        pool.accounts(self.d.h.treasury.vault, self.vault_wsol, self.vault_usdc)
    }

    fn swap(&self, pool: &Pool, amount_in: u64, n: u64) -> Instruction {
        let keeper = self.d.h.roles.keeper.pubkey();
        let accounts = self.swap_accounts(pool);
        let (sell, buy) = (self.sell_wsol(), self.buy_usdc());
        sdk::swap(
            &self.d.h.treasury,
            keeper,
            sell,
            buy,
            pool.program,
            accounts,
            amount_in,
            Pool::data(amount_in),
            decision(n),
        )
    }

    /// The vault's wrapped SOL, USDC and lamports, and the sold asset's window usage.
    async fn vault_state(&mut self) -> (u64, u64, u64, u64) {
        let wsol = tokens::token_balance(&mut self.d.h.bank, self.vault_wsol).await;
        let usdc = tokens::token_balance(&mut self.d.h.bank, self.vault_usdc).await;
        let lamports = self.d.h.bank.lamports(self.d.h.treasury.vault).await;
        let policy: SpendPolicy = self.d.h.policy(self.wsol).await;
        (wsol, usdc, lamports, policy.window.spent)
    }
}

#[tokio::test]
async fn an_honest_swap_returns_at_least_the_oracle_minimum_and_counts_as_a_spend() {
    let mut m = Market::new(Some(usd_limits())).await;
    m.allow(amm::HONEST, Some(100)).await;
    let pool = m.pool(amm::HONEST, POOL_USDC).await;
    let expected_out = amm::quote(POOL_WSOL, POOL_USDC, SOL / 2);
    let events = m.d.h.as_keeper(m.swap(&pool, SOL / 2, 1)).await.expect("swapped");
    let swapped = events.one::<Swapped>();
    assert_eq!((swapped.asset_in, swapped.asset_out, swapped.program), (m.wsol, m.d.usdc, amm::HONEST));
    assert_eq!((swapped.amount_in, swapped.spent, swapped.received), (SOL / 2, SOL / 2, expected_out));
    // Half a SOL at the $150 mid, in USDC at its $1 mid, less 1%.
    assert_eq!(swapped.minimum_out, 74_250_000);
    assert!(swapped.received >= swapped.minimum_out);
    assert_eq!((swapped.window_spent, swapped.micro_usd), (SOL / 2, 75_075_000));
    assert_eq!(swapped.decision, decision(1));
    assert_eq!(events.one::<UsdCharged>().window_spent, 75_075_000);
    assert_eq!(m.vault_state().await.0, 10 * SOL - SOL / 2);
    assert_eq!(m.vault_state().await.1, 10_000 * USDC + expected_out);

    // Selling 0.7 ($105.105) is over the $100 per-transaction cap: refused before the call.
    let before = m.vault_state().await;
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, 7 * SOL / 10, 2)).await, CovenantError::ExceedsUsdPerTxMax);
    assert_eq!(m.vault_state().await, before);
}

#[tokio::test]
async fn a_manipulated_pool_paying_below_the_oracle_minimum_is_refused_and_nothing_moves() {
    let mut m = Market::new(None).await;
    m.allow(amm::HONEST, Some(100)).await;
    // The pool prices SOL at $140 while the oracle says $150: 1% slippage does not cover it.
    let pool = m.pool(amm::HONEST, 140_000 * USDC).await;
    let before = m.vault_state().await;
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 2, 1)).await, CovenantError::SwapOutputBelowMinimum);
    assert_eq!(m.vault_state().await, before);
    // Allowing 10% slippage (a loosening, at once here: no config timelock) lets the same swap through.
    m.allow(amm::HONEST, Some(1_000)).await;
    let swapped = m.d.h.as_keeper(m.swap(&pool, SOL / 2, 2)).await.expect("within 10%").one::<Swapped>();
    assert_eq!(swapped.micro_usd, 0, "no USD caps on this treasury");
    assert_eq!(swapped.minimum_out, 67_500_000);
}

#[tokio::test]
async fn hostile_swap_programs_are_refused_and_nothing_moves() {
    let mut m = Market::new(Some(usd_limits())).await;
    let hostile = [
        (amm::GREEDY, CovenantError::SwapOverspent),
        (amm::STINGY, CovenantError::SwapOutputBelowMinimum),
        (amm::APPROVER, CovenantError::SwapTamperedVault),
        (amm::LAMPORT_THIEF, CovenantError::SwapTamperedVault),
    ];
    let before = m.vault_state().await;
    for (n, (program, expected)) in hostile.into_iter().enumerate() {
        m.allow(program, Some(100)).await;
        let pool = m.pool(program, POOL_USDC).await;
        assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 2, n as u64)).await, expected);
        m.allow(program, None).await;
    }

    // A venue that calls back into Covenant with the keeper's signature (the keeper passed its own
    // account along): the runtime refuses re-entry, so nothing the callback asks for happens.
    m.allow(amm::REENTRANT, Some(100)).await;
    let pool = m.pool(amm::REENTRANT, POOL_USDC).await;
    let venue = amm::authority(&amm::REENTRANT).0;
    // A spend the keeper could make by itself (within every cap, dollar accounts included).
    let callback = sdk::with_usd_price(m.d.h.spend_sol_ix(venue, SOL / 10, 99), &m.d.h.treasury, m.d.sol_price);
    let mut venue_data = Pool::data(SOL / 2);
    venue_data.extend_from_slice(&callback.data);
    let mut rebuilt = covenant::sdk::swap(
        &m.d.h.treasury,
        m.d.h.roles.keeper.pubkey(),
        m.sell_wsol(),
        m.buy_usdc(),
        amm::REENTRANT,
        m.swap_accounts(&pool).into_iter().chain(callback.accounts.clone()).collect(),
        SOL / 2,
        venue_data,
        decision(9),
    );
    // The keeper's signature reaches the venue only because its account was passed along.
    for meta in rebuilt.accounts.iter_mut().filter(|meta| meta.pubkey == m.d.h.roles.keeper.pubkey()) {
        meta.is_signer = true;
    }
    let venue_before = m.d.h.bank.lamports(venue).await;
    let failure = m.d.h.as_keeper(rebuilt).await.expect_err("re-entry is refused");
    // An SBF build reports the runtime's own error; natively, program-test's CPI stub cannot turn
    // it into a program error and fails the program instead. Either way the callback ran nowhere.
    let refused = [InstructionError::ReentrancyNotAllowed, InstructionError::ProgramFailedToComplete]
        .map(|error| TransactionError::InstructionError(0, error));
    assert!(refused.contains(&failure.error), "{failure:?}");
    assert_eq!(m.d.h.bank.lamports(venue).await, venue_before, "the callback paid nothing");
    assert_eq!(m.vault_state().await, before);
    let vault_wsol = m.d.h.bank.raw_account(m.vault_wsol).await.expect("vault wsol");
    assert_eq!(&vault_wsol.data[72..76], &[0, 0, 0, 0], "no delegate was left behind");
    // The callback was refused as re-entry, not on its merits: sent by the keeper itself, it lands.
    m.d.h.as_keeper(callback).await.expect("the same spend, sent directly, lands");
    assert_eq!(m.d.h.bank.lamports(venue).await, venue_before + SOL / 10);
}

#[tokio::test]
async fn swaps_go_only_through_allowlisted_venues_under_the_policy() {
    let mut m = Market::new(Some(usd_limits())).await;
    let pool = m.pool(amm::HONEST, POOL_USDC).await;
    let t = m.d.h.treasury;
    let before = m.vault_state().await;
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 10, 1)).await, CovenantError::SwapProgramNotAllowed);
    m.allow(amm::HONEST, Some(100)).await;
    m.allow(amm::HONEST, None).await;
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 10, 2)).await, CovenantError::SwapProgramNotAllowed);
    m.allow(amm::HONEST, Some(100)).await;

    // The vault's signature must not reach its other token accounts.
    let other = tokens::create_mint(&mut m.d.h.bank, TOKEN, 6, &[]).await;
    m.d.h.as_operator(sdk::create_token_policy(&t, other, TOKEN, limits(10, 10))).await.expect("policy");
    let mut ix = m.swap(&pool, SOL / 10, 3);
    ix.accounts.push(AccountMeta::new(t.vault_token_account(&other, &TOKEN), false));
    assert_program_error(m.d.h.as_keeper(ix).await, CovenantError::InvalidSwap);
    // Selling an asset for itself (one vault account twice) or selling nothing.
    let keeper = m.d.h.roles.keeper.pubkey();
    let (sell, accounts) = (m.sell_wsol(), m.swap_accounts(&pool));
    let ix =
        sdk::swap(&t, keeper, sell, sell, amm::HONEST, accounts.clone(), SOL / 10, Pool::data(SOL / 10), decision(4));
    assert_anchor_error(m.d.h.as_keeper(ix).await, ErrorCode::ConstraintDuplicateMutableAccount);
    let buy = m.buy_usdc();
    let ix = sdk::swap(&t, keeper, sell, buy, amm::HONEST, accounts.clone(), 0, Pool::data(0), decision(4));
    assert_program_error(m.d.h.as_keeper(ix).await, CovenantError::InvalidSwap);
    // A venue that takes nothing (told to swap 0 while the vault allowed 0.1) has done no swap.
    let ix = sdk::swap(&t, keeper, sell, buy, amm::HONEST, accounts, SOL / 10, Pool::data(0), decision(4));
    assert_program_error(m.d.h.as_keeper(ix).await, CovenantError::InvalidSwap);

    // Either price untrustworthy, or the asset bought unpriced: refused.
    let now = m.d.h.bank.now().await;
    pyth::publish(&mut m.d.h.bank, m.d.usdc_price, &Quote::new(USDC_FEED, USDC_PRICE_E8, now - 11)).await;
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 10, 5)).await, CovenantError::PriceStale);
    m.d.refresh_prices().await;
    m.d.h.as_operator(sdk::set_price_feed(&t, m.d.usdc, None)).await.expect("feed removed");
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 10, 6)).await, CovenantError::PriceFeedNotSet);
    m.d.h.as_operator(sdk::set_price_feed(&t, m.d.usdc, Some(feed(USDC_FEED)))).await.expect("feed back");

    // The co-sign threshold applies as for spends.
    let threshold = PolicyLimits { cosign_threshold: Some(SOL / 20), ..limits(20 * SOL, 100 * SOL) };
    m.d.h.as_operator(sdk::update_policy(&t, m.wsol, threshold)).await.expect("threshold");
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 10, 7)).await, CovenantError::CosignRequired);
    m.d.h.as_operator(sdk::update_policy(&t, m.wsol, limits(20 * SOL, 100 * SOL))).await.expect("no threshold");

    // Only the keeper, and not while paused.
    let stranger = m.d.h.roles.stranger.pubkey();
    let (sell, buy, accounts) = (m.sell_wsol(), m.buy_usdc(), m.swap_accounts(&pool));
    let ix = sdk::swap(&t, stranger, sell, buy, amm::HONEST, accounts, SOL / 10, Pool::data(SOL / 10), decision(8));
    assert_program_error(m.d.h.as_stranger(ix).await, CovenantError::NotKeeper);
    let guardian = m.d.h.roles.guardian.pubkey();
    m.d.h.as_guardian(sdk::pause(&t, guardian)).await.expect("paused");
    assert_program_error(m.d.h.as_keeper(m.swap(&pool, SOL / 10, 9)).await, CovenantError::TreasuryPaused);
    assert_eq!(m.vault_state().await, before, "nothing moved");
}

#[tokio::test]
async fn swaps_through_spl_token_swap_pay_at_least_the_oracle_minimum_both_ways() {
    let mut m = Market::new(Some(usd_limits())).await;
    m.allow(token_swap::PROGRAM, Some(100)).await;
    let (wsol, usdc) = (m.wsol, m.d.usdc);
    let pool = TokenSwapPool::open(&mut m.d.h.bank, (wsol, POOL_WSOL), (usdc, POOL_USDC)).await;
    let (t, keeper, vault) = (m.d.h.treasury, m.d.h.roles.keeper.pubkey(), m.d.h.treasury.vault);

    // Half a wrapped SOL for USDC: the pool pays its constant-product price, above the minimum. It
    // takes one base unit less than offered (its curve rounds), and the minimum follows what it took.
    let (taken, expected) = token_swap::quote(POOL_WSOL, POOL_USDC, SOL / 2);
    assert_eq!(taken, SOL / 2 - 1);
    let (accounts, data) = pool.swap(vault, wsol, m.vault_wsol, m.vault_usdc, SOL / 2, 0);
    let ix =
        sdk::swap(&t, keeper, m.sell_wsol(), m.buy_usdc(), token_swap::PROGRAM, accounts, SOL / 2, data, decision(1));
    let swapped = m.d.h.as_keeper(ix).await.expect("sold through SPL Token Swap").one::<Swapped>();
    assert_eq!((swapped.amount_in, swapped.spent, swapped.received), (SOL / 2, taken, expected));
    assert_eq!(swapped.minimum_out, 74_249_999);
    assert_eq!(tokens::token_balance(&mut m.d.h.bank, m.vault_usdc).await, 10_000 * USDC + expected);

    // And back: 50 USDC for wrapped SOL (at $150, 0.3333 less 1%).
    let reserve_usdc = tokens::token_balance(&mut m.d.h.bank, pool.token_b).await;
    let reserve_wsol = tokens::token_balance(&mut m.d.h.bank, pool.token_a).await;
    let (taken_back, back) = token_swap::quote(reserve_usdc, reserve_wsol, 50 * USDC);
    let (accounts, data) = pool.swap(vault, usdc, m.vault_usdc, m.vault_wsol, 50 * USDC, 0);
    let ix =
        sdk::swap(&t, keeper, m.buy_usdc(), m.sell_wsol(), token_swap::PROGRAM, accounts, 50 * USDC, data, decision(2));
    let swapped = m.d.h.as_keeper(ix).await.expect("bought back").one::<Swapped>();
    assert_eq!((swapped.asset_in, swapped.spent, swapped.received), (usdc, taken_back, back));
    let (received, minimum) = (swapped.received, swapped.minimum_out);
    assert!(received >= minimum && minimum >= 329_000_000, "received {received}, minimum {minimum}");
    // The two sides' windows: each counts what was taken of it.
    assert_eq!(m.d.h.policy(usdc).await.window.spent, taken_back);
    assert_eq!(m.d.h.policy(wsol).await.window.spent, taken);
}

#[tokio::test]
async fn a_manipulated_spl_token_swap_pool_is_refused_whatever_minimum_the_caller_gave_the_pool() {
    let mut m = Market::new(None).await;
    m.allow(token_swap::PROGRAM, Some(100)).await;
    // Someone skewed the pool to $140 a SOL; the caller asks the pool itself for no minimum at all.
    let pool = TokenSwapPool::open(&mut m.d.h.bank, (m.wsol, POOL_WSOL), (m.d.usdc, 140_000 * USDC)).await;
    let (t, keeper, vault) = (m.d.h.treasury, m.d.h.roles.keeper.pubkey(), m.d.h.treasury.vault);
    let (accounts, data) = pool.swap(vault, m.wsol, m.vault_wsol, m.vault_usdc, SOL / 2, 0);
    let ix =
        sdk::swap(&t, keeper, m.sell_wsol(), m.buy_usdc(), token_swap::PROGRAM, accounts, SOL / 2, data, decision(1));
    let before = m.vault_state().await;
    assert_program_error(m.d.h.as_keeper(ix).await, CovenantError::SwapOutputBelowMinimum);
    assert_eq!(m.vault_state().await, before);
    assert_eq!(tokens::token_balance(&mut m.d.h.bank, pool.token_a).await, POOL_WSOL, "the pool is untouched");
}
