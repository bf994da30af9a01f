//! What each key can do at worst, alone (the README's table, one test per row): each test holds
//! one key as a thief would and tries everything, then checks the vault to the lamport.

use covenant::constants::{GUARDIAN_OVERRIDE_DELAY_SECONDS, SOL_ASSET};
use covenant::errors::CovenantError;
use covenant::instructions::ProposeSpendArgs;
use covenant::policy::{ConfigChange, PolicyLimits, ReleaseSchedule};
use covenant::sdk;
use covenant_tests::bank::SOL;
use covenant_tests::{assert_program_error, decision, limits, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bounties::{bounty_args, claim, funded_fan};
use crate::grants::grant_args;

/// 1 SOL per spend, 2 SOL a day, co-sign above 0.5 SOL with an hour's timelock; a day's config
/// timelock; 10 SOL in the vault.
async fn guarded() -> Harness {
    let limits = PolicyLimits { cosign_threshold: Some(SOL / 2), timelock_seconds: 3_600, ..limits(SOL, 2 * SOL) };
    let mut h = Harness::with_sol_policy(limits, 10 * SOL).await;
    h.as_operator(sdk::set_config_timelock(&h.treasury, DAY)).await.expect("timelock");
    h
}

#[tokio::test]
async fn a_stolen_keeper_key_takes_at_most_one_window_and_nothing_after_rotation() {
    let mut h = guarded().await;
    let fence = Keypair::new().pubkey();
    for n in 0..4 {
        h.as_keeper(h.spend_sol_ix(fence, SOL / 2, n)).await.expect("within the cap");
    }
    assert_program_error(h.as_keeper(h.spend_sol_ix(fence, SOL / 2, 9)).await, CovenantError::ExceedsPeriodCap);
    assert_program_error(h.as_keeper(h.spend_sol_ix(fence, SOL, 10)).await, CovenantError::CosignRequired);
    // Above the threshold it can only propose: public, and cancelled by the guardian in time.
    let keeper = h.roles.keeper.pubkey();
    let args = ProposeSpendArgs { recipient: fence, amount: SOL, purpose: "x".into(), decision: decision(11) };
    h.as_keeper(sdk::propose_spend(&h.treasury, keeper, SOL_ASSET, 0, args)).await.expect("proposed");
    h.as_guardian(sdk::cancel_pending(&h.treasury, h.roles.guardian.pubkey(), 0)).await.expect("cancelled");
    // No configuration, no pause, no veto.
    let keeper_as_operator = sdk::TreasuryAddresses { operator: keeper, ..h.treasury };
    let loosen = sdk::update_policy(&keeper_as_operator, SOL_ASSET, limits(10 * SOL, 10 * SOL));
    assert_program_error(h.as_keeper(loosen).await, CovenantError::NotOperator);
    assert_program_error(h.as_keeper(sdk::pause(&h.treasury, keeper)).await, CovenantError::NotGuardianOrOperator);
    // The next window refills the cap: the operator rotates the key (a queued change, a day).
    let next_id = h.treasury_state().await.next_config_change_id;
    let rotate = ConfigChange::SetKeeper { keeper: Keypair::new().pubkey() };
    h.as_operator(sdk::queue_config_change(&h.treasury, next_id, rotate.clone())).await.expect("queued");
    h.bank.warp_seconds(i64::from(DAY)).await;
    h.as_operator(sdk::execute_config_change(&h.treasury, next_id, &rotate)).await.expect("rotated");
    assert_program_error(h.as_keeper(h.spend_sol_ix(fence, SOL / 2, 12)).await, CovenantError::NotKeeper);
    assert_eq!(h.bank.lamports(fence).await, 2 * SOL, "one window's cap, no more");
    assert_eq!(h.vault_spendable().await, 8 * SOL);
}

#[tokio::test]
async fn a_stolen_operator_key_moves_nothing_and_waits_in_public_for_every_loosening() {
    let mut h = guarded().await;
    let thief = h.roles.operator.pubkey();
    let t = h.treasury;
    // Nothing loosens at once, and the operator key itself never spends.
    assert_program_error(
        h.as_operator(sdk::set_keeper(&t, Keypair::new().pubkey())).await,
        CovenantError::ConfigTimelockRequired,
    );
    let wide = PolicyLimits { cosign_threshold: None, ..limits(10 * SOL, 10 * SOL) };
    assert_program_error(
        h.as_operator(sdk::update_policy(&t, SOL_ASSET, wide)).await,
        CovenantError::ConfigTimelockRequired,
    );
    assert_program_error(h.as_operator(sdk::set_guardian(&t, None)).await, CovenantError::ConfigTimelockRequired);
    let spend = sdk::spend_sol(&t, thief, thief, SOL / 2, decision(1));
    assert_program_error(h.as_operator(spend).await, CovenantError::NotKeeper);
    // Queued loosenings are vetoed by the guardian; the override cannot be vetoed, but takes the
    // timelock plus a week, in public.
    let thiefs_keeper = Keypair::new().pubkey();
    let changes = [
        ConfigChange::SetKeeper { keeper: thiefs_keeper },
        ConfigChange::UpdatePolicy { asset: SOL_ASSET, limits: wide },
    ];
    for change in changes {
        let id = h.treasury_state().await.next_config_change_id;
        h.as_operator(sdk::queue_config_change(&t, id, change)).await.expect("queued");
        h.as_guardian(sdk::cancel_config_change(&t, h.roles.guardian.pubkey(), id)).await.expect("vetoed");
    }
    let id = h.treasury_state().await.next_config_change_id;
    let escape = ConfigChange::SetGuardian { guardian: None };
    h.as_operator(sdk::queue_guardian_override(&t, id, escape.clone())).await.expect("override queued");
    h.bank.warp_seconds(i64::from(DAY) + GUARDIAN_OVERRIDE_DELAY_SECONDS - 1).await;
    assert_program_error(
        h.as_operator(sdk::execute_config_change(&t, id, &escape)).await,
        CovenantError::ConfigTimelockActive,
    );
    assert_eq!(h.vault_spendable().await, 10 * SOL, "nothing left the vault");
    let state = h.treasury_state().await;
    assert_eq!((state.keeper, state.guardian), (h.roles.keeper.pubkey(), Some(h.roles.guardian.pubkey())));
}

#[tokio::test]
async fn a_donor_takes_back_only_what_never_vested_and_never_touches_the_vault() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), 3 * SOL).await;
    let donor = h.roles.donor.insecure_clone();
    let now = h.bank.now().await;
    let schedule = ReleaseSchedule::Linear { start: now, end: now + 2 * i64::from(DAY) };
    let args = grant_args(1, 2 * SOL, schedule, now + i64::from(DAY));
    h.bank.send(&sdk::create_grant(&h.treasury, donor.pubkey(), None, args), &[&donor]).await.expect("grant");
    let grant = h.treasury.grant(&donor.pubkey(), 1);
    assert_program_error(
        h.as_donor(sdk::claw_back_grant(grant, donor.pubkey(), None)).await,
        CovenantError::GrantNotExpired,
    );
    h.bank.warp_seconds(i64::from(DAY)).await;
    let release = sdk::release_grant(&h.treasury, h.roles.stranger.pubkey(), grant, None);
    assert_program_error(h.as_stranger(release).await, CovenantError::GrantExpired);
    let before = h.bank.lamports(donor.pubkey()).await;
    h.as_donor(sdk::claw_back_grant(grant, donor.pubkey(), None)).await.expect("clawed back");
    assert_eq!(h.bank.lamports(donor.pubkey()).await - before, 2 * SOL, "nothing was released before expiry");
    // The donor key is nobody in the treasury: it spends nothing.
    let spend = sdk::spend_sol(&h.treasury, donor.pubkey(), donor.pubkey(), SOL, decision(1));
    assert_program_error(h.as_donor(spend).await, CovenantError::NotKeeper);
    assert_eq!(h.vault_spendable().await, 3 * SOL);
}

#[tokio::test]
async fn a_claimant_gets_one_reward_at_most_and_a_stranger_nothing() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), 3 * SOL).await;
    let keeper = h.roles.keeper.pubkey();
    let deadline = h.bank.now().await + i64::from(DAY);
    h.as_keeper(sdk::create_bounty(&h.treasury, keeper, None, 0, bounty_args(SOL / 10, 3, deadline)))
        .await
        .expect("bounty");
    let bounty = h.treasury.bounty(0);
    let fan = funded_fan(&mut h).await;
    claim(&mut h, bounty, &fan).await.expect("claimed");
    assert_program_error(claim(&mut h, bounty, &fan).await, CovenantError::ClaimAlreadySubmitted);
    // It cannot approve its own claim, nor can a stranger.
    let own = sdk::approve_claim(&h.treasury, fan.pubkey(), bounty, fan.pubkey(), None, decision(1));
    assert_program_error(h.bank.send(&[own], &[&fan]).await, CovenantError::NotKeeper);
    let stranger = h.roles.stranger.pubkey();
    let theirs = sdk::approve_claim(&h.treasury, stranger, bounty, fan.pubkey(), None, decision(2));
    assert_program_error(h.as_stranger(theirs).await, CovenantError::NotKeeper);
    // A stranger's lamports at the next pending spend's address change nothing either.
    h.bank.transfer(h.treasury.pending(0), SOL / 100).await;
    assert_eq!(h.vault_spendable().await, 3 * SOL - 3 * SOL / 10, "only the escrow left, as a spend");
}
