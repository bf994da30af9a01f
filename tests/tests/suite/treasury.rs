//! Creating a treasury and changing who holds which key (rule 1 for the operator's powers).

use covenant::errors::CovenantError;
use covenant::events::{GuardianChanged, KeeperRotated, TreasuryCreated};
use covenant::instructions::CreateTreasuryArgs;
use covenant::sdk::{self, TreasuryAddresses};
use covenant_tests::{assert_program_error, limits, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn create_treasury_records_roles_funds_vault_rent_and_emits_event() {
    let mut h = Harness::new().await;
    let state = h.treasury_state().await;
    assert_eq!(state.operator, h.roles.operator.pubkey());
    assert_eq!(state.keeper, h.roles.keeper.pubkey());
    assert_eq!(state.guardian, Some(h.roles.guardian.pubkey()));
    assert!(!state.paused);
    assert_eq!(h.vault_spendable().await, 0, "vault holds exactly its rent floor");
    assert!(h.bank.lamports(h.treasury.vault).await > 0);

    // A second treasury of the same operator, with its own event.
    let ix = sdk::create_treasury(
        h.roles.operator.pubkey(),
        CreateTreasuryArgs {
            treasury_id: 7,
            keeper: h.roles.keeper.pubkey(),
            guardian: None,
            config_timelock_seconds: 0,
        },
    );
    let events = h.as_operator(ix).await.unwrap();
    let created = events.one::<TreasuryCreated>();
    let second = TreasuryAddresses::new(h.roles.operator.pubkey(), 7);
    assert_eq!(created.treasury, second.treasury);
    assert_eq!(created.vault, second.vault);
    assert_eq!(created.treasury_id, 7);
    assert_eq!(created.guardian, None);
}

#[tokio::test]
async fn keeper_must_differ_from_operator_and_default() {
    let mut h = Harness::new().await;
    let operator = h.roles.operator.pubkey();
    for keeper in [operator, Default::default()] {
        let ix = sdk::create_treasury(
            operator,
            CreateTreasuryArgs { treasury_id: 1, keeper, guardian: None, config_timelock_seconds: 0 },
        );
        assert_program_error(h.as_operator(ix).await, CovenantError::InvalidKeeper);
    }
    assert_program_error(h.as_operator(sdk::set_keeper(&h.treasury, operator)).await, CovenantError::InvalidKeeper);
}

#[tokio::test]
async fn guardian_must_not_be_the_keeper() {
    let mut h = Harness::new().await;
    let keeper = h.roles.keeper.pubkey();
    let ix = sdk::create_treasury(
        h.roles.operator.pubkey(),
        CreateTreasuryArgs { treasury_id: 1, keeper, guardian: Some(keeper), config_timelock_seconds: 0 },
    );
    assert_program_error(h.as_operator(ix).await, CovenantError::InvalidGuardian);
    assert_program_error(
        h.as_operator(sdk::set_guardian(&h.treasury, Some(keeper))).await,
        CovenantError::InvalidGuardian,
    );
}

#[tokio::test]
async fn rotated_keeper_loses_every_power_at_once() {
    let mut h = Harness::with_sol_policy(limits(1_000_000, 10_000_000), 50_000_000).await;
    let new_keeper = Keypair::new();
    let events = h.as_operator(sdk::set_keeper(&h.treasury, new_keeper.pubkey())).await.unwrap();
    let rotated = events.one::<KeeperRotated>();
    assert_eq!((rotated.old_keeper, rotated.new_keeper), (h.roles.keeper.pubkey(), new_keeper.pubkey()));

    let recipient = Keypair::new().pubkey();
    let old = h.spend_sol_ix(recipient, 1_000_000, 1);
    assert_program_error(h.as_keeper(old).await, CovenantError::NotKeeper);

    let new = sdk::spend_sol(&h.treasury, new_keeper.pubkey(), recipient, 1_000_000, covenant_tests::decision(2));
    h.bank.send(&[new], &[&new_keeper]).await.expect("new keeper spends");
}

#[tokio::test]
async fn only_the_operator_changes_keeper_and_guardian() {
    let mut h = Harness::new().await;
    let stranger = h.roles.stranger.pubkey();
    for (who, signer) in [
        (h.roles.keeper.pubkey(), &h.roles.keeper),
        (h.roles.guardian.pubkey(), &h.roles.guardian),
        (stranger, &h.roles.stranger),
    ] {
        let pretend = TreasuryAddresses { operator: who, ..h.treasury };
        let rotate = sdk::set_keeper(&pretend, Keypair::new().pubkey());
        assert_program_error(h.bank.send(&[rotate], &[signer]).await, CovenantError::NotOperator);
        let guardian = sdk::set_guardian(&pretend, None);
        assert_program_error(h.bank.send(&[guardian], &[signer]).await, CovenantError::NotOperator);
    }
    assert_eq!(h.treasury_state().await.keeper, h.roles.keeper.pubkey());
}

#[tokio::test]
async fn operator_sets_and_removes_the_guardian() {
    let mut h = Harness::new().await;
    let events = h.as_operator(sdk::set_guardian(&h.treasury, None)).await.unwrap();
    let changed = events.one::<GuardianChanged>();
    assert_eq!((changed.old_guardian, changed.new_guardian), (Some(h.roles.guardian.pubkey()), None));
    assert_eq!(h.treasury_state().await.guardian, None);
}
