//! The default model recomputed without ONNX Runtime: an MLP (24 features, or a v2 model's 15 ->
//! hidden -> 1) read from the weights file that `make_default_model.py` writes next to the `.onnx`.
//! Tests check ort's outputs against it.

use std::path::Path;

use serde::Deserialize;

use super::{file_hash, FeatureRow, Model, ModelError, ModelInfo, Score, FEATURE_COUNT, FEATURE_COUNT_V2};

#[derive(Deserialize)]
struct Weights {
    model_version: String,
    w1: Vec<Vec<f32>>,
    b1: Vec<f32>,
    w2: Vec<Vec<f32>>,
    b2: Vec<f32>,
    scale_w: Vec<Vec<f32>>,
    scale_b: Vec<f32>,
}

pub struct ReferenceMlp {
    weights: Weights,
    info: ModelInfo,
}

impl ReferenceMlp {
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path)
            .map_err(|error| ModelError::File { path: path.display().to_string(), detail: error.to_string() })?;
        Self::parse(&bytes, &path.display().to_string())
    }

    /// Weights already in memory; `label` names them in errors.
    pub fn parse(bytes: &[u8], label: &str) -> Result<Self, ModelError> {
        let file_error = |detail: String| ModelError::File { path: label.to_string(), detail };
        let weights: Weights = serde_json::from_slice(bytes).map_err(|error| file_error(error.to_string()))?;
        let hidden = weights.b1.len();
        let width = weights.w1.len();
        let shapes_agree = (width == FEATURE_COUNT || width == FEATURE_COUNT_V2)
            && weights.w1.iter().all(|row| row.len() == hidden)
            && weights.w2.len() == hidden
            && weights.w2.iter().all(|row| row.len() == 1)
            && weights.b2.len() == 1
            && weights.scale_w.len() == width
            && weights.scale_b.len() == 1;
        if !shapes_agree {
            return Err(file_error("weight shapes do not match a 24 (or 15) -> hidden -> 1 MLP".into()));
        }
        let info =
            ModelInfo { version: weights.model_version.clone(), hash: file_hash(bytes), provider: "reference".into() };
        Ok(Self { weights, info })
    }

    fn score_row(&self, row: &FeatureRow) -> Score {
        let w = &self.weights;
        let mut logit = w.b2[0];
        for (unit, bias) in w.b1.iter().enumerate() {
            let pre: f32 = row.iter().zip(&w.w1).map(|(x, weights)| x * weights[unit]).sum::<f32>() + bias;
            logit += pre.max(0.0) * w.w2[unit][0];
        }
        let scale: f32 = row.iter().zip(&w.scale_w).map(|(x, weights)| x * weights[0]).sum::<f32>() + w.scale_b[0];
        Score { approve: 1.0 / (1.0 + (-logit).exp()), amount_scale: scale }
    }
}

impl Model for ReferenceMlp {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn score(&self, rows: &[FeatureRow]) -> Result<Vec<Score>, ModelError> {
        Ok(rows.iter().map(|row| self.score_row(row)).collect())
    }

    fn width(&self) -> usize {
        self.weights.w1.len()
    }
}
