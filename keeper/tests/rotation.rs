//! A stolen keeper key, as the keeper sees it: a schedule marked ahead of time is an alarm (log,
//! metric, `status`), never work done; after the operator rotates the key, the new keeper pays
//! the schedule again and leaves the old key's proposals to the operator.

mod common;

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use common::{default_model, payment, World, HOUR, SOL};
use covenant::constants::SOL_ASSET;
use covenant::instructions::ProposeSpendArgs;
use covenant::state::DecisionRecord;
use covenant_keeper::keeper::Keeper;
use covenant_keeper::ops;
use sha2::{Digest, Sha256};
use solana_keypair::Keypair;
use solana_signer::Signer;

fn alarms_gauge(keeper: &Keeper) -> String {
    let text = keeper.metrics().render();
    text.lines().find(|line| line.starts_with("covenant_keeper_marker_alarms ")).unwrap_or("").to_string()
}

#[tokio::test]
async fn a_schedule_marked_ahead_is_an_alarm_and_the_rotated_keeper_pays_it_again() {
    let provider = Pubkey::new_unique();
    let world = World::new(&payment("inference", &provider, SOL / 10, false), 10 * SOL).await;
    let mut keeper = world.keeper();
    keeper.tick().await.expect("tick");
    assert_eq!(world.lamports(provider).await, SOL / 10, "this period paid");

    // The thief, holding the keeper key, marks every future period done.
    let thief = world.keeper.insecure_clone();
    let key: [u8; 32] = Sha256::digest(b"covenant:pay:inference").into();
    let mark = covenant::sdk::mark_action(&world.t, thief.pubkey(), key, u64::MAX);
    ops::submit(world.chain.as_ref(), &[mark], &thief, &[]).await.expect("marked ahead");

    world.chain.warp_seconds(HOUR).await.expect("warp");
    let report = keeper.tick().await.expect("tick");
    assert!(report.landed.is_empty() && report.failed.is_empty(), "nothing tried: {report:?}");
    assert_eq!(world.lamports(provider).await, SOL / 10, "blocked, and not counted as paid");
    assert_eq!(alarms_gauge(&keeper), "covenant_keeper_marker_alarms 1.0");
    let snapshot = covenant_keeper::observe::observe(world.chain.as_ref(), &world.t, &[]).await.expect("observe");
    let alarms = covenant_keeper::status::marker_alarms(&snapshot, &world.config);
    let status = covenant_keeper::status::render(&snapshot, &alarms);
    assert!(status.contains("ALARM") && status.contains("until the operator rotates the key"), "{status}");
    drop(keeper);

    // Before the rotation it also proposes a large spend to itself (the guardian did not see it).
    let args = ProposeSpendArgs {
        recipient: thief.pubkey(),
        amount: 1_800_000_000,
        purpose: "totally legit".into(),
        decision: DecisionRecord::default(),
    };
    let propose = covenant::sdk::propose_spend(&world.t, thief.pubkey(), SOL_ASSET, 0, args);
    ops::submit(world.chain.as_ref(), &[propose], &thief, &[]).await.expect("proposed");
    let thief_before = world.lamports(thief.pubkey()).await;

    // The operator rotates the keeper (no config timelock in this world); the new keeper, on the
    // same journal, pays this period and leaves the thief's matured proposal alone.
    let new_key = Keypair::new();
    ops::submit(world.chain.as_ref(), &[covenant::sdk::set_keeper(&world.t, new_key.pubkey())], &world.operator, &[])
        .await
        .expect("rotated");
    world.chain.warp_seconds(HOUR).await.expect("warp");
    let fund = solana_system_interface::instruction::transfer(&world.donor.pubkey(), &new_key.pubkey(), SOL);
    ops::submit(world.chain.as_ref(), &[fund], &world.donor, &[]).await.expect("funded");
    let chain: Arc<dyn covenant_keeper::chain::Chain> = world.chain.clone();
    let mut keeper = Keeper::new(chain, default_model(), world.config.clone(), new_key, world.t, false)
        .expect("keeper starts")
        .with_proof_reader(world.reader());
    let report = keeper.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 1, "only this period's payment: {report:?}");
    assert_eq!(world.lamports(provider).await, 2 * SOL / 10);
    assert_eq!(world.lamports(thief.pubkey()).await, thief_before, "the thief's matured proposal did not run");
    let snapshot = covenant_keeper::observe::observe(world.chain.as_ref(), &world.t, &[]).await.expect("observe");
    let alarms = covenant_keeper::status::marker_alarms(&snapshot, &world.config);
    assert!(alarms.is_empty(), "the new keeper's mark replaced the thief's: {alarms:?}");
    assert!(covenant_keeper::status::render(&snapshot, &alarms).contains("Stale"), "the thief's proposal");
}
