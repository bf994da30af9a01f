//! A treasury with dollar rules: SOL and a 6-decimal stablecoin under native policies, a Pyth feed
//! pinned for each, and fresh prices (SOL $150, the stablecoin $1) published at their addresses.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::constants::SOL_ASSET;
use covenant::policy::{PriceFeed, UsdLimits};
use covenant::sdk::{self, TokenMint};
use solana_keypair::Keypair;
use solana_program_test::ProgramTest;
use solana_signer::Signer;

use crate::bank::SOL;
use crate::fixture::{decision, limits, Harness, DAY};
use crate::pyth::{self, Quote};
use crate::tokens::{self, TOKEN};

pub const SOL_FEED: [u8; 32] = [0xef; 32];
pub const USDC_FEED: [u8; 32] = [0xea; 32];
/// $150 and $1 with Pyth's usual exponent of -8.
pub const SOL_PRICE_E8: i64 = 15_000_000_000;
pub const USDC_PRICE_E8: i64 = 100_000_000;
pub const USDC: u64 = 1_000_000;
pub const MICRO_USD: u64 = 1_000_000;

/// The default terms (30 s, 2% confidence, 5% from the EMA), which the price tests probe at their edges.
pub fn feed(feed_id: [u8; 32]) -> PriceFeed {
    PriceFeed::with_defaults(feed_id)
}

/// A stablecoin's default terms: 10 s.
pub fn stablecoin_feed(feed_id: [u8; 32]) -> PriceFeed {
    PriceFeed::stablecoin(feed_id)
}

/// $100 per outflow, $150 a day.
pub fn usd_limits() -> UsdLimits {
    UsdLimits { per_tx_max: 100 * MICRO_USD, period_seconds: DAY, period_cap: 150 * MICRO_USD }
}

pub struct Dollars {
    pub h: Harness,
    pub usdc: Pubkey,
    pub sol_price: Pubkey,
    pub usdc_price: Pubkey,
    pub recipient: Pubkey,
}

impl Dollars {
    /// SOL (50 in the vault) and the stablecoin (10,000 in the vault) with native caps far above
    /// the USD caps, both feeds pinned, both prices fresh; USD caps set when `caps` is given.
    pub async fn new(caps: Option<UsdLimits>) -> Self {
        Self::new_with(caps, |_| {}).await
    }

    pub async fn new_with(caps: Option<UsdLimits>, extra: impl FnOnce(&mut ProgramTest)) -> Self {
        let mut h = Harness::new_with(extra).await;
        h.as_operator(sdk::create_sol_policy(&h.treasury, limits(20 * SOL, 100 * SOL))).await.expect("sol policy");
        h.fund_vault(50 * SOL).await;
        let usdc = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
        let native_caps = limits(5_000 * USDC, 50_000 * USDC);
        h.as_operator(sdk::create_token_policy(&h.treasury, usdc, TOKEN, native_caps)).await.expect("usdc policy");
        let vault_usdc = h.treasury.vault_token_account(&usdc, &TOKEN);
        tokens::mint_to(&mut h.bank, usdc, TOKEN, vault_usdc, 10_000 * USDC).await;
        let t = h.treasury;
        h.as_operator(sdk::set_price_feed(&t, SOL_ASSET, Some(feed(SOL_FEED)))).await.expect("sol feed");
        h.as_operator(sdk::set_price_feed(&t, usdc, Some(stablecoin_feed(USDC_FEED)))).await.expect("usdc feed");
        if caps.is_some() {
            h.as_operator(sdk::set_usd_limits(&t, caps)).await.expect("usd caps");
        }
        let recipient = Keypair::new().pubkey();
        tokens::create_ata(&mut h.bank, recipient, usdc, TOKEN).await;
        let mut dollars =
            Self { h, usdc, sol_price: Pubkey::new_unique(), usdc_price: Pubkey::new_unique(), recipient };
        dollars.refresh_prices().await;
        dollars
    }

    pub fn usdc_token(&self) -> TokenMint {
        TokenMint { mint: self.usdc, program: TOKEN }
    }

    /// Both prices republished now at their usual values.
    pub async fn refresh_prices(&mut self) {
        let now = self.h.bank.now().await;
        let (sol_price, usdc_price) = (self.sol_price, self.usdc_price);
        pyth::publish(&mut self.h.bank, sol_price, &Quote::new(SOL_FEED, SOL_PRICE_E8, now)).await;
        pyth::publish(&mut self.h.bank, usdc_price, &Quote::new(USDC_FEED, USDC_PRICE_E8, now)).await;
    }

    pub fn spend_sol(&self, lamports: u64, n: u64) -> Instruction {
        sdk::with_usd_price(self.h.spend_sol_ix(self.recipient, lamports, n), &self.h.treasury, self.sol_price)
    }

    pub fn spend_usdc(&self, amount: u64, n: u64) -> Instruction {
        let keeper = self.h.roles.keeper.pubkey();
        let ix = sdk::spend_token(&self.h.treasury, keeper, self.usdc_token(), self.recipient, amount, decision(n));
        sdk::with_usd_price(ix, &self.h.treasury, self.usdc_price)
    }
}
