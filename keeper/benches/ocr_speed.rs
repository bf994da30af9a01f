//! The proof reader against RapidOCR, side by side in one run, on the same seven real photos (six
//! of OpenCV's street photos and scikit-image's page) with the same models and ONNX Runtime 1.31.1:
//! the keeper one photo per call, and all seven in one call as a tick reads them; RapidOCR from the
//! wheel the models come from (`keeper/benches/reference_ocr.py`, in the environment that
//! `scripts/setup-rapidocr-reference` makes). `cargo bench -p covenant-keeper --bench ocr_speed`;
//! BENCHMARKS.md ("The reader against RapidOCR").

use std::process::Command;
use std::time::Instant;

use covenant_keeper::config::ProofConfig;
use covenant_keeper::model::Device;
use covenant_keeper::proofs::load_ocr;
use covenant_keeper::setup;
use covenant_vision::{decode, DecodeLimits};

const ROUNDS: usize = 5;

fn best(rounds: usize, mut run: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let mut out = setup::stdout_without_program_logs();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths: Vec<std::path::PathBuf> = (1..=6)
        .map(|n| root.join(format!("tests/fixtures/scenetext/scenetext0{n}.jpg")))
        .chain([root.join("tests/fixtures/skimage-page.png")])
        .collect();
    let photos: Vec<_> = paths
        .iter()
        .map(|path| decode(&std::fs::read(path).expect("photo"), DecodeLimits::default()).expect("decodes"))
        .collect();
    let library = setup::default_ort_library();
    let ocr = load_ocr(&ProofConfig::default(), root, &library, Device::Cpu).expect("OCR models");
    ocr.read(&photos, 1).expect("warm-up");

    let python = std::env::var("COVENANT_RAPIDOCR_PYTHON").unwrap_or_else(|_| {
        let made = Command::new(root.join("../scripts/setup-rapidocr-reference")).output().expect("setup runs");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        String::from_utf8_lossy(&made.stdout).trim().to_string()
    });
    let reference = || {
        let output = Command::new(&python)
            .arg(root.join("benches/reference_ocr.py"))
            .arg(ROUNDS.to_string())
            .args(&paths)
            .output()
            .expect("reference runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout).expect("reference JSON");
        let seconds: Vec<f64> =
            answer["seconds"].as_array().expect("seconds").iter().filter_map(serde_json::Value::as_f64).collect();
        seconds.iter().sum::<f64>() / seconds.len() as f64
    };

    // Alternating sides, so drift on a shared machine hits both.
    let (mut alone, mut tick, mut rapid) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..2 {
        alone = alone.min(
            photos
                .iter()
                .map(|photo| best(ROUNDS, || drop(ocr.read(std::slice::from_ref(photo), 1).expect("reads"))))
                .sum::<f64>()
                / photos.len() as f64,
        );
        tick = tick.min(best(ROUNDS, || drop(ocr.read(&photos, 1).expect("reads"))) / photos.len() as f64);
        rapid = rapid.min(reference());
    }
    macro_rules! out {
        ($($arg:tt)*) => {{
            use std::io::Write as _;
            let _ = writeln!(out, $($arg)*);
        }};
    }
    out!("{} real photos, CPU, best of {ROUNDS} per side and photo, two alternating passes", photos.len());
    out!("");
    out!("| how the photos are read | keeper per image | RapidOCR per image | keeper ÷ RapidOCR |");
    out!("|---|---:|---:|---:|");
    out!("| one photo per call | {alone:.3} s | {rapid:.3} s | {:.2}x |", alone / rapid);
    out!("| {} photos in one call (how a tick reads) | {tick:.3} s | – | {:.2}x |", photos.len(), tick / rapid);
}
