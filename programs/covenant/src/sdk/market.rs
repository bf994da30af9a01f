//! Builders for the dollar rules and swaps.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::system_program;

use super::{build, event_authority, TokenMint, TreasuryAddresses};
use crate::policy::{PriceFeed, UsdLimits};
use crate::state::{DecisionRecord, UsdPolicy};
use crate::{accounts, instruction};

impl TreasuryAddresses {
    /// The treasury's USD caps, price feeds and swap venues.
    pub fn usd_policy(&self) -> Pubkey {
        UsdPolicy::find_address(&self.treasury).0
    }
}

fn usd_rules_accounts(t: &TreasuryAddresses) -> accounts::SetUsdRules {
    accounts::SetUsdRules {
        operator: t.operator,
        treasury: t.treasury,
        usd_policy: t.usd_policy(),
        system_program: system_program::ID,
        event_authority: event_authority(),
        program: crate::ID,
    }
}

pub fn set_usd_limits(t: &TreasuryAddresses, limits: Option<UsdLimits>) -> Instruction {
    build(usd_rules_accounts(t), instruction::SetUsdLimits { limits })
}

pub fn set_price_feed(t: &TreasuryAddresses, asset: Pubkey, feed: Option<PriceFeed>) -> Instruction {
    build(usd_rules_accounts(t), instruction::SetPriceFeed { asset, feed })
}

pub fn set_swap_venue(t: &TreasuryAddresses, program: Pubkey, max_slippage_bps: Option<u16>) -> Instruction {
    build(usd_rules_accounts(t), instruction::SetSwapVenue { program, max_slippage_bps })
}

/// An outflow of a USD-capped treasury (`spend_*`, `execute_pending_*`, `create_bounty`,
/// `spend_grant`): the treasury's USD policy and the asset's price update, appended.
pub fn with_usd_price(mut ix: Instruction, t: &TreasuryAddresses, price_update: Pubkey) -> Instruction {
    ix.accounts.push(AccountMeta::new(t.usd_policy(), false));
    ix.accounts.push(AccountMeta::new_readonly(price_update, false));
    ix
}

/// Pyth's SOL/USD and USDC/USD feed ids (the same on every network).
pub const PYTH_SOL_USD_FEED: [u8; 32] = hex_feed("ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d");
pub const PYTH_USDC_USD_FEED: [u8; 32] = hex_feed("eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a");

/// A feed id from its 64 hex digits, at compile time.
const fn hex_feed(hex: &str) -> [u8; 32] {
    const fn digit(byte: u8) -> u8 {
        match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let bytes = hex.as_bytes();
    assert!(bytes.len() == 64, "a feed id is 64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = digit(bytes[2 * i]) << 4 | digit(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// The Pyth price feed account (the push oracle's sponsored feed, shard 0) that keeps `feed_id`'s
/// latest update: a `PriceUpdateV2` owned by the receiver program at a fixed address, which is
/// where a keeper reads and passes a price without posting updates itself.
pub fn price_feed_account(feed_id: &[u8; 32]) -> Pubkey {
    let shard: u16 = 0;
    Pubkey::find_program_address(&[&shard.to_le_bytes(), feed_id], &pyth_solana_receiver_sdk::PYTH_PUSH_ORACLE_ID).0
}

/// A Pyth price as its `PriceUpdateV2` account would hold it: what tests, the keeper's tests and
/// the localnet's genesis publish where the receiver program would (nothing on chain writes one
/// but the receiver; this is for banks and genesis).
#[derive(Clone, Copy, Debug)]
pub struct PriceQuote {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub ema_price: i64,
    pub fully_verified: bool,
}

impl PriceQuote {
    /// `price_e8` dollars (exponent -8) with 0.1% confidence, on its EMA, fully verified,
    /// published at `publish_time`.
    pub fn new(feed_id: [u8; 32], price_e8: i64, publish_time: i64) -> Self {
        Self {
            feed_id,
            price: price_e8,
            conf: (price_e8 / 1_000).unsigned_abs(),
            exponent: -8,
            publish_time,
            ema_price: price_e8,
            fully_verified: true,
        }
    }

    /// The account's data: discriminator and Borsh, in the receiver's layout.
    pub fn account_data(&self) -> Vec<u8> {
        use anchor_lang::AccountSerialize;
        use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
        let update = PriceUpdateV2 {
            write_authority: Pubkey::default(),
            verification_level: if self.fully_verified {
                VerificationLevel::Full
            } else {
                VerificationLevel::Partial { num_signatures: 5 }
            },
            price_message: PriceFeedMessage {
                feed_id: self.feed_id,
                price: self.price,
                conf: self.conf,
                exponent: self.exponent,
                publish_time: self.publish_time,
                prev_publish_time: self.publish_time.saturating_sub(1),
                ema_price: self.ema_price,
                ema_conf: self.conf,
            },
            posted_slot: 0,
        };
        let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
        // Writing into a Vec cannot fail.
        let _ = update.try_serialize(&mut data);
        data
    }
}

/// One side of a swap: the asset and its price update.
#[derive(Clone, Copy, Debug)]
pub struct SwapSide {
    pub token: TokenMint,
    pub price_update: Pubkey,
}

/// Sells up to `amount_in` of `sell` for `buy` through `venue`; `venue_accounts` and `venue_data`
/// are the venue's own swap instruction, whose user authority is the vault.
#[allow(clippy::too_many_arguments)]
pub fn swap(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    sell: SwapSide,
    buy: SwapSide,
    venue: Pubkey,
    venue_accounts: Vec<AccountMeta>,
    amount_in: u64,
    venue_data: Vec<u8>,
    decision: DecisionRecord,
) -> Instruction {
    let mut ix = build(
        accounts::Swap {
            keeper,
            treasury: t.treasury,
            vault: t.vault,
            usd_policy: t.usd_policy(),
            policy_in: t.policy(&sell.token.mint),
            policy_out: t.policy(&buy.token.mint),
            mint_in: sell.token.mint,
            mint_out: buy.token.mint,
            vault_in: sell.token.account_of(&t.vault),
            vault_out: buy.token.account_of(&t.vault),
            price_in: sell.price_update,
            price_out: buy.price_update,
            swap_program: venue,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::Swap { amount_in, swap_data: venue_data, decision },
    );
    // The vault signs inside the program's call, not the transaction.
    ix.accounts.extend(venue_accounts.into_iter().map(|meta| AccountMeta { is_signer: false, ..meta }));
    ix
}
