//! Recorded donations of SOL and tokens, next to plain transfers to the vault.

use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::DonationReceived;
use covenant::sdk::{self, TokenMint};
use covenant_tests::tokens::{self, TOKEN, TOKEN_2022};
use covenant_tests::{assert_program_error, limits, Harness};
use solana_signer::Signer;

#[tokio::test]
async fn sol_donation_is_recorded_on_treasury_policy_and_event() {
    let mut h = Harness::with_sol_policy(limits(1, 10), 0).await;
    let donor = h.roles.donor.pubkey();
    let before = h.bank.lamports(donor).await;
    let ix = sdk::donate_sol(&h.treasury, donor, 7_000_000, "for the image API".into(), true);
    let events = h.as_donor(ix).await.unwrap();
    let donation = events.one::<DonationReceived>();
    assert_eq!((donation.donor, donation.asset, donation.amount), (donor, SOL_ASSET, 7_000_000));
    assert_eq!(
        (donation.memo.as_str(), donation.vault_balance, donation.recorded_on_policy),
        ("for the image API", 7_000_000, true)
    );
    assert_eq!(h.bank.lamports(donor).await, before - 7_000_000);
    assert_eq!(h.sol_policy().await.total_received, 7_000_000);
    assert_eq!(h.treasury_state().await.donation_count, 1);
}

#[tokio::test]
async fn donation_without_a_policy_still_arrives_and_is_counted_on_the_treasury() {
    let mut h = Harness::new().await;
    let ix = sdk::donate_sol(&h.treasury, h.roles.donor.pubkey(), 1_000, String::new(), false);
    let donation = h.as_donor(ix).await.unwrap().one::<DonationReceived>();
    assert!(!donation.recorded_on_policy);
    assert_eq!(h.vault_spendable().await, 1_000);
    assert_eq!(h.treasury_state().await.donation_count, 1);
}

#[tokio::test]
async fn donation_checks_amount_and_memo() {
    let mut h = Harness::new().await;
    let donor = h.roles.donor.pubkey();
    assert_program_error(
        h.as_donor(sdk::donate_sol(&h.treasury, donor, 0, String::new(), false)).await,
        CovenantError::ZeroAmount,
    );
    let long = "m".repeat(65);
    assert_program_error(
        h.as_donor(sdk::donate_sol(&h.treasury, donor, 1, long, false)).await,
        CovenantError::MemoTooLong,
    );
}

#[tokio::test]
async fn a_policy_of_another_asset_cannot_record_a_sol_donation() {
    let mut h = Harness::new().await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(1, 10))).await.unwrap();
    let mut ix = sdk::donate_sol(&h.treasury, h.roles.donor.pubkey(), 1_000, String::new(), true);
    covenant_tests::swap_account(&mut ix, h.treasury.policy(&SOL_ASSET), h.treasury.policy(&mint));
    assert_program_error(h.as_donor(ix).await, CovenantError::PolicyAssetMismatch);
}

#[tokio::test]
async fn token_donation_creates_the_vault_account_and_records_what_arrived() {
    for program in [TOKEN, TOKEN_2022] {
        let mut h = Harness::new().await;
        let mint = tokens::create_mint(&mut h.bank, program, 6, &[]).await;
        let donor_tokens = tokens::create_ata(&mut h.bank, h.roles.donor.pubkey(), mint, program).await;
        tokens::mint_to(&mut h.bank, mint, program, donor_tokens, 1_000).await;

        // No policy yet: the vault's token account is created by the donation itself.
        let ix = sdk::donate_token(
            &h.treasury,
            h.roles.donor.pubkey(),
            donor_tokens,
            TokenMint { mint, program },
            400,
            "gm".into(),
            false,
        );
        let donation = h.as_donor(ix).await.unwrap().one::<DonationReceived>();
        assert_eq!((donation.asset, donation.amount, donation.vault_balance), (mint, 400, 400));

        h.as_operator(sdk::create_token_policy(&h.treasury, mint, program, limits(1, 10))).await.unwrap();
        let ix = sdk::donate_token(
            &h.treasury,
            h.roles.donor.pubkey(),
            donor_tokens,
            TokenMint { mint, program },
            100,
            "gm".into(),
            true,
        );
        let donation = h.as_donor(ix).await.unwrap().one::<DonationReceived>();
        assert!(donation.recorded_on_policy);
        assert_eq!(h.policy(mint).await.total_received, 100);
        let vault_tokens = h.treasury.vault_token_account(&mint, &program);
        assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 500);
    }
}

#[tokio::test]
async fn token_donation_from_an_account_of_another_mint_is_refused() {
    let mut h = Harness::new().await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[]).await;
    let other = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[]).await;
    let other_tokens = tokens::create_ata(&mut h.bank, h.roles.donor.pubkey(), other, TOKEN_2022).await;
    tokens::mint_to(&mut h.bank, other, TOKEN_2022, other_tokens, 1_000).await;
    let ix = sdk::donate_token(
        &h.treasury,
        h.roles.donor.pubkey(),
        other_tokens,
        TokenMint { mint, program: TOKEN_2022 },
        10,
        String::new(),
        false,
    );
    assert_program_error(h.as_donor(ix).await, CovenantError::MintMismatch);
}
