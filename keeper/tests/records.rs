//! Published decision records: each decision the keeper acts on is written under its hash and
//! served at /decisions/<hash>; a record checks itself, and `verify` re-runs the model on it.

mod common;

use anchor_lang::prelude::Pubkey;
use common::{default_model, http_get as get, payment, World, SOL};
use covenant_keeper::journal::read_decisions;
use covenant_keeper::records::{check, decision_hash, verify};
use solana_signer::Signer;

#[tokio::test]
async fn every_decision_acted_on_is_published_served_and_re_executable() {
    let recipient = Pubkey::new_unique();
    let world = World::new(&payment("inference", &recipient, SOL / 2, false), 10 * SOL).await;
    let mut keeper = world.keeper();
    keeper.tick().await.expect("tick");
    let lines = read_decisions(&world.log_path()).expect("log");
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    let hash = line["decision_hash"].as_str().expect("hash").to_string();
    let dir = world.config.run.records_dir();
    let published: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("decisions").join(format!("{hash}.json"))).expect("published"))
            .unwrap();
    assert_eq!(&published, line, "the record is the log line");
    assert_eq!(hex::encode(check(&published).expect("holds")), hash);

    let (head, body) = get(&keeper, &format!("/decisions/{hash}")).await;
    assert!(
        head.starts_with("HTTP/1.1 200") && head.to_ascii_lowercase().contains("access-control-allow-origin: *"),
        "{head}"
    );
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap(), published);
    assert!(get(&keeper, &format!("/decisions/{}", "0".repeat(64))).await.0.starts_with("HTTP/1.1 404"));
    assert!(get(&keeper, "/decisions/..%2F..%2Fkeeper.json").await.0.starts_with("HTTP/1.1 400"));
    assert!(
        get(&keeper, &format!("/decisions/{hash}.json")).await.0.starts_with("HTTP/1.1 200"),
        "as a synced dir names it"
    );

    // The model is published under the hash the records name, for anyone to run again.
    let model_hash = line["input"]["model_hash"].as_str().expect("model hash").to_string();
    let records = covenant_keeper::records::Records::open(&dir).expect("records dir");
    records.publish_model(covenant_keeper::setup::DEFAULT_MODEL).expect("published");
    records.publish_model(covenant_keeper::setup::DEFAULT_MODEL).expect("publishing twice is a no-op");
    let (head, _) = get(&keeper, &format!("/models/{model_hash}.onnx")).await;
    let length = format!("content-length: {}", covenant_keeper::setup::DEFAULT_MODEL.len());
    assert!(head.starts_with("HTTP/1.1 200") && head.to_ascii_lowercase().contains(&length), "{head}");
    assert!(get(&keeper, &format!("/models/{}.onnx", "0".repeat(64))).await.0.starts_with("HTTP/1.1 404"));
    assert!(records.model_path("../keeper").is_none());

    // Re-executed: the model scores the record's features exactly as logged.
    let (text, json) = verify(&published, default_model().as_ref()).expect("verifies");
    assert_eq!(json["reproduced"], true, "{text}");

    // The same from the command line, by hash, from the directory an operator syncs.
    let verify_from_dir = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
            .env("RUST_LOG", "error")
            .args(["--config", "/nonexistent/keeper.toml", "verify", &hash, "--from"])
            .arg(&dir)
            .output()
            .expect("binary runs")
    };
    let output = verify_from_dir();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("as logged"),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(
        dir.join("decisions").join(format!("{hash}.json")),
        serde_json::to_vec(&{
            let mut tampered = published.clone();
            tampered["input"]["features"][4] = serde_json::json!(0.001);
            tampered
        })
        .unwrap(),
    )
    .unwrap();
    let output = verify_from_dir();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.trim().lines().count() == 1 && stderr.contains("does not hold up"),
        "{stderr}"
    );

    // A changed feature breaks the hash; a changed feature with the hash recomputed (a forger
    // who knows the rule) is caught by the model's score.
    let mut forged = published.clone();
    forged["input"]["features"][4] = serde_json::json!(0.001);
    assert!(verify(&forged, default_model().as_ref()).unwrap_err().to_string().contains("does not hold up"));
    forged["decision_hash"] = serde_json::json!(hex::encode(decision_hash(&forged["input"])));
    forged["input"]["approve"] = serde_json::json!(0.5);
    forged["decision_hash"] = serde_json::json!(hex::encode(decision_hash(&forged["input"])));
    let error = verify(&forged, default_model().as_ref()).unwrap_err().to_string();
    assert!(error.contains("not the 0.5 it logged"), "{error}");
}

#[tokio::test]
async fn a_dry_run_publishes_nothing() {
    let recipient = Pubkey::new_unique();
    let world = World::new(&payment("inference", &recipient, SOL / 2, false), 10 * SOL).await;
    world.keeper_with(world.chain.clone(), true).tick().await.expect("tick");
    assert_eq!(read_decisions(&world.log_path()).unwrap().len(), 1);
    let dir = world.config.run.records_dir().join("decisions");
    assert_eq!(std::fs::read_dir(dir).map(|entries| entries.count()).unwrap_or(0), 0, "no record of a dry run");
}

#[test]
fn a_transactions_decisions_are_read_from_its_covenant_events_and_nothing_else() {
    use anchor_lang::{AnchorSerialize, Discriminator};
    fn borsh(value: &impl AnchorSerialize) -> Vec<u8> {
        let mut bytes = Vec::new();
        value.serialize(&mut bytes).expect("serializes");
        bytes
    }
    use covenant::events::{ClaimApproved, ClaimClosed};
    use covenant::state::DecisionRecord;
    use covenant_keeper::records::chain::decode_event;
    let decision = DecisionRecord { model_hash: [7; 32], decision_hash: [9; 32] };
    let treasury = Pubkey::new_unique();
    let event = ClaimApproved {
        treasury,
        bounty: Pubkey::new_unique(),
        claimant: Pubkey::new_unique(),
        keeper: Pubkey::new_unique(),
        asset: Pubkey::default(),
        reward: 5,
        approved_count: 1,
        escrow_left: 10,
        decision,
        payable_at: 0,
    };
    let cpi =
        |discriminator: &[u8], body: Vec<u8>| [anchor_lang::event::EVENT_IX_TAG_LE, discriminator, &body].concat();
    let data = cpi(ClaimApproved::DISCRIMINATOR, borsh(&event));
    let found = decode_event(&data).expect("an approval carries a decision");
    assert_eq!((found.event, found.treasury, found.decision), ("ClaimApproved", treasury, decision));
    // An event without a decision, a truncated one, and bytes that are not an event CPI.
    let closed = ClaimClosed { bounty: treasury, claimant: treasury, status: covenant::policy::ClaimStatus::Approved };
    assert_eq!(decode_event(&cpi(ClaimClosed::DISCRIMINATOR, borsh(&closed))), None);
    assert_eq!(decode_event(&data[..data.len() - 1]), None);
    assert_eq!(decode_event(&data[8..]), None);
}

#[test]
fn records_uris_resolve_to_http_bases() {
    use covenant_keeper::records::chain::http_base;
    assert_eq!(http_base("https://agent.example/records", "https://ipfs.io"), "https://agent.example/records");
    assert_eq!(http_base("ipfs://bafyX/records", "https://gw.example/"), "https://gw.example/ipfs/bafyX/records");
}

#[tokio::test]
async fn init_says_on_chain_where_the_records_live_once() {
    let world = World::new("", 0).await;
    let mut config = world.config.clone();
    config.treasury.records_uri = Some("https://agent.example/records".into());
    let steps =
        covenant_keeper::ops::init_steps(world.chain.as_ref(), &config, world.operator.pubkey(), world.keeper.pubkey())
            .await
            .expect("steps");
    let records: Vec<_> = steps.iter().filter(|step| step.what.starts_with("records location")).collect();
    assert_eq!(records.len(), 1);
    covenant_keeper::ops::submit(world.chain.as_ref(), &records[0].instructions, &world.operator, &[])
        .await
        .expect("lands");
    let location: covenant::state::RecordsLocation =
        world.account(covenant::sdk::records_address(&world.t.treasury)).await;
    assert_eq!(location.uri, "https://agent.example/records");
    let again =
        covenant_keeper::ops::init_steps(world.chain.as_ref(), &config, world.operator.pubkey(), world.keeper.pubkey())
            .await
            .expect("steps");
    assert!(again.iter().all(|step| !step.what.starts_with("records location")), "already said: no step");
    let text = format!(
        "[keys]\nkeeper = \"keeper.json\"\n[treasury]\noperator = \"{}\"\nid = 7\nrecords_uri = \"https://agent.example/records/\"\n",
        world.operator.pubkey()
    );
    let refused = covenant_keeper::config::KeeperConfig::parse(&text).expect_err("a trailing slash is refused");
    assert!(refused.to_string().contains("treasury.records_uri"), "{refused}");
}

/// `verify HASH` on a claim's decision, from the command line against a records directory.
fn verify_claim(world: &World, hash: &str) -> std::process::Output {
    let config = world.dir.path().join("verify.toml");
    let text = format!("[treasury]\noperator = \"{}\"\nid = 7\n[proofs]\ndir = \"proofs\"\n", world.operator.pubkey());
    std::fs::write(&config, text).expect("config written");
    std::process::Command::new(env!("CARGO_BIN_EXE_covenant-keeper"))
        .env("RUST_LOG", "error")
        .arg("--config")
        .arg(&config)
        .args(["verify", hash, "--from"])
        .arg(world.config.run.records_dir())
        .output()
        .expect("binary runs")
}

#[tokio::test]
async fn a_claims_photo_is_published_where_the_bounty_allows_it_and_read_again_by_verify() {
    let world = World::new(
        &format!("[[bounty]]\nid = 0\nproof = {{ text = \"{}\" }}\npublish_photos = true\n[[bounty]]\nid = 1\nproof = {{ text = \"{}\" }}\n", common::SLOGAN, common::SLOGAN),
        10 * SOL,
    )
    .await;
    let (published_bounty, private_bounty) =
        (world.open_bounty(0, SOL / 10, 5).await, world.open_bounty(1, SOL / 10, 5).await);
    let fan = world.claim(published_bounty, true).await;
    let other = world.claim(private_bounty, true).await;
    let mut keeper = world.keeper();
    keeper.tick().await.expect("tick");
    let lines = read_decisions(&world.log_path()).expect("log");
    let world = &world;
    let photo_hash = |bounty: Pubkey, claimant: Pubkey| async move {
        let claim: covenant::state::Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant)).await;
        hex::encode(claim.proof_hash)
    };
    let claim_line = |sha: String| {
        lines
            .iter()
            .find(|line| line["kind"] == "claim" && line["input"]["proof"]["sha256"] == sha.as_str())
            .unwrap_or_else(|| panic!("a decision on the claim with photo {sha} in {lines:?}"))
            .clone()
    };
    let line = claim_line(photo_hash(published_bounty, fan.pubkey()).await);
    let proof = &line["input"]["proof"];
    assert_eq!(proof["proof"], "read");
    let sha = proof["sha256"].as_str().expect("sha").to_string();
    let uri = proof["uri"].as_str().expect("the record names where the photo was").to_string();
    assert!(uri.starts_with("file://"), "{uri}");
    let photos = world.config.run.records_dir().join("photos");
    let original = std::fs::read(world.proofs_dir().join(uri.trim_start_matches("file://"))).expect("claimed file");
    assert_eq!(std::fs::read(photos.join(&sha)).expect("published under its SHA-256"), original);
    // The other bounty's photo stays the claimant's own.
    let private_sha = photo_hash(private_bounty, other.pubkey()).await;
    assert_eq!(claim_line(private_sha.clone())["input"]["proof"]["proof"], "read");
    assert!(!photos.join(&private_sha).exists(), "not published without the bounty's consent");
    let (head, _) = get(&keeper, &format!("/photos/{sha}")).await;
    assert!(
        head.starts_with("HTTP/1.1 200") && head.to_ascii_lowercase().contains("content-type: image/png"),
        "{head}"
    );
    assert!(get(&keeper, &format!("/photos/{private_sha}")).await.0.starts_with("HTTP/1.1 404"));
    assert!(get(&keeper, "/photos/..%2Fdecisions").await.0.starts_with("HTTP/1.1 400"));

    // verify reads the published photo again with the OCR models: the same text as logged.
    let hash = line["decision_hash"].as_str().expect("hash").to_string();
    let output = verify_claim(world, &hash);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("photo {sha} (from {}", photos.join(&sha).display())), "{stdout}");
    assert!(stdout.contains("read again with the same OCR models") && stdout.contains("as logged"), "{stdout}");
    // Taken down from the records, it is fetched from the claim's own URI.
    std::fs::remove_file(photos.join(&sha)).unwrap();
    let output = verify_claim(world, &hash);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stdout.contains(&format!("(from {uri})")), "{stdout}");
    // Swapped for another photo: the hash no longer holds, in one line.
    let swapped = covenant_vision::render::render_png(&covenant_vision::render::Photo::NoPoster, 3);
    std::fs::write(world.proofs_dir().join(uri.trim_start_matches("file://")), &swapped).unwrap();
    let output = verify_claim(world, &hash);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.trim().lines().count() == 1 && stderr.contains("SHA-256"), "{stderr}");
    std::fs::write(world.proofs_dir().join(uri.trim_start_matches("file://")), &original).unwrap();

    // A forger who rewrites what was read (and recomputes the hash) is caught by reading it again.
    let mut forged = line.clone();
    forged["input"]["proof"]["regions"][0]["text"] = serde_json::json!("COVENANT KEEPS ITS WORD, PROMISE");
    let forged_hash = hex::encode(decision_hash(&forged["input"]));
    forged["decision_hash"] = serde_json::json!(forged_hash);
    let decisions = world.config.run.records_dir().join("decisions");
    std::fs::write(decisions.join(format!("{forged_hash}.json")), serde_json::to_vec(&forged).unwrap()).unwrap();
    let output = verify_claim(world, &forged_hash);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("read again, shows"), "{stderr}");
}
