use anchor_lang::prelude::*;

use super::PolicyResult;
use crate::constants::{BPS_DENOMINATOR, MAX_TRANCHES};
use crate::errors::CovenantError;

/// One tranche: `bps` of the grant (in basis points) vests at `at`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Tranche {
    pub at: i64,
    pub bps: u16,
}

/// How a grant vests. Shares, not amounts, so a top-up vests on the same schedule.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub enum ReleaseSchedule {
    Immediate,
    /// Vests pro rata between `start` and `end` (all of it at `end`).
    Linear {
        start: i64,
        end: i64,
    },
    Tranches {
        #[max_len(MAX_TRANCHES)]
        tranches: Vec<Tranche>,
    },
}

pub fn validate_schedule(schedule: &ReleaseSchedule) -> PolicyResult<()> {
    let valid = match schedule {
        ReleaseSchedule::Immediate => true,
        ReleaseSchedule::Linear { start, end } => start < end,
        ReleaseSchedule::Tranches { tranches } => {
            let total: u64 = tranches.iter().map(|tranche| u64::from(tranche.bps)).sum();
            (1..=MAX_TRANCHES).contains(&tranches.len())
                && tranches.windows(2).all(|pair| pair[0].at < pair[1].at)
                && tranches.iter().all(|tranche| tranche.bps > 0)
                && total == BPS_DENOMINATOR
        }
    };
    if valid {
        Ok(())
    } else {
        Err(CovenantError::InvalidGrantSchedule)
    }
}

/// `amount * numerator / denominator`, rounded down, for numerator <= denominator: never more
/// than `amount`, so nothing the rounding does can release more than was funded.
fn share(amount: u64, numerator: u64, denominator: u64) -> PolicyResult<u64> {
    if denominator == 0 || numerator > denominator {
        return Err(CovenantError::MathOverflow);
    }
    let value = u128::from(amount) * u128::from(numerator) / u128::from(denominator);
    u64::try_from(value).map_err(|_| CovenantError::MathOverflow)
}

/// How much of `funded` has vested at `now`. Monotone in time and in `funded`, and equal to
/// `funded` once the schedule is complete.
pub fn vested(schedule: &ReleaseSchedule, funded: u64, now: i64) -> PolicyResult<u64> {
    match schedule {
        ReleaseSchedule::Immediate => Ok(funded),
        ReleaseSchedule::Linear { start, end } => {
            if now <= *start {
                return Ok(0);
            }
            if now >= *end {
                return Ok(funded);
            }
            // Both differences are positive here and fit in u64 (start < now < end).
            let elapsed = now.abs_diff(*start);
            let duration = end.abs_diff(*start);
            share(funded, elapsed, duration)
        }
        ReleaseSchedule::Tranches { tranches } => {
            let bps: u64 =
                tranches.iter().filter(|tranche| tranche.at <= now).map(|tranche| u64::from(tranche.bps)).sum();
            if bps >= BPS_DENOMINATOR {
                return Ok(funded);
            }
            share(funded, bps, BPS_DENOMINATOR)
        }
    }
}

/// A grant's figures: what the donor put in and where it went.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct GrantLedger {
    pub funded: u64,
    /// Moved to the treasury's vault (unrestricted grants).
    pub released: u64,
    /// Paid to the grant's named payees (restricted grants).
    pub spent: u64,
    pub clawed_back: u64,
}

impl GrantLedger {
    /// Vested and not yet released or spent: what may leave the escrow for the treasury now.
    pub fn available(&self, schedule: &ReleaseSchedule, now: i64) -> PolicyResult<u64> {
        let used = self.released.checked_add(self.spent).ok_or(CovenantError::MathOverflow)?;
        Ok(vested(schedule, self.funded, now)?.saturating_sub(used))
    }

    /// Everything still in the escrow (what the donor claws back after expiry).
    pub fn remaining(&self) -> PolicyResult<u64> {
        self.funded
            .checked_sub(self.released)
            .and_then(|rest| rest.checked_sub(self.spent))
            .and_then(|rest| rest.checked_sub(self.clawed_back))
            .ok_or(CovenantError::MathOverflow)
    }
}
