//! Disputes, the edges: terms a bounty may not set, closing while something is owed or disputable,
//! appeals that no longer fit, pre-funded and dusted dispute accounts, a named arbiter, a pause,
//! and a token bounty whose owed reward is paid in tokens.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use covenant::errors::CovenantError;
use covenant::events::{BountyClosed, ClaimPaid, DisputeResolved};
use covenant::instructions::CreateBountyArgs;
use covenant::sdk;
use covenant::state::{Bounty, DisputeTerms};
use covenant_tests::bank::SOL;
use covenant_tests::tokens::{self, TOKEN_2022};
use covenant_tests::{assert_anchor_error, assert_program_error, decision, limits, swap_account, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bounties::{bounty_args, claim, funded_fan};
use crate::disputes::{terms, Disputed, BOND, REWARD, WINDOW};
use crate::token_bounties::meme_treasury;

// Enough for a bare system account to exist.
const DUST: u64 = 1_000_000;

#[tokio::test]
async fn a_bounty_cannot_set_disputes_without_a_bond_or_arbiter_or_judged_by_its_keeper() {
    let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 50 * SOL).await;
    let deadline = h.bank.now().await + i64::from(DAY);
    let keeper = h.roles.keeper.pubkey();
    let bad = [
        DisputeTerms { bond: 0, ..terms() },
        DisputeTerms { challenge_window: 0, ..terms() },
        DisputeTerms { arbiter: Some(keeper), ..terms() },
        DisputeTerms { challenge_window: 31 * i64::from(DAY), ..terms() },
    ];
    for disputes in bad {
        let args = CreateBountyArgs { disputes, ..bounty_args(REWARD, 2, deadline) };
        let ix = sdk::create_bounty(&h.treasury, keeper, None, 0, args);
        assert_program_error(h.as_keeper(ix).await, CovenantError::InvalidDisputeTerms);
    }
    // Without a guardian, disputes need a named arbiter.
    h.as_operator(sdk::set_guardian(&h.treasury, None)).await.expect("guardian removed");
    let args = CreateBountyArgs { disputes: terms(), ..bounty_args(REWARD, 2, deadline) };
    assert_program_error(
        h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, 0, args)).await,
        CovenantError::InvalidDisputeTerms,
    );
    assert_eq!(h.vault_spendable().await, 50 * SOL, "nothing was funded");
}

#[tokio::test]
async fn a_bounty_without_disputes_pays_at_approval_and_refuses_disputes() {
    let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 50 * SOL).await;
    let deadline = h.bank.now().await + i64::from(DAY);
    let keeper = h.roles.keeper.pubkey();
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, 0, bounty_args(REWARD, 2, deadline)))
        .await
        .expect("bounty");
    let bounty = h.treasury.bounty(0);
    let fan = funded_fan(&mut h).await;
    claim(&mut h, bounty, &fan).await.expect("claimed");
    let approve = sdk::approve_claim(&h.treasury, keeper, bounty, fan.pubkey(), None, decision(1));
    let paid = h.as_keeper(approve).await.expect("approved").one::<ClaimPaid>();
    assert_eq!((paid.reward, paid.escrow_left), (REWARD, REWARD));
    let stranger = h.roles.stranger.pubkey();
    let dispute = sdk::dispute_claim(stranger, bounty, fan.pubkey(), 0);
    assert_program_error(h.as_stranger(dispute).await, CovenantError::DisputesNotEnabled);
}

#[tokio::test]
async fn a_bounty_closes_only_once_nothing_is_owed_open_or_still_disputable() {
    let mut d = Disputed::open(1).await;
    let fan = d.claimant().await;
    d.h.as_keeper(d.approve(&fan)).await.expect("approved: the bounty is full");
    let operator = d.h.roles.operator.pubkey();
    let close = sdk::close_bounty(&d.h.treasury, operator, d.bounty, d.h.roles.keeper.pubkey(), None);
    assert_program_error(d.h.as_operator(close.clone()).await, CovenantError::BountyUnsettled);
    let stranger = d.stranger();
    d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("challenged");
    let now = d.h.bank.now().await;
    d.h.bank.warp_seconds(d.deadline - now).await;
    assert_program_error(d.h.as_operator(close.clone()).await, CovenantError::BountyUnsettled);
    let guardian = d.guardian();
    d.h.as_guardian(d.rule(guardian, &fan, stranger, false)).await.expect("upheld");
    assert_program_error(d.h.as_operator(close.clone()).await, CovenantError::BountyUnsettled);
    d.h.as_stranger(d.pay(&fan)).await.expect("paid");
    let vault_before = d.h.vault_spendable().await;
    let closed = d.h.as_operator(close).await.expect("settled: closes").one::<BountyClosed>();
    assert_eq!((closed.paid, closed.returned), (REWARD, 0));
    assert_eq!(d.h.vault_spendable().await, vault_before);
}

#[tokio::test]
async fn a_rejection_keeps_the_bounty_open_for_its_appeal_window() {
    let mut d = Disputed::open(2).await;
    let fan = d.claimant().await;
    let now = d.h.bank.now().await;
    d.h.bank.warp_seconds(d.deadline - now - 10).await;
    d.h.as_keeper(d.reject(&fan)).await.expect("rejected just before the deadline");
    d.h.bank.warp_seconds(10).await;
    let operator = d.h.roles.operator.pubkey();
    let close = sdk::close_bounty(&d.h.treasury, operator, d.bounty, d.h.roles.keeper.pubkey(), None);
    assert_program_error(d.h.as_operator(close.clone()).await, CovenantError::BountyUnsettled);
    d.h.bank.warp_seconds(WINDOW - 10).await;
    d.h.as_operator(close).await.expect("the appeal window has passed");
}

#[tokio::test]
async fn an_appeal_that_could_not_be_paid_is_refused() {
    let mut d = Disputed::open(1).await;
    let (winner, loser) = (d.claimant().await, d.claimant().await);
    d.h.as_keeper(d.reject(&loser)).await.expect("rejected");
    d.h.as_keeper(d.approve(&winner)).await.expect("the one slot is taken");
    let appeal = d.dispute(loser.pubkey(), &loser, BOND);
    assert_program_error(d.h.bank.send(&[appeal], &[&loser]).await, CovenantError::BountyFull);
    // And an open appeal holds its slot against the keeper's next approval.
    let mut d = Disputed::open(1).await;
    let (appellant, next) = (d.claimant().await, d.claimant().await);
    d.h.as_keeper(d.reject(&appellant)).await.expect("rejected");
    d.h.bank.send(&[d.dispute(appellant.pubkey(), &appellant, BOND)], &[&appellant]).await.expect("appealed");
    assert_program_error(d.h.as_keeper(d.approve(&next)).await, CovenantError::BountyFull);
}

#[tokio::test]
async fn a_prefunded_or_dusted_dispute_account_neither_blocks_nor_enriches_anyone() {
    let mut d = Disputed::open(2).await;
    let fan = d.claimant().await;
    d.h.as_keeper(d.approve(&fan)).await.expect("approved");
    let (stranger, guardian) = (d.stranger(), d.guardian());
    let dispute = d.dispute_address(&fan);
    d.h.bank.transfer(dispute, DUST).await;
    let before = d.balance(stranger).await;
    d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("pre-funding cannot block a challenge");
    let rent = d.h.bank.rent_of(dispute).await;
    assert_eq!(d.balance(dispute).await, rent + BOND);
    assert_eq!(before - d.balance(stranger).await, rent + BOND - DUST, "what was sent counts towards the rent");
    // Dust sent while it is open goes back with the rent, never into the bond.
    d.h.bank.transfer(dispute, DUST).await;
    let (fan_before, stranger_before) = (d.balance(fan.pubkey()).await, d.balance(stranger).await);
    let resolved = d.h.as_guardian(d.rule(guardian, &fan, stranger, false)).await.expect("upheld");
    assert_eq!(resolved.one::<DisputeResolved>().bond, BOND);
    assert_eq!(d.balance(fan.pubkey()).await, fan_before + BOND, "the winner gets exactly the bond");
    assert_eq!(d.balance(stranger).await, stranger_before + rent + DUST);
    assert!(!d.h.bank.exists(dispute).await);
}

#[tokio::test]
async fn settling_with_another_claims_dispute_or_the_wrong_recipients_is_refused() {
    let mut d = Disputed::open(3).await;
    let (fan, other) = (d.claimant().await, d.claimant().await);
    d.h.as_keeper(d.approve(&fan)).await.expect("approved");
    d.h.as_keeper(d.approve(&other)).await.expect("approved");
    let (stranger, guardian) = (d.stranger(), d.guardian());
    d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("challenged");
    // The bond cannot be steered: the disputer and claimant accounts are the dispute's own.
    let thief = Keypair::new().pubkey();
    assert_program_error(
        d.h.as_guardian(d.rule(guardian, &fan, thief, true)).await,
        CovenantError::RentRecipientMismatch,
    );
    let mut wrong_claimant = d.rule(guardian, &fan, stranger, false);
    swap_account(&mut wrong_claimant, fan.pubkey(), thief);
    assert_program_error(d.h.as_guardian(wrong_claimant).await, CovenantError::RecipientMismatch);
    // Another claim's dispute does not settle this one.
    let mut crossed = d.rule(guardian, &other, stranger, false);
    swap_account(&mut crossed, d.dispute_address(&other), d.dispute_address(&fan));
    assert_anchor_error(d.h.as_guardian(crossed).await, ErrorCode::ConstraintSeeds);
    // Nor does the vault of another treasury take a bond.
    let mut vault = d.rule(guardian, &fan, stranger, false);
    swap_account(&mut vault, d.h.treasury.vault, thief);
    assert_anchor_error(d.h.as_guardian(vault).await, ErrorCode::ConstraintSeeds);
    let state: Bounty = d.state().await;
    assert_eq!(state.disputes_open, 1, "still open");
}

#[tokio::test]
async fn a_named_arbiter_rules_instead_of_the_guardian_and_a_pause_holds_payment_not_disputes() {
    let mut h = Harness::with_sol_policy(limits(10 * SOL, 20 * SOL), 50 * SOL).await;
    let deadline = h.bank.now().await + i64::from(DAY);
    let keeper = h.roles.keeper.pubkey();
    let arbiter = Keypair::new();
    let disputes = DisputeTerms { arbiter: Some(arbiter.pubkey()), ..terms() };
    let args = CreateBountyArgs { disputes, ..bounty_args(REWARD, 2, deadline) };
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, 0, args)).await.expect("bounty");
    let mut d = Disputed { h, bounty: Pubkey::default(), deadline };
    d.bounty = d.h.treasury.bounty(0);
    assert_eq!(d.state().await.arbiter, arbiter.pubkey());
    let fan = d.claimant().await;
    d.h.as_keeper(d.approve(&fan)).await.expect("approved");
    let guardian = d.guardian();
    d.h.as_guardian(sdk::pause(&d.h.treasury, guardian)).await.expect("paused");
    let stranger = d.stranger();
    d.h.as_stranger(d.dispute(stranger, &fan, BOND)).await.expect("a pause does not stop a challenge");
    assert_program_error(d.h.as_guardian(d.rule(guardian, &fan, stranger, false)).await, CovenantError::NotArbiter);
    d.h.bank.send(&[d.rule(arbiter.pubkey(), &fan, stranger, false)], &[&arbiter]).await.expect("the arbiter rules");
    assert_program_error(d.h.as_stranger(d.pay(&fan)).await, CovenantError::TreasuryPaused);
    d.h.as_operator(sdk::unpause(&d.h.treasury)).await.expect("unpaused");
    d.h.as_stranger(d.pay(&fan)).await.expect("paid once unpaused");
}

#[tokio::test]
async fn an_owed_token_reward_is_paid_in_tokens_after_the_window() {
    let (mut h, token) = meme_treasury().await;
    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    let args = CreateBountyArgs { disputes: terms(), ..bounty_args(1_000, 3, deadline) };
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, Some(token), 0, args)).await.expect("token bounty");
    let bounty = h.treasury.bounty(0);
    let fan = funded_fan(&mut h).await;
    claim(&mut h, bounty, &fan).await.expect("claimed");
    let fan_tokens = tokens::create_ata(&mut h.bank, fan.pubkey(), token.mint, TOKEN_2022).await;
    // Approval moves nothing, so it needs no token accounts.
    h.as_keeper(sdk::approve_claim(&h.treasury, keeper, bounty, fan.pubkey(), None, decision(1)))
        .await
        .expect("approved");
    assert_eq!(tokens::token_balance(&mut h.bank, fan_tokens).await, 0);
    h.bank.warp_seconds(WINDOW).await;
    let stranger = h.roles.stranger.pubkey();
    assert_program_error(
        h.as_stranger(sdk::pay_claim(&h.treasury, stranger, bounty, fan.pubkey(), None)).await,
        CovenantError::TokenAccountsRequired,
    );
    h.as_stranger(sdk::pay_claim(&h.treasury, stranger, bounty, fan.pubkey(), Some(token))).await.expect("paid");
    assert_eq!(tokens::token_balance(&mut h.bank, fan_tokens).await, 1_000);
    assert_eq!(tokens::token_balance(&mut h.bank, sdk::bounty_escrow(&bounty, &token)).await, 2_000);
}
