//! The JSON-RPC chain against a scripted cluster: expiry is decided by the last valid block height
//! the cluster gave with the blockhash, and retries back off with jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use covenant_keeper::chain::{Chain, ChainError, RpcChain, RpcSettings};
use covenant_keeper::config::LoopConfig;
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

const LAST_VALID: u64 = 1_000;

/// What the scripted cluster says about the transaction's status.
#[derive(Clone, Copy)]
enum Fate {
    /// Never seen: the block height climbs past the last valid one.
    Dropped,
    /// Confirmed on the third poll.
    ConfirmedLate,
}

struct Cluster {
    url: String,
    state: Arc<Counters>,
}

/// What the scripted cluster counts.
#[derive(Default)]
struct Counters {
    block_height: AtomicU64,
    sends: AtomicU64,
    /// Sends that asked the node to skip its preflight simulation.
    unsimulated: AtomicU64,
    /// The most signatures one `getSignatureStatuses` asked about, and how many such calls.
    batch: AtomicU64,
    status_calls: AtomicU64,
}

impl std::ops::Deref for Cluster {
    type Target = Counters;
    fn deref(&self) -> &Counters {
        &self.state
    }
}

/// One JSON-RPC call answered as the script says.
fn answer(fate: Fate, counters: &Counters, call: &Value) -> Value {
    let context = json!({"slot": 5, "apiVersion": "3.1.12"});
    match call["method"].as_str().unwrap_or_default() {
        "getLatestBlockhash" => json!({"context": context, "value": {
            "blockhash": solana_hash::Hash::new_from_array([7; 32]).to_string(),
            "lastValidBlockHeight": LAST_VALID,
        }}),
        "sendTransaction" => {
            counters.sends.fetch_add(1, Ordering::SeqCst);
            if call["params"][1]["skipPreflight"] == json!(true) {
                counters.unsimulated.fetch_add(1, Ordering::SeqCst);
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(call["params"][0].as_str().unwrap_or_default())
                .unwrap_or_default();
            let tx: Transaction = bincode::deserialize(&bytes).expect("a transaction");
            json!(tx.signatures[0].to_string())
        }
        "getSignatureStatuses" => {
            let polls = counters.status_calls.fetch_add(1, Ordering::SeqCst) + 1;
            let asked = call["params"][0].as_array().map_or(0, Vec::len);
            counters.batch.fetch_max(asked as u64, Ordering::SeqCst);
            let status = match fate {
                Fate::ConfirmedLate if polls >= 3 => json!({
                    "slot": 5, "confirmations": 1, "err": null, "status": {"Ok": null},
                    "confirmationStatus": "confirmed",
                }),
                _ => Value::Null,
            };
            json!({"context": context, "value": vec![status; asked]})
        }
        // Two blocks per poll: past the last valid height on the second.
        "getBlockHeight" => json!(counters.block_height.fetch_add(2, Ordering::SeqCst) + 2),
        "isBlockhashValid" => json!({"context": context, "value": false}),
        "getVersion" => json!({"solana-core": "3.1.12", "feature-set": 0}),
        method => panic!("unexpected call {method}"),
    }
}

/// A scripted cluster served by axum on a free local port, for as long as the test runs.
async fn cluster(fate: Fate) -> Cluster {
    let state = Arc::new(Counters { block_height: AtomicU64::new(LAST_VALID - 2), ..Counters::default() });
    let served = state.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: String| {
            let state = served.clone();
            async move {
                let call: Value = serde_json::from_str(&body).unwrap_or_default();
                let result = answer(fate, &state, &call);
                let reply = json!({"jsonrpc": "2.0", "id": call["id"], "result": result}).to_string();
                ([(axum::http::header::CONTENT_TYPE, "application/json")], reply)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Cluster { url, state }
}

fn chain(url: &str) -> RpcChain {
    let mut settings = RpcSettings::new(url, Duration::from_secs(5), CommitmentConfig::confirmed());
    settings.confirm_poll = Duration::from_millis(5);
    RpcChain::new(&settings)
}

fn transfer(chain_blockhash: solana_hash::Hash) -> Transaction {
    let payer = Keypair::new();
    let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &Keypair::new().pubkey(), 1);
    Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], chain_blockhash)
}

#[tokio::test]
async fn a_transaction_expires_when_the_cluster_passes_its_last_valid_block_height() {
    let cluster = cluster(Fate::Dropped).await;
    let chain = chain(&cluster.url);
    let blockhash = chain.latest_blockhash().await.expect("blockhash");
    let tx = transfer(blockhash);
    let sent = tokio::time::timeout(Duration::from_secs(10), chain.send_and_confirm(&tx));
    let error = sent.await.expect("gives up once expired, not never").expect_err("never lands");
    assert!(matches!(error, ChainError::BlockhashExpired), "{error}");
    assert!(cluster.block_height.load(Ordering::SeqCst) > LAST_VALID, "not before the height is passed");
    assert!(error.label() == "blockhash_expired" && !error.is_transient());

    // A blockhash this client did not fetch (an offline signer's): the cluster's own validity check.
    let foreign = solana_hash::Hash::new_from_array([9; 32]);
    let error = chain.send_and_confirm(&transfer(foreign)).await.expect_err("invalid blockhash");
    assert!(matches!(error, ChainError::BlockhashExpired), "{error}");
}

#[tokio::test]
async fn a_transaction_confirmed_late_is_landed_not_expired() {
    let cluster = cluster(Fate::ConfirmedLate).await;
    let chain = chain(&cluster.url);
    let blockhash = chain.latest_blockhash().await.expect("blockhash");
    let tx = transfer(blockhash);
    assert_eq!(chain.send_and_confirm(&tx).await.expect("lands"), tx.signatures[0]);
    assert_eq!(cluster.sends.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_batch_is_confirmed_by_one_status_poll_for_all_of_it() {
    let cluster = cluster(Fate::ConfirmedLate).await;
    let chain = chain(&cluster.url);
    let blockhash = chain.latest_blockhash().await.expect("blockhash");
    let txs: Vec<Transaction> = (0..5).map(|_| transfer(blockhash)).collect();
    let results = chain.send_and_confirm_all(&txs).await;
    for (tx, result) in txs.iter().zip(&results) {
        assert_eq!(result.as_ref().expect("confirmed"), &tx.signatures[0]);
    }
    assert_eq!(cluster.sends.load(Ordering::SeqCst), 5);
    assert_eq!(cluster.batch.load(Ordering::SeqCst), 5, "every signature in one call");
    assert_eq!(cluster.status_calls.load(Ordering::SeqCst), 3, "one call per poll, not one per transaction");
    assert_eq!(cluster.unsimulated.load(Ordering::SeqCst), 0, "the node simulates what nobody simulated");
}

#[tokio::test]
async fn a_batch_the_keeper_simulated_skips_the_nodes_preflight() {
    let cluster = cluster(Fate::ConfirmedLate).await;
    let chain = chain(&cluster.url);
    let blockhash = chain.latest_blockhash().await.expect("blockhash");
    let txs: Vec<Transaction> = (0..4).map(|_| transfer(blockhash)).collect();
    for result in chain.send_simulated_and_confirm_all(&txs).await {
        result.expect("confirmed");
    }
    assert_eq!(cluster.sends.load(Ordering::SeqCst), 4);
    assert_eq!(cluster.unsimulated.load(Ordering::SeqCst), 4, "simulated once, by the keeper");
    assert_eq!(cluster.status_calls.load(Ordering::SeqCst), 3, "confirmed as one batch all the same");
}

#[test]
fn retries_back_off_doubling_with_jitter_up_to_a_cap() {
    let config = LoopConfig { retry_base_ms: 400, retry_max_ms: 5_000, ..LoopConfig::default() };
    for attempt in 0..8u32 {
        let ceiling = (400u64 << attempt).min(5_000);
        let delays: Vec<u128> = (0..50).map(|_| config.backoff(attempt).as_millis()).collect();
        assert!(
            delays.iter().all(|&d| d >= u128::from(ceiling / 2) && d <= u128::from(ceiling)),
            "{attempt}: {delays:?}"
        );
        assert!(delays.iter().any(|&d| d != delays[0]), "jittered: {delays:?}");
    }
    assert!(LoopConfig::default().backoff(0) >= Duration::from_millis(200), "no retry sooner than half a slot");
}
