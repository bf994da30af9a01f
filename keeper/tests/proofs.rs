//! Claims judged by what their photos show: recognition on real and rendered images, and every way
//! a proof can fail (hash, size, pixels, time, format, path, gateway), each rejected on chain with
//! its own reason code and nothing paid.

mod common;
#[path = "../benches/scenetext.rs"]
mod scenetext;

use std::io::Read as _;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use common::{shared_ocr, World, HOUR, SLOGAN, SOL};
use covenant::policy::ClaimStatus;
use covenant::state::{Bounty, Claim};
use covenant_keeper::proofs::RejectReason;
use covenant_vision::render::{render, render_png, Photo};
use covenant_vision::{decode, DecodeLimits, ProofRule};
use solana_keypair::Keypair;
use solana_signer::Signer;

const PAGE: &[u8] = include_bytes!("fixtures/skimage-page.png");

fn rule(text: &str) -> ProofRule {
    ProofRule { text: text.into(), max_edits: None }
}

#[test]
fn the_reader_reads_a_real_scan_and_the_rendered_posters() {
    let ocr = shared_ocr();
    let page = decode(PAGE, DecodeLimits::default()).expect("the scan decodes");
    let poster = |seed| render(&Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]), seed);
    let images = vec![
        page,
        poster(11),
        poster(12),
        poster(13),
        render(&Photo::NoPoster, 14),
        render(&Photo::Poster(vec!["SUMMER SALE".into(), "everything half price".into()]), 15),
    ];
    let pages = ocr.read(&images, 4).expect("reads");
    let texts: Vec<Vec<&str>> = pages.iter().map(|regions| regions.iter().map(|r| r.text.as_str()).collect()).collect();
    // A photographed page (scikit-image's sample data): its heading and a line of its body.
    assert!(rule("Region-based segmentation").check(texts[0].iter().copied()).matched, "{:?}", texts[0]);
    assert!(rule("These markers are pixels").check(texts[0].iter().copied()).matched, "{:?}", texts[0]);
    assert!(texts[0].len() >= 5, "several lines found: {:?}", texts[0]);
    for texts in &texts[1..4] {
        let result = rule(SLOGAN).check(texts.iter().copied());
        assert!(result.matched && result.score >= 0.9, "{texts:?}: {result:?}");
    }
    assert!(!rule(SLOGAN).check(texts[4].iter().copied()).matched, "no poster: {:?}", texts[4]);
    assert!(texts[5].iter().any(|text| text.to_uppercase().contains("SUMMER")), "{:?}", texts[5]);
    assert!(rule(SLOGAN).check(texts[5].iter().copied()).score < 0.5, "{:?}", texts[5]);
    // Batched and one at a time read the same.
    let alone = ocr.read(&images[1..2], 1).expect("reads");
    assert_eq!(
        alone[0].iter().map(|r| &r.text).collect::<Vec<_>>(),
        pages[1].iter().map(|r| &r.text).collect::<Vec<_>>()
    );
}

#[test]
fn real_photos_turned_sideways_or_upside_down_read_as_upright() {
    let ocr = shared_ocr();
    let photos = scenetext::photos();
    let (upright, upright_texts) = scenetext::recall(&ocr, &photos, 0);
    assert!(upright >= 0.9, "upright recall {upright}: {upright_texts:?}");
    for quarter_turns in 1..4 {
        let (recall, texts) = scenetext::recall(&ocr, &photos, quarter_turns);
        assert!(
            recall >= upright - 0.05,
            "turned {} quarters: recall {recall} against {upright}: {texts:?}",
            quarter_turns
        );
        // The sign's words in reading order, as a bounty's rule would ask for them.
        assert!(rule("double parking prohibited").check(texts[0].iter().map(String::as_str)).matched, "{:?}", texts[0]);
    }
}

#[test]
fn turning_photos_upright_changes_nothing_on_upright_pages_of_print() {
    // Long lines of small print are where the direction classifier errs; a line it calls upside
    // down is read both ways, so an upright page reads as it would with no turning at all.
    let library = covenant_keeper::setup::default_ort_library();
    let as_is = covenant_keeper::proofs::load_ocr(
        &Default::default(),
        std::path::Path::new("."),
        &library,
        covenant_keeper::model::Device::Cpu,
    )
    .expect("OCR models")
    .with_orientation(false);
    let pages: Vec<_> = (3..6).map(|seed| covenant_vision::render::render_page(30, seed)).collect();
    let texts = |pages: Vec<Vec<covenant_vision::TextRegion>>| {
        pages.into_iter().map(|page| page.into_iter().map(|region| region.text).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    let turned = texts(shared_ocr().read(&pages, 1).expect("reads"));
    assert_eq!(turned, texts(as_is.read(&pages, 1).expect("reads")));
    assert!(
        turned.iter().all(|page| page.len() >= 28),
        "every line read: {:?}",
        turned.iter().map(Vec::len).collect::<Vec<_>>()
    );
}

/// Confidence and box scores of one photo read with different company may differ by ONNX Runtime's
/// batch-size-dependent kernels, never more than this (MODEL.md, "One photo, one reading"); the
/// text must be identical.
const SCORE_TOLERANCE: f32 = 1e-3;

#[test]
fn a_photo_reads_the_same_alone_in_batches_of_any_size_and_in_any_order() {
    let ocr = shared_ocr();
    let page = decode(PAGE, DecodeLimits::default()).expect("the scan decodes");
    // The page pasted into another photo, and a photo with no text: the two that read differently
    // in and out of a batch when batches were padded to their widest member.
    let mut pasted = render(&Photo::NoPoster, 31);
    let small = covenant_vision::image::imageops::resize(
        &page,
        360,
        240,
        covenant_vision::image::imageops::FilterType::Triangle,
    );
    covenant_vision::image::imageops::overlay(&mut pasted, &small, 200, 150);
    let poster = |seed| render(&Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]), seed);
    let photos = [
        page,
        pasted,
        render(&Photo::NoPoster, 32),
        poster(33),
        poster(34),
        render(&Photo::Poster(vec!["SUMMER SALE".into(), "everything half price".into()]), 35),
    ];
    let alone: Vec<Vec<covenant_vision::TextRegion>> =
        photos.iter().map(|photo| ocr.read(std::slice::from_ref(photo), 1).expect("reads").remove(0)).collect();
    assert!(alone[0].len() >= 5 && alone[3].iter().any(|region| region.text.contains("COVENANT")), "{alone:?}");

    let mut order: Vec<usize> = (0..photos.len()).collect();
    let mut seed = 7u64;
    for (batch, det_batch) in [(2, 1), (3, 4), (photos.len(), 1), (photos.len(), 8)] {
        for round in 0..2 {
            if round == 1 {
                // A different order each time (a seeded Fisher-Yates).
                for i in (1..order.len()).rev() {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    order.swap(i, (seed >> 33) as usize % (i + 1));
                }
            }
            for indices in order.chunks(batch) {
                let images: Vec<_> = indices.iter().map(|&index| photos[index].clone()).collect();
                let pages = ocr.read(&images, det_batch).expect("reads");
                for (&index, page) in indices.iter().zip(&pages) {
                    let texts = |regions: &[covenant_vision::TextRegion]| {
                        regions.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
                    };
                    assert_eq!(
                        texts(page),
                        texts(&alone[index]),
                        "photo {index} in {indices:?} (det_batch {det_batch})"
                    );
                    for (read, single) in page.iter().zip(&alone[index]) {
                        assert!(
                            (read.confidence - single.confidence).abs() <= SCORE_TOLERANCE
                                && (read.box_score - single.box_score).abs() <= SCORE_TOLERANCE,
                            "photo {index}, {:?}: {} / {} against {} / {} alone",
                            read.text,
                            read.confidence,
                            read.box_score,
                            single.confidence,
                            single.box_score
                        );
                    }
                }
            }
        }
    }
}

/// The claim's status and reason code, and that the claimant was not paid.
async fn assert_rejected(world: &World, bounty: Pubkey, claimant: &Keypair, before: u64, reason: RejectReason) {
    let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
    assert_eq!(claim.status, ClaimStatus::Rejected, "{reason:?}");
    assert_eq!(claim.reason_code, reason.code(), "expected {}", reason.name());
    assert_eq!(world.lamports(claimant.pubkey()).await, before, "nothing paid for {}", reason.name());
}

async fn paid(world: &World, bounty: Pubkey) -> u64 {
    world.account::<Bounty>(bounty).await.paid
}

#[tokio::test]
async fn proofs_that_cannot_be_judged_are_rejected_with_their_own_codes_and_nothing_is_paid() {
    let world = World::new("[proofs]\ndir = \"proofs\"\nmax_bytes = 2000000\nmax_pixels = 1000000\n", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let good_photo = render_png(&Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]), 5);

    // The file changed after its hash went on chain.
    let mismatch = world.claim_with_file(bounty, &good_photo, Some([9; 32])).await;
    // Not an image.
    let undecodable = world.claim_with_file(bounty, b"GIF89a? no, just text", None).await;
    // Over the byte limit (noise does not compress).
    let big: Vec<u8> = (0..2_100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let too_large = world.claim_with_file(bounty, &big, None).await;
    // Over the pixel limit: 1,200 x 900 is 1.08 megapixels.
    let wide = covenant_vision::render::encode_png(&covenant_vision::image::RgbImage::new(1_200, 900));
    let too_many_pixels = world.claim_with_file(bounty, &wide, None).await;
    // A path out of the proofs directory, straight and through a symlink.
    std::fs::write(world.dir.path().join("outside.png"), &good_photo).unwrap();
    // Refused before anything is fetched; each claim names a hash of its own (one file, one claim).
    let escape = world.claim_with(bounty, "file://../outside.png", [1; 32]).await;
    std::os::unix::fs::symlink(world.dir.path().join("outside.png"), world.proofs_dir().join("link.png")).unwrap();
    let symlink = world.claim_with(bounty, "file://link.png", [2; 32]).await;
    // Plain http to another host, and ipfs:// with no gateway configured.
    let plain_http = world.claim_with(bounty, "http://example.com/poster.png", [3; 32]).await;
    let no_gateway = world.claim_with(bounty, "ipfs://bafybeigdyrzt/poster.png", [4; 32]).await;
    let genuine = world.claim_with_file(bounty, &good_photo, None).await;

    let claimants =
        [&mismatch, &undecodable, &too_large, &too_many_pixels, &escape, &symlink, &plain_http, &no_gateway];
    let mut before = Vec::new();
    for claimant in claimants {
        before.push(world.lamports(claimant.pubkey()).await);
    }
    let report = world.keeper().tick().await.expect("tick");
    assert!(report.failed.is_empty(), "{report:?}");
    let expected = [
        RejectReason::ProofHashMismatch,
        RejectReason::ProofUndecodable,
        RejectReason::ProofTooLarge,
        RejectReason::ProofTooManyPixels,
        RejectReason::ProofUriRefused,
        RejectReason::ProofUriRefused,
        RejectReason::ProofUriRefused,
        RejectReason::ProofUriRefused,
    ];
    for ((claimant, before), reason) in claimants.iter().zip(before).zip(expected) {
        assert_rejected(&world, bounty, claimant, before, reason).await;
    }
    // The one genuine photo was read and paid, once.
    let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &genuine.pubkey())).await;
    assert_eq!(claim.status, ClaimStatus::Approved);
    assert_eq!(paid(&world, bounty).await, SOL / 10);
    // `status --output json` names each rejected claim's reason.
    let snapshot = world.keeper().observe().await.expect("observe");
    let status = covenant_keeper::status::json(&snapshot, &[]);
    let claims = status["bounties"][0]["claims"].as_array().expect("claims listed");
    assert_eq!(claims.len(), 9);
    let reasons: Vec<&str> = claims.iter().filter_map(|claim| claim["reason"].as_str()).collect();
    assert_eq!(reasons.iter().filter(|reason| **reason == "proof_uri_refused").count(), 4, "{reasons:?}");
    assert!(reasons.contains(&"proof_hash_mismatch") && reasons.contains(&"proof_too_many_pixels"), "{reasons:?}");
    assert_eq!(status["bounties"][0]["paid"], SOL / 10);
    // Each review names its reason code.
    let reviews: Vec<_> = report.claims.values().filter(|review| review.decision == "reject").collect();
    assert_eq!(reviews.len(), 8);
    assert!(reviews.iter().all(|review| review.why.contains("(code ")), "{reviews:?}");
}

/// A loopback HTTP server: `/photo.png` serves `photo`, `/ipfs/...` `other` (two fans' photos: one
/// photo pays once); `/slow` never answers in time.
fn serve(photo: Vec<u8>, other: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("binds");
    let address = format!("http://{}", server.server_addr().to_ip().expect("ip address"));
    let handle = std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let mut ignored = Vec::new();
            let _ = request.as_reader().read_to_end(&mut ignored);
            let url = request.url().to_string();
            if url == "/stop" {
                let _ = request.respond(tiny_http::Response::empty(200));
                return;
            }
            let photo = if url.starts_with("/ipfs/") { other.clone() } else { photo.clone() };
            // One thread per request, so the slow one holds up nobody else.
            std::thread::spawn(move || {
                if url == "/slow" {
                    std::thread::sleep(Duration::from_secs(3));
                    return;
                }
                let response = if url == "/photo.png" || url.starts_with("/ipfs/bafy") {
                    tiny_http::Response::from_data(photo)
                } else {
                    tiny_http::Response::from_data(Vec::new()).with_status_code(404)
                };
                let _ = request.respond(response);
            });
        }
    });
    (address, handle)
}

#[tokio::test]
async fn http_and_ipfs_proofs_are_read_and_unreachable_ones_wait_then_are_rejected() {
    let photo = render_png(&Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]), 21);
    let other = render_png(&Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]), 22);
    let sha = |bytes: &[u8]| -> [u8; 32] {
        sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), bytes)).into()
    };
    let (hash, other_hash) = (sha(&photo), sha(&other));
    // What the unreachable claims say they hold (never fetched); each claim's hash is its own.
    let unread = |n: u8| [n; 32];
    let (address, server) = serve(photo, other);
    // A host that is down: a port bound for a moment, then closed, so nobody listens on it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = format!(
        "[proofs]\ndir = \"proofs\"\ntimeout_seconds = 1\nreject_unreachable_after_seconds = 7200\nipfs_gateway = \"{address}\"\n"
    );
    let world = World::new(&config, 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let over_http = world.claim_with(bounty, &format!("{address}/photo.png"), hash).await;
    let over_ipfs = world
        .claim_with(bounty, "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/poster.png", other_hash)
        .await;
    let slow = world.claim_with(bounty, &format!("{address}/slow"), unread(1)).await;
    let missing = world.claim_with(bounty, &format!("{address}/gone.png"), unread(2)).await;
    let down = world.claim_with(bounty, &format!("http://{closed}/photo.png"), unread(3)).await;
    let waiting = [&slow, &missing, &down];
    let mut before = Vec::new();
    for claimant in waiting {
        before.push(world.lamports(claimant.pubkey()).await);
    }

    let mut keeper = world.keeper();
    let first = keeper.tick().await.expect("tick");
    for claimant in [&over_http, &over_ipfs] {
        let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
        assert_eq!(claim.status, ClaimStatus::Approved, "{first:?}");
    }
    // Unreachable proofs wait (held, retried), nothing rejected yet.
    for claimant in waiting {
        let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
        assert_eq!(claim.status, ClaimStatus::Pending);
    }
    assert_eq!(first.held.len(), 3, "{first:?}");
    // Once the claims are older than the configured age, they are rejected as unreachable.
    world.chain.warp_seconds(3 * HOUR).await.unwrap();
    let later = keeper.tick().await.expect("tick");
    assert!(later.failed.is_empty(), "{later:?}");
    for (claimant, before) in waiting.iter().zip(before) {
        assert_rejected(&world, bounty, claimant, before, RejectReason::ProofUnreachable).await;
    }
    assert_eq!(paid(&world, bounty).await, 2 * SOL / 10, "only the two readable proofs were paid");
    let _ = ureq_stop(&address);
    let _ = server.join();
}

fn ureq_stop(address: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let host = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(stream, "GET /stop HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")?;
    let mut ignored = Vec::new();
    let _ = stream.read_to_end(&mut ignored);
    Ok(())
}

#[tokio::test]
async fn a_bounty_without_a_proof_rule_pays_nothing() {
    // Only bounty 5 has a proof rule; the claim is on bounty 0.
    let world = World::new("[[bounty]]\nid = 5\nproof = { text = \"something else\" }\n", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 3).await;
    let claimant = world.claim(bounty, true).await;
    let report = world.keeper().tick().await.expect("tick");
    assert!(report.landed.is_empty(), "{report:?}");
    assert_eq!(report.held.len(), 1);
    let review = report.claims.values().next().expect("reviewed");
    assert!(review.why.contains("no proof rule"), "{review:?}");
    let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
    assert_eq!(claim.status, ClaimStatus::Pending);
}

#[test]
fn bad_proof_settings_are_refused_naming_the_key() {
    let base = "[keys]\nkeeper = \"k.json\"\n[treasury]\noperator = \"11111111111111111111111111111111\"\nid = 1\n";
    let cases = [
        ("[proofs]\nmax_bytes = 0\n", "max_bytes"),
        ("[proofs]\ndet_side = 8\n", "det_side"),
        ("[proofs]\nmax_regions_per_tick = 0\n", "max_regions_per_tick"),
        ("[proofs]\nipfs_gateway = \"ftp://x\"\n", "proofs.ipfs_gateway"),
        ("[proofs]\ncolour = 1\n", "unknown field `colour`"),
        ("[[bounty]]\nid = 0\nproof = { text = \"!!\" }\n", "bounty[0].proof.text"),
        (
            "[[bounty]]\nid = 0\nproof = { text = \"a\" }\n[[bounty]]\nid = 0\nproof = { text = \"b\" }\n",
            "two proof rules",
        ),
        ("[[bounty]]\nid = 0\nproof = { text = \"a\", fuzz = 1 }\n", "unknown field `fuzz`"),
    ];
    for (extra, needle) in cases {
        let error = covenant_keeper::config::KeeperConfig::parse(&format!("{base}{extra}")).expect_err(needle);
        assert!(error.contains(needle) && !error.contains('\n'), "{needle:?} not in one line: {error}");
    }
}

#[tokio::test]
async fn a_gateway_that_is_down_holds_ipfs_claims_then_rejects_them_as_unreachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = format!(
        "[proofs]\ndir = \"proofs\"\ntimeout_seconds = 1\nreject_unreachable_after_seconds = 3600\nipfs_gateway = \"http://{closed}\"\n"
    );
    let world = World::new(&config, 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 3).await;
    let claimant =
        world.claim_with(bounty, "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", [3; 32]).await;
    let before = world.lamports(claimant.pubkey()).await;
    let mut keeper = world.keeper();
    let first = keeper.tick().await.expect("tick");
    assert_eq!(first.held.len(), 1, "{first:?}");
    assert!(first.claims.values().all(|review| review.why.contains("unreachable")), "{first:?}");
    world.chain.warp_seconds(2 * HOUR).await.unwrap();
    keeper.tick().await.expect("tick");
    assert_rejected(&world, bounty, &claimant, before, RejectReason::ProofUnreachable).await;
    assert_eq!(paid(&world, bounty).await, 0);
}

#[tokio::test]
async fn photos_past_the_ticks_region_budget_wait_for_the_next_tick_and_the_first_is_always_read() {
    // One region a tick: each poster photo has more, so each tick reads exactly one photo.
    let world = World::new("[proofs]\ndir = \"proofs\"\nmax_regions_per_tick = 1\n", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    let mut claimants = Vec::new();
    for _ in 0..3 {
        world.chain.warp_seconds(60).await.unwrap();
        claimants.push(world.claim(bounty, true).await);
    }
    let mut keeper = world.keeper();
    for tick in 1..=3u64 {
        let report = keeper.tick().await.expect("tick");
        assert_eq!(paid(&world, bounty).await, tick * SOL / 10, "tick {tick}: {report:?}");
        let mut approved = 0;
        for claimant in &claimants {
            let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
            approved += u64::from(claim.status == ClaimStatus::Approved);
            assert_ne!(claim.status, ClaimStatus::Rejected, "tick {tick}: {report:?}");
        }
        assert_eq!(approved, tick, "one photo read a tick: {report:?}");
        if tick < 3 {
            assert!(report.claims.values().any(|review| review.why.contains("not read yet")), "{report:?}");
        }
    }
}

#[tokio::test]
async fn a_fifo_is_refused_without_blocking_and_a_flood_of_claims_is_read_a_few_per_tick() {
    let world = World::new("[proofs]\ndir = \"proofs\"\nmax_per_tick = 2\n", 10 * SOL).await;
    let bounty = world.open_bounty(0, SOL / 10, 10).await;
    // A named pipe inside the proofs directory: opening it for reading would wait for a writer.
    let fifo = world.proofs_dir().join("pipe.png");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let piped = world.claim_with(bounty, "file://pipe.png", [1; 32]).await;
    // Claims a minute apart, so "oldest first" has an order to follow.
    let mut good = Vec::new();
    for _ in 0..2 {
        world.chain.warp_seconds(60).await.unwrap();
        good.push(world.claim(bounty, true).await);
    }
    let before = world.lamports(piped.pubkey()).await;

    let mut keeper = world.keeper();
    let first = keeper.tick().await.expect("tick");
    // The oldest two were read: the pipe (refused) and the first good photo.
    assert_rejected(&world, bounty, &piped, before, RejectReason::ProofUriRefused).await;
    assert_eq!(paid(&world, bounty).await, SOL / 10, "{first:?}");
    assert!(first.claims.values().any(|review| review.why.contains("not read yet")), "{first:?}");
    keeper.tick().await.expect("tick");
    assert_eq!(paid(&world, bounty).await, 2 * SOL / 10, "the waiting claim is read on the next tick");
    for claimant in &good {
        let claim: Claim = world.account(covenant::sdk::claim_address(&bounty, &claimant.pubkey())).await;
        assert_eq!(claim.status, ClaimStatus::Approved);
    }
}
