//! The loosening/tightening line: a change classified as not loosening never lets through what
//! the old rules refused.

use anchor_lang::prelude::Pubkey;
use proptest::prelude::*;

use super::super::*;

const DAY: u32 = 86_400;

fn arb_limits() -> impl Strategy<Value = PolicyLimits> {
    (1u64..1_000, 0u64..1_000, proptest::option::of(0u64..1_000), 0u32..7_200, any::<bool>()).prop_map(
        |(per_tx_max, extra_cap, threshold, timelock_seconds, allowlist_required)| PolicyLimits {
            per_tx_max,
            period_seconds: DAY,
            period_cap: per_tx_max + extra_cap,
            cosign_threshold: threshold.map(|t| t.min(per_tx_max)),
            timelock_seconds,
            allowlist_required,
        },
    )
}

proptest! {
    #[test]
    fn a_non_loosening_policy_change_never_admits_a_spend_the_old_limits_refused(
        old in arb_limits(),
        new in arb_limits(),
        spent in 0u64..2_000,
        amount in 1u64..2_000,
    ) {
        let window = SpendWindow { start: 0, spent };
        let admits = |limits: &PolicyLimits| enforce_keeper_spend(limits, window, amount, 10).is_ok();
        if admits(&new) && !admits(&old) {
            prop_assert!(limits_loosen(&old, &new), "{old:?} -> {new:?} admits {amount} after {spent}");
        }
        // Pending spends: a higher per-tx max or a shorter timelock must count as loosening too.
        if new.per_tx_max > old.per_tx_max || new.timelock_seconds < old.timelock_seconds {
            prop_assert!(limits_loosen(&old, &new));
        }
        prop_assert!(!limits_loosen(&old, &old));
    }
}

#[test]
fn each_limit_field_loosens_in_one_direction_only() {
    let base = PolicyLimits {
        per_tx_max: 100,
        period_seconds: DAY,
        period_cap: 200,
        cosign_threshold: Some(50),
        timelock_seconds: 600,
        allowlist_required: true,
    };
    let cases: [(PolicyLimits, bool); 11] = [
        (PolicyLimits { per_tx_max: 150, ..base }, true),
        (PolicyLimits { per_tx_max: 80, ..base }, false),
        (PolicyLimits { period_cap: 300, ..base }, true),
        (PolicyLimits { period_cap: 150, ..base }, false),
        (PolicyLimits { period_seconds: DAY / 2, ..base }, true),
        (PolicyLimits { period_seconds: DAY * 2, ..base }, false),
        (PolicyLimits { cosign_threshold: Some(60), ..base }, true),
        (PolicyLimits { cosign_threshold: None, ..base }, true),
        (PolicyLimits { timelock_seconds: 60, ..base }, true),
        (PolicyLimits { allowlist_required: false, ..base }, true),
        (PolicyLimits { cosign_threshold: Some(10), timelock_seconds: 900, ..base }, false),
    ];
    for (new, loosens) in cases {
        assert_eq!(limits_loosen(&base, &new), loosens, "{new:?}");
    }
    // A threshold at the per-tx max is no threshold at all: removing it changes nothing.
    let at_max = PolicyLimits { cosign_threshold: Some(100), ..base };
    assert!(!limits_loosen(&at_max, &PolicyLimits { cosign_threshold: None, ..at_max }));
}

#[test]
fn payee_roles_and_timelock_changes_are_classified() {
    let asset = Pubkey::new_unique();
    let budget = |amount| Some(PayeeBudget { asset, amount });
    let terms = PayeeTerms { budget: budget(100), spent: 10, expires_at: Some(1_000) };
    assert!(payee_terms_loosen(&terms, budget(101), Some(1_000)));
    assert!(payee_terms_loosen(&terms, None, Some(1_000)));
    assert!(payee_terms_loosen(&terms, Some(PayeeBudget { asset: Pubkey::new_unique(), amount: 50 }), Some(1_000)));
    assert!(payee_terms_loosen(&terms, budget(100), Some(1_001)));
    assert!(payee_terms_loosen(&terms, budget(100), None));
    assert!(!payee_terms_loosen(&terms, budget(99), Some(999)));
    let open = PayeeTerms { budget: None, spent: 0, expires_at: None };
    assert!(!payee_terms_loosen(&open, budget(1), Some(5)), "adding limits to an open payee tightens");

    let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
    assert!(keeper_change_loosens(&a, &b) && !keeper_change_loosens(&a, &a));
    assert!(!guardian_change_loosens(None, Some(a)), "adding a guardian tightens");
    assert!(guardian_change_loosens(Some(a), Some(b)) && guardian_change_loosens(Some(a), None));
    assert!(!guardian_change_loosens(Some(a), Some(a)));
    assert!(config_timelock_loosens(100, 99) && !config_timelock_loosens(100, 100) && !config_timelock_loosens(1, 2));
    assert_eq!(validate_config_timelock(crate::constants::MAX_CONFIG_TIMELOCK_SECONDS), Ok(()));
    assert_eq!(
        validate_config_timelock(crate::constants::MAX_CONFIG_TIMELOCK_SECONDS + 1),
        Err(crate::errors::CovenantError::InvalidConfigTimelock)
    );
}

proptest! {
    /// A queued request never runs before its own maturity, nor before today's delay has passed
    /// since it was queued (raising the timelock delays it), and never after its grace period.
    #[test]
    fn a_request_runs_only_between_its_maturity_under_todays_timelock_and_its_expiry(
        queued_at in 0i64..1_000_000,
        queued_timelock in 0u32..=30 * DAY,
        timelock_now in 0u32..=30 * DAY,
        overrides in any::<bool>(),
        offset in 0i64..80 * i64::from(DAY),
    ) {
        let executable_at = queued_at + request_delay(queued_timelock, overrides);
        let now = queued_at + offset;
        let result = check_request_executable(queued_at, executable_at, timelock_now, overrides, now);
        let longest = i64::from(queued_timelock.max(timelock_now))
            + if overrides { crate::constants::GUARDIAN_OVERRIDE_DELAY_SECONDS } else { 0 };
        let matures = queued_at + longest;
        let expected = if now < matures {
            Err(crate::errors::CovenantError::ConfigTimelockActive)
        } else if now >= matures + crate::constants::CONFIG_CHANGE_GRACE_SECONDS {
            Err(crate::errors::CovenantError::ConfigChangeExpired)
        } else {
            Ok(())
        };
        prop_assert_eq!(result, expected);
    }

    /// Within a tenure marks only move forward; a rotated-out tenure's marks never block.
    #[test]
    fn a_marker_blocks_only_its_own_tenures_past(
        last in any::<u64>(),
        marked_tenure in 0u64..4,
        tenure in 0u64..4,
        sequence in 1u64..=u64::MAX,
    ) {
        prop_assume!(marked_tenure <= tenure);
        let accepted = marker_accepts(last, marked_tenure, sequence, tenure);
        prop_assert_eq!(accepted, marked_tenure < tenure || sequence > last);
        prop_assert!(!marker_accepts(last, marked_tenure, 0, tenure), "sequence 0 never");
    }
}

#[test]
fn only_an_escape_from_a_guardian_overrides_it() {
    let guardian = Some(Pubkey::new_unique());
    let other = Some(Pubkey::new_unique());
    assert_eq!(check_guardian_override(&ConfigChange::Unpause, guardian, true), Ok(()));
    assert!(check_guardian_override(&ConfigChange::Unpause, guardian, false).is_err());
    assert!(check_guardian_override(&ConfigChange::Unpause, None, true).is_err());
    assert_eq!(check_guardian_override(&ConfigChange::SetGuardian { guardian: None }, guardian, false), Ok(()));
    assert_eq!(check_guardian_override(&ConfigChange::SetGuardian { guardian: other }, guardian, true), Ok(()));
    assert!(check_guardian_override(&ConfigChange::SetGuardian { guardian }, guardian, true).is_err());
    let keeper = ConfigChange::SetKeeper { keeper: Pubkey::new_unique() };
    assert!(check_guardian_override(&keeper, guardian, true).is_err());
}

#[test]
fn a_pending_spend_runs_only_under_its_policy_and_its_tenure_or_an_approval() {
    use crate::errors::CovenantError::PendingSpendStale;
    assert_eq!(check_pending_current(PendingStatus::Proposed, 1, 2, 1, 2), Ok(()));
    assert_eq!(check_pending_current(PendingStatus::Proposed, 0, 2, 1, 2), Err(PendingSpendStale));
    assert_eq!(check_pending_current(PendingStatus::Approved, 0, 2, 1, 2), Ok(()));
    assert_eq!(check_pending_current(PendingStatus::Approved, 1, 1, 1, 2), Err(PendingSpendStale));
}
