//! Pyth price updates in the receiver's real layout (`PriceUpdateV2` from
//! `pyth-solana-receiver-sdk`), owned by the receiver program, written straight into the bank as
//! the receiver would have left them after verifying a Wormhole-signed update.

use anchor_lang::prelude::Pubkey;
use solana_account::Account;

use crate::bank::TestBank;

/// One price as a test wants it published (the SDK's writer of the receiver's layout).
pub use covenant::sdk::PriceQuote as Quote;

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
