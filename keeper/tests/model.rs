//! The model: ONNX Runtime's outputs against a reference computed without it (same weights, plain
//! Rust, and numpy's own outputs from the generator), and the contract check on load.

mod common;

use std::path::Path;

use covenant_keeper::model::{Device, Model, ModelError, OnnxModel, ReferenceMlp, FEATURE_COUNT};
use covenant_keeper::setup;

/// The generator's output for a model that does not follow the contract (compiled in, so the test
/// never depends on where the checkout lives).
const WRONG_CONTRACT: &[u8] = include_bytes!("fixtures/wrong_contract.onnx");
/// The keeper's first default model (contract v1: it never saw a photo).
const V1_MODEL: &[u8] = include_bytes!("fixtures/v1_default.onnx");

/// Deterministic pseudo-random rows in the ranges the keeper produces.
fn rows(count: usize) -> Vec<[f32; FEATURE_COUNT]> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..count)
        .map(|_| {
            let mut row = [0.0; FEATURE_COUNT];
            for value in row.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *value = (state % 10_000) as f32 / 5_000.0;
            }
            row
        })
        .collect()
}

#[test]
fn onnx_runtime_agrees_with_the_reference_computation() {
    let onnx = common::default_model();
    let reference = ReferenceMlp::parse(setup::DEFAULT_WEIGHTS, "default weights").expect("weights load");
    let batch = rows(256);
    let from_ort = onnx.score(&batch).expect("ort runs");
    let from_reference = reference.score(&batch).expect("reference runs");
    assert_eq!(from_ort.len(), 256);
    for (ort, reference) in from_ort.iter().zip(&from_reference) {
        assert!((ort.approve - reference.approve).abs() < 1e-5, "{ort:?} vs {reference:?}");
        assert_eq!(ort.amount_scale, reference.amount_scale);
    }
    // Both distinguish: the batch has confident yeses and noes, not a constant.
    assert!(from_ort.iter().any(|s| s.approve > 0.9) && from_ort.iter().any(|s| s.approve < 0.1));
    // Batch of one = the same row inside a batch.
    let single = onnx.score(&batch[..1]).unwrap();
    assert!((single[0].approve - from_ort[0].approve).abs() < 1e-6);
}

#[test]
fn onnx_runtime_agrees_with_numpy_on_the_generators_probe_rows() {
    let weights: serde_json::Value = serde_json::from_slice(setup::DEFAULT_WEIGHTS).unwrap();
    let probe: Vec<[f32; FEATURE_COUNT]> = serde_json::from_value(weights["probe_inputs"].clone()).unwrap();
    let expected: Vec<f32> = serde_json::from_value(weights["probe_approve_numpy"].clone()).unwrap();
    let scores = common::default_model().score(&probe).unwrap();
    for (score, numpy) in scores.iter().zip(&expected) {
        assert!((score.approve - numpy).abs() < 1e-5, "ort {} vs numpy {numpy}", score.approve);
    }
}

/// The hour of day is an input, never a reason: requests the rule decides with room to spare (an
/// agent's bounty or small tip to no known payee, payments to known payees with and without
/// budgets, too much for either) go the rule's way at every half hour of the day, by a margin.
/// The same cases as `clear_requests` in `make_default_model.py`.
#[test]
fn clear_requests_go_the_rules_way_at_every_hour() {
    // amount / per-tx max, window used, payee known, its budget left after (1: none), category
    // (0 inference, 1 dev, 2 other), approve.
    let cases = [
        (0.05, 0.0, false, 1.0, 2, true),
        (0.15, 0.0, false, 1.0, 2, true),
        (0.2, 0.0, false, 1.0, 2, true),
        (0.2, 0.3, false, 1.0, 2, true),
        (0.5, 0.0, false, 1.0, 2, false),
        (0.9, 0.0, false, 1.0, 2, false),
        (0.05, 0.0, true, 1.0, 0, true),
        (0.5, 0.0, true, 1.0, 1, true),
        (0.9, 0.0, true, 1.0, 2, true),
        (0.9, 0.02, true, 0.4, 1, true),
        (0.7, 0.3, true, 0.3, 0, true),
        (0.5, 0.2, true, -0.3, 1, false),
        (1.5, 0.0, true, 1.0, 1, false),
        (0.6, 0.9, true, 1.0, 0, false),
    ];
    let model = common::default_model();
    for (amount, used, known, budget_left, category, approve) in cases {
        let rows: Vec<[f32; FEATURE_COUNT]> = (0..48)
            .map(|half_hour| {
                let angle = half_hour as f32 / 48.0 * std::f32::consts::TAU;
                let mut row = [0.0; FEATURE_COUNT];
                // A 2-unit per-tx max under a 5-unit window cap.
                let window_left = 1.0 - used - amount * 2.0 / 5.0;
                let values =
                    [amount, used, 1.0, window_left, f32::from(known), budget_left, 0.02, angle.sin(), angle.cos()];
                for (index, value) in [4, 5, 15, 16, 17, 18, 21, 22, 23].into_iter().zip(values) {
                    row[index] = value;
                }
                row[19] = f32::from(known && category == 0);
                row[20] = f32::from(known && category == 1);
                row
            })
            .collect();
        for (half_hour, score) in model.score(&rows).unwrap().into_iter().enumerate() {
            let margin = if approve { score.approve - 0.5 } else { 0.5 - score.approve };
            assert!(
                margin > 0.2,
                "amount {amount}, window used {used}, payee known {known} (budget left {budget_left}) at {:02}:{:02} UTC scores {}",
                half_hour / 2,
                half_hour % 2 * 30,
                score.approve
            );
        }
    }
}

#[test]
fn the_default_model_reports_its_hash_version_and_provider() {
    let model = common::default_model();
    assert_eq!(model.info().hash, covenant_keeper::model::file_hash(setup::DEFAULT_MODEL));
    assert_eq!(model.info().version, "default-3");
    assert!(model.scores_requests(), "contract v3");
    assert_eq!(model.info().provider, "CPU");
}

fn load(path: &Path, device: Device) -> Result<OnnxModel, ModelError> {
    OnnxModel::load(path, &setup::default_ort_library(), device)
}

#[test]
fn models_that_break_the_contract_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("wrong_contract.onnx");
    std::fs::write(&fixture, WRONG_CONTRACT).unwrap();
    let error = load(&fixture, Device::Cpu).err().expect("refused");
    assert!(matches!(error, ModelError::Contract { .. }), "{error}");
    assert!(error.to_string().contains("someone-elses.v9"), "{error}");

    let v1 = dir.path().join("v1.onnx");
    std::fs::write(&v1, V1_MODEL).unwrap();
    let error = load(&v1, Device::Cpu).err().expect("a v1 model is refused");
    let text = error.to_string();
    assert!(text.contains("covenant.candidates.v1") && text.contains("covenant.candidates.v3"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");

    let garbage = dir.path().join("garbage.onnx");
    std::fs::write(&garbage, b"not a model").unwrap();
    let error = load(&garbage, Device::Cpu).err().expect("refused");
    assert!(matches!(error, ModelError::File { .. }), "{error}");

    let error = load(&dir.path().join("missing.onnx"), Device::Cpu).err().expect("refused");
    assert!(error.to_string().contains("missing.onnx"), "{error}");
}

#[cfg(not(feature = "cuda"))]
#[test]
fn cuda_asked_for_explicitly_is_an_error_and_auto_falls_back_to_cpu() {
    let library = setup::default_ort_library();
    let error = OnnxModel::from_bytes(setup::DEFAULT_MODEL, "default", &library, Device::Cuda).err().expect("no CUDA");
    assert!(matches!(error, ModelError::CudaUnavailable(_)), "{error}");
    let auto = OnnxModel::from_bytes(setup::DEFAULT_MODEL, "default", &library, Device::Auto).expect("auto works");
    assert_eq!(auto.info().provider, "CPU");
}

#[test]
fn a_v2_model_still_scores_what_it_knows_and_leaves_requests_to_the_guard() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.onnx");
    std::fs::write(&path, include_bytes!("fixtures/v2_default.onnx")).unwrap();
    let v2 = load(&path, Device::Cpu).expect("a v2 model loads");
    assert_eq!((v2.width(), v2.scores_requests()), (covenant_keeper::model::FEATURE_COUNT_V2, false));
    // It reads the first 15 features: what follows them changes nothing.
    let mut rows = rows(8);
    let before = v2.score(&rows).expect("scores");
    for row in &mut rows {
        row[FEATURE_COUNT - 1] = 0.9;
        row[15] = 1.0;
    }
    assert_eq!(v2.score(&rows).expect("scores"), before);
}
