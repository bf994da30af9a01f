//! One photo pays once: a reused photo (re-encoded, resized, cropped, turned) is rejected as a
//! copy naming the earlier claim, which keeps its payment; honest photos of the same poster are
//! paid; a near one waits for the operator; claim codes bind a photo to its wallet.

mod common;
#[path = "../benches/photo_pairs.rs"]
mod photo_pairs;

use anchor_lang::prelude::Pubkey;
use common::{World, SOL};
use covenant::policy::ClaimStatus;
use covenant::state::Claim;
use covenant_keeper::journal::read_decisions;
use covenant_keeper::proofs::claim_code::claim_code;
use covenant_keeper::proofs::RejectReason;
use covenant_vision::edits::{jpeg, Edit};
use covenant_vision::render::{encode_png, render, Photo};
use covenant_vision::Fingerprint;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn poster(extra: &[&str]) -> Photo {
    let mut lines = vec!["COVENANT".to_string(), "keeps its word".to_string()];
    lines.extend(extra.iter().map(|line| line.to_string()));
    Photo::Poster(lines)
}

async fn status(world: &World, bounty: Pubkey, claimant: &Keypair) -> Claim {
    world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await
}

/// The decision-log line that settled this claim.
fn decision_for(world: &World, bounty: Pubkey, claimant: &Keypair) -> serde_json::Value {
    let claim = covenant::sdk::claim_address(&bounty, &claimant.pubkey());
    let key = format!("claim:{claim}");
    let lines = read_decisions(&world.log_path()).expect("decision log");
    lines.into_iter().rev().find(|line| line["input"]["key"] == key.as_str()).expect("a decision for the claim")
}

#[tokio::test]
async fn a_reused_photo_is_caught_in_every_disguise_and_the_first_claim_keeps_its_payment() {
    let world = World::new("", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let original = render(&poster(&[]), 41);
    let first = world.claim_with_file(bounty, &encode_png(&original), None).await;
    assert_eq!(world.keeper().tick().await.expect("tick").failed, Vec::<(String, String)>::new());
    assert_eq!(status(&world, bounty, &first).await.status, ClaimStatus::Approved, "the original is paid");

    let disguises = [
        ("re-encoded", jpeg(&original, 60)),
        ("resized", encode_png(&Edit::Resize(0.6).apply(&original))),
        ("cropped", encode_png(&Edit::Crop { fraction: 0.1, offset: 0.5 }.apply(&original))),
        ("rotated", encode_png(&Edit::Rotate(3.0).apply(&original))),
        ("turned and mirrored", encode_png(&Edit::Mirror.apply(&Edit::QuarterTurn.apply(&original)))),
    ];
    let mut copies = Vec::new();
    for (what, bytes) in &disguises {
        let claimant = world.claim_with_file(bounty, bytes, None).await;
        copies.push((what, claimant));
    }
    let report = world.keeper().tick().await.expect("tick");
    assert!(report.failed.is_empty(), "{report:?}");
    // Each rejection names an earlier claim whose photo it copies: the original, or a copy of it
    // claimed before (the nearest wins).
    let mut earlier = vec![covenant::sdk::claim_address(&bounty, &first.pubkey()).to_string()];
    for (what, claimant) in &copies {
        let claim = status(&world, bounty, claimant).await;
        assert_eq!(
            (claim.status, claim.reason_code),
            (ClaimStatus::Rejected, RejectReason::DuplicatePhoto.code()),
            "{what}"
        );
        let line = decision_for(&world, bounty, claimant);
        let copy = &line["input"]["proof"]["copy"];
        assert_eq!(copy["verdict"], "copy", "{what}: {line}");
        let named = copy["of"]["claim"].as_str().unwrap_or_default().to_string();
        assert!(earlier.contains(&named), "{what}: names {named}, not an earlier claim");
        earlier.push(covenant::sdk::claim_address(&bounty, &claimant.pubkey()).to_string());
        assert!(line["input"]["proof"]["fingerprint"]["phash"].as_str().is_some_and(|hex| hex.len() == 16));
    }
    let paid: covenant::state::Bounty = world.account(bounty).await;
    assert_eq!((paid.paid, paid.approved_count, paid.rejected_count), (SOL / 10, 1, 5), "paid once");
}

#[tokio::test]
async fn honest_photos_of_the_same_poster_from_different_angles_are_all_paid() {
    let world = World::new("", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let mut fans = Vec::new();
    for seed in [51, 52, 53] {
        fans.push(world.claim_with_file(bounty, &encode_png(&render(&poster(&[]), seed)), None).await);
    }
    world.keeper().tick().await.expect("tick");
    for fan in &fans {
        assert_eq!(status(&world, bounty, fan).await.status, ClaimStatus::Approved);
    }
    // Real photos too: a graffiti wall shot from two angles is far apart, a resized copy is not.
    let photos = photo_pairs::all();
    let find = |name: &str| photos.iter().find(|(n, _)| n == name).map(|(_, image)| image.clone()).unwrap();
    let (left, right) = (find("graf1"), find("graf3"));
    let stored = Fingerprint::stored(&left);
    let nearest = |image: &covenant_vision::image::RgbImage| {
        Fingerprint::photo_distance(&stored, &Fingerprint::orientations(image))
    };
    let config = covenant_keeper::config::CopiesConfig::default();
    assert!(nearest(&right) >= config.new_distance, "two angles: {}", nearest(&right));
    assert!(nearest(&Edit::Resize(0.5).apply(&left)) <= config.copy_distance);
}

#[tokio::test]
async fn a_near_photo_waits_for_the_operator_who_can_let_it_through() {
    // Thresholds squeezed so that a 10 % crop falls between "surely a copy" and "surely new".
    let extra = "[proofs]\ndir = \"proofs\"\n[proofs.copies]\ncopy_distance = 1\nnew_distance = 60\n";
    let world = World::new(extra, 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let original = render(&poster(&[]), 61);
    world.claim_with_file(bounty, &encode_png(&original), None).await;
    world.keeper().tick().await.expect("tick");
    let cropped = Edit::Crop { fraction: 0.1, offset: 0.5 }.apply(&original);
    let near = world.claim_with_file(bounty, &encode_png(&cropped), None).await;
    let near_claim = covenant::sdk::claim_address(&bounty, &near.pubkey());
    let report = world.keeper().tick().await.expect("tick");
    assert!(report.held.iter().any(|key| key.contains(&near_claim.to_string())), "{report:?}");
    assert_eq!(status(&world, bounty, &near).await.status, ClaimStatus::Pending, "held, not paid");
    let line = decision_for(&world, bounty, &near);
    assert_eq!(line["input"]["proof"]["copy"]["verdict"], "unsure");

    let mut config = world.config.clone();
    config.proofs.copies.allow.push(near_claim);
    let mut keeper = world.keeper_configured(world.chain.clone(), config, false);
    keeper.tick().await.expect("tick");
    assert_eq!(status(&world, bounty, &near).await.status, ClaimStatus::Approved, "let through, then paid");
}

#[tokio::test]
async fn a_claim_code_binds_the_photo_to_its_wallet() {
    let world = World::new("", 10 * SOL).await;
    let bounty = world.open_bounty_with(0, SOL / 10, 10, true).await;
    let (alice, bob, carol) = (Keypair::new(), Keypair::new(), Keypair::new());
    let code = |fan: &Keypair| claim_code(&bounty, &fan.pubkey());
    let file = |photo: &Photo, seed: u64| world.proof_file(&encode_png(&render(photo, seed)));
    // Alice shows her own code; Bob shows Alice's (her photo, re-shot); Carol shows none.
    let (uri, hash) = file(&poster(&[&code(&alice)]), 71);
    let alice = world.claim_as(alice, bounty, &uri, hash).await;
    let (uri, hash) = file(&poster(&[&code(&alice)]), 72);
    let bob = world.claim_as(bob, bounty, &uri, hash).await;
    let (uri, hash) = file(&poster(&[]), 73);
    let carol = world.claim_as(carol, bounty, &uri, hash).await;
    world.keeper().tick().await.expect("tick");

    assert_eq!(status(&world, bounty, &alice).await.status, ClaimStatus::Approved, "her code, read and matched");
    let line = decision_for(&world, bounty, &alice);
    assert_eq!(line["input"]["proof"]["claim_code"][0], code(&alice).as_str());
    assert_eq!(line["input"]["proof"]["claim_code"][1]["code"], "matched");
    for (fan, reason) in [(&bob, RejectReason::ClaimCodeMismatch), (&carol, RejectReason::ClaimCodeMissing)] {
        let claim = status(&world, bounty, fan).await;
        assert_eq!((claim.status, claim.reason_code), (ClaimStatus::Rejected, reason.code()), "{}", reason.name());
    }
}

#[tokio::test]
async fn a_keeper_with_an_empty_index_still_knows_the_photos_paid_before_it() {
    let world = World::new("", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let original = render(&poster(&[]), 81);
    let first = world.claim_with_file(bounty, &encode_png(&original), None).await;
    world.keeper().tick().await.expect("tick");
    assert_eq!(status(&world, bounty, &first).await.status, ClaimStatus::Approved);

    // Another machine takes over with a journal and a photo index of its own, both empty.
    let copy = world.claim_with_file(bounty, &jpeg(&original, 70), None).await;
    let mut other = world.other_keeper(world.chain.clone(), "elsewhere.jsonl");
    other.tick().await.expect("tick");
    let claim = status(&world, bounty, &copy).await;
    assert_eq!((claim.status, claim.reason_code), (ClaimStatus::Rejected, RejectReason::DuplicatePhoto.code()));
    let index = std::fs::read_to_string(world.dir.path().join("elsewhere.photos.jsonl")).expect("its index");
    let paid = covenant::sdk::claim_address(&bounty, &first.pubkey()).to_string();
    assert!(index.contains(&paid), "the paid photo was fingerprinted from its file: {index}");
}

#[tokio::test]
async fn other_bounties_count_within_the_horizon_and_not_beyond() {
    let world = World::new("[proofs]\ndir = \"proofs\"\n[proofs.copies]\nhorizon_days = 1\n", 10 * SOL).await;
    let (first, second) = (world.open_bounty(0, SOL / 10, 5).await, world.open_bounty(1, SOL / 10, 5).await);
    let original = render(&poster(&[]), 91);
    world.claim_with_file(first, &encode_png(&original), None).await;
    world.keeper().tick().await.expect("tick");
    let same_day = world.claim_with_file(second, &jpeg(&original, 80), None).await;
    world.keeper().tick().await.expect("tick");
    let claim = status(&world, second, &same_day).await;
    assert_eq!((claim.status, claim.reason_code), (ClaimStatus::Rejected, RejectReason::DuplicatePhoto.code()));

    world.chain.warp_seconds(2 * 86_400).await.unwrap();
    let later = world.open_bounty(2, SOL / 10, 5).await;
    let two_days_on = world.claim_with_file(later, &jpeg(&original, 75), None).await;
    world.keeper().tick().await.expect("tick");
    assert_eq!(status(&world, later, &two_days_on).await.status, ClaimStatus::Approved, "beyond the horizon");
}
