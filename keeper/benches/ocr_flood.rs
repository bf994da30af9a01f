//! A tick flooded with photos of dense text: peak memory and time of the keeper's proof reader as
//! the number of pages grows, against the same pages recognised the former way (every region of
//! every photo in one batch padded to the widest), in one run. `cargo bench -p covenant-keeper
//! --bench ocr_flood`; results and their discussion live in BENCHMARKS.md ("A flood of pages").

mod memory;

use std::sync::Arc;
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use covenant_keeper::config::ProofConfig;
use covenant_keeper::model::{session, Device};
use covenant_keeper::proofs::{default_models_dir, load_ocr, ProofJob, ProofOutcome, ProofReader};
use covenant_keeper::setup;
use covenant_vision::render::{encode_png, render_page};
use covenant_vision::ProofRule;
use memory::{peak_rss_mib, reset_peak_rss, rss_mib};
use ort::value::TensorRef;
use sha2::Digest;

const PAGES: usize = 64;
const LINES: usize = 30;
/// The memory this benchmark holds the reader to on CPU (the aim): 1.5 GiB.
const BUDGET_MIB: f64 = 1_536.0;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let mut out = setup::stdout_without_program_logs();
    let library = setup::default_ort_library();
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = ProofRule { text: "covenant keeps its word".into(), max_edits: None };
    let pages: Vec<_> = (0..PAGES).map(|seed| render_page(LINES, seed as u64)).collect();
    let jobs: Vec<ProofJob> = pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let bytes = encode_png(page);
            std::fs::write(dir.path().join(format!("page-{i}.png")), &bytes).expect("page written");
            ProofJob {
                claim: Pubkey::new_unique(),
                uri: format!("file://page-{i}.png"),
                expected_hash: sha2::Sha256::digest(&bytes).into(),
                rule: rule.clone(),
                publish: None,
            }
        })
        .collect();
    let config = |budget: usize| ProofConfig {
        dir: Some(dir.path().into()),
        max_regions_per_tick: budget,
        ..ProofConfig::default()
    };
    let ocr = Arc::new(load_ocr(&config(1), dir.path(), &library, Device::Cpu).expect("OCR models"));
    let loaded = rss_mib("VmRSS:");

    // (pages offered, regions budget) -> (pages read, regions read, seconds, peak MiB).
    let mut rows = Vec::new();
    for (offered, budget) in
        [(7, usize::MAX), (28, usize::MAX), (PAGES, usize::MAX), (PAGES, ProofConfig::default().max_regions_per_tick)]
    {
        // A fresh reader each time: its cache would skip the work.
        let reader = Arc::new(ProofReader::new(ocr.clone(), &config(budget), dir.path()));
        reset_peak_rss();
        let started = Instant::now();
        let outcomes = reader.read_all(jobs[..offered].to_vec()).await.expect("proofs read");
        let seconds = started.elapsed().as_secs_f64();
        let peak = peak_rss_mib();
        let regions: usize = outcomes
            .values()
            .map(|outcome| match outcome {
                ProofOutcome::Read(reading) => reading.regions.len(),
                other => panic!("a page was not read: {other:?}"),
            })
            .sum();
        rows.push((offered, budget, outcomes.len(), regions, seconds, peak));
    }

    // The former way, same run, last (ONNX Runtime's arena keeps what it grew): the first 7 pages'
    // regions in one recognition batch padded to the widest, through a bare session.
    let detected = ocr.detect_all(&pages[..7], 1).expect("detects");
    let crops = covenant_vision::ocr::crops(&pages[..7], &detected);
    let rec_bytes = std::fs::read(default_models_dir().join(covenant_vision::REC_MODEL)).expect("model file");
    let (mut rec, _) = session(&rec_bytes, "rec", &library, Device::Cpu, 0).expect("rec session");
    reset_peak_rss();
    let started = Instant::now();
    let input = covenant_vision::ocr::recognition_input(&crops);
    let tensor = TensorRef::from_array_view(input.view()).expect("tensor");
    std::hint::black_box(rec.run(ort::inputs!["x" => tensor]).expect("rec"));
    let former = (crops.len(), started.elapsed().as_secs_f64(), peak_rss_mib());

    macro_rules! out {
        ($($arg:tt)*) => {{
            use std::io::Write as _;
            let _ = writeln!(out, $($arg)*);
        }};
    }
    out!("A flood of pages: 1,200 x 1,600 PNG photos of {LINES} lines of small print each, CPU, one tick each row");
    out!("RSS with the OCR models loaded: {loaded:.0} MiB; budget held to: {BUDGET_MIB:.0} MiB peak");
    out!("");
    out!("| pages offered | region budget | pages read | regions read | seconds | s per page | peak RSS | peak ÷ 7-page peak | within budget |");
    out!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let base = rows[0].5;
    for (offered, budget, read, regions, seconds, peak) in &rows {
        let budget = if *budget == usize::MAX { "none".to_string() } else { budget.to_string() };
        let within = if *peak <= BUDGET_MIB { "yes" } else { "NO" };
        out!(
            "| {offered} | {budget} | {read} | {regions} | {seconds:.1} | {:.2} | {peak:.0} MiB | {:.2}x | {within} |",
            seconds / *read as f64,
            peak / base
        );
    }
    out!("");
    out!(
        "former way, 7 pages: {} regions in one batch padded to the widest: {:.1} s, peak RSS {:.0} MiB ({:.2}x the reader's 7-page peak)",
        former.0,
        former.1,
        former.2,
        former.2 / base
    );
}
