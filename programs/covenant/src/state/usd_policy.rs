use anchor_lang::prelude::*;

use crate::constants::{MAX_PRICE_FEEDS, MAX_SWAP_VENUES};
use crate::errors::CovenantError;
use crate::policy::{PriceFeed, SpendWindow, UsdLimits};

/// The Pyth feed pinned for one asset (`SOL_ASSET` or a mint).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct AssetFeed {
    pub asset: Pubkey,
    pub feed: PriceFeed,
}

/// A program the vault may swap through, and how far below the oracle value a swap may return.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct SwapVenue {
    pub program: Pubkey,
    pub max_slippage_bps: u16,
}

/// A treasury's dollar rules: USD caps over every asset's outflows, the price feed pinned for each
/// asset, and the programs its vault may swap through. The PDA (treasury) is created by the first
/// operator instruction that sets any of them; while `limits` is set the treasury's `usd_capped`
/// flag makes every outflow present this account and a price.
#[account]
#[derive(InitSpace, Debug)]
pub struct UsdPolicy {
    pub treasury: Pubkey,
    pub limits: Option<UsdLimits>,
    /// micro-USD counted in the current window.
    pub window: SpendWindow,
    #[max_len(MAX_PRICE_FEEDS)]
    pub feeds: Vec<AssetFeed>,
    #[max_len(MAX_SWAP_VENUES)]
    pub venues: Vec<SwapVenue>,
    pub bump: u8,
}

impl UsdPolicy {
    pub const SEED: &'static [u8] = b"usd_policy";

    pub fn find_address(treasury: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, treasury.as_ref()], &crate::ID)
    }

    pub fn feed_of(&self, asset: &Pubkey) -> Option<&PriceFeed> {
        self.feeds.iter().find(|entry| entry.asset == *asset).map(|entry| &entry.feed)
    }

    pub fn venue_slippage(&self, program: &Pubkey) -> Option<u16> {
        self.venues.iter().find(|venue| venue.program == *program).map(|venue| venue.max_slippage_bps)
    }

    /// Sets (`Some`) or removes (`None`) the feed of `asset`.
    pub fn put_feed(&mut self, asset: Pubkey, feed: Option<PriceFeed>) -> Result<()> {
        self.feeds.retain(|entry| entry.asset != asset);
        if let Some(feed) = feed {
            require!(self.feeds.len() < MAX_PRICE_FEEDS, CovenantError::InvalidPriceFeed);
            self.feeds.push(AssetFeed { asset, feed });
        }
        Ok(())
    }

    /// Allowlists (`Some`) or removes (`None`) a swap program.
    pub fn put_venue(&mut self, program: Pubkey, max_slippage_bps: Option<u16>) -> Result<()> {
        self.venues.retain(|venue| venue.program != program);
        if let Some(max_slippage_bps) = max_slippage_bps {
            require!(self.venues.len() < MAX_SWAP_VENUES, CovenantError::InvalidSwapVenue);
            self.venues.push(SwapVenue { program, max_slippage_bps });
        }
        Ok(())
    }
}
