//! The keeper's pipeline against its floors, in one run (a bench binary printing tables; not part
//! of the test suite's pass/fail). `cargo bench -p covenant-keeper --bench pipeline`; results and
//! their discussion live in BENCHMARKS.md.
//!
//! 1. raw ONNX Runtime: a bare session on the default model, batch 1 and 256 (the floor);
//! 2. the keeper's decide+guard on 256 real claims, and build+sign per approved action, against
//!    (1) and against a bare ed25519 signature;
//! 3. one tick over 1..10,000 treasuries, observed through the `Chain` trait (a memory chain:
//!    no bank execution), with CPU time and memory;
//! 4. account sizes and rent, and the serialized size of each keeper transaction.

mod bounty_world;
mod memory;
mod memory_chain;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use memory::rss_mib;

use anchor_lang::prelude::{Pubkey, Rent};
use anchor_lang::Space;
use covenant::constants::SOL_ASSET;

use covenant::sdk::TreasuryAddresses;
use covenant::state::{
    ActionMarker, Bounty, Claim, ConfigChangeRequest, DecisionRecord, Grant, MemeToken, Payee, PendingSpend,
    SpendPolicy, Treasury,
};
use covenant_keeper::act;
use covenant_keeper::chain::BankChain;
use covenant_keeper::config::KeeperConfig;
use covenant_keeper::decide::{candidates, propose, Intent, Proposal};
use covenant_keeper::guard::{Guard, Verdict};
use covenant_keeper::keeper::{decision_hash, Keeper};
use covenant_keeper::model::{bare_session, Device, Model, OnnxModel, FEATURE_COUNT, INPUT};
use covenant_keeper::observe::{observe, Snapshot};
use covenant_keeper::proofs::{ProofOutcome, Reading};
use covenant_keeper::setup;
use memory_chain::{synthetic_treasury, MemoryChain};
use ndarray::Array2;
use ort::value::TensorRef;
use solana_keypair::Keypair;
use solana_signer::Signer;

const CLAIMS: usize = 256;

/// Median time per call over `rounds` rounds of `per_round` calls.
fn time_per_call(rounds: usize, per_round: usize, mut call: impl FnMut()) -> Duration {
    call(); // warm-up
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..per_round {
                call();
            }
            started.elapsed() / per_round as u32
        })
        .collect();
    samples.sort();
    samples[rounds / 2]
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn config_for(operator: Pubkey, id: u64, log: &std::path::Path, extra: &str) -> KeeperConfig {
    let text = format!(
        "[keys]\nkeeper = \"unused\"\n[treasury]\noperator = \"{operator}\"\nid = {id}\n[loop]\ndecision_log = \"{}\"\nmax_actions_per_tick = 1000\n\
         [[policy]]\nasset = \"SOL\"\nper_tx_max = 10_000_000_000\nperiod_seconds = 86_400\nperiod_cap = 1_000_000_000_000\n{extra}",
        log.display()
    );
    KeeperConfig::parse(&text).expect("bench config")
}

/// A treasury on the bank with one bounty and `CLAIMS` claims, two in three with proof.
async fn claims_world(dir: &std::path::Path) -> (Arc<BankChain>, KeeperConfig, Keypair, Snapshot) {
    let log = dir.join("claims.jsonl");
    let world = bounty_world::open(|operator| config_for(operator, 1, &log, ""), CLAIMS as u32).await;
    for i in 0..CLAIMS {
        let (uri, hash) = if i % 3 == 2 { ("none", [0; 32]) } else { ("https://example.org/p.jpg", [9; 32]) };
        world.claim(uri.into(), hash).await;
    }
    let snapshot = observe(world.chain.as_ref(), &world.t, &[]).await.expect("observe");
    (world.chain, world.config, world.keeper, snapshot)
}

/// What the proof reader would have made of each claim: the good ones (hash set) read the slogan,
/// the others read something else. The reader itself is measured by the `proofs` bench.
fn synthetic_proofs(snapshot: &Snapshot) -> HashMap<Pubkey, ProofOutcome> {
    snapshot
        .claims
        .iter()
        .map(|(key, claim)| {
            let good = claim.proof_hash != [0; 32];
            let text = if good { "COVENANT keeps its word" } else { "SUMMER SALE" };
            let rule = covenant_vision::ProofRule { text: "covenant keeps its word".into(), max_edits: None };
            let reading = Reading {
                uri: claim.proof_uri.clone(),
                sha256: claim.proof_hash,
                width: 800,
                height: 600,
                regions: vec![covenant_vision::TextRegion {
                    text: text.into(),
                    confidence: 0.98,
                    box_score: 0.93,
                    corners: [(0.0, 0.0); 4],
                }],
                rule_match: rule.check([text]),
                rule: rule.text,
                // Each claim's own photo: no two alike (screening is not part of this bench).
                fingerprint: covenant_vision::Fingerprint {
                    phash: u64::from_le_bytes(key.to_bytes()[..8].try_into().unwrap_or_default()),
                    dhash: u64::from_le_bytes(key.to_bytes()[8..16].try_into().unwrap_or_default()),
                },
                windows: Vec::new(),
                orientations: Vec::new(),
                claim_code: None,
                copy: None,
            };
            (*key, ProofOutcome::Read(Box::new(reading)))
        })
        .collect()
}

fn decide_and_guard(
    snapshot: &Snapshot,
    config: &KeeperConfig,
    model: &dyn Model,
    proofs: &HashMap<Pubkey, ProofOutcome>,
) -> Vec<Intent> {
    let found = candidates(snapshot, config, &HashSet::new(), proofs);
    let rows: Vec<_> = found.iter().map(|candidate| candidate.features).collect();
    let scores = model.score(&rows).expect("inference");
    let mut guard = Guard::new(snapshot);
    let mut passed = Vec::new();
    for (candidate, score) in found.iter().zip(scores) {
        let Proposal::Act(intent) = propose(candidate, Some(score), config) else { continue };
        let verdict = guard.check(&intent);
        // The keeper hashes every decision it logs; the hash is what goes on chain.
        std::hint::black_box(decision_hash(
            &serde_json::json!({ "key": candidate.key, "features": candidate.features, "verdict": verdict }),
        ));
        if let Verdict::Pass { intent } | Verdict::Clamped { intent, .. } = verdict {
            passed.push(intent);
        }
    }
    passed
}

/// One tick over N treasuries two ways in the same run: N single-treasury keepers one after the
/// other (the baseline, up to 10,000: a journal file each), and one fleet keeper (one observation
/// pass, one inference batch, one journal, sends in waves).
async fn tick_scaling(model: Arc<dyn Model>, dir: &std::path::Path) -> Vec<String> {
    let mut rows = Vec::new();
    let keeper = Keypair::new();
    let recipient = Pubkey::new_unique();
    let payment = format!(
        "[[payment]]\nname = \"inference\"\nrecipient = \"{recipient}\"\namount = 10_000_000\nevery_seconds = 3_600\n"
    );
    for count in [1usize, 100, 1_000, 10_000, 100_000] {
        let rss_before = rss_mib("VmRSS:");
        let now = 1_893_456_000;
        let mut chain = MemoryChain::default();
        chain.insert_clock(now);
        let operators: Vec<Pubkey> =
            (0..count).map(|id| synthetic_treasury(&mut chain, keeper.pubkey(), id as u64, now)).collect();
        let chain = Arc::new(chain);
        let rss_state = rss_mib("VmRSS:");
        let logs = dir.join(format!("tick-{count}"));
        std::fs::create_dir_all(&logs).expect("log dir");
        let treasuries: Vec<TreasuryAddresses> =
            operators.iter().enumerate().map(|(id, operator)| TreasuryAddresses::new(*operator, id as u64)).collect();

        let baseline = if count <= 10_000 {
            let mut keepers: Vec<Keeper> = treasuries
                .iter()
                .enumerate()
                .map(|(id, t)| {
                    let config = config_for(t.operator, id as u64, &logs.join(format!("{id}.jsonl")), &payment);
                    Keeper::new(chain.clone(), model.clone(), config, keeper.insecure_clone(), *t, false)
                        .expect("keeper")
                })
                .collect();
            let (cpu_start, wall_start) = (cpu_seconds(), Instant::now());
            let mut landed = 0;
            for keeper in &mut keepers {
                landed += keeper.tick().await.expect("tick").landed.len();
            }
            let (cpu, wall) = (cpu_seconds() - cpu_start, wall_start.elapsed());
            assert_eq!(landed, count, "every treasury paid its bill");
            Some((cpu, wall))
        } else {
            None
        };

        let config = config_for(treasuries[0].operator, 0, &logs.join("fleet.jsonl"), &payment);
        let mut fleet = Keeper::fleet(chain.clone(), model.clone(), config, keeper.insecure_clone(), treasuries, false)
            .expect("fleet");
        let rss_ready = rss_mib("VmRSS:");
        let (cpu_start, wall_start) = (cpu_seconds(), Instant::now());
        let landed = fleet.tick().await.expect("fleet tick").landed.len();
        let (cpu, wall) = (cpu_seconds() - cpu_start, wall_start.elapsed());
        assert_eq!(landed, count, "every treasury paid its bill");
        let versus = match baseline {
            Some((base_cpu, base_wall)) => {
                format!("{:.3} s / {:.3} s | {:.2}×", base_wall.as_secs_f64(), base_cpu, cpu / base_cpu.max(1e-9))
            }
            None => "— | —".into(),
        };
        rows.push(format!(
            "| {count} | {:.3} s | {:.3} s | {:.1} µs | {versus} | {:.0} MiB | {:.0} MiB |",
            wall.as_secs_f64(),
            cpu,
            cpu * 1e6 / count as f64,
            rss_state - rss_before,
            rss_mib("VmRSS:").max(rss_ready) - rss_before
        ));
        drop(fleet);
        std::fs::remove_dir_all(&logs).ok();
    }
    rows
}

fn sizes(snapshot: &Snapshot, keeper: &Keypair) -> Vec<String> {
    let rent = Rent::default();
    let mut rows = vec!["| account | bytes | rent-exempt lamports |".to_string(), "|---|---:|---:|".into()];
    for (name, space) in [
        ("Treasury", Treasury::INIT_SPACE),
        ("SpendPolicy", SpendPolicy::INIT_SPACE),
        ("Payee", Payee::INIT_SPACE),
        ("PendingSpend", PendingSpend::INIT_SPACE),
        ("Grant", Grant::INIT_SPACE),
        ("Bounty", Bounty::INIT_SPACE),
        ("Claim", Claim::INIT_SPACE),
        ("MemeToken", MemeToken::INIT_SPACE),
        ("ConfigChangeRequest", ConfigChangeRequest::INIT_SPACE),
        ("ActionMarker", ActionMarker::INIT_SPACE),
    ] {
        rows.push(format!("| {name} | {} | {} |", 8 + space, rent.minimum_balance(8 + space)));
    }
    rows.push(String::new());
    rows.push("| keeper transaction | instructions | bytes | of 1,232 |".into());
    rows.push("|---|---:|---:|---:|".into());
    let (bounty, claim) = (snapshot.bounties[0].0, &snapshot.claims[0].1);
    let someone = Pubkey::new_unique();
    let purpose = "inference for the image API".to_string();
    let intents = [
        ("approve claim", Intent::ApproveClaim { bounty, claimant: claim.claimant, asset: SOL_ASSET, reward: 1 }),
        ("reject claim", Intent::RejectClaim { bounty, claimant: claim.claimant, reason_code: 1 }),
        ("release grant (SOL)", Intent::ReleaseGrant { grant: someone, asset: SOL_ASSET, amount: 1 }),
        (
            "pay (SOL)",
            Intent::Pay {
                schedule: "x".into(),
                recipient: someone,
                asset: SOL_ASSET,
                amount: 1,
                partial: false,
                purpose: purpose.clone(),
            },
        ),
        (
            "propose spend (SOL)",
            Intent::Propose {
                schedule: "x".into(),
                recipient: someone,
                asset: SOL_ASSET,
                amount: 1,
                pending_id: 0,
                purpose,
            },
        ),
        (
            "execute pending (SOL)",
            Intent::ExecutePending { pending_id: 0, recipient: someone, asset: SOL_ASSET, amount: 1 },
        ),
        (
            "airdrop (create ATA + mint)",
            Intent::Airdrop { airdrop: "x".into(), mint: Pubkey::new_unique(), recipient: someone, amount: 1 },
        ),
    ];
    let record = DecisionRecord { model_hash: [1; 32], decision_hash: [2; 32] };
    for (name, intent) in intents {
        // Payments, their proposals and airdrops go out behind their exactly-once marker.
        let key = match &intent {
            Intent::Pay { .. } | Intent::Propose { .. } => "pay:x:0".to_string(),
            Intent::Airdrop { recipient, .. } => format!("airdrop:x:{recipient}"),
            _ => String::new(),
        };
        let ixs = act::instructions(&intent, snapshot, &keeper.pubkey(), record).expect("instructions");
        let ixs = covenant_keeper::exactly_once::marked(&key, &snapshot.addresses, &keeper.pubkey(), ixs);
        let tx = act::sign(&ixs, 200_000, 1_000, keeper, solana_hash::Hash::new_from_array([3; 32]));
        let bytes = bincode::serialize(&tx).expect("serializes").len();
        rows.push(format!(
            "| {name} | {} | {bytes} | {:.0} % |",
            tx.message.instructions.len(),
            bytes as f64 * 100.0 / 1_232.0
        ));
    }
    rows
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run());
}

macro_rules! out {
    ($out:expr, $($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

async fn run() {
    // The natively built program prints its `msg!` lines to stdout; the tables go around them.
    let mut out = covenant_keeper::setup::stdout_without_program_logs();
    let library = setup::default_ort_library();
    let model: Arc<dyn Model> = Arc::new(
        OnnxModel::from_bytes(setup::DEFAULT_MODEL, "default", &library, Device::Cpu)
            .unwrap_or_else(|error| panic!("{error} (run scripts/setup-onnxruntime)")),
    );
    let mut bare = bare_session(setup::DEFAULT_MODEL, &library, 1).expect("bare session");
    let dir = tempfile::tempdir().expect("temp dir");
    let (_chain, config, keeper, snapshot) = claims_world(dir.path()).await;

    // 1. The floor: the same rows through a bare session.
    let proofs = synthetic_proofs(&snapshot);
    let found = candidates(&snapshot, &config, &HashSet::new(), &proofs);
    assert_eq!(found.len(), CLAIMS);
    let rows: Vec<f32> = found.iter().flat_map(|candidate| candidate.features).collect();
    let mut raw = |batch: usize| {
        let input =
            Array2::from_shape_vec((batch, FEATURE_COUNT), rows[..batch * FEATURE_COUNT].to_vec()).expect("shape");
        time_per_call(9, if batch == 1 { 2_000 } else { 200 }, || {
            let tensor = TensorRef::from_array_view(input.view()).expect("tensor");
            std::hint::black_box(bare.run(ort::inputs![INPUT => tensor]).expect("run"));
        })
    };
    let (raw_1, raw_256) = (raw(1), raw(CLAIMS));

    // 2. The keeper's own work on the same 256 claims.
    let approved = decide_and_guard(&snapshot, &config, model.as_ref(), &proofs);
    let decide_guard = time_per_call(9, 50, || {
        std::hint::black_box(decide_and_guard(&snapshot, &config, model.as_ref(), &proofs));
    });
    // Where decide+guard's time goes.
    let empty = HashSet::new();
    let find = time_per_call(9, 50, || {
        std::hint::black_box(candidates(&snapshot, &config, &empty, &proofs));
    });
    let feature_rows: Vec<_> = found.iter().map(|candidate| candidate.features).collect();
    let score = time_per_call(9, 200, || {
        std::hint::black_box(model.score(&feature_rows).expect("inference"));
    });
    let scores = model.score(&feature_rows).expect("inference");
    let guard_only = time_per_call(9, 50, || {
        let mut guard = Guard::new(&snapshot);
        for (candidate, score) in found.iter().zip(&scores) {
            if let Proposal::Act(intent) = propose(candidate, Some(*score), &config) {
                std::hint::black_box(guard.check(&intent));
            }
        }
    });
    let hashes = time_per_call(9, 50, || {
        for candidate in &found {
            std::hint::black_box(decision_hash(
                &serde_json::json!({ "key": candidate.key, "features": candidate.features }),
            ));
        }
    });
    let record = DecisionRecord::default();
    let blockhash = solana_hash::Hash::new_from_array([5; 32]);
    let build_sign_all = time_per_call(9, 20, || {
        for intent in &approved {
            let ixs = act::instructions(intent, &snapshot, &keeper.pubkey(), record).expect("instructions");
            std::hint::black_box(act::sign(&ixs, 200_000, 1_000, &keeper, blockhash));
        }
    });
    let build_sign = build_sign_all / approved.len().max(1) as u32;
    let sample_tx = act::sign(
        &act::instructions(&approved[0], &snapshot, &keeper.pubkey(), record).expect("instructions"),
        200_000,
        1_000,
        &keeper,
        blockhash,
    );
    let message = sample_tx.message_data();
    let ed25519 = time_per_call(9, 2_000, || {
        std::hint::black_box(keeper.sign_message(&message));
    });
    let whole = decide_guard + build_sign_all;

    out!(out, "## Pipeline ({CLAIMS} claims, {} approved)\n", approved.len());
    out!(out, "| measurement | time | vs raw batch {CLAIMS} | vs ed25519 sign |");
    out!(out, "|---|---:|---:|---:|");
    let ratio = |a: Duration, b: Duration| format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64());
    out!(out, "| raw ort run, batch 1 | {} | | |", micros(raw_1));
    out!(out, "| raw ort run, batch {CLAIMS} (floor) | {} | 1.00× | |", micros(raw_256));
    out!(out, "| decide+guard, {CLAIMS} candidates | {} | {} | |", micros(decide_guard), ratio(decide_guard, raw_256));
    out!(
        out,
        "| decide+guard+build+sign, {} transactions | {} | {} | |",
        approved.len(),
        micros(whole),
        ratio(whole, raw_256)
    );
    out!(out, "| — of which: find candidates | {} | {} | |", micros(find), ratio(find, raw_256));
    out!(out, "| — of which: inference through the keeper's model | {} | {} | |", micros(score), ratio(score, raw_256));
    out!(out, "| — of which: propose + guard | {} | {} | |", micros(guard_only), ratio(guard_only, raw_256));
    out!(out, "| — of which: decision hashes (JSON + SHA-256) | {} | {} | |", micros(hashes), ratio(hashes, raw_256));
    out!(out, "| bare ed25519 sign of one message | {} | | 1.00× |", micros(ed25519));
    out!(out, "| build+sign, per transaction | {} | | {} |", micros(build_sign), ratio(build_sign, ed25519));

    out!(out, "\n## One tick over N treasuries (memory chain; journals on disk)\n");
    out!(out, "| treasuries | fleet wall | fleet CPU | CPU per treasury | N keepers: wall / CPU | fleet CPU ÷ N keepers | RSS of the chain state | RSS after the tick |");
    out!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in tick_scaling(model.clone(), dir.path()).await {
        out!(out, "{row}");
    }

    out!(out, "\n## Sizes\n");
    for row in sizes(&snapshot, &keeper) {
        out!(out, "{row}");
    }
}
