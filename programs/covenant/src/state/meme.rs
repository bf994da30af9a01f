use anchor_lang::prelude::*;

use crate::constants::{MAX_TOKEN_DECIMALS, MAX_TOKEN_NAME_LEN, MAX_TOKEN_SYMBOL_LEN, MAX_TOKEN_URI_LEN};
use crate::errors::CovenantError;
use crate::policy::{MintLimits, SpendWindow};

/// A meme token a treasury launched: a Token-2022 mint whose mint authority (and metadata update
/// authority) is the treasury PDA, so only this program, under these caps, can mint it.
#[account]
#[derive(InitSpace, Debug)]
pub struct MemeToken {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub decimals: u8,
    /// Everything ever minted (initial allocation included) stays at or below this.
    pub supply_cap: u64,
    pub limits: MintLimits,
    /// The keeper's minting in the current period.
    pub window: SpendWindow,
    pub total_minted: u64,
    pub initial_allocation: u64,
    /// Set once the mint authority is gone; nothing mints afterwards.
    pub renounced: bool,
    pub launched_at: i64,
    pub renounced_at: Option<i64>,
    pub bump: u8,
}

impl MemeToken {
    pub const SEED: &'static [u8] = b"meme";

    pub fn find_address(mint: &Pubkey) -> (Pubkey, u8) {
        Pubkey::find_program_address(&[Self::SEED, mint.as_ref()], &crate::ID)
    }

    pub fn require_not_renounced(&self) -> Result<()> {
        require!(!self.renounced, CovenantError::MintRenounced);
        Ok(())
    }

    pub fn validate_uri(uri: &str) -> Result<()> {
        require!(uri.len() <= MAX_TOKEN_URI_LEN, CovenantError::InvalidTokenMetadata);
        Ok(())
    }

    pub fn validate_metadata(name: &str, symbol: &str, uri: &str, decimals: u8) -> Result<()> {
        let well_formed = (1..=MAX_TOKEN_NAME_LEN).contains(&name.len())
            && (1..=MAX_TOKEN_SYMBOL_LEN).contains(&symbol.len())
            && decimals <= MAX_TOKEN_DECIMALS;
        require!(well_formed, CovenantError::InvalidTokenMetadata);
        Self::validate_uri(uri)
    }
}
