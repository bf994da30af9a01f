use anchor_lang::prelude::*;

use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;
use crate::policy::{validate_limits, PolicyLimits, SpendWindow};

/// The spend policy of one asset (SOL or a mint) of one treasury. No policy, no spending.
#[account]
#[derive(InitSpace, Debug)]
pub struct SpendPolicy {
    pub treasury: Pubkey,
    /// `SOL_ASSET` for native SOL, otherwise the mint.
    pub asset: Pubkey,
    /// Token program owning the mint; `SOL_ASSET` for native SOL.
    pub token_program: Pubkey,
    pub decimals: u8,
    pub limits: PolicyLimits,
    pub window: SpendWindow,
    /// Recorded donations of this asset (plain transfers to the vault are not counted here).
    pub total_received: u64,
    pub total_spent: u64,
    pub bump: u8,
    /// The treasury's policy count when this one was created: tells it apart from an earlier
    /// policy of the same asset that was closed.
    pub generation: u64,
}

impl SpendPolicy {
    pub const SEED: &'static [u8] = b"policy";

    pub fn find_address(treasury: &Pubkey, asset: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref(), asset.as_ref()], &crate::ID)
    }

    pub fn is_sol(&self) -> bool {
        self.asset == SOL_ASSET
    }

    pub fn new(
        treasury: Pubkey,
        asset: Pubkey,
        token_program: Pubkey,
        decimals: u8,
        limits: PolicyLimits,
        now: i64,
        bump: u8,
    ) -> Self {
        Self {
            treasury,
            asset,
            token_program,
            decimals,
            limits,
            window: SpendWindow::anchored_at(now),
            total_received: 0,
            total_spent: 0,
            bump,
            generation: 0,
        }
    }

    /// Window usage may sit above a cap the operator lowered mid-window; that only blocks spends,
    /// so it is not part of the invariant.
    pub fn invariant(&self) -> Result<()> {
        validate_limits(&self.limits)?;
        require!(self.is_sol() == (self.token_program == SOL_ASSET), CovenantError::TokenProgramMismatch);
        Ok(())
    }

    /// Records a spend that the policy functions already allowed.
    pub fn record_spent(&mut self, window: SpendWindow, amount: u64) -> Result<()> {
        self.window = window;
        self.total_spent = self.total_spent.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
        Ok(())
    }

    pub fn record_received(&mut self, amount: u64) -> Result<()> {
        self.total_received = self.total_received.checked_add(amount).ok_or(CovenantError::MathOverflow)?;
        Ok(())
    }
}
