//! Token grants work as SOL grants do: escrowed in the grant's token account, released to the
//! vault's, clawed back to the donor's.

use covenant::errors::CovenantError;
use covenant::events::{GrantClawedBack, GrantClosed, GrantReleased};
use covenant::policy::{GrantLedger, ReleaseSchedule};
use covenant::sdk::{self, TokenMint};
use covenant::state::Grant;
use covenant_tests::tokens::{self, MintExtension, TOKEN, TOKEN_2022};
use covenant_tests::{assert_program_error, limits, Harness, DAY};
use solana_signer::Signer;

use crate::grants::{grant_args, tranches};

async fn token_setup(program: anchor_lang::prelude::Pubkey, extensions: &[MintExtension]) -> (Harness, TokenMint) {
    let mut h = Harness::new().await;
    let mint = tokens::create_mint(&mut h.bank, program, 6, extensions).await;
    let donor_tokens = tokens::create_ata(&mut h.bank, h.roles.donor.pubkey(), mint, program).await;
    tokens::mint_to(&mut h.bank, mint, program, donor_tokens, 1_000_000).await;
    (h, TokenMint { mint, program })
}

#[tokio::test]
async fn a_token_grant_releases_by_tranche_and_the_donor_claws_back_the_rest() {
    for program in [TOKEN, TOKEN_2022] {
        let (mut h, token) = token_setup(program, &[]).await;
        h.as_operator(sdk::create_token_policy(&h.treasury, token.mint, program, limits(1_000, 1_000)))
            .await
            .expect("policy");
        let (now, day) = (h.bank.now().await, i64::from(DAY));
        let donor = h.roles.donor.insecure_clone();
        let schedule = tranches(&[(now, 3_000), (now + day, 3_000), (now + 2 * day, 4_000)]);
        let ixs = sdk::create_grant(
            &h.treasury,
            donor.pubkey(),
            Some(token),
            grant_args(0, 100_001, schedule, now + day + 10),
        );
        h.bank.send(&ixs, &[&donor]).await.expect("token grant created");
        let grant = h.treasury.grant(&donor.pubkey(), 0);
        let escrow = sdk::grant_escrow(&grant, &token);
        let donor_tokens = anchor_spl::associated_token::get_associated_token_address_with_program_id(
            &donor.pubkey(),
            &token.mint,
            &program,
        );
        assert_eq!(tokens::token_balance(&mut h.bank, escrow).await, 100_001);
        assert_eq!(tokens::token_balance(&mut h.bank, donor_tokens).await, 1_000_000 - 100_001);

        let stranger = h.roles.stranger.pubkey();
        let release = sdk::release_grant(&h.treasury, stranger, grant, Some(token));
        let released = h.as_stranger(release.clone()).await.expect("first tranche").one::<GrantReleased>();
        assert_eq!(released.amount, 30_000, "30% of 100,001 rounded down");
        let vault_tokens = h.treasury.vault_token_account(&token.mint, &program);
        assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 30_000);

        h.bank.warp_seconds(day + 10).await;
        let clawed = h.as_donor(sdk::claw_back_grant(grant, donor.pubkey(), Some(token))).await;
        let clawed = clawed.expect("clawed back after expiry").one::<GrantClawedBack>();
        assert_eq!(clawed.amount, 70_001, "the second tranche was never released: it goes back too");
        assert_eq!(tokens::token_balance(&mut h.bank, donor_tokens).await, 1_000_000 - 30_000);
        let ledger = h.bank.account::<Grant>(grant).await.ledger;
        assert_eq!(ledger, GrantLedger { funded: 100_001, released: 30_000, spent: 0, clawed_back: 70_001 });

        // Tokens someone sent to the escrow outside the grant do not block closing it: they are
        // swept to the vault, and the event says how many.
        tokens::mint_to(&mut h.bank, token.mint, program, escrow, 5).await;
        let closed = h.as_donor(sdk::close_grant(&h.treasury, grant, donor.pubkey(), Some(token))).await;
        assert_eq!(closed.expect("closed").one::<GrantClosed>().surplus, 5);
        assert!(!h.bank.exists(escrow).await && !h.bank.exists(grant).await);
        assert_eq!(tokens::token_balance(&mut h.bank, donor_tokens).await, 1_000_000 - 30_000);
        assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 30_000 + 5);
    }
}

#[tokio::test]
async fn a_grant_refuses_a_transfer_fee_mint_and_mismatched_token_accounts() {
    let (mut h, token) = token_setup(TOKEN_2022, &[MintExtension::TransferFee]).await;
    let now = h.bank.now().await;
    let donor = h.roles.donor.insecure_clone();
    let ixs = sdk::create_grant(
        &h.treasury,
        donor.pubkey(),
        Some(token),
        grant_args(0, 10, ReleaseSchedule::Immediate, now + 100),
    );
    assert_program_error(h.bank.send(&ixs, &[&donor]).await, CovenantError::MintHasTransferFee);

    let (mut h, token) = token_setup(TOKEN, &[]).await;
    let donor = h.roles.donor.insecure_clone();
    let now = h.bank.now().await;
    let mut ixs = sdk::create_grant(
        &h.treasury,
        donor.pubkey(),
        Some(token),
        grant_args(0, 10, ReleaseSchedule::Immediate, now + 100),
    );
    let escrow = sdk::grant_escrow(&h.treasury.grant(&donor.pubkey(), 0), &token);
    let stranger_tokens = tokens::create_ata(&mut h.bank, h.roles.stranger.pubkey(), token.mint, TOKEN).await;
    covenant_tests::swap_account(&mut ixs[1], escrow, stranger_tokens);
    assert_program_error(h.bank.send(&ixs, &[&donor]).await, CovenantError::EscrowAccountMismatch);
}
