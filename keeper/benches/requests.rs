//! Agents' payment requests against their floors, in one run (a bench binary printing a table; not
//! part of the test suite's pass/fail). `cargo bench -p covenant-keeper --bench requests`.
//!
//! 1. From request to signed transaction, confirmation excluded: the keeper's whole path for a
//!    batch of B requests (one observation, features, one inference batch, the guard, the decision
//!    logged and hashed, build with the exactly-once marker, sign, intents on disk), on a memory
//!    chain that accepts sends without executing them, per request; against a bare build and sign
//!    of the same transaction (compute budget, marker, spend) in the same run.
//! 2. Requests per second on the in-process bank, executed and confirmed, against the same
//!    transactions built, signed and sent bare on the same bank.

mod memory_chain;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::sdk::TreasuryAddresses;
use covenant::state::DecisionRecord;
use covenant_keeper::chain::{BankChain, Chain};
use covenant_keeper::keeper::Keeper;
use covenant_keeper::model::{Device, Model, OnnxModel};
use covenant_keeper::requests::AgentRequest;
use covenant_keeper::setup;
use memory_chain::{synthetic_treasury, MemoryChain};
use solana_keypair::Keypair;
use solana_signer::Signer;

const SOL: u64 = 1_000_000_000;

fn request(t: &TreasuryAddresses, to: Pubkey, n: usize) -> AgentRequest {
    AgentRequest {
        agent: "bench".into(),
        idempotency_key: format!("req-{n}"),
        treasury: t.treasury,
        to,
        asset: SOL_ASSET,
        amount: SOL / 100,
        purpose: "inference credits".into(),
        memo: None,
        tool: "request_payment".into(),
        arguments: serde_json::json!({"to": to.to_string(), "amount": "0.01"}),
        recent: 0,
        bounty: None,
    }
}

/// What the keeper would send for request `n`, built and signed with nothing around it.
fn bare_transaction(
    t: &TreasuryAddresses,
    keeper: &Keypair,
    to: Pubkey,
    n: usize,
    blockhash: solana_hash::Hash,
) -> solana_transaction::Transaction {
    let key: [u8; 32] =
        n.to_le_bytes().iter().copied().chain([0u8; 24]).collect::<Vec<_>>().try_into().unwrap_or([0; 32]);
    let ixs = [
        covenant::sdk::mark_action(t, keeper.pubkey(), key, 1),
        covenant::sdk::spend_sol(
            t,
            keeper.pubkey(),
            to,
            SOL / 100,
            DecisionRecord { model_hash: [1; 32], decision_hash: key },
        ),
    ];
    covenant_keeper::act::sign(&ixs, 40_000, 0, keeper, blockhash)
}

fn keeper_on(
    chain: Arc<dyn Chain>,
    model: Arc<dyn Model>,
    keeper: &Keypair,
    t: TreasuryAddresses,
    dir: &std::path::Path,
    name: &str,
) -> Keeper {
    let text = format!(
        "[keys]\nkeeper = \"unused\"\n[treasury]\nid = {}\noperator = \"{}\"\n[loop]\ndecision_log = \"{}\"\n",
        0,
        t.operator,
        dir.join(name).display()
    );
    let config = covenant_keeper::config::KeeperConfig::parse(&text).expect("bench config");
    Keeper::new(chain, model, config, keeper.insecure_clone(), t, false).expect("keeper")
}

fn per(duration: Duration, count: usize) -> Duration {
    duration / u32::try_from(count.max(1)).unwrap_or(u32::MAX)
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    use std::io::Write as _;
    // The natively built program prints its `msg!` lines to stdout; the table goes around them.
    let mut out = setup::stdout_without_program_logs();
    let library = setup::default_ort_library();
    let model: Arc<dyn Model> = Arc::new(
        OnnxModel::from_bytes(setup::DEFAULT_MODEL, "default", &library, Device::Cpu)
            .unwrap_or_else(|error| panic!("{error} (run scripts/setup-onnxruntime)")),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let keeper = Keypair::new();
    let shop = Pubkey::new_unique();

    // 1. Request to signed transaction on the memory chain, against bare build + sign.
    let mut memory = MemoryChain::default();
    let now = 1_900_000_000;
    memory.insert_clock(now);
    let operator = synthetic_treasury(&mut memory, keeper.pubkey(), 0, now);
    let t = TreasuryAddresses::new(operator, 0);
    let memory: Arc<dyn Chain> = Arc::new(memory);
    let blockhash = solana_hash::Hash::new_unique();
    let rounds = 2_000;
    let started = Instant::now();
    for n in 0..rounds {
        std::hint::black_box(bare_transaction(&t, &keeper, shop, n, blockhash));
    }
    let bare = per(started.elapsed(), rounds);
    let _ = writeln!(out, "| path | per request | ÷ bare build + sign |");
    let _ = writeln!(out, "|---|---:|---:|");
    let _ =
        writeln!(out, "| bare build + sign (compute budget, marker, spend_sol, ed25519) | {} | 1.00× |", micros(bare));
    let mut next = 0usize;
    for batch in [1usize, 16, 256] {
        let mut k = keeper_on(memory.clone(), model.clone(), &keeper, t, dir.path(), &format!("memory-{batch}.jsonl"));
        let (mut total, mut count) = (Duration::ZERO, 0usize);
        for _ in 0..(512 / batch).max(4) {
            let requests: Vec<AgentRequest> = (0..batch).map(|i| request(&t, shop, next + i)).collect();
            next += batch;
            let started = Instant::now();
            let outcomes = k.handle_requests(&requests, false).await.expect("handled");
            total += started.elapsed();
            count += batch;
            assert!(outcomes.iter().all(|o| o.status == "paid"), "{:?}", outcomes.first());
        }
        let path = per(total, count);
        let _ = writeln!(
            out,
            "| keeper, batches of {batch}: observe, features, model, guard, decision logged, build, sign, intents synced | {} | {:.2}× |",
            micros(path),
            path.as_secs_f64() / bare.as_secs_f64()
        );
    }

    // 2. Requests per second on the bank (executed), against the same transactions sent bare.
    let funded = [(operator_key(), 1_000 * SOL), (keeper.pubkey(), 100 * SOL)];
    let bank = Arc::new(BankChain::start(&funded).await);
    let t = bank_treasury(bank.as_ref(), &keeper).await;
    let count = 512;
    let started = Instant::now();
    for n in 0..count {
        let blockhash = bank.latest_blockhash().await.expect("blockhash");
        bank.send_and_confirm(&bare_transaction(&t, &keeper, shop, 100_000 + n, blockhash)).await.expect("bare spend");
    }
    let bare_rate = count as f64 / started.elapsed().as_secs_f64();
    let chain: Arc<dyn Chain> = bank.clone();
    let mut k = keeper_on(chain, model.clone(), &keeper, t, dir.path(), "bank.jsonl");
    let started = Instant::now();
    for batch in 0..count / 256 {
        let requests: Vec<AgentRequest> = (0..256).map(|i| request(&t, shop, 200_000 + batch * 256 + i)).collect();
        let outcomes = k.handle_requests(&requests, false).await.expect("handled");
        assert!(outcomes.iter().all(|o| o.status == "paid"), "{:?}", outcomes.iter().find(|o| o.status != "paid"));
    }
    let keeper_rate = count as f64 / started.elapsed().as_secs_f64();
    let _ = writeln!(out, "\n| on the in-process bank, executed and confirmed | requests per second | ÷ bare |");
    let _ = writeln!(out, "|---|---:|---:|");
    let _ = writeln!(out, "| bare: built, signed, sent one by one | {bare_rate:.0} | 1.00× |");
    let _ = writeln!(
        out,
        "| keeper: {count} requests in batches of 256 | {keeper_rate:.0} | {:.2}× |",
        keeper_rate / bare_rate
    );
}

fn operator_key() -> Pubkey {
    OPERATOR.with(|operator| operator.pubkey())
}

thread_local! {
    static OPERATOR: Keypair = Keypair::new();
}

/// A treasury on the bank made by the program itself, with a wide SOL policy and 500 SOL.
async fn bank_treasury(bank: &BankChain, keeper: &Keypair) -> TreasuryAddresses {
    let operator = OPERATOR.with(Keypair::insecure_clone);
    let text = format!(
        "[keys]\nkeeper = \"unused\"\n[treasury]\nid = 0\noperator = \"{}\"\n[[policy]]\nasset = \"SOL\"\nper_tx_max = 1_000_000_000\nperiod_seconds = 86_400\nperiod_cap = 900_000_000_000\n",
        operator.pubkey()
    );
    let config = covenant_keeper::config::KeeperConfig::parse(&text).expect("config");
    for step in
        covenant_keeper::ops::init_steps(bank, &config, operator.pubkey(), keeper.pubkey()).await.expect("steps")
    {
        covenant_keeper::ops::submit(bank, &step.instructions, &operator, &[]).await.expect("init");
    }
    let t = TreasuryAddresses::new(operator.pubkey(), 0);
    let ixs = covenant_keeper::ops::donate(&t, operator.pubkey(), 500 * SOL, "bench".into());
    covenant_keeper::ops::submit(bank, &ixs, &operator, &[]).await.expect("funded");
    t
}
