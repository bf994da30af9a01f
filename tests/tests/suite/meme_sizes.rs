//! Token-2022 pads a mint that would be exactly a multisig's length (355 bytes) by two bytes when
//! it allocates. Launches and URI updates must fund rent for the length Token-2022 really gives
//! the mint, whatever the name, symbol and URI add up to.

use anchor_lang::prelude::Pubkey;
use covenant::errors::CovenantError;
use covenant::instructions::LaunchMemeArgs;
use covenant::sdk;
use covenant_tests::tokens;
use covenant_tests::{assert_program_error, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::meme::launch_args;

/// The multisig length Token-2022 avoids, and what it allocates instead.
const MULTISIG_LEN: usize = 355;
const PADDED_LEN: usize = MULTISIG_LEN + 2;

fn uri_of(len: usize) -> String {
    let prefix = "https://x.io/";
    format!("{prefix}{}", "p".repeat(len - prefix.len()))
}

/// The mint's length, and whether it holds at least the rent for that length.
async fn mint_len_and_rent_exempt(h: &mut Harness, mint: Pubkey) -> (usize, bool) {
    let view = tokens::read_mint_2022(&mut h.bank, mint).await;
    let rent = h.bank.rent_exempt_minimum(view.data_len).await;
    (view.data_len, view.lamports >= rent)
}

#[tokio::test]
async fn launches_around_the_multisig_length_all_succeed_and_stay_rent_exempt() {
    let mut h = Harness::new().await;
    let mut lengths = Vec::new();
    for uri_len in 20..=34 {
        let mint = Keypair::new();
        let args = LaunchMemeArgs {
            name: "Poster".into(),
            symbol: "PSTR".into(),
            uri: uri_of(uri_len),
            ..launch_args(1_000, 100)
        };
        let ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, &[]);
        let operator = h.roles.operator.insecure_clone();
        h.bank.send(&[ix], &[&operator, &mint]).await.unwrap_or_else(|error| panic!("uri of {uri_len}: {error:?}"));
        let (len, rent_exempt) = mint_len_and_rent_exempt(&mut h, mint.pubkey()).await;
        assert!(rent_exempt, "a {len}-byte mint is rent-exempt");
        lengths.push(len);
    }
    assert!(lengths.contains(&PADDED_LEN), "one launch hit the padded length: {lengths:?}");
    assert!(!lengths.contains(&MULTISIG_LEN));
}

#[tokio::test]
async fn uri_updates_that_grow_a_mint_through_the_multisig_length_all_succeed() {
    let mut h = Harness::new().await;
    let mint = Keypair::new();
    let args =
        LaunchMemeArgs { name: "Poster".into(), symbol: "PSTR".into(), uri: uri_of(14), ..launch_args(1_000, 100) };
    let ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, &[]);
    let operator = h.roles.operator.insecure_clone();
    h.bank.send(&[ix], &[&operator, &mint]).await.expect("launched");
    let mut lengths = Vec::new();
    for uri_len in 15..=40 {
        let update = sdk::update_meme_uri(&h.treasury, mint.pubkey(), uri_of(uri_len));
        h.as_operator(update).await.unwrap_or_else(|error| panic!("uri of {uri_len}: {error:?}"));
        let (len, rent_exempt) = mint_len_and_rent_exempt(&mut h, mint.pubkey()).await;
        assert!(rent_exempt, "a {len}-byte mint is rent-exempt");
        lengths.push(len);
    }
    assert!(lengths.contains(&PADDED_LEN), "one update hit the padded length: {lengths:?}");
    let too_long = sdk::update_meme_uri(&h.treasury, mint.pubkey(), "u".repeat(201));
    assert_program_error(h.as_operator(too_long).await, CovenantError::InvalidTokenMetadata);
}
