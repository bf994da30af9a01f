//! Pyth price updates in the receiver's real layout (`PriceUpdateV2` from
//! `pyth-solana-receiver-sdk`), owned by the receiver program, written straight into the bank as
//! the receiver would have left them after verifying a Wormhole-signed update.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;

use crate::bank::TestBank;

/// One price as a test wants it published.
#[derive(Clone, Copy, Debug)]
pub struct Quote {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub ema_price: i64,
    pub fully_verified: bool,
}

impl Quote {
    /// `dollars_e8` dollars (exponent -8) with 0.1% confidence, on its EMA, published at `now`.
    pub fn new(feed_id: [u8; 32], dollars_e8: i64, now: i64) -> Self {
        Self {
            feed_id,
            price: dollars_e8,
            conf: (dollars_e8 / 1_000) as u64,
            exponent: -8,
            publish_time: now,
            ema_price: dollars_e8,
            fully_verified: true,
        }
    }

    pub fn account_data(&self) -> Vec<u8> {
        let update = PriceUpdateV2 {
            write_authority: Pubkey::new_unique(),
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
                prev_publish_time: self.publish_time - 1,
                ema_price: self.ema_price,
                ema_conf: self.conf,
            },
            posted_slot: 1,
        };
        let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
        update.try_serialize(&mut data).expect("price update serializes");
        data
    }
}

/// Writes `quote` at `address` as a receiver-owned price update (or owned by `owner` instead,
/// for the forgery tests).
pub async fn publish_as(bank: &mut TestBank, address: Pubkey, quote: &Quote, owner: Pubkey) {
    let data = quote.account_data();
    let lamports = bank.rent_exempt_minimum(data.len()).await;
    bank.set_account(address, Account { lamports, data, owner, executable: false, rent_epoch: 0 });
}

pub async fn publish(bank: &mut TestBank, address: Pubkey, quote: &Quote) {
    publish_as(bank, address, quote, pyth_solana_receiver_sdk::ID).await;
}
