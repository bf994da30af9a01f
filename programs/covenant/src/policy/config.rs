//! Which operator changes loosen a treasury's rules and which tighten them.
//!
//! A change loosens when, after it, the keeper (or whoever holds a key) could do something the
//! chain refused before: spend more, sooner, to more wallets, in more assets, or with fewer people
//! able to stop it. A loosening change waits out the treasury's config timelock in the queue,
//! where the guardian or the operator can cancel it; everything else applies at once. So a stolen
//! operator key buys the thief a public, cancellable wait, never an instant drain.

use anchor_lang::prelude::*;

use super::{PayeeBudget, PayeeTerms, PolicyLimits, PolicyResult, PriceFeed, UsdLimits};
use crate::constants::{
    CONFIG_CHANGE_GRACE_SECONDS, GUARDIAN_OVERRIDE_DELAY_SECONDS, MAX_CATEGORY_LEN, MAX_CONFIG_TIMELOCK_SECONDS,
    MAX_LABEL_LEN,
};
use crate::errors::CovenantError;

/// One operator change as it waits in the queue: exactly the arguments the operator's instruction
/// will be called with when it executes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub enum ConfigChange {
    SetKeeper {
        keeper: Pubkey,
    },
    SetGuardian {
        guardian: Option<Pubkey>,
    },
    SetConfigTimelock {
        seconds: u32,
    },
    Unpause,
    /// `create_sol_policy` (asset and token program `SOL_ASSET`) or `create_token_policy` (the
    /// mint and its token program).
    CreatePolicy {
        asset: Pubkey,
        token_program: Pubkey,
        limits: PolicyLimits,
    },
    UpdatePolicy {
        asset: Pubkey,
        limits: PolicyLimits,
    },
    AddPayee {
        recipient: Pubkey,
        #[max_len(MAX_LABEL_LEN)]
        label: String,
        #[max_len(MAX_CATEGORY_LEN)]
        category: String,
        budget: Option<PayeeBudget>,
        expires_at: Option<i64>,
    },
    UpdatePayee {
        recipient: Pubkey,
        #[max_len(MAX_LABEL_LEN)]
        label: String,
        #[max_len(MAX_CATEGORY_LEN)]
        category: String,
        budget: Option<PayeeBudget>,
        expires_at: Option<i64>,
    },
    /// `set_usd_limits`: the USD caps (`None` removes them).
    SetUsdLimits {
        limits: Option<UsdLimits>,
    },
    /// `set_price_feed`: the Pyth feed that prices `asset` (`None` removes it).
    SetPriceFeed {
        asset: Pubkey,
        feed: Option<PriceFeed>,
    },
    /// `set_swap_venue`: allowlists a swap program with its maximum slippage (`None` removes it).
    SetSwapVenue {
        program: Pubkey,
        max_slippage_bps: Option<u16>,
    },
}

pub fn validate_config_timelock(seconds: u32) -> PolicyResult<()> {
    if seconds <= MAX_CONFIG_TIMELOCK_SECONDS {
        Ok(())
    } else {
        Err(CovenantError::InvalidConfigTimelock)
    }
}

/// The most the keeper may move in one spend without a co-signer.
fn direct_spend_ceiling(limits: &PolicyLimits) -> u64 {
    limits.cosign_threshold.map_or(limits.per_tx_max, |threshold| threshold.min(limits.per_tx_max))
}

/// New limits loosen when any one of them lets more through: a higher per-tx max or period cap, a
/// shorter period (the cap refills sooner), a higher direct-spend ceiling (co-sign threshold), a
/// shorter spend timelock, or the allowlist turned off.
pub fn limits_loosen(old: &PolicyLimits, new: &PolicyLimits) -> bool {
    new.per_tx_max > old.per_tx_max
        || new.period_cap > old.period_cap
        || new.period_seconds < old.period_seconds
        || direct_spend_ceiling(new) > direct_spend_ceiling(old)
        || new.timelock_seconds < old.timelock_seconds
        || (old.allowlist_required && !new.allowlist_required)
}

/// A payee's new budget or expiry loosens when it can receive more, in another asset, or later.
/// Label and category are bookkeeping the chain does not enforce, so they never loosen.
pub fn payee_terms_loosen(old: &PayeeTerms, budget: Option<PayeeBudget>, expires_at: Option<i64>) -> bool {
    let budget_looser = match (old.budget, budget) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(old), Some(new)) => new.asset != old.asset || new.amount > old.amount,
    };
    let expiry_later = match (old.expires_at, expires_at) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(old), Some(new)) => new > old,
    };
    budget_looser || expiry_later
}

/// Any other keeper, and any change to an existing guardian (replacing or removing it), loosens;
/// adding a guardian where there was none tightens.
pub fn keeper_change_loosens(old: &Pubkey, new: &Pubkey) -> bool {
    old != new
}

pub fn guardian_change_loosens(old: Option<Pubkey>, new: Option<Pubkey>) -> bool {
    old.is_some() && old != new
}

pub fn config_timelock_loosens(old: u32, new: u32) -> bool {
    new < old
}

/// How long a request queued now waits: the config timelock, plus a week for a guardian override.
pub fn request_delay(timelock_seconds: u32, overrides_guardian: bool) -> i64 {
    let extra = if overrides_guardian { GUARDIAN_OVERRIDE_DELAY_SECONDS } else { 0 };
    i64::from(timelock_seconds) + extra
}

/// When a queued request may run and when it expires. It matures no sooner than it did when it
/// was queued (`executable_at`), nor before the treasury's current delay has passed since it was
/// queued: raising the timelock delays what is already queued. It stays executable for
/// `CONFIG_CHANGE_GRACE_SECONDS` after maturing; then only cancelling it remains.
pub fn request_window(
    queued_at: i64,
    executable_at: i64,
    timelock_seconds: u32,
    overrides_guardian: bool,
) -> PolicyResult<(i64, i64)> {
    let now_rule = queued_at
        .checked_add(request_delay(timelock_seconds, overrides_guardian))
        .ok_or(CovenantError::MathOverflow)?;
    let matures_at = executable_at.max(now_rule);
    let expires_at = matures_at.checked_add(CONFIG_CHANGE_GRACE_SECONDS).ok_or(CovenantError::MathOverflow)?;
    Ok((matures_at, expires_at))
}

/// Whether a queued request may execute at `now`: matured under today's timelock, not expired.
pub fn check_request_executable(
    queued_at: i64,
    executable_at: i64,
    timelock_seconds: u32,
    overrides_guardian: bool,
    now: i64,
) -> PolicyResult<()> {
    let (matures_at, expires_at) = request_window(queued_at, executable_at, timelock_seconds, overrides_guardian)?;
    if now < matures_at {
        return Err(CovenantError::ConfigTimelockActive);
    }
    if now >= expires_at {
        return Err(CovenantError::ConfigChangeExpired);
    }
    Ok(())
}

/// A guardian override is an escape from a guardian who will not let go: lifting its pause, or
/// replacing or removing it. Nothing else may skip the guardian's veto.
pub fn check_guardian_override(change: &ConfigChange, guardian: Option<Pubkey>, paused: bool) -> PolicyResult<()> {
    let escape = match change {
        ConfigChange::Unpause => paused,
        ConfigChange::SetGuardian { guardian: new } => *new != guardian,
        _ => false,
    };
    if guardian.is_some() && escape {
        Ok(())
    } else {
        Err(CovenantError::InvalidGuardianOverride)
    }
}
