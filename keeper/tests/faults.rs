//! Restarts and network faults: a keeper killed mid-act never pays twice; timeouts and expired
//! blockhashes are retried and reported; a failed observe skips the tick and sends nothing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use common::{payment, World, SOL};
use covenant_keeper::chain::faults::{Fault, FaultyChain};
use covenant_keeper::chain::{BankChain, Chain};
use covenant_keeper::journal::Settlement;
use covenant_keeper::keeper::KeeperError;

async fn world_paying(recipient: &Pubkey) -> World {
    World::new(&payment("inference", recipient, SOL / 2, false), 10 * SOL).await
}

/// Runs one tick that hangs in the act phase, then drops it: a process killed mid-act.
async fn killed_mid_act(world: &World, fault: Fault) {
    let faulty = Arc::new(FaultyChain::new(world.chain.clone()));
    faulty.fail_sends([Some(fault)]);
    let mut keeper = world.keeper_with(faulty.clone(), false);
    let outcome = tokio::time::timeout(Duration::from_millis(300), keeper.tick()).await;
    assert!(outcome.is_err(), "the act phase was meant to hang");
    assert_eq!(faulty.injected(), 1);
    assert_eq!(keeper.journal().open_intents().len(), 1, "the intent was journaled before the send");
}

#[tokio::test]
async fn killed_after_the_send_landed_the_restart_pays_nothing_twice() {
    let recipient = Pubkey::new_unique();
    let world = world_paying(&recipient).await;
    killed_mid_act(&world, Fault::HangAfterLanding).await;
    assert_eq!(world.lamports(recipient).await, SOL / 2, "it landed before the kill");

    let report = world.keeper().tick().await.expect("tick after restart");
    assert_eq!(report.reconciled.len(), 1, "{report:?}");
    assert_eq!(report.reconciled[0].1, Settlement::Landed);
    assert_eq!(report.candidates, 0, "the settled payment is not decided again: {report:?}");
    assert_eq!(world.lamports(recipient).await, SOL / 2, "paid exactly once");
}

#[tokio::test]
async fn killed_before_the_send_the_restart_sends_the_same_transaction_once() {
    let recipient = Pubkey::new_unique();
    let world = world_paying(&recipient).await;
    killed_mid_act(&world, Fault::HangBeforeSending).await;
    assert_eq!(world.lamports(recipient).await, 0);

    let report = world.keeper().tick().await.expect("tick after restart");
    // Resent as the very same bytes; should its blockhash have aged out meanwhile, it is decided afresh.
    assert_eq!(report.reconciled.len(), 1, "{report:?}");
    assert_eq!(report.landed.len(), 1, "{report:?}");
    assert_eq!(world.lamports(recipient).await, SOL / 2);
    let again = world.keeper().tick().await.expect("another restart");
    assert!(again.landed.is_empty() && again.reconciled.is_empty(), "{again:?}");
    assert_eq!(world.lamports(recipient).await, SOL / 2, "paid exactly once");
}

#[tokio::test]
async fn killed_before_the_send_and_expired_the_action_is_decided_afresh_once() {
    let recipient = Pubkey::new_unique();
    let world = world_paying(&recipient).await;
    killed_mid_act(&world, Fault::HangBeforeSending).await;
    // Long enough for the journaled transaction's blockhash to expire: it can never land now.
    world.chain.advance_slots(160).await.unwrap();

    let report = world.keeper().tick().await.expect("tick after restart");
    assert_eq!(report.reconciled[0].1, Settlement::Expired, "{report:?}");
    assert_eq!(report.landed.len(), 1, "decided again and paid: {report:?}");
    assert_eq!(world.lamports(recipient).await, SOL / 2, "paid exactly once");
}

#[tokio::test]
async fn timeouts_and_lost_confirmations_are_retried_without_paying_twice() {
    let recipient = Pubkey::new_unique();
    let world = world_paying(&recipient).await;
    let faulty = Arc::new(FaultyChain::new(world.chain.clone()));
    faulty.fail_sends([Some(Fault::Timeout), Some(Fault::LandThenTimeout)]);
    let mut keeper = world.keeper_with(faulty.clone(), false);
    let report = keeper.tick().await.expect("tick");
    assert_eq!(faulty.injected(), 2);
    assert_eq!(report.landed.len(), 1, "{report:?}");
    assert_eq!(report.retries, 2, "{report:?}");
    assert_eq!(world.lamports(recipient).await, SOL / 2, "paid exactly once");
    let metrics = keeper.metrics();
    assert_eq!(metrics.counter("covenant_keeper_transactions_total", &[("outcome", "timeout")]), 2);
    assert_eq!(metrics.counter("covenant_keeper_transactions_total", &[("outcome", "landed")]), 1);
}

#[tokio::test]
async fn an_expired_blockhash_is_rebuilt_and_resigned() {
    let recipient = Pubkey::new_unique();
    let world = world_paying(&recipient).await;
    let faulty = Arc::new(FaultyChain::new(world.chain.clone()));
    faulty.fail_sends([Some(Fault::BlockhashExpired)]);
    let mut keeper = world.keeper_with(faulty.clone(), false);
    let report = keeper.tick().await.expect("tick");
    assert_eq!((report.landed.len(), report.retries), (1, 1), "{report:?}");
    assert_eq!(world.lamports(recipient).await, SOL / 2);
    let metrics = keeper.metrics();
    assert_eq!(metrics.counter("covenant_keeper_transactions_total", &[("outcome", "blockhash_expired")]), 1);
}

#[tokio::test]
async fn an_unreachable_cluster_skips_the_tick_and_sends_nothing() {
    let recipient = Pubkey::new_unique();
    let world = world_paying(&recipient).await;
    let faulty: Arc<FaultyChain<BankChain>> = Arc::new(FaultyChain::new(world.chain.clone()));
    faulty.fail_reads([Some(Fault::Unreachable)]);
    let mut keeper = world.keeper_with(faulty.clone(), false);
    let error = keeper.tick().await.expect_err("observe fails");
    assert!(matches!(error, KeeperError::Observe(_)), "{error}");
    assert!(error.to_string().contains("cannot reach the cluster"), "{error}");
    assert_eq!(keeper.metrics().counter("covenant_keeper_ticks_total", &[("outcome", "observe_failed")]), 1);
    assert_eq!(world.lamports(recipient).await, 0);
    // The next tick, with the cluster back, does the work.
    let report = keeper.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 1);
    assert_eq!(faulty.inner().endpoint(), "in-process bank");
}
