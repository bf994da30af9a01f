//! Recall of the proof reader on real photos in four orientations, with and without turning photos
//! upright (the direction classifier and quarter turns), and what the turning costs, in one run.
//! `cargo bench -p covenant-keeper --bench ocr_orientation`; BENCHMARKS.md ("Text that is not upright").

mod scenetext;

use std::time::Instant;

use covenant_keeper::config::ProofConfig;
use covenant_keeper::model::Device;
use covenant_keeper::proofs::load_ocr;
use covenant_keeper::setup;

fn main() {
    let mut out = setup::stdout_without_program_logs();
    let library = setup::default_ort_library();
    let load =
        || load_ocr(&ProofConfig::default(), std::path::Path::new("."), &library, Device::Cpu).expect("OCR models");
    let (before, after) = (load().with_orientation(false), load());
    let photos = scenetext::photos();
    macro_rules! out {
        ($($arg:tt)*) => {{
            use std::io::Write as _;
            let _ = writeln!(out, $($arg)*);
        }};
    }
    out!("Recall of the words shown, {} real photos (OpenCV's scene-text samples), CPU", photos.len());
    out!("");
    out!("| photos turned | recall as read | recall turned upright | s per photo as read | s per photo turned upright | time ratio |");
    out!("|---|---:|---:|---:|---:|---:|");
    for quarter_turns in 0..4u8 {
        let started = Instant::now();
        let (plain, _) = scenetext::recall(&before, &photos, quarter_turns);
        let plain_s = started.elapsed().as_secs_f64() / photos.len() as f64;
        let started = Instant::now();
        let (upright, texts) = scenetext::recall(&after, &photos, quarter_turns);
        let upright_s = started.elapsed().as_secs_f64() / photos.len() as f64;
        out!(
            "| {}° | {:.0} % | {:.0} % | {plain_s:.2} | {upright_s:.2} | {:.2}x |",
            90 * u32::from(quarter_turns),
            100.0 * plain,
            100.0 * upright,
            upright_s / plain_s
        );
        if std::env::var_os("COVENANT_BENCH_VERBOSE").is_some() {
            eprintln!("{quarter_turns}: {texts:?}");
        }
    }
}
