//! The decision model: scores a batch of candidate actions. The contract (inputs, outputs, feature
//! order, metadata) is in keeper/MODEL.md; `onnx` runs it in ONNX Runtime, `reference` recomputes it
//! in plain Rust from the weights file (tests compare the two).

mod onnx;
mod reference;

pub use onnx::{bare_session, session, Device, OnnxModel};
pub use reference::ReferenceMlp;

use sha2::{Digest, Sha256};

/// The contract name in the model's metadata (`covenant.contract`).
pub const CONTRACT: &str = "covenant.candidates.v3";
/// The contract before agents could ask for payments: its first 15 features are v3's first 15,
/// so such a model still scores claims, grant releases, payments and airdrops; an agent's request
/// is then decided by the chain's policy alone (the guard), with no model score.
pub const CONTRACT_V2: &str = "covenant.candidates.v2";
/// How many features a v2 model takes.
pub const FEATURE_COUNT_V2: usize = 15;
/// The first contract, whose claim features were the proof's URI scheme and whether a hash was
/// set: such a model never saw a photo, so this keeper refuses it.
pub const CONTRACT_V1: &str = "covenant.candidates.v1";
pub const INPUT: &str = "features";
pub const OUTPUT_APPROVE: &str = "approve";
pub const OUTPUT_AMOUNT_SCALE: &str = "amount_scale";

/// The feature vector of one candidate, in this order (`covenant.features` in the metadata).
pub const FEATURES: [&str; FEATURE_COUNT] = [
    "kind_claim",
    "kind_grant_release",
    "kind_payment",
    "kind_airdrop",
    "amount_vs_tx_limit",
    "window_used",
    "payee_budget_used",
    "claim_age_days",
    "bounty_fill",
    "due_fraction",
    "proof_read",
    "proof_match",
    "proof_det_confidence",
    "proof_text_regions",
    "proof_megapixels",
    // v3: an agent's payment request.
    "kind_request",
    "request_window_left",
    "request_payee_known",
    "request_payee_budget_left",
    "request_category_inference",
    "request_category_dev",
    "request_agent_recent",
    "request_hour_sin",
    "request_hour_cos",
];
pub const FEATURE_COUNT: usize = 24;

pub type FeatureRow = [f32; FEATURE_COUNT];

/// The model's answer for one candidate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Probability that the action should be taken.
    pub approve: f32,
    /// Multiplier on the requested amount (1 = as requested).
    pub amount_scale: f32,
}

/// Who the model is, as recorded with every decision.
#[derive(Clone, Debug)]
pub struct ModelInfo {
    pub version: String,
    /// SHA-256 of the model file: the `model_hash` of every on-chain decision record.
    pub hash: [u8; 32],
    /// The execution provider actually in use ("CPU", "CUDA", "reference").
    pub provider: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("ONNX Runtime library {path}: {detail} (run scripts/setup-onnxruntime, or pass --ort-lib)")]
    Runtime { path: String, detail: String },
    #[error("model file {path}: {detail}")]
    File { path: String, detail: String },
    #[error("model {path} does not follow contract {CONTRACT}: {detail}")]
    Contract { path: String, detail: String },
    #[error("CUDA was requested but {0}")]
    CudaUnavailable(String),
    #[error("inference failed: {0}")]
    Inference(String),
}

pub trait Model: Send + Sync + 'static {
    fn info(&self) -> &ModelInfo;

    /// Scores every row; one call per keeper tick (batched). A v2 model reads each row's first
    /// `FEATURE_COUNT_V2` features.
    fn score(&self, rows: &[FeatureRow]) -> Result<Vec<Score>, ModelError>;

    /// How many features the model reads: `FEATURE_COUNT` (v3) or `FEATURE_COUNT_V2`.
    fn width(&self) -> usize {
        FEATURE_COUNT
    }

    /// Whether it scores agents' payment requests (contract v3).
    fn scores_requests(&self) -> bool {
        self.width() >= FEATURE_COUNT
    }
}

pub fn file_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
