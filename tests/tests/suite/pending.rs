//! Rule 4: above the co-sign threshold nothing moves without the timelock or the operator.
//! Pending spends: propose, wait or approve, execute (window and payee rules at execution time),
//! cancel by operator or guardian, expiry, replay, and closing for rent.

use anchor_lang::prelude::Pubkey;
use covenant::constants::{PENDING_GRACE_SECONDS, SOL_ASSET};
use covenant::errors::CovenantError;
use covenant::events::{
    PendingSpendApproved, PendingSpendCancelled, PendingSpendClosed, PendingSpendExpired, PendingSpendProposed, Spent,
};
use covenant::instructions::{AddPayeeArgs, ProposeSpendArgs};
use covenant::policy::{PendingStatus, PolicyLimits};
use covenant::sdk::{self, TokenMint, TreasuryAddresses};
use covenant::state::PendingSpend;
use covenant_tests::tokens::{self, TOKEN_2022};
use covenant_tests::{assert_program_error, decision, limits, Events, Harness, TxFailure};
use solana_keypair::Keypair;
use solana_signer::Signer;

const MILLI: u64 = 1_000_000;
const TIMELOCK: u32 = 3_600;

/// Direct spends up to 2 milli-SOL; up to 10 per spend with a co-signer or the 1 h timelock.
fn cosigned_limits() -> PolicyLimits {
    PolicyLimits { cosign_threshold: Some(2 * MILLI), timelock_seconds: TIMELOCK, ..limits(10 * MILLI, 15 * MILLI) }
}

async fn setup() -> (Harness, Pubkey) {
    let h = Harness::with_sol_policy(cosigned_limits(), 100 * MILLI).await;
    (h, Keypair::new().pubkey())
}

fn args(recipient: Pubkey, amount: u64) -> ProposeSpendArgs {
    ProposeSpendArgs { recipient, amount, purpose: "GPU rental for the month".into(), decision: decision(99) }
}

async fn propose(h: &mut Harness, asset: Pubkey, recipient: Pubkey, amount: u64) -> Result<Events, TxFailure> {
    let id = h.treasury_state().await.next_pending_id;
    let ix = sdk::propose_spend(&h.treasury, h.roles.keeper.pubkey(), asset, id, args(recipient, amount));
    h.as_keeper(ix).await
}

async fn pending(h: &mut Harness, id: u64) -> PendingSpend {
    let address = h.treasury.pending(id);
    h.bank.account(address).await
}

fn execute(h: &Harness, id: u64, recipient: Pubkey) -> anchor_lang::solana_program::instruction::Instruction {
    sdk::execute_pending_sol(&h.treasury, h.roles.keeper.pubkey(), id, recipient)
}

#[tokio::test]
async fn large_spend_waits_out_the_timelock_then_executes() {
    let (mut h, recipient) = setup().await;
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, 5 * MILLI, 1)).await, CovenantError::CosignRequired);

    let events = propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    let proposed = events.one::<PendingSpendProposed>();
    let now = h.bank.now().await;
    assert_eq!((proposed.id, proposed.amount, proposed.executable_at), (0, 5 * MILLI, now + i64::from(TIMELOCK)));
    assert_eq!(h.treasury_state().await.next_pending_id, 1);

    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::TimelockActive);
    h.bank.warp_seconds(i64::from(TIMELOCK) - 1).await;
    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::TimelockActive);
    h.bank.warp_seconds(1).await;
    let spent = h.as_keeper(execute(&h, 0, recipient)).await.unwrap().one::<Spent>();
    assert_eq!((spent.pending_id, spent.amount, spent.decision), (Some(0), 5 * MILLI, decision(99)));
    assert_eq!(h.bank.lamports(recipient).await, 5 * MILLI);
    assert_eq!(pending(&mut h, 0).await.status, PendingStatus::Executed);

    // Replaying the executed pending spend fails.
    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::PendingSpendNotActive);
    assert_eq!(h.bank.lamports(recipient).await, 5 * MILLI);
}

#[tokio::test]
async fn proposals_must_be_above_the_threshold_and_within_the_per_tx_max() {
    let (mut h, recipient) = setup().await;
    assert_program_error(propose(&mut h, SOL_ASSET, recipient, 2 * MILLI).await, CovenantError::BelowCosignThreshold);
    assert_program_error(propose(&mut h, SOL_ASSET, recipient, 10 * MILLI + 1).await, CovenantError::ExceedsPerTxMax);
    let id = h.treasury_state().await.next_pending_id;
    let mut bad = args(recipient, 5 * MILLI);
    bad.purpose = String::new();
    let ix = sdk::propose_spend(&h.treasury, h.roles.keeper.pubkey(), SOL_ASSET, id, bad);
    assert_program_error(h.as_keeper(ix).await, CovenantError::InvalidPurpose);
    let vault = h.treasury.vault;
    assert_program_error(propose(&mut h, SOL_ASSET, vault, 5 * MILLI).await, CovenantError::InvalidRecipient);
    // A policy without a threshold has nothing to co-sign.
    h.as_operator(sdk::update_policy(&h.treasury, SOL_ASSET, limits(10 * MILLI, 15 * MILLI))).await.unwrap();
    assert_program_error(propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await, CovenantError::BelowCosignThreshold);
}

#[tokio::test]
async fn operator_approval_makes_it_executable_at_once() {
    let (mut h, recipient) = setup().await;
    propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    let events = h.as_operator(sdk::approve_pending(&h.treasury, 0)).await.unwrap();
    assert_eq!(events.one::<PendingSpendApproved>().operator, h.roles.operator.pubkey());
    assert_program_error(h.as_operator(sdk::approve_pending(&h.treasury, 0)).await, CovenantError::AlreadyApproved);
    h.as_keeper(execute(&h, 0, recipient)).await.expect("approved: no wait");
    assert_eq!(h.bank.lamports(recipient).await, 5 * MILLI);
}

#[tokio::test]
async fn operator_or_guardian_cancels_and_nothing_runs_afterwards() {
    let (mut h, recipient) = setup().await;
    for id in [0, 1] {
        propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
        let canceller = if id == 0 { &h.roles.operator } else { &h.roles.guardian };
        let ix = sdk::cancel_pending(&h.treasury, canceller.pubkey(), id);
        let events = h.bank.send(&[ix], &[canceller]).await.unwrap();
        assert_eq!(events.one::<PendingSpendCancelled>().by, canceller.pubkey());
    }
    h.bank.warp_seconds(i64::from(TIMELOCK)).await;
    for id in [0, 1] {
        assert_program_error(h.as_keeper(execute(&h, id, recipient)).await, CovenantError::PendingSpendNotActive);
        assert_program_error(
            h.as_operator(sdk::approve_pending(&h.treasury, id)).await,
            CovenantError::PendingSpendNotActive,
        );
    }
    assert_eq!(h.bank.lamports(recipient).await, 0);
}

#[tokio::test]
async fn a_third_party_can_do_none_of_it() {
    let (mut h, recipient) = setup().await;
    let stranger = &h.roles.stranger;
    let ix = sdk::propose_spend(&h.treasury, stranger.pubkey(), SOL_ASSET, 0, args(recipient, 5 * MILLI));
    assert_program_error(h.bank.send(&[ix], &[stranger]).await, CovenantError::NotKeeper);

    propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    let stranger = &h.roles.stranger;
    let pretend = TreasuryAddresses { operator: stranger.pubkey(), ..h.treasury };
    assert_program_error(
        h.bank.send(&[sdk::approve_pending(&pretend, 0)], &[stranger]).await,
        CovenantError::NotOperator,
    );
    let keeper_pretends = TreasuryAddresses { operator: h.roles.keeper.pubkey(), ..h.treasury };
    assert_program_error(h.as_keeper(sdk::approve_pending(&keeper_pretends, 0)).await, CovenantError::NotOperator);
    for signer in [&h.roles.stranger, &h.roles.keeper] {
        let ix = sdk::cancel_pending(&h.treasury, signer.pubkey(), 0);
        assert_program_error(h.bank.send(&[ix], &[signer]).await, CovenantError::NotGuardianOrOperator);
    }
    h.bank.warp_seconds(i64::from(TIMELOCK)).await;
    let stranger = &h.roles.stranger;
    let ix = sdk::execute_pending_sol(&h.treasury, stranger.pubkey(), 0, recipient);
    assert_program_error(h.bank.send(&[ix], &[stranger]).await, CovenantError::NotKeeper);
    // Nor can the keeper redirect it.
    let mut ix = execute(&h, 0, recipient);
    let thief = Keypair::new().pubkey();
    covenant_tests::swap_account(&mut ix, recipient, thief);
    covenant_tests::swap_account(&mut ix, h.treasury.payee(&recipient), h.treasury.payee(&thief));
    assert_program_error(h.as_keeper(ix).await, CovenantError::RecipientMismatch);
    assert_eq!(pending(&mut h, 0).await.status, PendingStatus::Proposed);
}

#[tokio::test]
async fn the_window_cap_and_payee_rules_still_bind_at_execution() {
    let (mut h, recipient) = setup().await;
    propose(&mut h, SOL_ASSET, recipient, 10 * MILLI).await.unwrap();
    h.as_operator(sdk::approve_pending(&h.treasury, 0)).await.unwrap();
    // Fill the window with direct spends: 6 of 15 left < 10.
    for n in 0..4 {
        h.as_keeper(h.spend_sol_ix(Keypair::new().pubkey(), 2 * MILLI - n, n)).await.unwrap();
    }
    let spent_before = h.sol_policy().await.window.spent;
    assert!(spent_before + 10 * MILLI > 15 * MILLI);
    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::ExceedsPeriodCap);

    // Next window: the cap allows it, but the operator now requires allowlisted payees.
    h.bank.warp_seconds(86_400).await;
    let strict = PolicyLimits { allowlist_required: true, ..cosigned_limits() };
    h.as_operator(sdk::update_policy(&h.treasury, SOL_ASSET, strict)).await.unwrap();
    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::PayeeNotAllowlisted);
    let payee =
        AddPayeeArgs { recipient, label: "gpu".into(), category: "inference".into(), budget: None, expires_at: None };
    h.as_operator(sdk::add_payee(&h.treasury, payee)).await.unwrap();
    let spent = h.as_keeper(execute(&h, 0, recipient)).await.unwrap().one::<Spent>();
    assert_eq!(spent.category.as_deref(), Some("inference"));
}

#[tokio::test]
async fn pause_stops_execution() {
    let (mut h, recipient) = setup().await;
    propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    h.as_operator(sdk::approve_pending(&h.treasury, 0)).await.unwrap();
    h.as_guardian(sdk::pause(&h.treasury, h.roles.guardian.pubkey())).await.unwrap();
    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::TreasuryPaused);
    assert_program_error(propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await, CovenantError::TreasuryPaused);
}

#[tokio::test]
async fn expired_pending_spends_cannot_run_and_close_for_rent() {
    let (mut h, recipient) = setup().await;
    propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    let keeper = h.roles.keeper.pubkey();
    let address = h.treasury.pending(0);
    let rent = h.bank.lamports(address).await;
    let close = sdk::close_pending(&h.treasury, h.roles.stranger.pubkey(), 0, keeper);
    assert_program_error(h.as_stranger(close.clone()).await, CovenantError::PendingSpendStillActive);

    h.bank.warp_seconds(i64::from(TIMELOCK) + PENDING_GRACE_SECONDS).await;
    assert_program_error(h.as_keeper(execute(&h, 0, recipient)).await, CovenantError::PendingSpendExpired);
    assert_program_error(h.as_operator(sdk::approve_pending(&h.treasury, 0)).await, CovenantError::PendingSpendExpired);

    // The rent can only go back to the proposer.
    let wrong = sdk::close_pending(&h.treasury, h.roles.stranger.pubkey(), 0, h.roles.stranger.pubkey());
    assert_program_error(h.as_stranger(wrong).await, CovenantError::RentRecipientMismatch);

    let before = h.bank.lamports(keeper).await;
    let events = h.as_stranger(close).await.unwrap();
    assert_eq!(events.one::<PendingSpendExpired>().id, 0);
    assert_eq!(events.one::<PendingSpendClosed>().status, PendingStatus::Proposed);
    assert_eq!(h.bank.lamports(keeper).await, before + rent);
    assert!(!h.bank.exists(address).await);
}

#[tokio::test]
async fn executed_pending_spend_closes_and_returns_rent() {
    let (mut h, recipient) = setup().await;
    propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    h.as_operator(sdk::approve_pending(&h.treasury, 0)).await.unwrap();
    h.as_keeper(execute(&h, 0, recipient)).await.unwrap();
    let keeper = h.roles.keeper.pubkey();
    let events = h.as_keeper(sdk::close_pending(&h.treasury, keeper, 0, keeper)).await.unwrap();
    assert_eq!(events.one::<PendingSpendClosed>().status, PendingStatus::Executed);
    assert!(events.all::<PendingSpendExpired>().is_empty());
}

#[tokio::test]
async fn token_pending_spend_follows_the_same_rules() {
    let mut h = Harness::new().await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[]).await;
    let token = TokenMint { mint, program: TOKEN_2022 };
    let token_limits = PolicyLimits { cosign_threshold: Some(100), timelock_seconds: TIMELOCK, ..limits(1_000, 1_500) };
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN_2022, token_limits)).await.unwrap();
    let vault_tokens = h.treasury.vault_token_account(&mint, &TOKEN_2022);
    tokens::mint_to(&mut h.bank, mint, TOKEN_2022, vault_tokens, 10_000).await;
    let recipient = Keypair::new().pubkey();
    let recipient_tokens = tokens::create_ata(&mut h.bank, recipient, mint, TOKEN_2022).await;

    let direct = sdk::spend_token(&h.treasury, h.roles.keeper.pubkey(), token, recipient, 101, decision(1));
    assert_program_error(h.as_keeper(direct).await, CovenantError::CosignRequired);
    propose(&mut h, mint, recipient, 800).await.unwrap();
    let run = sdk::execute_pending_token(&h.treasury, h.roles.keeper.pubkey(), 0, token, recipient);
    assert_program_error(h.as_keeper(run.clone()).await, CovenantError::TimelockActive);
    h.bank.warp_seconds(i64::from(TIMELOCK)).await;
    let spent = h.as_keeper(run.clone()).await.unwrap().one::<Spent>();
    assert_eq!((spent.asset, spent.amount, spent.pending_id), (mint, 800, Some(0)));
    assert_eq!(tokens::token_balance(&mut h.bank, recipient_tokens).await, 800);
    assert_program_error(h.as_keeper(run).await, CovenantError::PendingSpendNotActive);

    // A SOL pending spend cannot be executed through the token path.
    h.as_operator(sdk::create_sol_policy(&h.treasury, cosigned_limits())).await.unwrap();
    h.fund_vault(100 * MILLI).await;
    propose(&mut h, SOL_ASSET, recipient, 5 * MILLI).await.unwrap();
    h.as_operator(sdk::approve_pending(&h.treasury, 1)).await.unwrap();
    let wrong_path = sdk::execute_pending_token(&h.treasury, h.roles.keeper.pubkey(), 1, token, recipient);
    assert_program_error(h.as_keeper(wrong_path).await, CovenantError::PolicyAssetMismatch);
}
