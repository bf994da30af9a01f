//! Keeper SOL spends: rule 1 (only the keeper), rule 2 (per-tx max and window caps, whatever the
//! number, order or slot of transactions), rule 9 (amounts near u64::MAX fail cleanly).

use anchor_lang::error::ErrorCode;
use covenant::errors::CovenantError;
use covenant::events::Spent;
use covenant::policy::PolicyLimits;
use covenant::sdk;
use covenant_tests::fixture::DAY;
use covenant_tests::{assert_anchor_error, assert_program_error, assert_runtime_error, decision, limits, Harness};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const MILLI: u64 = 1_000_000;

#[tokio::test]
async fn keeper_spend_within_limits_pays_and_records_everything() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 25 * MILLI), 100 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    let events = h.as_keeper(h.spend_sol_ix(recipient, 10 * MILLI, 42)).await.unwrap();

    assert_eq!(h.bank.lamports(recipient).await, 10 * MILLI);
    assert_eq!(h.vault_spendable().await, 90 * MILLI);
    let spent = events.one::<Spent>();
    assert_eq!(spent.amount, 10 * MILLI);
    assert_eq!(spent.recipient, recipient);
    assert_eq!(spent.keeper, h.roles.keeper.pubkey());
    assert_eq!(spent.window_spent, 10 * MILLI);
    assert_eq!(spent.vault_balance, 90 * MILLI);
    assert_eq!(spent.decision, decision(42));
    assert_eq!(spent.category, None);
    let policy = h.sol_policy().await;
    assert_eq!((policy.total_spent, policy.window.spent), (10 * MILLI, 10 * MILLI));
}

#[tokio::test]
async fn only_the_keeper_spends() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 25 * MILLI), 100 * MILLI).await;
    for signer in [&h.roles.operator, &h.roles.guardian, &h.roles.donor, &h.roles.stranger] {
        let ix = sdk::spend_sol(&h.treasury, signer.pubkey(), signer.pubkey(), MILLI, decision(1));
        assert_program_error(h.bank.send(&[ix], &[signer]).await, CovenantError::NotKeeper);
    }
    assert_eq!(h.vault_spendable().await, 100 * MILLI);
}

#[tokio::test]
async fn per_transaction_max_binds_each_spend() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 100 * MILLI).await;
    let ix = h.spend_sol_ix(Keypair::new().pubkey(), 10 * MILLI + 1, 1);
    assert_program_error(h.as_keeper(ix).await, CovenantError::ExceedsPerTxMax);
}

#[tokio::test]
async fn zero_amount_is_refused() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 100 * MILLI).await;
    let ix = h.spend_sol_ix(Keypair::new().pubkey(), 0, 1);
    assert_program_error(h.as_keeper(ix).await, CovenantError::ZeroAmount);
}

#[tokio::test]
async fn many_spends_in_one_slot_stop_at_the_window_cap() {
    let mut h = Harness::with_sol_policy(limits(3 * MILLI, 10 * MILLI), 100 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    // Same slot, same blockhash: only the decision records tell the transactions apart.
    let slot = h.bank.clock().await.slot;
    for n in 0..3 {
        h.as_keeper(h.spend_sol_ix(recipient, 3 * MILLI, n)).await.unwrap();
    }
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, 2 * MILLI, 9)).await, CovenantError::ExceedsPeriodCap);
    h.as_keeper(h.spend_sol_ix(recipient, MILLI, 10)).await.expect("exactly the cap is allowed");
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, 1, 11)).await, CovenantError::ExceedsPeriodCap);
    assert_eq!(h.bank.clock().await.slot, slot, "all in one slot");
    assert_eq!(h.bank.lamports(recipient).await, 10 * MILLI);
}

#[tokio::test]
async fn several_spends_in_one_transaction_cannot_pass_the_cap_together() {
    let mut h = Harness::with_sol_policy(limits(4 * MILLI, 10 * MILLI), 100 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    let ixs: Vec<_> = (0..3).map(|n| h.spend_sol_ix(recipient, 4 * MILLI, n)).collect();
    let result = h.bank.send(&ixs, &[&h.roles.keeper]).await;
    assert_runtime_error(
        result,
        TransactionError::InstructionError(2, InstructionError::Custom(CovenantError::ExceedsPeriodCap.into())),
    );
    assert_eq!(h.bank.lamports(recipient).await, 0, "the whole transaction rolled back");
}

#[tokio::test]
async fn window_resets_by_whole_periods_without_drift() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 10 * MILLI), 100 * MILLI).await;
    let anchor = h.sol_policy().await.window.start;
    let recipient = Keypair::new().pubkey();
    h.as_keeper(h.spend_sol_ix(recipient, 10 * MILLI, 1)).await.unwrap();

    // One second before the period ends the window is still full.
    let now = h.bank.now().await;
    h.bank.warp_seconds(anchor + i64::from(DAY) - 1 - now).await;
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, 1, 2)).await, CovenantError::ExceedsPeriodCap);

    // 2.5 periods later a spend lands in the window that starts at anchor + 2 periods, not at the
    // time of the spend.
    h.bank.warp_seconds(i64::from(DAY) + i64::from(DAY) / 2 + 1).await;
    let events = h.as_keeper(h.spend_sol_ix(recipient, 10 * MILLI, 3)).await.unwrap();
    assert_eq!(events.one::<Spent>().window_start, anchor + 2 * i64::from(DAY));
    assert_eq!(h.sol_policy().await.window.start, anchor + 2 * i64::from(DAY));
}

#[tokio::test]
async fn spend_above_cosign_threshold_needs_a_cosigner() {
    let limits = PolicyLimits { cosign_threshold: Some(2 * MILLI), ..limits(10 * MILLI, 100 * MILLI) };
    let mut h = Harness::with_sol_policy(limits, 100 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, 2 * MILLI + 1, 1)).await, CovenantError::CosignRequired);
    h.as_keeper(h.spend_sol_ix(recipient, 2 * MILLI, 2)).await.expect("at the threshold is fine");
}

#[tokio::test]
async fn vault_keeps_its_rent_floor_and_refuses_overdrafts() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 5 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    assert_program_error(
        h.as_keeper(h.spend_sol_ix(recipient, 5 * MILLI + 1, 1)).await,
        CovenantError::InsufficientFunds,
    );
    h.as_keeper(h.spend_sol_ix(recipient, 5 * MILLI, 2)).await.expect("everything above rent");
    assert_eq!(h.vault_spendable().await, 0);
}

#[tokio::test]
async fn amounts_near_u64_max_fail_cleanly() {
    let mut h = Harness::with_sol_policy(limits(u64::MAX, u64::MAX), 5 * MILLI).await;
    let recipient = Keypair::new().pubkey();
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, u64::MAX, 1)).await, CovenantError::InsufficientFunds);
    h.as_keeper(h.spend_sol_ix(recipient, MILLI, 2)).await.unwrap();
    // Window usage + amount would wrap: refused as overflow, never wrapped.
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, u64::MAX, 3)).await, CovenantError::MathOverflow);
    assert_eq!(h.sol_policy().await.window.spent, MILLI);
}

#[tokio::test]
async fn the_vault_cannot_pay_itself() {
    let mut h = Harness::with_sol_policy(limits(10 * MILLI, 100 * MILLI), 10 * MILLI).await;
    let ix = h.spend_sol_ix(h.treasury.vault, MILLI, 1);
    assert_program_error(h.as_keeper(ix).await, CovenantError::InvalidRecipient);
}

#[tokio::test]
async fn a_treasury_without_a_sol_policy_cannot_spend_sol() {
    let mut h = Harness::new().await;
    h.fund_vault(10 * MILLI).await;
    let ix = h.spend_sol_ix(Keypair::new().pubkey(), MILLI, 1);
    assert_anchor_error(h.as_keeper(ix).await, ErrorCode::AccountNotInitialized);
}
