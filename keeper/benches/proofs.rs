//! Claims verified per second on the keeper's whole proof path against raw ONNX Runtime on the
//! same models and inputs, in one run. `cargo bench -p covenant-keeper --bench proofs`; results
//! and their discussion live in BENCHMARKS.md.
//!
//! Whole path, per batch of B claims: read each photo (file://), SHA-256 it against the claim,
//! decode it, detect its text, recognise every region, match the rule, build the claims'
//! candidates, score them with the decision model, propose, guard. Raw: the same detection
//! tensors, and every region's crop in one recognition tensor padded to the widest (built once,
//! outside the timing), through bare sessions with the same settings. Rounds alternate keeper and
//! raw so drift hits both.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

mod bounty_world;
mod memory;

use covenant_keeper::config::KeeperConfig;
use covenant_keeper::decide::{candidates, proof_jobs, propose, Proposal};
use covenant_keeper::guard::Guard;
use covenant_keeper::model::{session, Device, Model, OnnxModel};
use covenant_keeper::observe::{observe, Snapshot};
use covenant_keeper::proofs::{default_models_dir, load_ocr, ProofJob, ProofReader};
use covenant_keeper::setup;
use covenant_vision::render::{render_png, Photo};
use covenant_vision::{decode, DecodeLimits};
use memory::{peak_rss_mib, reset_peak_rss};
use ndarray::Array4;
use ort::session::Session;
use ort::value::TensorRef;
use sha2::Digest;

const PHOTOS: usize = 32;
const ROUNDS: usize = 3;

/// A treasury with one bounty and `PHOTOS` claims whose photos are in `dir/proofs`.
async fn world(dir: &Path) -> (KeeperConfig, Snapshot) {
    let proofs = dir.join("proofs");
    std::fs::create_dir_all(&proofs).expect("proofs dir");
    let config = |operator| {
        let text = format!(
            "[keys]\nkeeper = \"unused\"\n[treasury]\noperator = \"{operator}\"\nid = 1\n[loop]\ndecision_log = \"{}\"\n\
             [[policy]]\nasset = \"SOL\"\nper_tx_max = 10_000_000_000\nperiod_seconds = 86_400\nperiod_cap = 1_000_000_000_000\n\
             [[bounty]]\nid = 0\nproof = {{ text = \"covenant keeps its word\" }}\n[proofs]\ndir = \"{}\"\ndet_batch = 32\n",
            dir.join("log.jsonl").display(),
            proofs.display()
        );
        KeeperConfig::parse(&text).expect("bench config")
    };
    let world = bounty_world::open(config, PHOTOS as u32).await;
    for i in 0..PHOTOS {
        // Three in four show the poster; the rest show none or other text.
        let photo = match i % 4 {
            3 if i % 8 == 3 => Photo::NoPoster,
            3 => Photo::Poster(vec!["SUMMER SALE".into(), "everything half price".into()]),
            _ => Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]),
        };
        let bytes = render_png(&photo, 100 + i as u64);
        let name = format!("photo-{i}.png");
        std::fs::write(proofs.join(&name), &bytes).expect("photo written");
        world.claim(format!("file://{name}"), sha2::Sha256::digest(&bytes).into()).await;
    }
    let snapshot = observe(world.chain.as_ref(), &world.t, &[]).await.expect("observe");
    (world.config, snapshot)
}

/// The keeper's whole path over `jobs`, in batches of `batch`; returns how many it approved.
async fn keeper_path(
    reader: &Arc<ProofReader>,
    jobs: &[ProofJob],
    batch: usize,
    snapshot: &Snapshot,
    config: &KeeperConfig,
    model: &dyn Model,
) -> usize {
    let mut approved = 0;
    for chunk in jobs.chunks(batch) {
        let proofs = reader.read_all(chunk.to_vec()).await.expect("proofs read");
        let found: Vec<_> = candidates(snapshot, config, &HashSet::new(), &proofs)
            .into_iter()
            .filter(|candidate| candidate.is_scored())
            .collect();
        let rows: Vec<_> = found.iter().map(|candidate| candidate.features).collect();
        let scores = model.score(&rows).expect("inference");
        let mut guard = Guard::new(snapshot);
        for (candidate, score) in found.iter().zip(scores) {
            if let Proposal::Act(intent) = propose(candidate, Some(score), config) {
                approved += usize::from(matches!(
                    guard.check(&intent),
                    covenant_keeper::guard::Verdict::Pass {
                        intent: covenant_keeper::decide::Intent::ApproveClaim { .. }
                    }
                ));
            }
        }
    }
    approved
}

/// The same tensors through bare sessions: detection per batch, recognition once per batch.
fn raw_path(det: &mut Session, rec: &mut Session, inputs: &[(Array4<f32>, Array4<f32>)]) {
    for (det_input, rec_input) in inputs {
        let tensor = TensorRef::from_array_view(det_input.view()).expect("tensor");
        std::hint::black_box(det.run(ort::inputs!["x" => tensor]).expect("det"));
        let tensor = TensorRef::from_array_view(rec_input.view()).expect("tensor");
        std::hint::black_box(rec.run(ort::inputs!["x" => tensor]).expect("rec"));
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let mut out = setup::stdout_without_program_logs();
    let library = setup::default_ort_library();
    let model: Arc<dyn Model> = Arc::new(
        OnnxModel::from_bytes(setup::DEFAULT_MODEL, "default", &library, Device::Cpu)
            .unwrap_or_else(|error| panic!("{error} (run scripts/setup-onnxruntime)")),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, snapshot) = world(dir.path()).await;
    let rss_before_models = peak_rss_mib();
    let ocr = Arc::new(load_ocr(&config.proofs, dir.path(), &library, Device::Cpu).expect("OCR models"));
    let jobs = proof_jobs(&snapshot, &config, &HashSet::new());
    assert_eq!(jobs.len(), PHOTOS);

    // The raw side's inputs, from the keeper's own pre-processing (recognition as one batch).
    let images: Vec<_> = jobs
        .iter()
        .map(|job| {
            let path = config.proofs.dir.as_ref().expect("dir").join(job.uri.trim_start_matches("file://"));
            decode(&std::fs::read(path).expect("photo"), DecodeLimits::default()).expect("decodes")
        })
        .collect();
    let models = default_models_dir();
    let bytes = |name: &str| std::fs::read(models.join(name)).expect("model file");
    let (det_bytes, rec_bytes) = (bytes(covenant_vision::DET_MODEL), bytes(covenant_vision::REC_MODEL));
    let (mut det, _) = session(&det_bytes, "det", &library, Device::Cpu, 0).expect("det session");
    let (mut rec, _) = session(&rec_bytes, "rec", &library, Device::Cpu, 0).expect("rec session");

    let mut rows = Vec::new();
    for batch in [1usize, 8, 32] {
        reset_peak_rss();
        let inputs: Vec<(Array4<f32>, Array4<f32>)> = images
            .chunks(batch)
            .map(|chunk| {
                let (det_input, _) = ocr.detection_input(chunk);
                let boxes = ocr.detect_all(chunk, batch).expect("detects");
                let crops = covenant_vision::ocr::crops(chunk, &boxes);
                (det_input, covenant_vision::ocr::recognition_input(&crops))
            })
            .collect();
        let (mut keeper_best, mut raw_best) = (f64::MAX, f64::MAX);
        let mut approved = 0;
        for _ in 0..ROUNDS {
            // A fresh reader per round: its cache would otherwise skip the work.
            let reader = Arc::new(ProofReader::new(ocr.clone(), &config.proofs, dir.path()));
            let started = Instant::now();
            approved = keeper_path(&reader, &jobs, batch, &snapshot, &config, model.as_ref()).await;
            keeper_best = keeper_best.min(started.elapsed().as_secs_f64());
            let started = Instant::now();
            raw_path(&mut det, &mut rec, &inputs);
            raw_best = raw_best.min(started.elapsed().as_secs_f64());
        }
        let peak = peak_rss_mib();
        rows.push((
            batch,
            PHOTOS as f64 / keeper_best,
            PHOTOS as f64 / raw_best,
            keeper_best / raw_best,
            approved,
            peak,
        ));
    }

    // Phases at batch 8: the whole path, then its parts measured alone.
    let mut phases: Vec<(&str, f64)> = Vec::new();
    let best = |f: &mut dyn FnMut()| {
        (0..ROUNDS)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    let mut whole = f64::MAX;
    for _ in 0..ROUNDS {
        let reader = Arc::new(ProofReader::new(ocr.clone(), &config.proofs, dir.path()));
        let started = Instant::now();
        keeper_path(&reader, &jobs, 8, &snapshot, &config, model.as_ref()).await;
        whole = whole.min(started.elapsed().as_secs_f64());
    }
    phases.push(("whole path (read, hash, decode, OCR, decide, guard)", whole));
    let files: Vec<Vec<u8>> = jobs
        .iter()
        .map(|job| {
            std::fs::read(config.proofs.dir.as_ref().expect("dir").join(job.uri.trim_start_matches("file://")))
                .expect("photo")
        })
        .collect();
    phases.push((
        "read + SHA-256 + PNG decode",
        best(&mut || {
            let read: Vec<Vec<u8>> = jobs
                .iter()
                .map(|job| {
                    std::fs::read(config.proofs.dir.as_ref().expect("dir").join(job.uri.trim_start_matches("file://")))
                        .expect("photo")
                })
                .collect();
            std::hint::black_box(covenant_vision::parallel::map(read, |bytes| {
                (sha2::Sha256::digest(&bytes), decode(&bytes, DecodeLimits::default()).expect("decodes"))
            }));
        }),
    ));
    drop(files);
    phases.push((
        "OCR: pre-processing, det, post-processing, crops, rec, CTC",
        best(&mut || {
            for chunk in images.chunks(8) {
                std::hint::black_box(ocr.read(chunk, 8).expect("reads"));
            }
        }),
    ));
    let inputs8: Vec<(Array4<f32>, Array4<f32>)> = images
        .chunks(8)
        .map(|chunk| {
            let (det_input, _) = ocr.detection_input(chunk);
            let boxes = ocr.detect_all(chunk, 8).expect("detects");
            (det_input, covenant_vision::ocr::recognition_input(&covenant_vision::ocr::crops(chunk, &boxes)))
        })
        .collect();
    phases.push(("— of which raw det + rec sessions", best(&mut || raw_path(&mut det, &mut rec, &inputs8))));

    macro_rules! out {
        ($($arg:tt)*) => {{
            use std::io::Write as _;
            let _ = writeln!(out, $($arg)*);
        }};
    }
    out!("Proof path: {PHOTOS} claims with 800x600 PNG photos (24 of the poster, 8 not), CPU, best of {ROUNDS} rounds");
    out!("");
    out!("| batch | keeper: claims/s (whole path) | raw ONNX Runtime: claims/s | keeper ÷ raw (time) | approved | peak RSS |");
    out!("|---:|---:|---:|---:|---:|---:|");
    for (batch, keeper, raw, ratio, approved, peak) in rows {
        out!("| {batch} | {keeper:.2} | {raw:.2} | {ratio:.3}x | {approved} of {PHOTOS} | {peak:.0} MiB |");
    }
    out!("");
    out!("peak RSS per batch size, run in this order (ONNX Runtime keeps its arena); {rss_before_models:.0} MiB before the OCR models loaded");
    out!("");
    out!("Where the keeper's time goes at batch 8 (all {PHOTOS} claims, best of {ROUNDS}):");
    out!("");
    out!("| phase | seconds | share of the whole path |");
    out!("|---|---:|---:|");
    for (phase, seconds) in &phases {
        out!("| {phase} | {seconds:.3} | {:.1} % |", 100.0 * seconds / phases[0].1);
    }
}
