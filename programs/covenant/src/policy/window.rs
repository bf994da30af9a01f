use anchor_lang::prelude::*;

use super::PolicyResult;
use crate::errors::CovenantError;

/// Usage of the current period. `start` is always `anchor + k * period` for a whole k, so windows
/// never drift however late or irregular the spends that roll them are.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct SpendWindow {
    pub start: i64,
    pub spent: u64,
}

impl SpendWindow {
    pub fn anchored_at(now: i64) -> Self {
        Self { start: now, spent: 0 }
    }
}

/// The window that contains `now`: advanced by whole periods, usage reset if it moved.
/// A clock that reads earlier than the window start (validators' clocks may step back slightly)
/// leaves the window as it is rather than reopening an old one.
pub fn roll_window(window: SpendWindow, period_seconds: u32, now: i64) -> PolicyResult<SpendWindow> {
    if period_seconds == 0 {
        return Err(CovenantError::InvalidPolicyLimits);
    }
    let period = i64::from(period_seconds);
    let elapsed = now.saturating_sub(window.start);
    if elapsed < period {
        return Ok(window);
    }
    let whole_periods = elapsed / period;
    let start = whole_periods
        .checked_mul(period)
        .and_then(|advance| window.start.checked_add(advance))
        .ok_or(CovenantError::MathOverflow)?;
    Ok(SpendWindow { start, spent: 0 })
}

/// When the window containing `now` ends (the next reset).
pub fn window_resets_at(window: SpendWindow, period_seconds: u32, now: i64) -> PolicyResult<i64> {
    let current = roll_window(window, period_seconds, now)?;
    current.start.checked_add(i64::from(period_seconds)).ok_or(CovenantError::MathOverflow)
}
