//! Swaps the keeper makes when an agent (MCP `request_swap`) or the operator (`covenant-keeper swap`)
//! asks: through an SPL Token Swap pool the treasury allowlisted, planned with the program's own
//! functions (the native policy, the USD caps, the price checks, the oracle minimum) so that what
//! the chain would refuse is refused here by the same name, and sent with its exactly-once marker.

use anchor_lang::prelude::Pubkey;
use covenant::errors::CovenantError;
use covenant::policy::{enforce_keeper_spend, swap_minimum_out, CheckedPrice};
use covenant::sdk::{self, SwapSide, TokenMint};
use covenant::state::DecisionRecord;
use serde::Serialize;
use sha2::{Digest, Sha256};
use solana_instruction::Instruction;
use spl_token_swap::curve::base::SwapCurve;
use spl_token_swap::curve::calculator::TradeDirection;
use spl_token_swap::curve::fees::Fees;
use spl_token_swap::state::SwapVersion;

use crate::chain::Chain;
use crate::observe::Snapshot;

/// Compute units a swap transaction asks for: Covenant's checks plus the pool's swap and its two
/// token transfers (`docs/compute-budget.md`), with room to spare.
pub const SWAP_COMPUTE_UNITS: u32 = 300_000;

/// What was asked: sell `amount` (base units) of `sell` for `buy` through `pool`.
#[derive(Clone, Debug, Serialize)]
pub struct SwapOrder {
    pub sell: Pubkey,
    pub buy: Pubkey,
    pub amount: u64,
    pub pool: Pubkey,
}

/// Why a swap is not made: the program's error name where the program would refuse it too.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Refusal {
    pub code: String,
    pub detail: String,
}

impl Refusal {
    fn program(error: CovenantError) -> Self {
        Self { code: format!("{error:?}"), detail: error.to_string() }
    }

    fn other(code: &str, detail: String) -> Self {
        Self { code: code.into(), detail }
    }
}

impl From<CovenantError> for Refusal {
    fn from(error: CovenantError) -> Self {
        Self::program(error)
    }
}

/// An SPL Token Swap pool as read from the chain.
pub struct Pool {
    pub address: Pubkey,
    pub program: Pubkey,
    pub authority: Pubkey,
    pub token_program: Pubkey,
    pub reserve_accounts: (Pubkey, Pubkey),
    pub mints: (Pubkey, Pubkey),
    pub reserves: (u64, u64),
    pub pool_mint: Pubkey,
    pub fee_account: Pubkey,
    curve: SwapCurve,
    fees: Fees,
}

impl Pool {
    pub async fn read(chain: &dyn Chain, address: Pubkey) -> Result<Self, Refusal> {
        let unavailable = |error: crate::chain::ChainError| Refusal::other("ClusterUnavailable", error.to_string());
        let accounts = chain.accounts(&[address]).await.map_err(unavailable)?;
        let account = accounts.into_iter().next().flatten();
        let not_a_pool = || Refusal::other("UnknownPool", format!("{address} is not an SPL Token Swap pool"));
        let account = account.filter(|account| account.owner == spl_token_swap::ID).ok_or_else(not_a_pool)?;
        // The pool's state is read whole before the next await (its curve is not `Send`).
        let (authority, token_program, reserve_accounts, mints, pool_mint, fee_account, curve, fees) = {
            let state = SwapVersion::unpack(&account.data).map_err(|_| not_a_pool())?;
            if !state.is_initialized() {
                return Err(not_a_pool());
            }
            let seeds: &[&[u8]] = &[&address.to_bytes(), &[state.bump_seed()]];
            let authority = Pubkey::create_program_address(seeds, &spl_token_swap::ID).map_err(|_| not_a_pool())?;
            let curve = state.swap_curve();
            (
                authority,
                *state.token_program_id(),
                (*state.token_a_account(), *state.token_b_account()),
                (*state.token_a_mint(), *state.token_b_mint()),
                *state.pool_mint(),
                *state.pool_fee_account(),
                SwapCurve { curve_type: curve.curve_type, calculator: curve.calculator.clone() },
                state.fees().clone(),
            )
        };
        let read = chain.accounts(&[reserve_accounts.0, reserve_accounts.1]).await.map_err(unavailable)?;
        let amount = |account: Option<&solana_account::Account>| {
            account
                .and_then(|account| account.data.get(64..72))
                .map_or(0, |bytes| u64::from_le_bytes(bytes.try_into().unwrap_or_default()))
        };
        Ok(Self {
            address,
            program: spl_token_swap::ID,
            authority,
            token_program,
            reserve_accounts,
            mints,
            reserves: (amount(read.first().and_then(Option::as_ref)), amount(read.get(1).and_then(Option::as_ref))),
            pool_mint,
            fee_account,
            curve,
            fees,
        })
    }

    /// (what it would take, what it would pay) for `amount` of `sell`, by the pool's own curve.
    fn quote(&self, sell: &Pubkey, amount: u64) -> Option<(u64, u64)> {
        let (reserve_in, reserve_out, direction) = if *sell == self.mints.0 {
            (self.reserves.0, self.reserves.1, TradeDirection::AtoB)
        } else {
            (self.reserves.1, self.reserves.0, TradeDirection::BtoA)
        };
        let result = self.curve.swap(
            u128::from(amount),
            u128::from(reserve_in),
            u128::from(reserve_out),
            direction,
            &self.fees,
        )?;
        Some((
            u64::try_from(result.source_amount_swapped).ok()?,
            u64::try_from(result.destination_amount_swapped).ok()?,
        ))
    }
}

/// What the keeper will send and why it expects it to pass.
#[derive(Clone, Debug, Serialize)]
pub struct SwapPlan {
    pub order: SwapOrder,
    /// What the pool says it would take and pay now.
    pub expected_spent: u64,
    pub expected_out: u64,
    /// The least the program will accept (the oracle value less the venue's slippage).
    pub minimum_out: u64,
    pub max_slippage_bps: u16,
    pub price_in: CheckedPrice,
    pub price_out: CheckedPrice,
}

/// Every check the program will make, in its order, against `snapshot` and the pool as it is.
pub fn plan(snapshot: &Snapshot, pool: &Pool, order: &SwapOrder) -> Result<SwapPlan, Refusal> {
    if snapshot.treasury.paused {
        return Err(CovenantError::TreasuryPaused.into());
    }
    if order.amount == 0 || order.sell == order.buy {
        return Err(CovenantError::InvalidSwap.into());
    }
    let slippage = snapshot.usd_policy.as_ref().and_then(|usd| usd.venue_slippage(&pool.program));
    let max_slippage_bps = slippage.ok_or(CovenantError::SwapProgramNotAllowed)?;
    let pair = [pool.mints.0, pool.mints.1];
    if !pair.contains(&order.sell) || !pair.contains(&order.buy) {
        return Err(Refusal::other("PoolMismatch", format!("pool {} does not trade that pair", pool.address)));
    }
    let policy_of = |asset: &Pubkey| {
        snapshot.policies.get(asset).cloned().ok_or_else(|| {
            Refusal::other(
                "NoPolicy",
                format!("the treasury has no spend policy for {}", crate::decide::asset_name(asset)),
            )
        })
    };
    let (policy_in, policy_out) = (policy_of(&order.sell)?, policy_of(&order.buy)?);
    let price = |asset| crate::dollars::checked_price(snapshot, asset);
    let (price_in, price_out) = (price(&order.sell)?, price(&order.buy)?);
    enforce_keeper_spend(&policy_in.limits, policy_in.window, order.amount, snapshot.now)?;
    crate::dollars::charge(snapshot, &order.sell, order.amount)?;
    if order.amount > snapshot.token_balances.get(&order.sell).copied().unwrap_or(0) {
        return Err(CovenantError::InsufficientFunds.into());
    }
    let (expected_spent, expected_out) = pool
        .quote(&order.sell, order.amount)
        .ok_or_else(|| Refusal::other("PoolCannotQuote", format!("pool {} cannot price that amount", pool.address)))?;
    let minimum_out = swap_minimum_out(
        expected_spent,
        policy_in.decimals,
        &price_in,
        policy_out.decimals,
        &price_out,
        max_slippage_bps,
    )?;
    if expected_out < minimum_out {
        return Err(Refusal {
            code: "SwapOutputBelowMinimum".into(),
            detail: format!("the pool pays {expected_out}, below the oracle minimum {minimum_out}"),
        });
    }
    Ok(SwapPlan {
        order: order.clone(),
        expected_spent,
        expected_out,
        minimum_out,
        max_slippage_bps,
        price_in,
        price_out,
    })
}

/// The decision record of a swap: no model scores swaps (the rules decide), so the model hash is
/// zero and the decision hash covers the order, the pool's quote, the minimum and the prices.
pub fn decision(plan: &SwapPlan, request_key: &str) -> DecisionRecord {
    let body = serde_json::json!({"kind": "swap", "request": request_key, "plan": plan});
    DecisionRecord { model_hash: [0; 32], decision_hash: Sha256::digest(body.to_string().as_bytes()).into() }
}

/// The transaction's instructions: compute budget, the exactly-once marker of `request_key`, and
/// Covenant's `swap` carrying the pool's own swap instruction (its minimum set to the oracle one,
/// so the pool refuses too).
pub fn instructions(
    snapshot: &Snapshot,
    pool: &Pool,
    plan: &SwapPlan,
    keeper: &Pubkey,
    request_key: &str,
    decision: DecisionRecord,
) -> Result<Vec<Instruction>, Refusal> {
    let t = &snapshot.addresses;
    let side = |asset: &Pubkey| -> Result<SwapSide, Refusal> {
        let token = snapshot
            .token_of(asset)
            .ok_or_else(|| Refusal::other("NoPolicy", format!("unknown token program for {asset}")))?;
        let feed =
            snapshot.usd_policy.as_ref().and_then(|usd| usd.feed_of(asset)).ok_or(CovenantError::PriceFeedNotSet)?;
        Ok(SwapSide { token, price_update: sdk::price_feed_account(&feed.feed_id) })
    };
    let (sell, buy) = (side(&plan.order.sell)?, side(&plan.order.buy)?);
    let account = |token: &TokenMint| token.account_of(&t.vault);
    let (swap_source, swap_destination) = if plan.order.sell == pool.mints.0 {
        (pool.reserve_accounts.0, pool.reserve_accounts.1)
    } else {
        (pool.reserve_accounts.1, pool.reserve_accounts.0)
    };
    let venue = spl_token_swap::instruction::swap(
        &pool.program,
        &pool.token_program,
        &pool.address,
        &pool.authority,
        &t.vault,
        &account(&sell.token),
        &swap_source,
        &swap_destination,
        &account(&buy.token),
        &pool.pool_mint,
        &pool.fee_account,
        None,
        spl_token_swap::instruction::Swap { amount_in: plan.order.amount, minimum_amount_out: plan.minimum_out },
    )
    .map_err(|error| Refusal::other("PoolMismatch", error.to_string()))?;
    let swap = sdk::swap(t, *keeper, sell, buy, pool.program, venue.accounts, plan.order.amount, venue.data, decision);
    let mut ixs = crate::exactly_once::marked(request_key, t, keeper, vec![swap]);
    ixs.insert(
        0,
        solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(SWAP_COMPUTE_UNITS),
    );
    Ok(ixs)
}
