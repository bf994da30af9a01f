//! Reading claim photos for the Covenant keeper: `decode` turns bytes into pixels within limits,
//! `ocr` reads the text in them with PP-OCRv4 in ONNX Runtime, `rule` matches what was read against
//! a bounty's proof rule, and `render` draws the demo's photos. Nothing here touches the chain;
//! the keeper fetches the bytes, checks their hash and decides.

pub mod decode;
pub mod edits;
pub mod fingerprint;
pub mod ocr;
pub mod orient;
pub mod parallel;
mod planes;
mod regions;
pub mod render;
pub mod rule;

pub use decode::{decode, DecodeError, DecodeLimits};
pub use fingerprint::{Fingerprint, Orientation};
pub use ocr::{Layout, Ocr, OcrInfo, TextRegion, DET_MODEL, REC_MODEL};
pub use orient::CLS_MODEL;
pub use rule::{MatchResult, ProofRule};

#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error("{model} does not look like the model the keeper expects: {detail}")]
    Contract { model: &'static str, detail: String },
    #[error("proof reading failed: {0}")]
    Inference(String),
}
pub use image;
