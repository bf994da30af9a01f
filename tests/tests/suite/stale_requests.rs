//! Queued config changes belong to the state they were queued against, expire, and wait out a
//! timelock raised after they were queued; a guardian can delay a treasury but never freeze it.

use anchor_lang::prelude::Pubkey;
use covenant::constants::{CONFIG_CHANGE_GRACE_SECONDS, GUARDIAN_OVERRIDE_DELAY_SECONDS, SOL_ASSET};
use covenant::errors::CovenantError;
use covenant::events::{ConfigChangeExecuted, ConfigChangeQueued, GuardianChanged, TreasuryPaused};
use covenant::policy::{ConfigChange, PolicyLimits};
use covenant::sdk;
use covenant_tests::bank::SOL;
use covenant_tests::{assert_program_error, Events, Harness, TxFailure};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::config_timelock::{Guarded, CONFIG_TIMELOCK};

const DAY: i64 = 86_400;

async fn queue(h: &mut Harness, change: ConfigChange) -> u64 {
    let id = h.treasury_state().await.next_config_change_id;
    h.as_operator(sdk::queue_config_change(&h.treasury, id, change)).await.expect("queued");
    id
}

async fn queue_override(h: &mut Harness, change: ConfigChange) -> Result<(u64, Events), TxFailure> {
    let id = h.treasury_state().await.next_config_change_id;
    let events = h.as_operator(sdk::queue_guardian_override(&h.treasury, id, change)).await?;
    Ok((id, events))
}

async fn execute(h: &mut Harness, id: u64, change: &ConfigChange) -> Result<Events, TxFailure> {
    let ix = sdk::execute_config_change(&h.treasury, id, change);
    h.as_operator(ix).await
}

async fn pause(h: &mut Harness) -> TreasuryPaused {
    let ix = sdk::pause(&h.treasury, h.roles.guardian.pubkey());
    h.as_guardian(ix).await.expect("paused").one::<TreasuryPaused>()
}

/// What a keeper spend of `amount` to a fresh wallet does now: Ok with the recipient's balance.
async fn try_spend(h: &mut Harness, amount: u64, n: u64) -> Result<u64, TxFailure> {
    let recipient = Keypair::new().pubkey();
    let ix = h.spend_sol_ix(recipient, amount, n);
    h.as_keeper(ix).await?;
    Ok(h.bank.lamports(recipient).await)
}

/// A treasury whose policy needs no payees, under a one-day config timelock, with a guardian.
async fn open_guarded() -> Harness {
    let limits = PolicyLimits { allowlist_required: false, ..covenant_tests::limits(SOL, 2 * SOL) };
    let mut h = Harness::with_sol_policy(limits, 5 * SOL).await;
    h.as_operator(sdk::set_config_timelock(&h.treasury, CONFIG_TIMELOCK)).await.expect("timelock");
    h
}

#[tokio::test]
async fn a_spare_unpause_does_not_lift_a_later_pause() {
    let mut h = open_guarded().await;
    let first = pause(&mut h).await;
    assert_eq!(first.pause_count, 1);
    let used = queue(&mut h, ConfigChange::Unpause).await;
    let spare = queue(&mut h, ConfigChange::Unpause).await;
    h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK)).await;
    execute(&mut h, used, &ConfigChange::Unpause).await.expect("the first unpause lifts the first pause");
    assert!(!h.treasury_state().await.paused);

    // Later the keeper key is stolen and the guardian pauses again: the spare request answered the
    // first pause, not this one, so the thief with the operator key cannot lift it in one slot.
    h.bank.warp_seconds(DAY).await;
    assert_eq!(pause(&mut h).await.pause_count, 2);
    assert_program_error(execute(&mut h, spare, &ConfigChange::Unpause).await, CovenantError::ConfigChangeStale);
    assert!(h.treasury_state().await.paused);
    assert_program_error(try_spend(&mut h, SOL / 10, 1).await, CovenantError::TreasuryPaused);
    assert_eq!(h.vault_spendable().await, 5 * SOL, "nothing left the vault");
    // The spare is still there to be cancelled (its rent goes back to the operator).
    let guardian = h.roles.guardian.pubkey();
    h.as_guardian(sdk::cancel_config_change(&h.treasury, guardian, spare)).await.expect("cancelled");
}

#[tokio::test]
async fn a_matured_request_expires_after_its_grace_period() {
    let mut h = open_guarded().await;
    let wide = PolicyLimits { per_tx_max: 2 * SOL, ..h.sol_policy().await.limits };
    let change = ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide };
    let id = queue(&mut h, change.clone()).await;
    h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK) + CONFIG_CHANGE_GRACE_SECONDS).await;
    assert_program_error(execute(&mut h, id, &change).await, CovenantError::ConfigChangeExpired);
    assert_eq!(h.sol_policy().await.limits.per_tx_max, SOL);

    // The case: queued while the timelock was 0, executed 60 days later right after the
    // timelock was raised. Expired too (and the raised timelock would have delayed it anyway).
    let mut h = Harness::with_sol_policy(covenant_tests::limits(SOL, 2 * SOL), 5 * SOL).await;
    let id = queue(&mut h, change.clone()).await;
    h.bank.warp_seconds(60 * DAY).await;
    h.as_operator(sdk::set_config_timelock(&h.treasury, CONFIG_TIMELOCK)).await.expect("raised");
    assert_program_error(execute(&mut h, id, &change).await, CovenantError::ConfigChangeExpired);
    assert_eq!(h.sol_policy().await.limits.per_tx_max, SOL);
}

#[tokio::test]
async fn raising_the_timelock_delays_requests_already_queued() {
    let mut h = open_guarded().await;
    let wide = PolicyLimits { per_tx_max: 2 * SOL, ..h.sol_policy().await.limits };
    let change = ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide };
    let id = queue(&mut h, change.clone()).await;
    // The operator (or whoever holds its key) raises the timelock to three days: a tightening.
    h.as_operator(sdk::set_config_timelock(&h.treasury, 3 * CONFIG_TIMELOCK)).await.expect("raised");
    h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK)).await;
    assert_program_error(execute(&mut h, id, &change).await, CovenantError::ConfigTimelockActive);
    h.bank.warp_seconds(2 * i64::from(CONFIG_TIMELOCK)).await;
    execute(&mut h, id, &change).await.expect("after the raised timelock");
    assert_eq!(h.sol_policy().await.limits.per_tx_max, 2 * SOL);
}

#[tokio::test]
async fn a_request_runs_only_against_the_state_it_was_queued_against() {
    let mut g = Guarded::new().await;
    let h = &mut g.h;
    let base = h.sol_policy().await.limits;
    // A loosening queued in public, then the limits change under it (tightened at once).
    let wide = PolicyLimits { per_tx_max: 2 * SOL, ..base };
    let change = ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide };
    let id = queue(h, change.clone()).await;
    let tighter = PolicyLimits { period_cap: SOL, ..base };
    h.as_operator(sdk::update_policy(&h.treasury, SOL_ASSET, tighter)).await.expect("tightened at once");
    h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK)).await;
    assert_program_error(execute(h, id, &change).await, CovenantError::ConfigChangeStale);
    assert_eq!(h.sol_policy().await.limits, tighter);

    // Two keeper rotations queued side by side: once one runs, the other names an old keeper.
    let (a, b) = (Keypair::new().pubkey(), Keypair::new().pubkey());
    let first = queue(h, ConfigChange::SetKeeper { keeper: a }).await;
    let second = queue(h, ConfigChange::SetKeeper { keeper: b }).await;
    h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK)).await;
    execute(h, first, &ConfigChange::SetKeeper { keeper: a }).await.expect("first rotation");
    assert_program_error(
        execute(h, second, &ConfigChange::SetKeeper { keeper: b }).await,
        CovenantError::ConfigChangeStale,
    );
    assert_eq!(h.treasury_state().await.keeper, a);
}

#[tokio::test]
async fn a_guardian_that_vetoes_every_way_out_is_overridden_after_the_timelock_and_a_week() {
    let mut h = open_guarded().await;
    let guardian = h.roles.guardian.pubkey();
    pause(&mut h).await;
    // The ordinary ways out, each vetoed by the guardian.
    for change in [ConfigChange::Unpause, ConfigChange::SetGuardian { guardian: None }] {
        let id = queue(&mut h, change).await;
        h.as_guardian(sdk::cancel_config_change(&h.treasury, guardian, id)).await.expect("vetoed");
    }
    // The override: the guardian cannot cancel it.
    let remove = ConfigChange::SetGuardian { guardian: None };
    let (remove_id, events) = queue_override(&mut h, remove.clone()).await.expect("override queued");
    let queued = events.one::<ConfigChangeQueued>();
    let now = h.bank.now().await;
    assert!(queued.overrides_guardian);
    assert_eq!(queued.executable_at, now + i64::from(CONFIG_TIMELOCK) + GUARDIAN_OVERRIDE_DELAY_SECONDS);
    let (unpause_id, _) = queue_override(&mut h, ConfigChange::Unpause).await.expect("override unpause");
    for id in [remove_id, unpause_id] {
        assert_program_error(
            h.as_guardian(sdk::cancel_config_change(&h.treasury, guardian, id)).await,
            CovenantError::GuardianCannotCancelOverride,
        );
    }
    // Never faster than the ordinary queue: not after the timelock alone.
    h.bank.warp_seconds(i64::from(CONFIG_TIMELOCK)).await;
    assert_program_error(execute(&mut h, remove_id, &remove).await, CovenantError::ConfigTimelockActive);
    h.bank.warp_seconds(GUARDIAN_OVERRIDE_DELAY_SECONDS).await;

    // Both in one transaction: the guardian goes (while paused), then its pause.
    let ixs = [
        sdk::execute_config_change(&h.treasury, remove_id, &remove),
        sdk::execute_config_change(&h.treasury, unpause_id, &ConfigChange::Unpause),
    ];
    let operator = h.roles.operator.insecure_clone();
    let events = h.bank.send(&ixs, &[&operator]).await.expect("overridden");
    assert_eq!(events.all::<ConfigChangeExecuted>().len(), 2);
    assert_eq!(events.one::<GuardianChanged>().new_guardian, None);
    let state = h.treasury_state().await;
    assert!(!state.paused && state.guardian.is_none());
    assert_eq!(try_spend(&mut h, SOL / 2, 1).await.expect("funds move again"), SOL / 2);
    assert_eq!(h.vault_spendable().await, 5 * SOL - SOL / 2);
}

#[tokio::test]
async fn only_an_unpause_or_a_guardian_change_overrides_the_guardian() {
    let mut h = open_guarded().await;
    let operator_key = h.roles.operator.pubkey();
    // Nothing to override while not paused, or with the same guardian.
    let same = ConfigChange::SetGuardian { guardian: Some(h.roles.guardian.pubkey()) };
    assert_program_error(queue_override(&mut h, same).await, CovenantError::InvalidGuardianOverride);
    let wide = PolicyLimits { per_tx_max: 2 * SOL, ..h.sol_policy().await.limits };
    let loosen = ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide };
    assert_program_error(queue_override(&mut h, loosen).await, CovenantError::InvalidGuardianOverride);
    let rotate = ConfigChange::SetKeeper { keeper: Keypair::new().pubkey() };
    assert_program_error(queue_override(&mut h, rotate).await, CovenantError::InvalidGuardianOverride);
    assert_program_error(queue_override(&mut h, ConfigChange::Unpause).await, CovenantError::NotPaused);

    // The operator withdraws its own override (a thief's, seen in time, the same way).
    let (id, _) = queue_override(&mut h, ConfigChange::SetGuardian { guardian: None }).await.expect("queued");
    h.as_operator(sdk::cancel_config_change(&h.treasury, operator_key, id)).await.expect("withdrawn");
    assert!(!h.bank.exists(h.treasury.config_change(id)).await);

    // Without a guardian there is nothing to override.
    let mut bare = Harness::with_sol_policy(covenant_tests::limits(SOL, SOL), SOL).await;
    bare.as_operator(sdk::set_guardian(&bare.treasury, None)).await.expect("guardian removed (timelock 0)");
    let pause = sdk::pause(&bare.treasury, operator_of(&bare));
    bare.as_operator(pause).await.expect("operator pauses");
    assert_program_error(
        queue_override(&mut bare, ConfigChange::Unpause).await,
        CovenantError::InvalidGuardianOverride,
    );
}

fn operator_of(h: &Harness) -> Pubkey {
    h.roles.operator.pubkey()
}
