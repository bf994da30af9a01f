//! Keeper actions sent and confirmed per second on the real validator, next to the same number of
//! bare transfers signed and sent by the same client in the same run.
//!
//! Against a running validator (`scripts/localnet --faucet-keypair /tmp/faucet.json`):
//! `COVENANT_LOCALNET_URL=http://127.0.0.1:8899 COVENANT_LOCALNET_FAUCET=/tmp/faucet.json \
//!  cargo run -p covenant-localnet --example throughput [N]` (N actions, default 1,000; with
//! `source scripts/localnet-env` for the validator's target dir). Prints a table for BENCHMARKS.md.

use std::sync::Arc;
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use covenant::sdk::TreasuryAddresses;
use covenant_keeper::chain::{Chain, RpcChain, RpcSettings};
use covenant_keeper::config::KeeperConfig;
use covenant_keeper::keeper::Keeper;
use covenant_keeper::ops;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

const SOL: u64 = 1_000_000_000;
/// What the keeper keeps in flight at once, and what the bare client sends at once.
const IN_FLIGHT: usize = 32;

async fn send_all(chain: &dyn Chain, batches: Vec<Vec<solana_instruction::Instruction>>, payer: &Keypair) {
    for chunk in batches.chunks(256) {
        let blockhash = chain.latest_blockhash().await.expect("blockhash");
        let txs: Vec<Transaction> = chunk
            .iter()
            .map(|ixs| Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &[payer], blockhash))
            .collect();
        for result in chain.send_and_confirm_all(&txs).await {
            result.expect("setup transaction lands");
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: u64 = std::env::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(1_000);
    let url = std::env::var("COVENANT_LOCALNET_URL").unwrap_or_else(|_| "http://127.0.0.1:8899".into());
    let faucet = std::env::var_os("COVENANT_LOCALNET_FAUCET").expect("COVENANT_LOCALNET_FAUCET: a funded keypair file");
    let funder = covenant_keeper::setup::read_keypair(std::path::Path::new(&faucet)).expect("the faucet keypair");
    let settings = RpcSettings::new(&url, std::time::Duration::from_secs(30), CommitmentConfig::confirmed());
    let chain: Arc<dyn Chain> = Arc::new(RpcChain::new(&settings));
    let (operator, keeper) = (Keypair::new(), Keypair::new());
    let recipient = Pubkey::new_unique();
    let fund =
        |to: Pubkey, lamports| vec![solana_system_interface::instruction::transfer(&funder.pubkey(), &to, lamports)];
    send_all(chain.as_ref(), vec![fund(operator.pubkey(), 10 * SOL), fund(keeper.pubkey(), 100 * SOL)], &funder).await;

    // `count` treasuries, each with a payment due: one keeper action each.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "[keys]\nkeeper = \"unused\"\n[treasury]\noperator = \"{}\"\nid = 0\n[[policy]]\nasset = \"SOL\"\nper_tx_max = \"1 SOL\"\nperiod_seconds = 86_400\nperiod_cap = \"1 SOL\"\n\
         [[payment]]\nname = \"bill\"\nrecipient = \"{recipient}\"\namount = 1_000_000\nevery_seconds = 86_400\n[loop]\ndecision_log = \"{}\"\nmax_in_flight = {IN_FLIGHT}\n",
        operator.pubkey(),
        dir.path().join("journal.jsonl").display()
    );
    let base = KeeperConfig::parse(&text).expect("config");
    let (mut created, mut funded, mut treasuries) = (Vec::new(), Vec::new(), Vec::new());
    for id in 0..count {
        let mut config = base.clone();
        config.treasury.id = id;
        let steps = ops::init_steps(chain.as_ref(), &config, operator.pubkey(), keeper.pubkey()).await.expect("steps");
        created.push(steps.into_iter().flat_map(|step| step.instructions).collect());
        let t = TreasuryAddresses::new(operator.pubkey(), id);
        funded.push(ops::donate(&t, funder.pubkey(), SOL / 100, String::new()));
        treasuries.push(t);
    }
    send_all(chain.as_ref(), created, &operator).await;
    send_all(chain.as_ref(), funded, &funder).await;

    let model = covenant_keeper::setup::load_model(
        None,
        &covenant_keeper::setup::default_ort_library(),
        covenant_keeper::model::Device::Cpu,
    )
    .expect("the default model");
    let mut fleet =
        Keeper::fleet(chain.clone(), model, base, keeper.insecure_clone(), treasuries, false).expect("fleet keeper");
    let started = Instant::now();
    let report = fleet.tick().await.expect("tick");
    let keeper_seconds = started.elapsed().as_secs_f64();
    assert_eq!(report.landed.len() as u64, count, "every action landed: {:?}", report.failed.first());

    // The baseline: as many bare transfers, signed and sent by the same client, IN_FLIGHT at once.
    let payers: Vec<Keypair> = (0..IN_FLIGHT).map(|_| Keypair::new()).collect();
    send_all(chain.as_ref(), payers.iter().map(|payer| fund(payer.pubkey(), SOL)).collect(), &funder).await;
    let started = Instant::now();
    let mut sent = 0u64;
    while sent < count {
        let blockhash = chain.latest_blockhash().await.expect("blockhash");
        let batch = (count - sent).min(IN_FLIGHT as u64) as usize;
        let txs: Vec<Transaction> = payers[..batch]
            .iter()
            .map(|payer| {
                let ix =
                    solana_system_interface::instruction::transfer(&payer.pubkey(), &funder.pubkey(), 5_000 + sent);
                Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash)
            })
            .collect();
        for result in chain.send_and_confirm_all(&txs).await {
            result.expect("transfer lands");
        }
        sent += batch as u64;
    }
    let bare_seconds = started.elapsed().as_secs_f64();
    let (keeper_rate, bare_rate) = (count as f64 / keeper_seconds, count as f64 / bare_seconds);
    println!("| what | count | seconds | per second | vs bare transfers |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| keeper actions (observe {count} treasuries, decide, guard, simulate, sign, journal, send, confirm) | {count} | {keeper_seconds:.1} | {keeper_rate:.1} | {:.2}× |",
        keeper_rate / bare_rate
    );
    println!("| bare transfers, {IN_FLIGHT} at once | {count} | {bare_seconds:.1} | {bare_rate:.1} | 1.00× |");
}
