//! Spend policies: creation, updates, removal, and who may touch them (rule 1).

use anchor_lang::error::ErrorCode;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::{PolicyClosed, PolicyCreated, PolicyUpdated};
use covenant::instructions::CreateTreasuryArgs;
use covenant::policy::PolicyLimits;
use covenant::sdk::{self, TreasuryAddresses};
use covenant_tests::{assert_anchor_error, assert_program_error, limits, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn create_policy_stores_limits_anchor_and_emits_event() {
    let mut h = Harness::new().await;
    let now = h.bank.now().await;
    let events = h.as_operator(sdk::create_sol_policy(&h.treasury, limits(5, 50))).await.unwrap();
    let created = events.one::<PolicyCreated>();
    assert_eq!((created.asset, created.limits, created.window_start), (SOL_ASSET, limits(5, 50), now));
    let policy = h.sol_policy().await;
    assert_eq!(policy.treasury, h.treasury.treasury);
    assert_eq!(policy.limits, limits(5, 50));
    assert_eq!((policy.window.start, policy.window.spent), (now, 0));
}

#[tokio::test]
async fn inconsistent_limits_are_refused_on_create_and_update() {
    let mut h = Harness::new().await;
    let bad = [
        limits(0, 10),
        limits(11, 10),
        PolicyLimits { period_seconds: 0, ..limits(1, 10) },
        PolicyLimits { cosign_threshold: Some(2), ..limits(1, 10) },
        PolicyLimits { timelock_seconds: u32::MAX, ..limits(1, 10) },
    ];
    for limits in bad {
        let ix = sdk::create_sol_policy(&h.treasury, limits);
        assert_program_error(h.as_operator(ix).await, CovenantError::InvalidPolicyLimits);
    }
    h.as_operator(sdk::create_sol_policy(&h.treasury, limits(1, 10))).await.unwrap();
    let ix = sdk::update_policy(&h.treasury, SOL_ASSET, limits(11, 10));
    assert_program_error(h.as_operator(ix).await, CovenantError::InvalidPolicyLimits);
}

#[tokio::test]
async fn only_the_operator_creates_updates_and_closes_policies() {
    let mut h = Harness::with_sol_policy(limits(5, 50), 0).await;
    for signer in [&h.roles.keeper, &h.roles.guardian, &h.roles.stranger] {
        let pretend = TreasuryAddresses { operator: signer.pubkey(), ..h.treasury };
        let update = sdk::update_policy(&pretend, SOL_ASSET, limits(u64::MAX, u64::MAX));
        assert_program_error(h.bank.send(&[update], &[signer]).await, CovenantError::NotOperator);
        let close = sdk::close_policy(&pretend, SOL_ASSET);
        assert_program_error(h.bank.send(&[close], &[signer]).await, CovenantError::NotOperator);
    }
    // Creating: a second treasury of the same operator that has no SOL policy yet.
    let args = CreateTreasuryArgs {
        treasury_id: 1,
        keeper: h.roles.keeper.pubkey(),
        guardian: None,
        config_timelock_seconds: 0,
    };
    h.as_operator(sdk::create_treasury(h.roles.operator.pubkey(), args)).await.unwrap();
    let second = TreasuryAddresses::new(h.roles.operator.pubkey(), 1);
    let pretend = TreasuryAddresses { operator: h.roles.keeper.pubkey(), ..second };
    let create = sdk::create_sol_policy(&pretend, limits(5, 50));
    assert_program_error(h.as_keeper(create).await, CovenantError::NotOperator);
    assert_eq!(h.sol_policy().await.limits, limits(5, 50));
}

#[tokio::test]
async fn update_keeps_the_window_usage_and_a_lowered_cap_binds_at_once() {
    let mut h = Harness::with_sol_policy(limits(4_000_000, 10_000_000), 20_000_000).await;
    let recipient = Keypair::new().pubkey();
    h.as_keeper(h.spend_sol_ix(recipient, 4_000_000, 1)).await.unwrap();
    let events = h.as_operator(sdk::update_policy(&h.treasury, SOL_ASSET, limits(4_000_000, 5_000_000))).await.unwrap();
    let updated = events.one::<PolicyUpdated>();
    assert_eq!((updated.old, updated.new), (limits(4_000_000, 10_000_000), limits(4_000_000, 5_000_000)));
    assert_eq!(h.sol_policy().await.window.spent, 4_000_000);
    assert_program_error(h.as_keeper(h.spend_sol_ix(recipient, 1_000_001, 2)).await, CovenantError::ExceedsPeriodCap);
    h.as_keeper(h.spend_sol_ix(recipient, 1_000_000, 3)).await.unwrap();
}

#[tokio::test]
async fn closing_a_policy_returns_rent_and_stops_spending() {
    let mut h = Harness::with_sol_policy(limits(5_000_000, 50_000_000), 10_000_000).await;
    let policy_address = h.treasury.policy(&SOL_ASSET);
    let rent = h.bank.lamports(policy_address).await;
    let before = h.bank.lamports(h.roles.operator.pubkey()).await;
    let events = h.as_operator(sdk::close_policy(&h.treasury, SOL_ASSET)).await.unwrap();
    assert_eq!(events.one::<PolicyClosed>().asset, SOL_ASSET);
    assert_eq!(h.bank.lamports(h.roles.operator.pubkey()).await, before + rent);
    assert!(!h.bank.exists(policy_address).await);
    let ix = h.spend_sol_ix(Keypair::new().pubkey(), 1_000_000, 1);
    assert_anchor_error(h.as_keeper(ix).await, ErrorCode::AccountNotInitialized);
    assert_eq!(h.vault_spendable().await, 10_000_000, "funds stay in the vault");
}
