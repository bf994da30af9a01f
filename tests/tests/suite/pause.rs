//! Rule 3: paused, nothing moves out (deposits still arrive) until the operator unpauses; the
//! guardian can pause but never move funds or unpause.

use covenant::errors::CovenantError;
use covenant::events::{DonationReceived, TreasuryPaused, TreasuryUnpaused};
use covenant::sdk::{self, TokenMint, TreasuryAddresses};
use covenant_tests::tokens::{self, TOKEN_2022};
use covenant_tests::{assert_program_error, decision, limits, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn guardian_pause_stops_sol_and_token_spends_until_operator_unpauses() {
    let mut h = Harness::with_sol_policy(limits(1_000_000, 10_000_000), 5_000_000).await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[]).await;
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN_2022, limits(500, 5_000))).await.unwrap();
    let vault_tokens = h.treasury.vault_token_account(&mint, &TOKEN_2022);
    tokens::mint_to(&mut h.bank, mint, TOKEN_2022, vault_tokens, 10_000).await;
    let recipient = Keypair::new().pubkey();
    tokens::create_ata(&mut h.bank, recipient, mint, TOKEN_2022).await;

    let events = h.as_guardian(sdk::pause(&h.treasury, h.roles.guardian.pubkey())).await.unwrap();
    assert_eq!(events.one::<TreasuryPaused>().by, h.roles.guardian.pubkey());
    assert!(h.treasury_state().await.paused);

    let sol = h.spend_sol_ix(recipient, 1_000_000, 1);
    assert_program_error(h.as_keeper(sol).await, CovenantError::TreasuryPaused);
    let token = sdk::spend_token(
        &h.treasury,
        h.roles.keeper.pubkey(),
        TokenMint { mint, program: TOKEN_2022 },
        recipient,
        100,
        decision(2),
    );
    assert_program_error(h.as_keeper(token).await, CovenantError::TreasuryPaused);
    assert_eq!(h.bank.lamports(recipient).await, 0);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 10_000);

    // The guardian cannot lift its own pause.
    let as_guardian = TreasuryAddresses { operator: h.roles.guardian.pubkey(), ..h.treasury };
    assert_program_error(h.as_guardian(sdk::unpause(&as_guardian)).await, CovenantError::NotOperator);

    let events = h.as_operator(sdk::unpause(&h.treasury)).await.unwrap();
    assert_eq!(events.one::<TreasuryUnpaused>().by, h.roles.operator.pubkey());
    h.as_keeper(h.spend_sol_ix(recipient, 1_000_000, 3)).await.expect("spends again after unpause");
}

#[tokio::test]
async fn donations_still_arrive_while_paused() {
    let mut h = Harness::with_sol_policy(limits(1_000, 10_000), 0).await;
    h.as_operator(sdk::pause(&h.treasury, h.roles.operator.pubkey())).await.expect("operator may pause too");
    let ix = sdk::donate_sol(&h.treasury, h.roles.donor.pubkey(), 3_000_000, "while paused".into(), true);
    let events = h.as_donor(ix).await.unwrap();
    assert_eq!(events.one::<DonationReceived>().amount, 3_000_000);
    assert_eq!(h.vault_spendable().await, 3_000_000);
}

#[tokio::test]
async fn only_guardian_or_operator_pauses() {
    let mut h = Harness::new().await;
    for signer in [&h.roles.keeper, &h.roles.stranger, &h.roles.donor] {
        let ix = sdk::pause(&h.treasury, signer.pubkey());
        assert_program_error(h.bank.send(&[ix], &[signer]).await, CovenantError::NotGuardianOrOperator);
    }
    assert!(!h.treasury_state().await.paused);
}

#[tokio::test]
async fn pause_and_unpause_refuse_no_op_changes() {
    let mut h = Harness::new().await;
    assert_program_error(h.as_operator(sdk::unpause(&h.treasury)).await, CovenantError::NotPaused);
    h.as_guardian(sdk::pause(&h.treasury, h.roles.guardian.pubkey())).await.unwrap();
    let again = sdk::pause(&h.treasury, h.roles.guardian.pubkey());
    assert_program_error(h.as_guardian(again).await, CovenantError::AlreadyPaused);
}

#[tokio::test]
async fn guardian_cannot_spend() {
    let mut h = Harness::with_sol_policy(limits(1_000, 10_000), 50_000).await;
    let ix = sdk::spend_sol(&h.treasury, h.roles.guardian.pubkey(), h.roles.guardian.pubkey(), 1_000, decision(1));
    assert_program_error(h.as_guardian(ix).await, CovenantError::NotKeeper);
}

/// Paused, nothing leaves the treasury whoever signs: the operator's launch may still mint into
/// the vault, but not to named wallets.
#[tokio::test]
async fn a_paused_treasury_launches_into_its_vault_but_mints_to_no_named_wallet() {
    let mut h = Harness::new().await;
    h.as_guardian(sdk::pause(&h.treasury, h.roles.guardian.pubkey())).await.expect("paused");
    let fan = Keypair::new().pubkey();
    let args = |recipient_allocations: Vec<u64>| covenant::instructions::LaunchMemeArgs {
        name: "Poster Coin".into(),
        symbol: "POSTER".into(),
        uri: "https://example.org/poster.json".into(),
        decimals: 6,
        supply_cap: 1_000_000,
        limits: covenant::policy::MintLimits { period_seconds: 86_400, period_cap: 1_000, allowlist_required: false },
        vault_allocation: 500,
        recipient_allocations,
    };
    let operator = h.roles.operator.insecure_clone();
    let mint = Keypair::new();
    let to_fan = sdk::launch_meme(&h.treasury, mint.pubkey(), args(vec![100]), &[fan]);
    assert_program_error(h.bank.send(&[to_fan], &[&operator, &mint]).await, CovenantError::TreasuryPaused);
    let into_vault = sdk::launch_meme(&h.treasury, mint.pubkey(), args(Vec::new()), &[]);
    h.bank.send(&[into_vault], &[&operator, &mint]).await.expect("a launch into the vault moves nothing out");
    let vault_tokens = h.treasury.vault_token_account(&mint.pubkey(), &TOKEN_2022);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 500);
}
