//! Published decision records: each decision the keeper acts on is written under its hash and
//! served at /decisions/<hash>; a record checks itself, and `verify` re-runs the model on it.

mod common;

use anchor_lang::prelude::Pubkey;
use common::{default_model, http_get as get, payment, World, SOL};
use covenant_keeper::journal::read_decisions;
use covenant_keeper::records::{check, decision_hash, verify};

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
        serde_json::from_slice(&std::fs::read(dir.join(format!("{hash}.json"))).expect("published")).unwrap();
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
        dir.join(format!("{hash}.json")),
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
    let dir = world.config.run.records_dir();
    assert_eq!(std::fs::read_dir(dir).map(|entries| entries.count()).unwrap_or(0), 0, "no record of a dry run");
}
