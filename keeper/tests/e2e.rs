//! The keeper loop end to end on the in-process bank: claims, grants, scheduled payments, pending
//! spends; what the guard refuses never reaches the chain; the decision log matches the chain.

mod common;

use anchor_lang::prelude::Pubkey;
use common::{http_get, payment, World, HOUR, SOL};
use covenant::errors::CovenantError;
use covenant::instructions::CreateGrantArgs;
use covenant::policy::{ClaimStatus, ReleaseSchedule};
use covenant::state::{Claim, Grant, PendingSpend};
use covenant_keeper::chain::ChainError;
use covenant_keeper::journal::read_decisions;
use covenant_keeper::keeper::decision_hash;
use covenant_keeper::ops;
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

#[tokio::test]
async fn good_claims_are_paid_bad_ones_rejected_and_hashes_match_the_chain() {
    let world = World::new("", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 3).await;
    let good = [world.claim(bounty, true).await, world.claim(bounty, true).await];
    let bad = world.claim(bounty, false).await;
    let before: Vec<u64> = futures::future::join_all(good.iter().map(|c| world.lamports(c.pubkey()))).await;

    let report = world.keeper().tick().await.expect("tick");
    assert_eq!(report.landed.len(), 3, "{report:?}");

    for (claimant, before) in good.iter().zip(before) {
        assert_eq!(world.lamports(claimant.pubkey()).await, before + SOL / 10, "paid exactly one reward");
        let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
        assert_eq!(claim.status, ClaimStatus::Approved);
    }
    let rejected: Claim = world.account(covenant::sdk::claim_address(&bounty, &bad.pubkey())).await;
    assert_eq!(rejected.status, ClaimStatus::Rejected);
    assert_eq!(rejected.reason_code, covenant_keeper::proofs::RejectReason::ModelRejected.code());

    // Every on-chain decision record is in the log, and its hash recomputes from the logged input.
    let decisions = read_decisions(&world.log_path()).expect("log reads");
    let model_hash = covenant_keeper::model::file_hash(covenant_keeper::setup::DEFAULT_MODEL);
    for claimant in good.iter().chain([&bad]) {
        let claim_key = covenant::sdk::claim_address(&bounty, &claimant.pubkey());
        let claim: Claim = world.account(claim_key).await;
        let line =
            decisions.iter().find(|d| d["input"]["key"] == format!("claim:{claim_key}")).expect("decision logged");
        assert_eq!(line["decision_hash"], hex::encode(claim.decision.decision_hash));
        assert_eq!(decision_hash(&line["input"]), claim.decision.decision_hash, "hash recomputes from the log");
        assert_eq!(claim.decision.model_hash, model_hash, "model hash is the file's SHA-256");
    }

    // A second tick finds nothing left to do.
    let again = world.keeper().tick().await.expect("tick");
    assert!(again.landed.is_empty() && again.candidates == 0, "{again:?}");
}

#[tokio::test]
async fn grants_release_what_vested_and_scheduled_payments_pay_once_per_period() {
    let inference = Pubkey::new_unique();
    let world = World::new(&payment("inference", &inference, SOL / 2, false), 10 * SOL).await;
    let now = world.now().await;
    let args = CreateGrantArgs {
        grant_id: 1,
        amount: 4 * SOL,
        schedule: ReleaseSchedule::Linear { start: now, end: now + 4 * HOUR },
        payees: Vec::new(),
        per_tx_cap: None,
        expires_at: now + 48 * HOUR,
    };
    let ixs = covenant::sdk::create_grant(&world.t, world.donor.pubkey(), None, args);
    ops::submit(world.chain.as_ref(), &ixs, &world.donor, &[]).await.expect("grant funded");
    world.chain.warp_seconds(HOUR).await.unwrap();

    let mut keeper = world.keeper();
    let vault_before = world.lamports(world.t.vault).await;
    let report = keeper.tick().await.expect("tick");
    assert_eq!(report.landed.len(), 2, "release + payment: {report:?}");
    let grant: Grant = world.account(world.t.grant(&world.donor.pubkey(), 1)).await;
    assert_eq!(grant.ledger.released, SOL, "a quarter vested after one of four hours");
    assert_eq!(world.lamports(world.t.vault).await, vault_before + SOL - SOL / 2);
    assert_eq!(world.lamports(inference).await, SOL / 2);

    // Same period: nothing is paid again, even by a fresh keeper on the same log.
    drop(keeper);
    let mut keeper = world.keeper();
    let again = keeper.tick().await.expect("tick");
    assert!(again.landed.is_empty(), "{again:?}");
    assert_eq!(world.lamports(inference).await, SOL / 2);

    world.chain.warp_seconds(HOUR).await.unwrap();
    let next = keeper.tick().await.expect("tick");
    assert_eq!(next.landed.len(), 2, "{next:?}");
    assert_eq!(world.lamports(inference).await, SOL);
}

#[tokio::test]
async fn over_limit_proposals_are_refused_by_the_guard_and_never_sent() {
    let (big, steady) = (Pubkey::new_unique(), Pubkey::new_unique());
    // 3 SOL is over the 2 SOL per-transaction max; four 1.4 SOL payments overrun the 5 SOL day.
    let mut extra = payment("too-big", &big, 3 * SOL, false);
    for i in 0..4 {
        extra += &payment(&format!("steady-{i}"), &steady, 14 * SOL / 10, false);
    }
    let world = World::new(&extra, 20 * SOL).await;
    let mut keeper = world.keeper();
    let report = keeper.tick().await.expect("tick");

    let refused = |prefix: &str, code: &str| report.refused.iter().any(|(k, c)| k.starts_with(prefix) && c == code);
    assert!(refused("pay:too-big:", "ExceedsPerTxMax"), "{report:?}");
    assert!(refused("pay:steady-3:", "ExceedsPeriodCap"), "{report:?}");
    assert_eq!(report.landed.len(), 3, "{report:?}");
    assert_eq!(world.lamports(big).await, 0, "refused payment never reached the chain");
    assert_eq!(world.lamports(steady).await, 3 * 14 * SOL / 10);
    let metrics = keeper.metrics();
    assert_eq!(metrics.counter("covenant_keeper_refusals_total", &[("reason", "ExceedsPerTxMax")]), 1);
    assert_eq!(metrics.counter("covenant_keeper_refusals_total", &[("reason", "ExceedsPeriodCap")]), 1);
    assert!(metrics.render().contains("covenant_keeper_refusals_total{reason=\"ExceedsPeriodCap\"} 1"));
    let (status, body) = http_get(&keeper, "/metrics").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(body.contains("covenant_keeper_refusals_total{reason=\"ExceedsPerTxMax\"} 1"), "{body}");
    assert!(body.contains("# TYPE covenant_keeper_inference_seconds histogram"), "{body}");
    assert!(http_get(&keeper, "/").await.0.starts_with("HTTP/1.1 404"), "only /metrics and /healthz are served");
    // Health, balances, the last good tick and the build, from the exporter.
    let (status, body) = http_get(&keeper, "/healthz").await;
    assert!(status.starts_with("HTTP/1.1 200") && body.starts_with("ok"), "{status} {body}");
    let (_, body) = http_get(&keeper, "/metrics").await;
    let gauge = |line_start: &str| -> f64 {
        let line =
            body.lines().find(|line| line.starts_with(line_start)).unwrap_or_else(|| panic!("{line_start} in {body}"));
        line.rsplit(' ').next().and_then(|value| value.parse().ok()).expect("a number")
    };
    // Sampled as the tick began: the keeper's 10 SOL and the vault's 20 SOL, before any payment.
    assert_eq!(gauge("covenant_keeper_fee_payer_lamports "), (10 * SOL) as f64);
    let vault = format!("covenant_keeper_vault_balance{{asset=\"SOL\",treasury=\"{}\"}} ", world.t.treasury);
    assert_eq!(gauge(&vault), (20 * SOL) as f64);
    assert_eq!(gauge("covenant_keeper_last_successful_tick_timestamp_seconds "), report.now as f64);
    assert_eq!(gauge("covenant_keeper_paused "), 0.0);
    assert!(
        body.contains(&format!("covenant_keeper_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"))),
        "{body}"
    );
    assert!(!body.contains(".."), "help texts end once: {body}");
    // A keeper that has not ticked yet is not healthy.
    let fresh = world.other_keeper(world.chain.clone(), "fresh.jsonl");
    let (status, _) = http_get(&fresh, "/healthz").await;
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");

    // Forced past the guard, the program refuses the same proposal itself.
    let snapshot = keeper.observe().await.expect("observe");
    let intent = covenant_keeper::decide::Intent::Pay {
        schedule: "too-big".into(),
        recipient: big,
        asset: covenant::constants::SOL_ASSET,
        amount: 3 * SOL,
        partial: false,
        purpose: "forced".into(),
    };
    let ixs =
        covenant_keeper::act::instructions(&intent, &snapshot, &world.keeper.pubkey(), Default::default()).unwrap();
    let error = ops::submit(world.chain.as_ref(), &ixs, &world.keeper, &[]).await.expect_err("program refuses");
    let ChainError::Rejected { error, .. } = error else { panic!("expected a program error, got {error}") };
    // As a direct spend, 3 SOL is above the co-sign threshold before it is above the maximum.
    let code = u32::from(CovenantError::CosignRequired);
    assert_eq!(error, TransactionError::InstructionError(0, InstructionError::Custom(code)));
    assert!(covenant_keeper::keeper::describe(&error).contains("CosignRequired"));
    assert_eq!(world.lamports(big).await, 0);
}

#[tokio::test]
async fn payments_above_the_cosign_threshold_wait_out_the_timelock() {
    let developer = Pubkey::new_unique();
    let mut world = World::new(&payment("image-api", &developer, 18 * SOL / 10, false), 10 * SOL).await;
    // Once a day from now, so the half-hour steps below stay inside one period.
    world.config.payments[0].every_seconds = 86_400;
    world.config.payments[0].start = world.now().await;
    let mut keeper = world.keeper();
    let report = keeper.tick().await.expect("tick");
    assert!(report.landed.len() == 1 && report.landed[0].starts_with("pay:image-api:"), "proposed: {report:?}");
    let pending: PendingSpend = world.account(world.t.pending(0)).await;
    assert_eq!((pending.amount, pending.recipient), (18 * SOL / 10, developer));
    assert_eq!(world.lamports(developer).await, 0, "nothing moves before the timelock");

    world.chain.warp_seconds(HOUR / 2).await.unwrap();
    let early = keeper.tick().await.expect("tick");
    assert!(early.landed.is_empty(), "{early:?}");

    world.chain.warp_seconds(HOUR / 2).await.unwrap();
    let matured = keeper.tick().await.expect("tick");
    assert!(matured.landed.contains(&"execute:0".to_string()), "{matured:?}");
    assert_eq!(world.lamports(developer).await, 18 * SOL / 10);
}

#[tokio::test]
async fn dry_run_decides_and_logs_but_signs_nothing() {
    let recipient = Pubkey::new_unique();
    let world = World::new(&payment("inference", &recipient, SOL / 2, false), 10 * SOL).await;
    let report = world.keeper_with(world.chain.clone(), true).tick().await.expect("tick");
    assert!(report.not_sent.len() == 1 && report.not_sent[0].starts_with("pay:inference:"), "{report:?}");
    assert!(report.landed.is_empty());
    assert_eq!(world.lamports(recipient).await, 0);
    let decisions = read_decisions(&world.log_path()).unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["outcome"], "pass");
}

#[tokio::test]
async fn queued_config_changes_show_in_status_and_metrics_and_bind_nothing_until_executed() {
    let world = World::new("", 5 * SOL).await;
    let t = world.t;
    let thief = Keypair::new().pubkey();
    let change = covenant::policy::ConfigChange::SetKeeper { keeper: thief };
    ops::submit(world.chain.as_ref(), &[covenant::sdk::set_config_timelock(&t, 3_600)], &world.operator, &[])
        .await
        .expect("timelock raised");
    ops::submit(world.chain.as_ref(), &[covenant::sdk::queue_config_change(&t, 0, change)], &world.operator, &[])
        .await
        .expect("queued");
    let mut keeper = world.keeper();
    keeper.tick().await.expect("tick");
    assert!(keeper.metrics().render().contains("covenant_keeper_config_changes_queued 1"));
    let snapshot = keeper.observe().await.expect("observe");
    assert_eq!(snapshot.treasury.keeper, world.keeper.pubkey(), "queued, the rotation binds nothing");
    let status = covenant_keeper::status::render(&snapshot, &[]);
    assert!(status.contains("config timelock 3600 s"), "{status}");
    assert!(status.contains("queued config changes"), "{status}");
    let short = &thief.to_string()[..6];
    assert!(
        status.lines().any(|line| line.starts_with("0 ") && line.contains("new keeper") && line.contains(short)),
        "{status}"
    );
    assert!(status.contains("3600s"), "executable in an hour: {status}");
}
