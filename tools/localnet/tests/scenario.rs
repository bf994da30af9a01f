//! The keeper binary against a real validator over JSON-RPC: an operator sets up a treasury, a donor
//! gives and grants, fans claim a bounty, and one keeper tick releases, pays, rejects and refuses.
//! Balances are read back through `RpcClient`; Ctrl-C stops the validator and removes its ledger.
//! With `COVENANT_LOCALNET_URL` set, the same scenario runs against that cluster instead (this is
//! what `anchor test` runs against its validator and the `anchor build` program).

mod common;

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use common::{json_rpc, keeper, Cluster};
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::instructions::CreateBountyArgs;
use covenant::policy::ClaimStatus;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::{Claim, DecisionRecord, Grant, SpendPolicy};
use covenant_keeper::chain::{Chain, ChainError, RpcChain, RpcSettings};
use covenant_keeper::ops;
use covenant_keeper::setup::write_keypair;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

const SOL: u64 = 1_000_000_000;
const TREASURY_ID: u64 = 1;

struct Wallets {
    operator: Keypair,
    keeper: Keypair,
    donor: Keypair,
    fans: [Keypair; 2],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keeper_binary_runs_a_treasury_over_json_rpc() {
    let cluster = Cluster::from_env();
    if let Cluster::Spawned(localnet) = &cluster {
        for program in ["covenant", "spl-token", "spl-token-2022", "spl-associated-token-account"] {
            let listed = |line: &String| line.starts_with("program") && line.ends_with(&format!(" {program}"));
            assert!(localnet.banner.iter().any(listed), "{program} listed: {:#?}", localnet.banner);
        }
    }
    let (rpc_url, faucet) = (cluster.rpc_url().to_string(), cluster.faucet());
    let settings = RpcSettings::new(&rpc_url, std::time::Duration::from_secs(30), CommitmentConfig::confirmed());
    let chain: Arc<dyn Chain> = Arc::new(RpcChain::new(&settings));
    let rpc = RpcClient::new_with_commitment(rpc_url.clone(), CommitmentConfig::confirmed());
    let lamports = |key: Pubkey| {
        let rpc = &rpc;
        async move { rpc.get_balance(&key).await.expect("balance reads") }
    };

    // Wallets, funded from the faucet keypair the localnet printed.
    let w = Wallets {
        operator: Keypair::new(),
        keeper: Keypair::new(),
        donor: Keypair::new(),
        fans: [Keypair::new(), Keypair::new()],
    };
    let funding: Vec<_> = [(&w.operator, 10 * SOL), (&w.keeper, 2 * SOL), (&w.donor, 50 * SOL)]
        .into_iter()
        .chain(w.fans.iter().map(|fan| (fan, SOL)))
        .map(|(to, amount)| solana_system_interface::instruction::transfer(&faucet.pubkey(), &to.pubkey(), amount))
        .collect();
    ops::submit(chain.as_ref(), &funding, faucet, &[]).await.expect("faucet funds the wallets");
    assert_eq!(lamports(w.donor.pubkey()).await, 50 * SOL);

    // The operator's config: one SOL policy, an allowlisted inference payee paid hourly, and a
    // payment the policy can never allow.
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, key) in [("operator.json", &w.operator), ("keeper.json", &w.keeper), ("donor.json", &w.donor)] {
        write_keypair(key, &dir.path().join(name)).expect("keypair written");
    }
    let (inference, big_spender) = (Pubkey::new_unique(), Pubkey::new_unique());
    let config = format!(
        r#"
[cluster]
url = "{url}"
timeout_seconds = 30
[keys]
keeper = "keeper.json"
operator = "operator.json"
[treasury]
id = {TREASURY_ID}
[[policy]]
asset = "SOL"
per_tx_max = 2_000_000_000
period_seconds = 86_400
period_cap = 5_000_000_000
cosign_threshold = 1_500_000_000
timelock_seconds = 3_600
allowlist_required = true
[[payee]]
recipient = "{inference}"
label = "GPU inference"
category = "inference"
budget = 10_000_000_000
[[payee]]
recipient = "{big_spender}"
label = "too big"
category = "other"
budget = 10_000_000_000
[[payment]]
name = "inference"
recipient = "{inference}"
amount = 500_000_000
every_seconds = 3_600
[[payment]]
name = "too-big"
recipient = "{big_spender}"
amount = 3_000_000_000
every_seconds = 3_600
[[bounty]]
id = 0
proof = {{ text = "covenant keeps its word" }}
[proofs]
dir = "proofs"
"#,
        url = rpc_url
    );
    std::fs::write(dir.path().join("keeper.toml"), config).expect("config written");
    let t = TreasuryAddresses::new(w.operator.pubkey(), TREASURY_ID);

    // Operator: init. Donor: a donation and an immediate grant, through the keeper's CLI.
    let init = keeper(dir.path(), &["init"]);
    assert!(init.contains(&t.treasury.to_string()), "init names the treasury: {init}");
    keeper(dir.path(), &["donate", "--from", "donor.json", "--lamports", &(10 * SOL).to_string()]);
    let grant_args = ["grant", "--from", "donor.json", "--id", "1", "--lamports", &(2 * SOL).to_string()];
    keeper(dir.path(), &[&grant_args[..], &["--expires-in", "86400"]].concat());

    // The operator opens a bounty; one fan claims with a photo of the poster, the other with a
    // photo without it. The keeper reads both (PP-OCRv4) from its proofs directory.
    let bounty = open_bounty(chain.as_ref(), &w.operator, &t, chain.clock().await.expect("clock").unix_timestamp).await;
    std::fs::create_dir_all(dir.path().join("proofs")).expect("proofs dir");
    for (i, (fan, good)) in w.fans.iter().zip([true, false]).enumerate() {
        use covenant_vision::render::{render_png, Photo};
        let photo =
            if good { Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]) } else { Photo::NoPoster };
        let bytes = render_png(&photo, 40 + i as u64);
        let name = format!("fan-{i}.png");
        std::fs::write(dir.path().join("proofs").join(&name), &bytes).expect("photo written");
        let hash: [u8; 32] = sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &bytes)).into();
        let ix = sdk::submit_claim(bounty, fan.pubkey(), format!("file://{name}"), hash);
        ops::submit(chain.as_ref(), &[ix], fan, &[]).await.expect("claim lands");
    }

    let vault_before = lamports(t.vault).await;
    let fans_before = [lamports(w.fans[0].pubkey()).await, lamports(w.fans[1].pubkey()).await];
    let tick = keeper(dir.path(), &["run", "--once"]);

    // The grant released into the vault, inference was paid, the good fan got the reward, the bad
    // claim was rejected and the 3 SOL payment never reached the chain.
    let grant: Grant = account(&rpc, t.grant(&w.donor.pubkey(), 1)).await;
    assert_eq!(grant.ledger.released, 2 * SOL, "{tick}");
    assert_eq!(lamports(inference).await, SOL / 2, "{tick}");
    assert_eq!(lamports(w.fans[0].pubkey()).await, fans_before[0] + SOL / 10, "{tick}");
    assert_eq!(lamports(w.fans[1].pubkey()).await, fans_before[1], "{tick}");
    assert_eq!(lamports(big_spender).await, 0, "{tick}");
    assert_eq!(lamports(t.vault).await, vault_before + 2 * SOL - SOL / 2, "bounty rewards come from its escrow");
    let good: Claim = account(&rpc, sdk::claim_address(&bounty, &w.fans[0].pubkey())).await;
    let bad: Claim = account(&rpc, sdk::claim_address(&bounty, &w.fans[1].pubkey())).await;
    assert_eq!((good.status, bad.status), (ClaimStatus::Approved, ClaimStatus::Rejected), "{tick}");
    let policy: SpendPolicy = account(&rpc, t.policy(&SOL_ASSET)).await;
    // The window holds the bounty's escrow (3 claims of 0.1 SOL) and the inference payment.
    assert_eq!(policy.window.spent, 3 * SOL / 10 + SOL / 2);

    // A second tick finds nothing left to do this hour.
    keeper(dir.path(), &["run", "--once"]);
    assert_eq!(lamports(inference).await, SOL / 2);
    assert_eq!(lamports(w.fans[0].pubkey()).await, fans_before[0] + SOL / 10);

    // Forced past the guard, the program refuses the 3 SOL spend itself, and the refusal comes
    // back through JSON-RPC's preflight as the program's error.
    let forced = sdk::spend_sol(&t, w.keeper.pubkey(), big_spender, 3 * SOL, DecisionRecord::default());
    let error = ops::submit(chain.as_ref(), &[forced], &w.keeper, &[]).await.expect_err("program refuses");
    let ChainError::Rejected { error, logs } = error else { panic!("expected the program's refusal, got {error}") };
    let code = u32::from(CovenantError::CosignRequired);
    assert_eq!(error, TransactionError::InstructionError(0, InstructionError::Custom(code)), "{logs:#?}");
    assert_eq!(lamports(big_spender).await, 0);

    // `status` shows what the scenario did.
    let status = keeper(dir.path(), &["status"]);
    let row = |first: &str| -> Vec<String> {
        let line = status.lines().find(|line| line.starts_with(first)).unwrap_or_else(|| panic!("{first}:\n{status}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    // Amounts in SOL, as `status` shows them.
    let sol = covenant_keeper::output::sol;
    assert_eq!(row("SOL")[3], sol(3 * SOL / 10 + SOL / 2), "SOL window used:\n{status}");
    let payee = row(&inference.to_string()[..6]);
    assert_eq!((payee[1].as_str(), payee[4].clone()), ("inference", sol(SOL / 2)), "{status}");
    assert_eq!(row("0 ")[1..4], [sol(SOL / 10), "2".into(), "1".into()], "reward, claims, paid:\n{status}");

    // A plain JSON-RPC call (what curl sends) returns the treasury, owned by the Covenant program.
    let answer = json_rpc(
        &rpc_url,
        &serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "getAccountInfo",
            "params": [t.treasury.to_string(), {"encoding": "base64", "commitment": "confirmed"}]
        }),
    );
    assert_eq!(answer["result"]["value"]["owner"], covenant::ID.to_string(), "{answer}");
    events_are_in_transaction_history(&rpc_url, &t.treasury);

    fleet_over_json_rpc(&chain, &rpc, &w, dir.path(), &inference).await;

    // Ctrl-C stops it cleanly and its temporary ledger goes with it.
    let Cluster::Spawned(localnet) = cluster else { return };
    let ledger = localnet.ledger.clone();
    assert!(ledger.exists());
    let (exit, printed) = localnet.stop_with(libc::SIGINT);
    assert!(exit.success(), "{exit:?}");
    assert_eq!(printed, ["stopping", "stopped"], "program logs stay off stdout");
    assert!(!ledger.exists(), "the ledger at {} is removed", ledger.display());
}

/// How many times (250 ms apart) the history is asked for what the bank already confirmed.
const HISTORY_POLLS: usize = 240;

/// The donor app reads Covenant's events from `getTransaction`'s inner instructions: the
/// validator must keep them (and the logs), not just the signatures.
fn events_are_in_transaction_history(rpc_url: &str, treasury: &Pubkey) {
    let call = |method: &str, params: serde_json::Value| {
        json_rpc(rpc_url, &serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
    };
    // The history is written behind the bank, and a test validator may stop listing a confirmed
    // transaction for a while before its root (15 s was once not enough on a loaded 2-core CI
    // machine): poll up to a minute.
    let mut signatures = serde_json::Value::Null;
    for _ in 0..HISTORY_POLLS {
        signatures =
            call("getSignaturesForAddress", serde_json::json!([treasury.to_string(), {"commitment": "confirmed"}]));
        if signatures["result"].as_array().is_some_and(|entries| !entries.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let entries = signatures["result"].as_array().unwrap_or_else(|| panic!("{signatures}"));
    assert!(!entries.is_empty(), "the treasury's transactions are listed: {signatures}");
    let event_cpis = entries.iter().filter(|entry| {
        // A test validator may stop serving a confirmed transaction for a moment before its
        // root (as it stops listing it): ask again.
        let mut tx = serde_json::Value::Null;
        for _ in 0..HISTORY_POLLS {
            tx = call(
                "getTransaction",
                serde_json::json!([entry["signature"], {"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}]),
            );
            if !tx["result"].is_null() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        let meta = &tx["result"]["meta"];
        assert!(meta["logMessages"].is_array() && meta["innerInstructions"].is_array(), "history keeps logs and CPIs: {tx}");
        // Every Covenant instruction emits its event as a self-CPI.
        meta["innerInstructions"].as_array().into_iter().flatten().any(|inner| {
            inner["instructions"].as_array().into_iter().flatten().any(|ix| {
                let keys = tx["result"]["transaction"]["message"]["accountKeys"].as_array();
                let program = ix["programIdIndex"].as_u64().and_then(|i| keys.and_then(|keys| keys.get(i as usize)));
                program.and_then(|key| key.as_str()) == Some(&covenant::ID.to_string())
            })
        })
    });
    assert!(event_cpis.count() > 0, "some transaction of the treasury carries a Covenant event CPI");
}

/// Keeper processes at once, as a fleet runs them: `args` for each, each with its own journal;
/// returns their stdout.
fn keepers_at_once(dir: &std::path::Path, runs: &[(&str, &[&str])]) -> Vec<String> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(journal, args)| {
                let args: Vec<&str> = ["-c", "fleet.toml", "run", "--once", "--decision-log", journal]
                    .into_iter()
                    .chain(args.iter().copied())
                    .collect();
                scope.spawn(move || keeper(dir, &args))
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().expect("keeper thread")).collect()
    })
}

/// `ixs` per transaction, signed by `payer`, sent at once and all confirmed.
async fn send_all(chain: &dyn Chain, batches: Vec<Vec<solana_instruction::Instruction>>, payer: &Keypair) {
    let blockhash = chain.latest_blockhash().await.expect("blockhash");
    let txs: Vec<solana_transaction::Transaction> = batches
        .iter()
        .map(|ixs| {
            solana_transaction::Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &[payer], blockhash)
        })
        .collect();
    for result in chain.send_and_confirm_all(&txs).await {
        result.expect("lands");
    }
}

/// Two processes on one treasury pay its new schedule's period once; restarted with empty
/// journals they pay nothing again; 50 treasuries over 2 shards (with the old single shard still
/// running beside them) each pay once, and every balance ends exact.
async fn fleet_over_json_rpc(
    chain: &Arc<dyn Chain>,
    rpc: &RpcClient,
    w: &Wallets,
    dir: &std::path::Path,
    recipient: &Pubkey,
) {
    const TIP: u64 = SOL / 100;
    let lamports = |key: Pubkey| async move { rpc.get_balance(&key).await.expect("balance reads") };
    let config = std::fs::read_to_string(dir.join("keeper.toml")).expect("config");
    // Only a new schedule (so a new marker) starting now, hourly: every process below decides its
    // period 0, and no hour boundary falls inside the test.
    let now = chain.clock().await.expect("clock").unix_timestamp;
    let (head, tail) = config.split_once("[[payment]]").expect("payments in the config");
    let tail = &tail[tail.find("[[bounty]]").expect("bounty rule after the payments")..];
    let tips = format!(
        "[[payment]]\nname = \"tips\"\nrecipient = \"{recipient}\"\namount = {TIP}\nevery_seconds = 3_600\nstart = {now}\n"
    );
    std::fs::write(dir.join("fleet.toml"), format!("{head}{tips}{tail}")).expect("fleet config");
    let before = lamports(*recipient).await;
    keepers_at_once(dir, &[("a.jsonl", &[]), ("b.jsonl", &[])]);
    assert_eq!(lamports(*recipient).await, before + TIP, "two processes at once: the period paid once");
    keepers_at_once(dir, &[("fresh-a.jsonl", &[]), ("fresh-b.jsonl", &[])]);
    assert_eq!(lamports(*recipient).await, before + TIP, "empty journals: nothing paid twice");

    // 50 more treasuries of this operator and keeper, each with the config's policy and payees,
    // created and funded in batches sent at once.
    let base = covenant_keeper::config::KeeperConfig::parse(&config).expect("the scenario's config");
    let (mut created, mut payees, mut funded, mut addresses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for id in 1_000..1_050u64 {
        let mut config = base.clone();
        config.treasury.id = id;
        let steps =
            ops::init_steps(chain.as_ref(), &config, w.operator.pubkey(), w.keeper.pubkey()).await.expect("init steps");
        let (first, rest) = steps.split_at(2);
        created.push(first.iter().flat_map(|step| step.instructions.clone()).collect());
        payees.push(rest.iter().flat_map(|step| step.instructions.clone()).collect());
        let t = TreasuryAddresses::new(w.operator.pubkey(), id);
        funded.push(ops::donate(&t, w.donor.pubkey(), SOL / 10, String::new()));
        addresses.push(t);
    }
    send_all(chain.as_ref(), created, &w.operator).await;
    send_all(chain.as_ref(), payees, &w.operator).await;
    send_all(chain.as_ref(), funded, &w.donor).await;
    let mut vaults = Vec::new();
    for t in &addresses {
        vaults.push((t.vault, lamports(t.vault).await));
    }
    let before = lamports(*recipient).await;
    let printed = keepers_at_once(
        dir,
        &[
            ("shard-0.jsonl", &["--all", "--shard", "0/2"]),
            ("shard-1.jsonl", &["--all", "--shard", "1/2"]),
            ("old-shard.jsonl", &["--all"]),
        ],
    );
    assert_eq!(lamports(*recipient).await, before + 50 * TIP, "each new treasury once: {printed:?}");
    for (vault, funded) in vaults {
        assert_eq!(lamports(vault).await, funded - TIP, "{vault}");
    }
}

async fn open_bounty(chain: &dyn Chain, operator: &Keypair, t: &TreasuryAddresses, now: i64) -> Pubkey {
    let args = CreateBountyArgs {
        reward: SOL / 10,
        max_claims: 3,
        deadline: now + 86_400,
        description: "photo of our poster".into(),
        decision: DecisionRecord::default(),
        claim_code: false,
        disputes: Default::default(),
    };
    let ix = sdk::create_bounty(t, operator.pubkey(), None, 0, args);
    ops::submit(chain, &[ix], operator, &[]).await.expect("bounty opens");
    t.bounty(0)
}

async fn account<T: AccountDeserialize>(rpc: &RpcClient, key: Pubkey) -> T {
    let account = rpc.get_account(&key).await.unwrap_or_else(|error| panic!("account {key}: {error}"));
    T::try_deserialize(&mut account.data.as_slice()).expect("decodes")
}
