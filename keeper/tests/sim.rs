//! The embedded sandbox: the demo's report agrees with the chain it ran on, and a shipped
//! scenario replays to the same report.

mod common;

use std::process::Command;

use anchor_lang::prelude::Pubkey;
use covenant::sdk;
use covenant::state::{Bounty, Grant, Treasury};
use covenant_keeper::app::DEMO_SCENARIO;
use covenant_keeper::chain::Chain;
use covenant_keeper::journal::read_decisions;
use covenant_keeper::sim::{self, scenario::Scenario, Line};
use spl_token_2022_interface::extension::StateWithExtensions;
use spl_token_2022_interface::state::Mint;

async fn lamports(chain: &dyn Chain, key: Pubkey) -> u64 {
    chain.accounts(&[key]).await.expect("read").remove(0).map_or(0, |account| account.lamports)
}

async fn account<T: anchor_lang::AccountDeserialize>(chain: &dyn Chain, key: Pubkey) -> T {
    let account = chain.accounts(&[key]).await.expect("read").remove(0).expect("account exists");
    T::try_deserialize(&mut account.data.as_slice()).expect("decodes")
}

#[tokio::test]
async fn the_demo_report_matches_the_chain() {
    let scenario = Scenario::parse(DEMO_SCENARIO).expect("the demo scenario parses");
    let dir = tempfile::tempdir().unwrap();
    let mut steps = Vec::new();
    let mut say = |line: Line| {
        if let Line::Step { n, of, .. } = line {
            steps.push((n, of));
        }
    };
    let reader = |config: &covenant_keeper::config::KeeperConfig| {
        Ok(std::sync::Arc::new(covenant_keeper::proofs::ProofReader::new(
            common::shared_ocr(),
            &config.proofs,
            std::path::Path::new("."),
        )))
    };
    let run = sim::run(&scenario, common::default_model(), &reader, dir.path(), &mut say).await.expect("the demo runs");
    let (report, chain) = (&run.report, run.chain.as_ref());
    assert_eq!(steps.len(), 15, "every step is announced");
    assert!(steps.iter().enumerate().all(|(i, (n, of))| *n == i + 1 && *of == 15), "{steps:?}");

    // Balances: the vault's end is its start plus what came in minus what went out, and each payee
    // holds exactly what the report says the category received.
    let sol = &report.flows["SOL"];
    assert_eq!(report.vault_end, lamports(chain, run.addresses.vault).await);
    assert_eq!(report.vault_end, report.vault_start + sol.total_in() - sol.total_out());
    assert_eq!(sol.inflow["donation"], 20 * common::SOL);
    assert_eq!(lamports(chain, scenario.address("developer")).await, sol.outflow["developers"]);
    assert_eq!(sol.outflow["developers"], common::SOL, "the image-API invoice, once");
    assert_eq!(lamports(chain, scenario.address("gpu-cloud")).await, sol.outflow["compute"]);
    assert_eq!(sol.outflow["compute"], 18 * common::SOL / 10, "the timelocked deposit, after its wait");
    assert_eq!(lamports(chain, scenario.address("attacker")).await, 0, "the forced spend moved nothing");
    let policy = &report.windows[0];
    assert_eq!(policy.total_spent, sol.total_out(), "the program's own counter agrees");

    // Refusals: the guard's are in the decision log and never on chain; the program's is counted.
    let refused_in_log =
        read_decisions(&run.decision_log).unwrap().iter().filter(|decision| decision["outcome"] == "refused").count();
    assert_eq!(refused_in_log as u32, report.counts.refused);
    assert_eq!(sol.guard_refusals(), report.counts.refused);
    assert_eq!(sol.refused_by_guard["ExceedsPerTxMax"], 1);
    assert_eq!(sol.refused_by_guard["TreasuryPaused"], 1);
    assert_eq!(sol.refused_by_program["CosignRequired"], 1);
    assert_eq!(sol.refused_by_program["ConfigTimelockRequired"], 1, "the stolen operator key's direct try");
    assert_eq!(report.decisions.len() as u32, report.counts.decisions);

    // Claims, the grant, the pause and the meme token.
    let bounty: Bounty = account(chain, run.addresses.bounty(0)).await;
    let coded: Bounty = account(chain, run.addresses.bounty(1)).await;
    assert_eq!(report.counts.claims_approved, bounty.approved_count + coded.approved_count);
    assert_eq!((bounty.approved_count, bounty.rejected_count), (7, 4), "seven posters paid; three bad, one copy");
    assert_eq!((coded.approved_count, coded.rejected_count), (1, 2), "one own code; another's, and none");
    assert_eq!((report.counts.claims_approved, report.counts.claims_rejected), (8, 6));
    assert_eq!(bounty.paid, u64::from(bounty.approved_count) * bounty.reward);
    // Each claim was judged by what its photo showed, and the chain carries the reason codes.
    assert_eq!(report.claims.len(), 14);
    let bounty_of = |name: &str| if name.starts_with("fan-0-") || name == "fan-rex" { 0 } else { 1 };
    let mut reasons = std::collections::BTreeMap::new();
    for claim in &report.claims {
        let bounty = run.addresses.bounty(bounty_of(&claim.claimant));
        let key = covenant::sdk::claim_address(&bounty, &scenario.address(&claim.claimant));
        let on_chain: covenant::state::Claim = account(chain, key).await;
        match claim.review.decision {
            "approve" => {
                assert!(claim.review.match_score.unwrap() >= 0.9, "{claim:?}");
                assert_eq!(on_chain.status, covenant::policy::ClaimStatus::Approved);
            }
            "reject" => {
                assert_eq!(on_chain.status, covenant::policy::ClaimStatus::Rejected);
                *reasons.entry(on_chain.reason_code).or_insert(0) += 1;
            }
            other => panic!("claim left {other}: {claim:?}"),
        }
    }
    use covenant_keeper::proofs::RejectReason;
    assert_eq!(reasons[&RejectReason::ModelRejected.code()], 2, "no poster, and a poster with other text: {reasons:?}");
    assert_eq!(reasons[&RejectReason::ProofHashMismatch.code()], 1, "the file altered after its hash: {reasons:?}");
    assert_eq!(reasons[&RejectReason::DuplicatePhoto.code()], 1, "the re-encoded copy: {reasons:?}");
    assert_eq!(reasons[&RejectReason::ClaimCodeMismatch.code()], 1, "another fan's code: {reasons:?}");
    assert_eq!(reasons[&RejectReason::ClaimCodeMissing.code()], 1, "no code: {reasons:?}");
    // The copy's rejection names the claim whose photo it copied, which kept its payment.
    let original = covenant::sdk::claim_address(&run.addresses.bounty(0), &scenario.address("fan-0-1"));
    let copy = report.claims.iter().find(|claim| claim.claimant == "fan-rex").expect("the copy is reported");
    assert!(copy.review.why.contains(&original.to_string()), "{copy:?}");
    let other_text =
        report.claims.iter().find(|claim| claim.review.read.contains("SUMMER")).expect("read the other poster");
    assert_eq!(other_text.review.decision, "reject");
    let grant: Grant = account(chain, run.addresses.grant(&scenario.address("bob"), 1)).await;
    assert_eq!(sol.inflow["grant release"], grant.ledger.released);
    assert_eq!(sol.clawed_back, grant.ledger.clawed_back, "the report saw the claw-back the program recorded");
    assert_eq!(grant.ledger.clawed_back, grant.ledger.funded - grant.ledger.released, "the unreleased rest went back");
    let treasury: Treasury = account(chain, run.addresses.treasury).await;
    assert!(treasury.paused && report.paused);
    // The stolen operator key's queued changes were cancelled: no payee for the thief, the policy
    // as configured, and nothing left in the queue.
    assert_eq!(treasury.config_timelock_seconds, 86_400);
    assert_eq!(treasury.next_config_change_id, 2, "two changes were queued");
    assert!(chain.accounts(&[run.addresses.payee(&scenario.address("attacker"))]).await.unwrap()[0].is_none());
    for id in 0..2 {
        assert!(chain.accounts(&[run.addresses.config_change(id)]).await.unwrap()[0].is_none(), "change {id} is gone");
    }
    let sol_policy: covenant::state::SpendPolicy = account(chain, run.addresses.policy(&Pubkey::default())).await;
    assert_eq!(sol_policy.limits.per_tx_max, 2 * common::SOL, "the policy was never loosened");
    assert_eq!(policy.cap, 5 * common::SOL);
    let meme = report.meme.as_ref().expect("the meme token is reported");
    let mint = chain.accounts(&[meme.mint.parse().unwrap()]).await.unwrap().remove(0).unwrap();
    let supply = StateWithExtensions::<Mint>::unpack(&mint.data).unwrap().base.supply;
    assert_eq!(meme.supply, supply);
    assert_eq!(report.flows["POSTER"].minted.values().sum::<u64>(), supply);
    assert_eq!(report.flows["POSTER"].minted["early-fans"], 1_000_000_000, "the airdrop filled the day's cap");
    let fan = sdk::meme_token_account(&scenario.address("fan-cy"), &mint_key(meme));
    assert!(chain.accounts(&[fan]).await.unwrap()[0].is_some(), "the clamped fan still got tokens");

    // One chart point per tick, and the chart draws them.
    assert_eq!(report.samples.len(), scenario.ticks as usize);
    let svg = sim::chart::svg(report).expect("drawn");
    let titled = scenario.events.iter().filter(|event| event.step.is_some()).count();
    assert!(titled > 3 && report.steps.len() == titled, "every titled step is marked");
    // Two data lines, and a marker line per step in each panel.
    let lines = |colour: &str| svg.lines().filter(|l| l.starts_with("<polyline") && l.contains(colour)).count();
    assert!(svg.starts_with("<svg") && lines("#1F77B4") == 1 && lines("#D62728") == 1, "{svg}");
    assert_eq!(lines("#BEBEBE"), 2 * titled, "{svg}");
    assert!(svg.contains("hours since the start") && svg.contains("vault balance (SOL)"), "{svg}");
}

fn mint_key(meme: &sim::report::MemeSummary) -> Pubkey {
    meme.mint.parse().expect("a mint address")
}

#[test]
fn simulate_replays_a_shipped_scenario_to_the_same_report() {
    let binary = env!("CARGO_BIN_EXE_covenant-keeper");
    let scenario = std::env::current_dir().unwrap().join("scenarios/three-days.toml");
    let dir = tempfile::tempdir().unwrap();
    let report_of = |name: &str| {
        let out = dir.path().join(name);
        let output = Command::new(binary)
            .args(["simulate", "--quiet", "--ticks", "30", "--out"])
            .arg(&out)
            .arg(&scenario)
            .env("COVENANT_ORT_DIR", covenant_keeper::setup::default_ort_library().parent().unwrap())
            .output()
            .expect("the keeper runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("Report: three days of operations"), "{stdout}");
        assert!(out.join("chart.svg").exists());
        std::fs::read_to_string(out.join("report.json")).expect("report written")
    };
    let (first, second) = (report_of("first"), report_of("second"));
    assert_eq!(first, second, "same scenario, same seed: same report");
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(report["ticks"], 30);
    assert!(report["flows"]["SOL"]["outflow"]["inference"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["flows"]["SOL"]["refused_by_guard"]["ExceedsPerTxMax"], 1);
}

#[test]
fn bad_scenarios_are_refused_with_the_reason() {
    let base = "name = \"x\"\nseed = 1\nticks = 2\ntick_seconds = 60\n[config.treasury]\nid = 1\n";
    let cases = [
        (format!("{base}[[event]]\ntick = 3\nkind = \"pause\"\n"), "outside 1..=2"),
        (format!("{base}[[event]]\ntick = 1\nkind = \"launch\"\n"), "unknown variant"),
        (format!("{base}[[event]]\ntick = 1\nkind = \"donation\"\nfrom = \"@a\"\namount = 1\ncolour = 1\n"), "colour"),
        // A unit event with a typo'd key is refused too, on the key's own line.
        (format!("{base}[[event]]\ntick = 1\nkind = \"pause\"\nbuy_ice_cream = true\n"), "buy_ice_cream"),
        (format!("{base}[[event]]\ntick = 1\nkind = \"watch\"\nhours = 3\n"), "unknown field `hours`"),
        (base.replace("ticks = 2", "ticks = 0"), "must be positive"),
        (base.replace("seed = 1", "seed = \"one\""), "line 2 (`seed = \"one\"`): invalid type"),
    ];
    for (text, expected) in cases {
        let error = Scenario::parse(&text).expect_err("refused").to_string();
        assert!(error.contains(expected), "{expected:?} not in {error:?}");
        assert_eq!(error.lines().count(), 1, "one line: {error}");
    }
    let keys = format!("{base}[config.keys]\nkeeper = \"k.json\"\n");
    let scenario = Scenario::parse(&keys).unwrap();
    let error = scenario
        .keeper_config(std::path::Path::new("log.jsonl"), std::path::Path::new("proofs"))
        .expect_err("refused")
        .to_string();
    assert!(error.contains("config.keys"), "{error}");
}

#[tokio::test]
async fn a_scenario_can_give_a_claim_its_own_image_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("page.png"), include_bytes!("fixtures/skimage-page.png")).unwrap();
    let text = r#"
name = "one claim with a real photo"
seed = 3
ticks = 2
tick_seconds = 3_600
vault_lamports = 1_000_000_000
[config.treasury]
id = 1
[[config.bounty]]
id = 0
proof = { text = "Region-based segmentation" }
[[config.policy]]
asset = "SOL"
per_tx_max = 1_000_000_000
period_seconds = 86_400
period_cap = 1_000_000_000
[[event]]
tick = 1
kind = "bounty"
id = 0
reward = 10_000_000
max_claims = 2
hours = 24
description = "a photo of the segmentation page"
[[event]]
tick = 1
kind = "claim"
bounty = 0
from = "@reader"
image = "page.png"
"#;
    std::fs::write(dir.path().join("scenario.toml"), text).unwrap();
    let scenario = Scenario::load(&dir.path().join("scenario.toml")).expect("scenario loads");
    let reader = |config: &covenant_keeper::config::KeeperConfig| {
        Ok(std::sync::Arc::new(covenant_keeper::proofs::ProofReader::new(
            common::shared_ocr(),
            &config.proofs,
            std::path::Path::new("."),
        )))
    };
    let out = dir.path().join("out");
    let run = sim::run(&scenario, common::default_model(), &reader, &out, &mut |_| {}).await.expect("runs");
    let [claim] = &run.report.claims[..] else { panic!("one claim: {:?}", run.report.claims) };
    assert_eq!((claim.claimant.as_str(), claim.review.decision), ("reader", "approve"), "{claim:?}");
    assert!(claim.review.read.contains("segmentation"), "{claim:?}");
    let bounty: Bounty = account(run.chain.as_ref(), run.addresses.bounty(0)).await;
    assert_eq!((bounty.approved_count, bounty.paid), (1, 10_000_000));
    assert!(out.join("proofs/page.png").exists());
}
