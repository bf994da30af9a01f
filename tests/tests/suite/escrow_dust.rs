//! Dust attacks on escrows: tokens or lamports sent to a bounty's or grant's escrow from outside
//! (even before the escrow exists) never lock its close. The ledger's figures go where the
//! ledger says, the surplus to the vault (named in the event), and the accounts close.

use covenant::events::{BountyClosed, GrantClosed};
use covenant::policy::ReleaseSchedule;
use covenant::sdk::{self, TokenMint};
use covenant_tests::bank::SOL;
use covenant_tests::tokens::{self, TOKEN};
use covenant_tests::{decision, limits, Harness, DAY};
use solana_signer::Signer;

use crate::bounties::{bounty_args, claim, funded_fan};
use crate::grants::grant_args;

#[tokio::test]
async fn dust_in_a_token_bounty_escrow_sent_before_it_existed_does_not_lock_its_close() {
    let mut h = Harness::new().await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
    let token = TokenMint { mint, program: TOKEN };
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(50_000, 100_000))).await.expect("policy");
    let vault_tokens = h.treasury.vault_token_account(&mint, &TOKEN);
    tokens::mint_to(&mut h.bank, mint, TOKEN, vault_tokens, 100_000).await;

    // The escrow's address is predictable: the attacker creates it and sends one unit.
    let bounty = h.treasury.bounty(0);
    let escrow = tokens::create_ata(&mut h.bank, bounty, mint, TOKEN).await;
    tokens::mint_to(&mut h.bank, mint, TOKEN, escrow, 1).await;

    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, Some(token), 0, bounty_args(1_000, 5, deadline)))
        .await
        .expect("bounty created over the dusted escrow");
    assert_eq!(tokens::token_balance(&mut h.bank, escrow).await, 5_001);
    let fan = funded_fan(&mut h).await;
    claim(&mut h, bounty, &fan).await.expect("claimed");
    let fan_tokens = tokens::create_ata(&mut h.bank, fan.pubkey(), mint, TOKEN).await;
    let approve = sdk::approve_claim(&h.treasury, keeper, bounty, fan.pubkey(), Some(token), decision(1));
    h.as_keeper(approve).await.expect("paid");

    let now = h.bank.now().await;
    h.bank.warp_seconds(deadline - now).await;
    let operator = h.roles.operator.pubkey();
    let closed = h.as_operator(sdk::close_bounty(&h.treasury, operator, bounty, keeper, Some(token))).await;
    let closed = closed.expect("closed despite the dust").one::<BountyClosed>();
    assert_eq!((closed.paid, closed.returned, closed.surplus), (1_000, 4_000, 1));
    assert_eq!(tokens::token_balance(&mut h.bank, fan_tokens).await, 1_000);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 100_000 - 5_000 + 4_000 + 1);
    assert!(!h.bank.exists(escrow).await && !h.bank.exists(bounty).await);
}

#[tokio::test]
async fn lamports_sent_to_a_sol_bounty_go_to_the_vault_at_close_and_the_creator_gets_its_rent() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), 5 * SOL).await;
    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, 0, bounty_args(SOL / 10, 4, deadline)))
        .await
        .expect("bounty");
    let bounty = h.treasury.bounty(0);
    let rent = h.bank.rent_of(bounty).await;
    h.bank.transfer(bounty, 12_345).await;
    let (vault_before, keeper_before) = (h.vault_spendable().await, h.bank.lamports(keeper).await);

    let now = h.bank.now().await;
    h.bank.warp_seconds(deadline - now).await;
    let operator = h.roles.operator.pubkey();
    let closed = h.as_operator(sdk::close_bounty(&h.treasury, operator, bounty, keeper, None)).await;
    let closed = closed.expect("closed").one::<BountyClosed>();
    assert_eq!((closed.returned, closed.surplus), (4 * SOL / 10, 12_345));
    assert_eq!(h.vault_spendable().await - vault_before, 4 * SOL / 10 + 12_345);
    assert_eq!(h.bank.lamports(keeper).await - keeper_before, rent);
}

#[tokio::test]
async fn lamports_sent_to_a_spent_sol_grant_are_swept_to_the_vault_when_it_closes() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), 0).await;
    let donor = h.roles.donor.insecure_clone();
    let expires = h.bank.now().await + i64::from(DAY);
    let ixs =
        sdk::create_grant(&h.treasury, donor.pubkey(), None, grant_args(1, SOL, ReleaseSchedule::Immediate, expires));
    h.bank.send(&ixs, &[&donor]).await.expect("grant");
    let grant = h.treasury.grant(&donor.pubkey(), 1);
    h.as_stranger(sdk::release_grant(&h.treasury, h.roles.stranger.pubkey(), grant, None)).await.expect("released");
    h.bank.transfer(grant, 777).await;
    let rent = h.bank.rent_of(grant).await;
    let donor_before = h.bank.lamports(donor.pubkey()).await;

    let closed = h.as_donor(sdk::close_grant(&h.treasury, grant, donor.pubkey(), None)).await;
    assert_eq!(closed.expect("closed").one::<GrantClosed>().surplus, 777);
    assert_eq!(h.vault_spendable().await, SOL + 777);
    assert_eq!(h.bank.lamports(donor.pubkey()).await - donor_before, rent);
    assert!(!h.bank.exists(grant).await);
}

#[tokio::test]
async fn lamports_sent_to_a_token_bountys_accounts_go_to_the_vault_not_to_the_keeper() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), SOL).await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
    let token = TokenMint { mint, program: TOKEN };
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(50_000, 100_000))).await.expect("policy");
    let vault_tokens = h.treasury.vault_token_account(&mint, &TOKEN);
    tokens::mint_to(&mut h.bank, mint, TOKEN, vault_tokens, 100_000).await;
    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, Some(token), 0, bounty_args(1_000, 5, deadline)))
        .await
        .expect("bounty");
    let bounty = h.treasury.bounty(0);
    let escrow = sdk::bounty_escrow(&bounty, &token);
    let rents = h.bank.rent_of(bounty).await + h.bank.rent_of(escrow).await;
    // A donor mistakes the bounty (and its escrow) for the treasury and sends SOL to both.
    h.bank.transfer(bounty, 30_000).await;
    h.bank.transfer(escrow, 40_000).await;
    let (vault_before, keeper_before) = (h.vault_spendable().await, h.bank.lamports(keeper).await);

    let now = h.bank.now().await;
    h.bank.warp_seconds(deadline - now).await;
    let operator = h.roles.operator.pubkey();
    let closed = h.as_operator(sdk::close_bounty(&h.treasury, operator, bounty, keeper, Some(token))).await;
    let closed = closed.expect("closed").one::<BountyClosed>();
    assert_eq!((closed.returned, closed.surplus, closed.surplus_lamports), (5_000, 0, 70_000));
    assert_eq!(h.vault_spendable().await - vault_before, 70_000, "the SOL reached the vault");
    assert_eq!(h.bank.lamports(keeper).await - keeper_before, rents, "the keeper got back exactly its rents");
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 100_000);
    assert!(!h.bank.exists(escrow).await && !h.bank.exists(bounty).await);
}

#[tokio::test]
async fn lamports_sent_to_a_token_grants_accounts_go_to_the_vault_not_to_the_donor() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), SOL).await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
    let token = TokenMint { mint, program: TOKEN };
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(50_000, 100_000))).await.expect("policy");
    let donor = h.roles.donor.insecure_clone();
    let donor_tokens = tokens::create_ata(&mut h.bank, donor.pubkey(), mint, TOKEN).await;
    tokens::mint_to(&mut h.bank, mint, TOKEN, donor_tokens, 10_000).await;
    let expires = h.bank.now().await + i64::from(DAY);
    let args = grant_args(3, 10_000, ReleaseSchedule::Immediate, expires);
    h.bank.send(&sdk::create_grant(&h.treasury, donor.pubkey(), Some(token), args), &[&donor]).await.expect("grant");
    let grant = h.treasury.grant(&donor.pubkey(), 3);
    let escrow = sdk::grant_escrow(&grant, &token);
    h.as_stranger(sdk::release_grant(&h.treasury, h.roles.stranger.pubkey(), grant, Some(token))).await.expect("out");
    let rents = h.bank.rent_of(grant).await + h.bank.rent_of(escrow).await;
    h.bank.transfer(grant, 11_000).await;
    h.bank.transfer(escrow, 22_000).await;
    let (vault_before, donor_before) = (h.vault_spendable().await, h.bank.lamports(donor.pubkey()).await);

    let closed = h.as_donor(sdk::close_grant(&h.treasury, grant, donor.pubkey(), Some(token))).await;
    let closed = closed.expect("closed").one::<GrantClosed>();
    assert_eq!((closed.surplus, closed.surplus_lamports), (0, 33_000));
    assert_eq!(h.vault_spendable().await - vault_before, 33_000);
    assert_eq!(h.bank.lamports(donor.pubkey()).await - donor_before, rents, "the donor got back exactly its rents");
    assert!(!h.bank.exists(escrow).await && !h.bank.exists(grant).await);
}

#[tokio::test]
async fn lamports_sent_to_a_pending_spend_go_to_the_vault_when_it_closes() {
    use covenant::events::PendingSpendClosed;
    use covenant::instructions::ProposeSpendArgs;
    let cosigned = covenant::policy::PolicyLimits { cosign_threshold: Some(SOL / 10), ..limits(SOL, 2 * SOL) };
    let mut h = Harness::with_sol_policy(cosigned, SOL).await;
    let keeper = h.roles.keeper.pubkey();
    let args = ProposeSpendArgs {
        recipient: h.roles.stranger.pubkey(),
        amount: SOL / 2,
        purpose: "x".into(),
        decision: decision(1),
    };
    h.as_keeper(sdk::propose_spend(&h.treasury, keeper, covenant::constants::SOL_ASSET, 0, args))
        .await
        .expect("proposed");
    let guardian = h.roles.guardian.pubkey();
    h.as_guardian(sdk::cancel_pending(&h.treasury, guardian, 0)).await.expect("cancelled");
    let pending = h.treasury.pending(0);
    let rent = h.bank.rent_of(pending).await;
    h.bank.transfer(pending, 9_999).await;
    let (vault_before, keeper_before) = (h.vault_spendable().await, h.bank.lamports(keeper).await);
    let closed = h.as_stranger(sdk::close_pending(&h.treasury, h.roles.stranger.pubkey(), 0, keeper)).await;
    assert_eq!(closed.expect("closed").one::<PendingSpendClosed>().surplus_lamports, 9_999);
    assert_eq!(h.vault_spendable().await - vault_before, 9_999);
    assert_eq!(h.bank.lamports(keeper).await - keeper_before, rent);
}
