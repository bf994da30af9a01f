//! Bounties in a token: the treasury's own meme token, escrowed in the bounty's token account.

use anchor_lang::prelude::Pubkey;
use covenant::errors::CovenantError;
use covenant::events::BountyClosed;
use covenant::instructions::LaunchMemeArgs;
use covenant::policy::MintLimits;
use covenant::sdk::{self, TokenMint};
use covenant_tests::tokens::{self, TOKEN_2022};
use covenant_tests::{assert_program_error, decision, limits, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bounties::{bounty_args, claim, funded_fan};

/// A treasury with a launched meme token (1,000,000 in the vault) under a spend policy.
pub(crate) async fn meme_treasury() -> (Harness, TokenMint) {
    let mut h = Harness::new().await;
    let mint = Keypair::new();
    let args = LaunchMemeArgs {
        name: "Poster Coin".into(),
        symbol: "POSTER".into(),
        uri: "https://example.org/poster.json".into(),
        decimals: 6,
        supply_cap: 10_000_000,
        limits: MintLimits { period_seconds: DAY, period_cap: 1_000_000, allowlist_required: false },
        vault_allocation: 1_000_000,
        recipient_allocations: Vec::new(),
    };
    let ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, &[]);
    let operator = h.roles.operator.insecure_clone();
    h.bank.send(&[ix], &[&operator, &mint]).await.expect("launched");
    let token = TokenMint { mint: mint.pubkey(), program: TOKEN_2022 };
    let policy = sdk::create_token_policy(&h.treasury, token.mint, TOKEN_2022, limits(500_000, 800_000));
    h.as_operator(policy).await.expect("spend policy for the meme token");
    (h, token)
}

#[tokio::test]
async fn a_meme_token_bounty_pays_claims_in_tokens_and_returns_the_rest_to_the_vault() {
    let (mut h, token) = meme_treasury().await;
    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    let ix = sdk::create_bounty(&h.treasury, keeper, Some(token), 0, bounty_args(1_000, 10, deadline));
    h.as_keeper(ix).await.expect("token bounty created");
    let bounty = h.treasury.bounty(0);
    let escrow = sdk::bounty_escrow(&bounty, &token);
    let vault_tokens = h.treasury.vault_token_account(&token.mint, &token.program);
    assert_eq!(tokens::token_balance(&mut h.bank, escrow).await, 10_000);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 990_000);
    assert_eq!(h.policy(token.mint).await.window.spent, 10_000);

    let fan = funded_fan(&mut h).await;
    claim(&mut h, bounty, &fan).await.expect("claimed");
    let fan_tokens = tokens::create_ata(&mut h.bank, fan.pubkey(), token.mint, TOKEN_2022).await;
    let approve = sdk::approve_claim(&h.treasury, keeper, bounty, fan.pubkey(), Some(token), decision(1));
    h.as_keeper(approve.clone()).await.expect("approved");
    assert_eq!(tokens::token_balance(&mut h.bank, fan_tokens).await, 1_000);
    assert_program_error(h.as_keeper(approve).await, CovenantError::ClaimNotPending);

    let now = h.bank.now().await;
    h.bank.warp_seconds(deadline - now).await;
    let operator = h.roles.operator.pubkey();
    let close = sdk::close_bounty(&h.treasury, operator, bounty, keeper, Some(token));
    let closed = h.as_operator(close).await.expect("closed").one::<BountyClosed>();
    assert_eq!((closed.paid, closed.returned), (1_000, 9_000));
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 999_000);
    assert!(!h.bank.exists(escrow).await, "the escrow account is closed too");
}

#[tokio::test]
async fn token_bounties_refuse_wrong_or_missing_token_accounts() {
    let (mut h, token) = meme_treasury().await;
    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    let args = || bounty_args(1_000, 10, deadline);

    let without_tokens = sdk::create_bounty(&h.treasury, keeper, None, 0, args());
    let mut ix = sdk::create_bounty(&h.treasury, keeper, Some(token), 0, args());
    ix.accounts[4..].iter_mut().zip(&without_tokens.accounts[4..]).for_each(|(with, without)| *with = without.clone());
    assert_program_error(h.as_keeper(ix).await, CovenantError::TokenAccountsRequired);

    let mut ix = sdk::create_bounty(&h.treasury, keeper, Some(token), 0, args());
    let escrow = sdk::bounty_escrow(&h.treasury.bounty(0), &token);
    covenant_tests::swap_account(&mut ix, escrow, sdk::meme_token_account(&keeper, &token.mint));
    assert_program_error(h.as_keeper(ix).await, CovenantError::EscrowAccountMismatch);

    // A mint passed along with the SOL policy.
    let sol_policy = covenant::policy::PolicyLimits { ..limits(1_000_000, 1_000_000) };
    h.as_operator(sdk::create_sol_policy(&h.treasury, sol_policy)).await.expect("sol policy");
    let mut ix = sdk::create_bounty(&h.treasury, keeper, Some(token), 0, args());
    covenant_tests::swap_account(&mut ix, h.treasury.policy(&token.mint), h.treasury.policy(&Pubkey::default()));
    assert_program_error(h.as_keeper(ix).await, CovenantError::PolicyAssetMismatch);

    let ix = sdk::create_bounty(&h.treasury, keeper, Some(token), 0, args());
    h.as_keeper(ix).await.expect("created");
    let fan = funded_fan(&mut h).await;
    let bounty = h.treasury.bounty(0);
    claim(&mut h, bounty, &fan).await.expect("claimed");
    tokens::create_ata(&mut h.bank, fan.pubkey(), token.mint, TOKEN_2022).await;
    let mut approve =
        sdk::approve_claim(&h.treasury, keeper, h.treasury.bounty(0), fan.pubkey(), Some(token), decision(1));
    let escrow = sdk::bounty_escrow(&h.treasury.bounty(0), &token);
    covenant_tests::swap_account(&mut approve, escrow, h.treasury.vault_token_account(&token.mint, &token.program));
    assert_program_error(h.as_keeper(approve).await, CovenantError::EscrowAccountMismatch);
}
