use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use proptest::prelude::*;

use super::*;
use crate::errors::CovenantError;

mod config;
mod disputes;
mod price;

const DAY: u32 = 86_400;

fn limits(per_tx_max: u64, period_cap: u64) -> PolicyLimits {
    PolicyLimits {
        per_tx_max,
        period_seconds: DAY,
        period_cap,
        cosign_threshold: None,
        timelock_seconds: 0,
        allowlist_required: false,
    }
}

#[test]
fn validate_limits_accepts_consistent_and_refuses_each_inconsistency() {
    assert_eq!(validate_limits(&limits(10, 100)), Ok(()));
    let bad = [
        PolicyLimits { per_tx_max: 0, ..limits(10, 100) },
        limits(101, 100),
        PolicyLimits { period_seconds: 0, ..limits(10, 100) },
        PolicyLimits { period_seconds: crate::constants::MAX_PERIOD_SECONDS + 1, ..limits(10, 100) },
        PolicyLimits { cosign_threshold: Some(11), ..limits(10, 100) },
        PolicyLimits { timelock_seconds: crate::constants::MAX_TIMELOCK_SECONDS + 1, ..limits(10, 100) },
    ];
    for limits in bad {
        assert_eq!(validate_limits(&limits), Err(CovenantError::InvalidPolicyLimits), "{limits:?}");
    }
}

#[test]
fn window_advances_by_whole_periods_from_its_anchor() {
    let window = SpendWindow { start: 1_000, spent: 7 };
    let period = DAY as i64;
    assert_eq!(roll_window(window, DAY, 1_000 + period - 1), Ok(window));
    let late = roll_window(window, DAY, 1_000 + 3 * period + 12_345).unwrap();
    assert_eq!(late, SpendWindow { start: 1_000 + 3 * period, spent: 0 });
    assert_eq!(window_resets_at(window, DAY, 1_000 + 3 * period + 5), Ok(1_000 + 4 * period));
}

#[test]
fn window_ignores_a_clock_that_steps_back() {
    let window = SpendWindow { start: 50_000, spent: 9 };
    assert_eq!(roll_window(window, DAY, 49_000), Ok(window));
}

#[test]
fn window_far_in_the_future_fails_cleanly_instead_of_wrapping() {
    let window = SpendWindow { start: i64::MIN, spent: 0 };
    // elapsed saturates at i64::MAX; start + whole periods still fits, so this must not panic.
    assert!(roll_window(window, 1, i64::MAX).is_ok());
    assert_eq!(
        window_resets_at(SpendWindow { start: i64::MAX - 5, spent: 0 }, DAY, i64::MAX),
        Err(CovenantError::MathOverflow)
    );
}

#[test]
fn enforce_spend_refuses_zero_over_max_and_over_cap() {
    let limits = limits(10, 25);
    let window = SpendWindow::anchored_at(0);
    assert_eq!(enforce_spend(&limits, window, 0, 1), Err(CovenantError::ZeroAmount));
    assert_eq!(enforce_spend(&limits, window, 11, 1), Err(CovenantError::ExceedsPerTxMax));
    let w = enforce_spend(&limits, window, 10, 1).unwrap();
    let w = enforce_spend(&limits, w, 10, 2).unwrap();
    assert_eq!(enforce_spend(&limits, w, 6, 3), Err(CovenantError::ExceedsPeriodCap));
    let w = enforce_spend(&limits, w, 5, 3).unwrap();
    assert_eq!(w.spent, 25);
    // The next window starts fresh.
    let w = enforce_spend(&limits, w, 10, DAY as i64).unwrap();
    assert_eq!(w, SpendWindow { start: DAY as i64, spent: 10 });
}

#[test]
fn enforce_spend_near_u64_max_fails_cleanly() {
    let limits = limits(u64::MAX, u64::MAX);
    let window = SpendWindow { start: 0, spent: u64::MAX - 1 };
    assert_eq!(enforce_spend(&limits, window, 2, 1), Err(CovenantError::MathOverflow));
    assert_eq!(enforce_spend(&limits, window, 1, 1).map(|w| w.spent), Ok(u64::MAX));
}

#[test]
fn keeper_spend_above_threshold_needs_a_cosigner() {
    let limits = PolicyLimits { cosign_threshold: Some(5), ..limits(10, 100) };
    let window = SpendWindow::anchored_at(0);
    assert!(requires_cosign(&limits, 6));
    assert!(!requires_cosign(&limits, 5));
    assert_eq!(enforce_keeper_spend(&limits, window, 6, 1), Err(CovenantError::CosignRequired));
    assert!(enforce_keeper_spend(&limits, window, 5, 1).is_ok());
    // The co-signed path ignores the threshold but not the per-tx max.
    assert!(enforce_spend(&limits, window, 6, 1).is_ok());
}

#[test]
fn keeper_headroom_is_the_smallest_of_threshold_max_and_window_rest() {
    let limits = PolicyLimits { cosign_threshold: Some(8), ..limits(10, 20) };
    assert_eq!(keeper_headroom(&limits, SpendWindow { start: 0, spent: 0 }, 1), Ok(8));
    assert_eq!(keeper_headroom(&limits, SpendWindow { start: 0, spent: 15 }, 1), Ok(5));
    assert_eq!(keeper_headroom(&limits, SpendWindow { start: 0, spent: 20 }, DAY as i64), Ok(8));
}

#[test]
fn payee_rules_expiry_asset_and_budget() {
    let usdc = Pubkey::new_unique();
    let terms =
        PayeeTerms { budget: Some(PayeeBudget { asset: usdc, amount: 100 }), spent: 90, expires_at: Some(1_000) };
    assert_eq!(enforce_payee(&terms, &usdc, 10, 999).map(|t| t.spent), Ok(100));
    assert_eq!(enforce_payee(&terms, &usdc, 11, 999), Err(CovenantError::PayeeBudgetExceeded));
    assert_eq!(enforce_payee(&terms, &usdc, 1, 1_000), Err(CovenantError::PayeeExpired));
    assert_eq!(enforce_payee(&terms, &crate::constants::SOL_ASSET, 1, 5), Err(CovenantError::PayeeAssetMismatch));
    assert_eq!(payee_headroom(&terms, &usdc, 5), Ok(10));
    let unbudgeted = PayeeTerms { budget: None, spent: 0, expires_at: None };
    assert_eq!(enforce_payee(&unbudgeted, &usdc, u64::MAX, i64::MAX), Ok(unbudgeted));
    let full =
        PayeeTerms { spent: u64::MAX, budget: Some(PayeeBudget { asset: usdc, amount: u64::MAX }), expires_at: None };
    assert_eq!(enforce_payee(&full, &usdc, 1, 0), Err(CovenantError::MathOverflow));
}

#[derive(Debug, Clone)]
struct Step {
    advance: u32,
    amount: u64,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step =
        (prop_oneof![Just(0u32), 0u32..600, 0u32..(3 * DAY)], prop_oneof![0u64..40, Just(u64::MAX), any::<u64>()])
            .prop_map(|(advance, amount)| Step { advance, amount });
    prop::collection::vec(step, 1..200)
}

proptest! {
    /// Random spends and time jumps against a reference model that knows each spend's window only
    /// from the anchor: outcomes agree, no window's sum passes its cap, no spend passes the per-tx
    /// max, and the window start is always anchor + k * period.
    #[test]
    fn spends_never_exceed_caps_and_windows_never_drift(
        anchor in -1_000_000i64..1_000_000,
        per_tx_max in 1u64..30,
        extra_cap in 0u64..60,
        period_seconds in prop_oneof![Just(1u32), 1u32..100, Just(DAY)],
        steps in steps(),
    ) {
        let limits = PolicyLimits {
            per_tx_max,
            period_seconds,
            period_cap: per_tx_max + extra_cap,
            cosign_threshold: None,
            timelock_seconds: 0,
            allowlist_required: false,
        };
        let period = i64::from(period_seconds);
        let mut window = SpendWindow::anchored_at(anchor);
        let mut now = anchor;
        let mut reference: HashMap<i64, u64> = HashMap::new();
        for step in steps {
            now += i64::from(step.advance);
            let index = (now - anchor).div_euclid(period);
            let used = reference.get(&index).copied().unwrap_or(0);
            let should_pass = step.amount > 0
                && step.amount <= limits.per_tx_max
                && used + step.amount <= limits.period_cap;
            match enforce_spend(&limits, window, step.amount, now) {
                Ok(next) => {
                    prop_assert!(should_pass, "accepted {step:?} with {used} used");
                    prop_assert_eq!(next.start, anchor + index * period);
                    prop_assert!(next.spent <= limits.period_cap);
                    *reference.entry(index).or_default() += step.amount;
                    prop_assert_eq!(next.spent, reference[&index]);
                    window = next;
                }
                Err(_) => prop_assert!(!should_pass, "refused {step:?} with {used} used"),
            }
        }
        for total in reference.values() {
            prop_assert!(*total <= limits.period_cap);
        }
    }

    /// Payments to a budgeted payee never sum past its budget.
    #[test]
    fn payee_payments_never_exceed_budget(budget in 0u64..1_000, amounts in prop::collection::vec(0u64..300, 1..50)) {
        let asset = Pubkey::new_unique();
        let mut terms = PayeeTerms { budget: Some(PayeeBudget { asset, amount: budget }), spent: 0, expires_at: None };
        let mut paid = 0u64;
        for amount in amounts {
            if let Ok(next) = enforce_payee(&terms, &asset, amount, 0) {
                paid += amount;
                terms = next;
            }
            prop_assert!(paid <= budget);
            prop_assert_eq!(terms.spent, paid);
        }
    }
}

#[test]
fn pending_spend_matures_after_its_timelock_and_expires_after_the_grace_period() {
    use crate::constants::PENDING_GRACE_SECONDS;
    let (executable_at, expires_at) = pending_schedule(1_000, 3_600).unwrap();
    assert_eq!((executable_at, expires_at), (4_600, 4_600 + PENDING_GRACE_SECONDS));
    let proposed = PendingStatus::Proposed;
    assert_eq!(check_executable(proposed, executable_at, expires_at, 4_599), Err(CovenantError::TimelockActive));
    assert_eq!(check_executable(proposed, executable_at, expires_at, 4_600), Ok(()));
    assert_eq!(check_executable(PendingStatus::Approved, executable_at, expires_at, 1_001), Ok(()));
    assert_eq!(
        check_executable(proposed, executable_at, expires_at, expires_at),
        Err(CovenantError::PendingSpendExpired)
    );
    for settled in [PendingStatus::Executed, PendingStatus::Cancelled] {
        assert_eq!(
            check_executable(settled, executable_at, expires_at, 5_000),
            Err(CovenantError::PendingSpendNotActive)
        );
        assert!(is_closable(settled, expires_at, 0));
    }
    assert!(!is_closable(proposed, expires_at, expires_at - 1));
    assert!(is_closable(proposed, expires_at, expires_at));
    assert_eq!(pending_schedule(i64::MAX, 1), Err(CovenantError::MathOverflow));
}

#[test]
fn mint_terms_and_mint_errors() {
    let limits = MintLimits { period_seconds: DAY, period_cap: 100, allowlist_required: false };
    assert_eq!(validate_mint_terms(1_000, &limits), Ok(()));
    assert_eq!(validate_mint_terms(99, &limits), Err(CovenantError::InvalidMintLimits));
    assert_eq!(validate_mint_terms(0, &limits), Err(CovenantError::InvalidMintLimits));
    let window = SpendWindow::anchored_at(0);
    assert_eq!(enforce_mint(&limits, window, 0, 1_000, 0, 0), Err(CovenantError::ZeroAmount));
    assert_eq!(enforce_mint(&limits, window, 950, 1_000, 51, 0), Err(CovenantError::SupplyCapExceeded));
    assert_eq!(enforce_mint(&limits, window, 0, 1_000, 101, 0), Err(CovenantError::MintPeriodCapExceeded));
    assert_eq!(enforce_mint(&limits, window, 1, u64::MAX, u64::MAX, 0), Err(CovenantError::MathOverflow));
    assert_eq!(mint_headroom(&limits, window, 950, 1_000, 0), Ok(50));
    assert_eq!(mint_headroom(&limits, SpendWindow { start: 0, spent: 80 }, 0, 1_000, 0), Ok(20));
    assert_eq!(mint_headroom(&limits, SpendWindow { start: 0, spent: 80 }, 0, 1_000, i64::from(DAY)), Ok(100));
}

proptest! {
    /// Rule 5: whatever the keeper asks and whenever, everything minted stays within the hard cap,
    /// each window within its mint cap, and the headroom the keeper computes is always accepted.
    #[test]
    fn mints_never_exceed_the_supply_cap_or_a_windows_cap(
        supply_cap in 1u64..500,
        period_cap_percent in 1u64..=100,
        initial in 0u64..500,
        steps in steps(),
    ) {
        let period_cap = (supply_cap * period_cap_percent / 100).max(1);
        let limits = MintLimits { period_seconds: DAY, period_cap, allowlist_required: false };
        let mut window = SpendWindow::anchored_at(0);
        let mut total = initial.min(supply_cap);
        let mut now = 0i64;
        let mut per_window: HashMap<i64, u64> = HashMap::new();
        for step in steps {
            now += i64::from(step.advance);
            let headroom = mint_headroom(&limits, window, total, supply_cap, now).unwrap();
            if headroom > 0 {
                prop_assert!(enforce_mint(&limits, window, total, supply_cap, headroom, now).is_ok());
            }
            if let Ok(recorded) = enforce_mint(&limits, window, total, supply_cap, step.amount, now) {
                prop_assert!(step.amount <= headroom);
                *per_window.entry(recorded.window.start).or_default() += step.amount;
                window = recorded.window;
                total = recorded.total_minted;
            }
            prop_assert!(total <= supply_cap);
        }
        prop_assert!(per_window.values().all(|minted| *minted <= period_cap));
    }
}

#[test]
fn bounty_terms_claims_approvals_and_closing() {
    assert_eq!(bounty_funding(10, 3, 100, 0), Ok(30));
    assert_eq!(bounty_funding(0, 3, 100, 0), Err(CovenantError::InvalidBountyTerms));
    assert_eq!(bounty_funding(10, 3, 0, 0), Err(CovenantError::InvalidBountyTerms));
    assert_eq!(bounty_funding(u64::MAX, 2, 100, 0), Err(CovenantError::MathOverflow));
    assert_eq!(check_claimable(100, 0, 1, 99), Ok(()));
    assert_eq!(check_claimable(100, 0, 1, 100), Err(CovenantError::BountyDeadlinePassed));
    assert_eq!(check_claimable(100, 1, 1, 0), Err(CovenantError::BountyFull));
    assert_eq!(check_approval(ClaimStatus::Pending, 0, 2, 20, 10), Ok(10));
    assert_eq!(check_approval(ClaimStatus::Approved, 0, 2, 20, 10), Err(CovenantError::ClaimNotPending));
    assert_eq!(check_approval(ClaimStatus::Pending, 2, 2, 20, 10), Err(CovenantError::BountyFull));
    assert_eq!(check_approval(ClaimStatus::Pending, 0, 2, 5, 10), Err(CovenantError::InsufficientFunds));
    let review = crate::constants::BOUNTY_REVIEW_SECONDS;
    assert_eq!(check_bounty_closable(100, 0, 2, 99, true), Err(CovenantError::BountyStillOpen));
    assert_eq!(check_bounty_closable(100, 0, 2, 100, true), Ok(()));
    assert_eq!(check_bounty_closable(100, 0, 2, 100 + review - 1, false), Err(CovenantError::BountyStillOpen));
    assert_eq!(check_bounty_closable(100, 0, 2, 100 + review, false), Ok(()));
    assert_eq!(check_bounty_closable(100, 2, 2, 0, false), Ok(()));
    assert_eq!(check_bounty_closable(i64::MAX, 0, 2, i64::MAX, false), Err(CovenantError::BountyStillOpen));
}

proptest! {
    /// Rule 7: approving any sequence of claims (some approved twice) pays each at most once, never
    /// more than max_claims, and never more than the escrow was funded with.
    #[test]
    fn a_bounty_never_pays_a_claim_twice_or_more_than_it_holds(
        reward in 1u64..1_000,
        max_claims in 1u32..20,
        approvals in prop::collection::vec(0usize..30, 0..80),
    ) {
        let funded = bounty_funding(reward, max_claims, 1, 0).unwrap();
        let mut statuses = [ClaimStatus::Pending; 30];
        let (mut paid, mut approved) = (0u64, 0u32);
        for claim in approvals {
            if let Ok(left) = check_approval(statuses[claim], approved, max_claims, funded - paid, reward) {
                statuses[claim] = ClaimStatus::Approved;
                paid += reward;
                approved += 1;
                prop_assert_eq!(left, funded - paid);
            }
            prop_assert!(paid <= funded && approved <= max_claims);
        }
        let paid_claims = statuses.iter().filter(|status| **status == ClaimStatus::Approved).count();
        prop_assert_eq!(paid_claims as u64 * reward, paid);
    }
}

#[test]
fn grant_schedules_validate_and_vest() {
    let tranches = |parts: &[(i64, u16)]| ReleaseSchedule::Tranches {
        tranches: parts.iter().map(|&(at, bps)| Tranche { at, bps }).collect(),
    };
    assert_eq!(validate_schedule(&ReleaseSchedule::Immediate), Ok(()));
    assert_eq!(
        validate_schedule(&ReleaseSchedule::Linear { start: 5, end: 5 }),
        Err(CovenantError::InvalidGrantSchedule)
    );
    assert_eq!(validate_schedule(&tranches(&[(1, 5_000), (2, 5_000)])), Ok(()));
    assert_eq!(validate_schedule(&tranches(&[(2, 5_000), (1, 5_000)])), Err(CovenantError::InvalidGrantSchedule));
    let linear = ReleaseSchedule::Linear { start: 0, end: 3 };
    assert_eq!((vested(&linear, 10, 0), vested(&linear, 10, 1), vested(&linear, 10, 3)), (Ok(0), Ok(3), Ok(10)));
    assert_eq!(
        vested(&linear, u64::MAX, 2),
        Ok((u128::from(u64::MAX) * 2 / 3) as u64),
        "no overflow in the middle of a big grant"
    );
    let ledger = GrantLedger { funded: 10, released: 4, spent: 3, clawed_back: 0 };
    assert_eq!(ledger.available(&ReleaseSchedule::Immediate, 0), Ok(3));
    assert_eq!(ledger.remaining(), Ok(3));
}

fn schedule() -> impl Strategy<Value = ReleaseSchedule> {
    let linear = (-1_000i64..1_000, 1i64..5_000)
        .prop_map(|(start, length)| ReleaseSchedule::Linear { start, end: start + length });
    let tranches = prop::collection::vec((1i64..2_000, 1u16..100), 1..=8).prop_map(|parts| {
        // Strictly increasing times; shares scaled to sum to exactly 10,000 bps.
        let weight: u64 = parts.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut at = -500i64;
        let mut given = 0u64;
        let count = parts.len();
        let tranches = parts
            .iter()
            .enumerate()
            .map(|(i, (gap, w))| {
                at += gap;
                let bps = if i + 1 == count { 10_000 - given } else { (u64::from(*w) * 10_000 / weight).max(1) };
                given += bps;
                Tranche { at, bps: bps as u16 }
            })
            .collect();
        ReleaseSchedule::Tranches { tranches }
    });
    prop_oneof![Just(ReleaseSchedule::Immediate), linear, tranches]
}

proptest! {
    /// Rule 6: for random schedules, amounts and crank times, released <= vested <= funded always,
    /// everything is released by the end, and many small releases equal one late one.
    #[test]
    fn grant_releases_never_exceed_vested_or_funded(
        schedule in schedule(),
        funded in 1u64..=u64::MAX,
        cranks in prop::collection::vec(0i64..300, 1..60),
    ) {
        prop_assume!(validate_schedule(&schedule).is_ok());
        let mut ledger = GrantLedger { funded, ..GrantLedger::default() };
        let mut now = -1_000i64;
        let mut last_vested = 0;
        for step in cranks {
            now += step;
            let vested_now = vested(&schedule, funded, now).unwrap();
            prop_assert!(vested_now >= last_vested, "vesting never goes backwards");
            last_vested = vested_now;
            ledger.released += ledger.available(&schedule, now).unwrap();
            prop_assert!(ledger.released <= vested_now && vested_now <= funded);
            prop_assert_eq!(ledger.released, vested_now, "small releases add up to what has vested");
        }
        let end = 1_000_000;
        ledger.released += ledger.available(&schedule, end).unwrap();
        prop_assert_eq!(ledger.released, funded, "all of it by the end");
        prop_assert_eq!(ledger.remaining(), Ok(0));
    }
}
