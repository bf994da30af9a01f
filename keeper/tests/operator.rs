//! The operator's, guardian's and donor's commands, parsed from their command lines and run on the
//! in-process bank: keys as signer URIs, offline signing, JSON output, fees on every transaction.

mod common;

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use common::{World, SOL};
use covenant::constants::SOL_ASSET;
use covenant::instructions::ProposeSpendArgs;
use covenant::policy::PendingStatus;
use covenant::state::{DecisionRecord, PendingSpend, Treasury};
use covenant_keeper::chain::faults::FaultyChain;
use covenant_keeper::chain::{Chain, RpcChain, RpcSettings};
use covenant_keeper::cli::Cli;
use covenant_keeper::commands::{execute, Done};
use covenant_keeper::config::KeeperConfig;
use covenant_keeper::{ops, setup};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Parses `args` as the binary would (config in the world's folder) and runs the command.
async fn run(world: &World, config: &KeeperConfig, chain: &dyn Chain, args: &[&str]) -> anyhow::Result<Done> {
    let path = world.dir.path().join("keeper.toml");
    let mut argv = vec!["covenant-keeper".to_string(), "-c".into(), path.display().to_string()];
    argv.extend(args.iter().map(|arg| arg.to_string()));
    let cli = Cli::try_parse_from(argv)?;
    execute(&cli, config, chain).await
}

fn write_key(dir: &Path, name: &str, key: &Keypair) {
    setup::write_keypair(key, &dir.join(name)).expect("key written");
}

/// Nothing answers here: a command that reaches for the network fails.
fn no_network() -> RpcChain {
    RpcChain::new(&RpcSettings::new(
        "http://127.0.0.1:1",
        std::time::Duration::from_secs(1),
        solana_commitment_config::CommitmentConfig::confirmed(),
    ))
}

async fn propose(world: &World, pending_id: u64) {
    let args = ProposeSpendArgs {
        recipient: Pubkey::new_unique(),
        amount: 1_800_000_000,
        purpose: "a large invoice".into(),
        decision: DecisionRecord::default(),
    };
    let ix = covenant::sdk::propose_spend(&world.t, world.keeper.pubkey(), SOL_ASSET, pending_id, args);
    ops::submit(world.chain.as_ref(), &[ix], &world.keeper, &[]).await.expect("proposed");
}

#[tokio::test]
async fn every_command_signs_with_its_own_key_prints_json_and_pays_a_priority_fee() {
    let world = World::new("", 10 * SOL).await;
    let dir = world.dir.path();
    write_key(dir, "operator.json", &world.operator);
    write_key(dir, "donor.json", &world.donor);
    let mut config = world.config.clone();
    config.keys.operator = Some("operator.json".into());
    config.fees.floor_micro_lamports = 3;
    let chain = FaultyChain::new(world.chain.clone());

    let paused = run(&world, &config, &chain, &["--output", "json", "pause", "--authority", "operator.json"]).await;
    let paused = paused.expect("pause");
    assert_eq!(paused.json["action"], "pause");
    assert!(paused.json["signature"].as_str().is_some_and(|s| s.len() > 60), "{}", paused.json);
    assert!(world.account::<Treasury>(world.t.treasury).await.paused);
    run(&world, &config, &chain, &["--with-compute-unit-price", "9", "unpause"])
        .await
        .expect("unpause (keys.operator)");
    assert!(!world.account::<Treasury>(world.t.treasury).await.paused);

    let before = world.lamports(world.t.vault).await;
    let donated =
        run(&world, &config, &chain, &["--output", "json", "donate", "--from", "donor.json", "--amount", "1.5"]);
    let donated = donated.await.expect("donate");
    assert_eq!((donated.json["lamports"].as_u64(), donated.json["sol"].as_str()), (Some(1_500_000_000), Some("1.5")));
    assert_eq!(world.lamports(world.t.vault).await, before + 1_500_000_000);
    let args = ["grant", "--from", "donor.json", "--id", "4", "--lamports", "7000", "--expires-in", "3600"];
    let granted = run(&world, &config, &chain, &args).await.expect("grant");
    assert!(granted.text.contains("funded with 0.000007 SOL"), "{}", granted.text);
    assert!(world.lamports(world.t.grant(&world.donor.pubkey(), 4)).await > 7000, "the escrow holds the grant");

    // status shows SOL amounts (JSON keeps base units).
    let status = run(&world, &config, &chain, &["status"]).await.expect("status").text;
    let sol_row: Vec<&str> =
        status.lines().find(|line| line.starts_with("SOL ")).expect("SOL row").split_whitespace().collect();
    assert_eq!(sol_row[2..5], ["2", "0", "5"], "per-tx max, window used, cap in SOL: {status}");
    assert!(sol_row[1].parse::<f64>().expect("a SOL balance") >= 11.5, "{status}");
    assert!(status.lines().any(|line| line.contains("0.000007")), "the grant in SOL: {status}");
    let json = run(&world, &config, &chain, &["--output", "json", "status"]).await.expect("status").json;
    assert_eq!(json["policies"][0]["per_tx_max"], 2 * SOL);
    assert_eq!(json["policies"][0]["decimals"], 9);

    propose(&world, 0).await;
    run(&world, &config, &chain, &["approve-pending", "--id", "0"]).await.expect("approve");
    assert_eq!(world.account::<PendingSpend>(world.t.pending(0)).await.status, PendingStatus::Approved);
    propose(&world, 1).await;
    run(&world, &config, &chain, &["cancel-pending", "--id", "1"]).await.expect("cancel (falls back to the operator)");
    assert_eq!(world.account::<PendingSpend>(world.t.pending(1)).await.status, PendingStatus::Cancelled);

    // Every transaction: a unit limit and a unit price first (the floor, or the flag's 9).
    let sent = chain.sent();
    assert_eq!(sent.len(), 6);
    for (n, tx) in sent.iter().enumerate() {
        let message = &tx.message;
        let program = |i: usize| message.account_keys[usize::from(message.instructions[i].program_id_index)];
        assert_eq!(program(0), solana_sdk_ids::compute_budget::id(), "tx {n}");
        assert_eq!(program(1), solana_sdk_ids::compute_budget::id(), "tx {n}");
        assert_eq!(message.instructions[0].data[0], 2, "tx {n}: set_compute_unit_limit");
        let price = if n == 1 { 9u64 } else { 3 };
        assert_eq!(message.instructions[1].data, [&[3u8][..], &price.to_le_bytes()].concat(), "tx {n}: unit price");
    }
    let pause_tx = &sent[0];
    assert_eq!(pause_tx.message.account_keys[0], world.operator.pubkey(), "the authority pays when no --fee-payer");
}

#[tokio::test]
async fn a_cold_key_signs_offline_and_the_hot_machine_sends() {
    let world = World::new("", 0).await;
    let dir = world.dir.path();
    let hot = Keypair::new();
    ops::submit(
        world.chain.as_ref(),
        &[solana_system_interface::instruction::transfer(&world.donor.pubkey(), &hot.pubkey(), SOL)],
        &world.donor,
        &[],
    )
    .await
    .expect("hot wallet funded");
    ops::submit(world.chain.as_ref(), &[covenant::sdk::pause(&world.t, world.operator.pubkey())], &world.operator, &[])
        .await
        .expect("paused");
    let blockhash = world.chain.latest_blockhash().await.expect("blockhash").to_string();
    let (operator, hot_key) = (world.operator.pubkey().to_string(), hot.pubkey().to_string());

    // The cold machine: the operator's key file, no network, the fee payer only a public key.
    write_key(dir, "operator.json", &world.operator);
    let cold = world.config.clone();
    let offline = ["--sign-only", "--blockhash", &blockhash, "--fee-payer", &hot_key, "--output", "json"];
    let (args, offline_chain) = ([&offline[..], &["unpause", "--operator", "operator.json"]].concat(), no_network());
    let signed = run(&world, &cold, &offline_chain, &args).await.expect("signed offline without a network");
    assert_eq!(signed.json["blockhash"], blockhash.as_str());
    assert_eq!(signed.json["absent"], serde_json::json!([hot_key]));
    let pair = signed.json["signers"][0].as_str().expect("one signature").to_string();
    assert!(pair.starts_with(&format!("{operator}=")), "{pair}");
    std::fs::remove_file(dir.join("operator.json")).expect("the cold key leaves");

    // The hot machine: the operator is a public key (keys.operator), its signature comes from --signer.
    write_key(dir, "hot.json", &hot);
    let mut online = world.config.clone();
    online.keys.operator = Some(operator.clone());
    let send = ["--blockhash", &blockhash, "--signer", &pair, "--fee-payer", "hot.json", "unpause"];
    // Another fee makes another message: the offline signature does not cover it, nothing is sent.
    let args = [&["--with-compute-unit-price", "5"][..], &send].concat();
    let error = run(&world, &online, world.chain.as_ref(), &args).await.expect_err("a different message").to_string();
    assert!(error.contains("not over this transaction"), "{error}");
    assert!(world.account::<Treasury>(world.t.treasury).await.paused);
    // Without the signature, the public key alone cannot sign.
    let unsigned = run(&world, &online, world.chain.as_ref(), &["--fee-payer", "hot.json", "unpause"]).await;
    assert!(unsigned.expect_err("no signature").to_string().contains("--sign-only"));

    let hot_before = world.lamports(hot.pubkey()).await;
    let operator_before = world.lamports(world.operator.pubkey()).await;
    let sent = run(&world, &online, world.chain.as_ref(), &send).await.expect("sent from the hot machine");
    assert!(sent.text.starts_with("unpaused ("), "{}", sent.text);
    assert!(!world.account::<Treasury>(world.t.treasury).await.paused);
    assert!(world.lamports(hot.pubkey()).await < hot_before, "the hot key paid the fee");
    assert_eq!(world.lamports(world.operator.pubkey()).await, operator_before, "the cold key paid nothing");
}

#[tokio::test]
async fn status_needs_no_key_and_never_opens_the_operators() {
    let world = World::new("", SOL).await;
    let mut config = world.config.clone();
    // A cold key that is not on this machine, or that only a person can unlock.
    for absent in ["operator-on-another-machine.json", "prompt://", "usb://ledger"] {
        config.keys.operator = Some(absent.into());
        config.keys.keeper = Some("no-keeper-key-here.json".into());
        let done = run(&world, &config, world.chain.as_ref(), &["--output", "json", "status"]).await.expect("status");
        assert_eq!(done.json["paused"], false, "{}", done.json);
        assert_eq!(done.json["treasury"], world.t.treasury.to_string());
    }
    // Without treasury.operator, only a key file or a public key can name the treasury.
    config.treasury.operator = None;
    let error = format!("{:#}", run(&world, &config, world.chain.as_ref(), &["status"]).await.expect_err("prompt"));
    assert!(error.contains("set treasury.operator"), "{error}");
    config.keys.operator = Some(world.operator.pubkey().to_string());
    run(&world, &config, world.chain.as_ref(), &["status"]).await.expect("a public key names the treasury");
}

#[tokio::test]
async fn unpause_under_a_timelock_queues_then_executes_the_request_for_this_pause() {
    let world = World::new("", 10 * SOL).await;
    write_key(world.dir.path(), "operator.json", &world.operator);
    let mut config = world.config.clone();
    config.keys.operator = Some("operator.json".into());
    let chain = world.chain.as_ref();
    let timelock = covenant::sdk::set_config_timelock(&world.t, 3_600);
    ops::submit(chain, &[timelock], &world.operator, &[]).await.expect("timelock raised");
    run(&world, &config, chain, &["pause", "--authority", "operator.json"]).await.expect("paused");

    let queued = run(&world, &config, chain, &["--output", "json", "unpause"]).await.expect("queued");
    assert_eq!((queued.json["action"].as_str(), queued.json["request"].as_u64()), (Some("queue_unpause"), Some(0)));
    let early = run(&world, &config, chain, &["unpause"]).await.expect_err("not yet");
    assert!(early.to_string().contains("request 0 for this pause is executable at"), "{early}");
    world.chain.warp_seconds(3_600).await.expect("warp");
    let done = run(&world, &config, chain, &["--output", "json", "unpause"]).await.expect("executed");
    assert_eq!((done.json["action"].as_str(), done.json["request"].as_u64()), (Some("unpause"), Some(0)));
    assert!(!world.account::<Treasury>(world.t.treasury).await.paused);

    // The escape from a guardian that cancels every unpause: only the operator can cancel it.
    // Without a guardian there is nothing to override, and the refusal names the rule.
    run(&world, &config, chain, &["pause", "--authority", "operator.json"]).await.expect("paused again");
    let none = run(&world, &config, chain, &["unpause", "--override"]).await.expect_err("no guardian");
    assert!(none.to_string().contains("(InvalidGuardianOverride)"), "{none}");
    let guardian = Keypair::new().pubkey();
    let add = covenant::sdk::set_guardian(&world.t, Some(guardian));
    ops::submit(chain, &[add], &world.operator, &[]).await.expect("adding a guardian is immediate");
    let escape = run(&world, &config, chain, &["--output", "json", "unpause", "--override"]).await.expect("queued");
    assert_eq!(escape.json["action"], "queue_guardian_override");
    let now = world.now().await;
    assert_eq!(escape.json["executable_at"].as_i64(), Some(now + 3_600 + 7 * 86_400));
    let status = run(&world, &config, chain, &["--output", "json", "status"]).await.expect("status");
    let change = &status.json["queued_config_changes"][0];
    assert_eq!((change["guardian_override"].as_bool(), change["state"].as_str()), (Some(true), Some("waiting")));
    let refused = run(&world, &config, chain, &["unpause", "--override", "--request", "1"]).await;
    assert!(refused.is_err(), "--override and --request are one or the other");
}
