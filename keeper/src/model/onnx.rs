//! The model in ONNX Runtime (ort, `load-dynamic`): the runtime library is loaded once per process
//! from an explicit path, the model's contract is checked on load, and the execution provider that
//! is really in use is reported (ort would otherwise fall back to CPU silently).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ndarray::Array2;
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use super::{
    file_hash, FeatureRow, Model, ModelError, ModelInfo, Score, CONTRACT, CONTRACT_V1, CONTRACT_V2, FEATURES,
    FEATURE_COUNT, FEATURE_COUNT_V2, INPUT, OUTPUT_AMOUNT_SCALE, OUTPUT_APPROVE,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// CUDA when this build and machine have it, CPU otherwise.
    Auto,
    Cpu,
    /// CUDA or an error.
    Cuda,
}

/// ONNX Runtime allows one environment per process; it is bound to the first library loaded.
static RUNTIME: OnceLock<Result<(PathBuf, Environment), String>> = OnceLock::new();

fn runtime(library: &Path) -> Result<&'static Environment, ModelError> {
    let runtime_error = |detail: String| ModelError::Runtime { path: library.display().to_string(), detail };
    if !library.is_file() {
        return Err(runtime_error("no such file".into()));
    }
    let loaded = RUNTIME.get_or_init(|| {
        let builder = ort::init_from(library).map_err(|error| error.to_string())?;
        let environment = builder.with_name("covenant-keeper").build().map_err(|error| error.to_string())?;
        Ok((library.to_path_buf(), environment))
    });
    match loaded {
        Ok((path, environment)) if path == library => Ok(environment),
        Ok((path, _)) => Err(runtime_error(format!("this process already loaded {}", path.display()))),
        Err(detail) => Err(runtime_error(detail.clone())),
    }
}

pub struct OnnxModel {
    session: Mutex<Session>,
    info: ModelInfo,
    /// Features the model reads (v3: all of them; v2: the first 15).
    width: usize,
}

impl OnnxModel {
    pub fn load(model_path: &Path, library: &Path, device: Device) -> Result<Self, ModelError> {
        let path = model_path.display().to_string();
        let bytes = std::fs::read(model_path)
            .map_err(|error| ModelError::File { path: path.clone(), detail: error.to_string() })?;
        Self::from_bytes(&bytes, &path, library, device)
    }

    /// A model already in memory; `label` names it in errors and logs.
    pub fn from_bytes(bytes: &[u8], label: &str, library: &Path, device: Device) -> Result<Self, ModelError> {
        let path = label.to_string();
        let environment = runtime(library)?;
        let (session, provider) = build_session(environment, bytes, device, 1)
            .map_err(|detail| ModelError::File { path: path.clone(), detail })?;
        let (version, width) =
            check_contract(&session).map_err(|detail| ModelError::Contract { path: path.clone(), detail })?;
        let provider = provider?;
        tracing::info!(model = %path, version = %version, provider = %provider, requested = ?device, width, "inference provider");
        let info = ModelInfo { version, hash: file_hash(bytes), provider };
        Ok(Self { session: Mutex::new(session), info, width })
    }
}

/// A bare CPU session with the keeper's settings and nothing around it: the floor that benchmarks
/// compare the keeper's own work against.
pub fn bare_session(bytes: &[u8], library: &Path, threads: usize) -> Result<Session, ModelError> {
    let environment = runtime(library)?;
    let (session, _) = build_session(environment, bytes, Device::Cpu, threads)
        .map_err(|detail| ModelError::File { path: "bare session".into(), detail })?;
    Ok(session)
}

/// A session for one of the keeper's other models (the proof reader's), on `device`, with
/// `threads` intra-op threads (0: ONNX Runtime's default, one per core). Returns the provider in use.
pub fn session(
    bytes: &[u8],
    label: &str,
    library: &Path,
    device: Device,
    threads: usize,
) -> Result<(Session, String), ModelError> {
    let environment = runtime(library)?;
    let (session, provider) = build_session(environment, bytes, device, threads)
        .map_err(|detail| ModelError::File { path: label.to_string(), detail })?;
    Ok((session, provider?))
}

/// Builds the session on the provider `device` asks for. The outer error is the model file's; the
/// inner one (the provider) is reported after the contract check, so a bad file is named first.
fn build_session(
    environment: &Environment,
    bytes: &[u8],
    device: Device,
    threads: usize,
) -> Result<(Session, Result<String, ModelError>), String> {
    let cpu = || -> ort::Result<Session> {
        let builder = Session::builder(environment)?.with_optimization_level(GraphOptimizationLevel::All)?;
        let mut builder = if threads > 0 { builder.with_intra_threads(threads)? } else { builder };
        builder.commit_from_memory(bytes)
    };
    match device {
        Device::Cpu => Ok((cpu().map_err(|error| error.to_string())?, Ok("CPU".into()))),
        Device::Cuda | Device::Auto => match cuda_session(environment, bytes) {
            Ok(session) => Ok((session, Ok("CUDA".into()))),
            Err(reason) => {
                let session = cpu().map_err(|error| error.to_string())?;
                if device == Device::Cuda {
                    Ok((session, Err(ModelError::CudaUnavailable(reason))))
                } else {
                    tracing::info!(%reason, "CUDA not used; running on CPU");
                    Ok((session, Ok("CPU".into())))
                }
            }
        },
    }
}

#[cfg(feature = "cuda")]
fn cuda_session(environment: &Environment, bytes: &[u8]) -> Result<Session, String> {
    let cuda = ort::ep::CUDA::default().build().error_on_failure();
    Session::builder(environment)
        .map_err(|error| error.to_string())?
        .with_execution_providers([cuda])
        .map_err(|error| error.to_string())?
        .commit_from_memory(bytes)
        .map_err(|error| error.to_string())
}

#[cfg(not(feature = "cuda"))]
fn cuda_session(_environment: &Environment, _bytes: &[u8]) -> Result<Session, String> {
    Err("this keeper was built without the `cuda` feature".into())
}

/// Checks names, types, shapes and metadata against the contract (v3, or v2 which reads the first
/// 15 features); returns the model's version and width.
fn check_contract(session: &Session) -> Result<(String, usize), String> {
    // The contract name first: a model written for another contract is named as such, not by the
    // first shape that happens to differ.
    let metadata = session.metadata().map_err(|error| error.to_string())?;
    let contract = metadata.custom("covenant.contract").unwrap_or_default();
    if contract == CONTRACT_V1 {
        return Err(format!(
            "it follows {CONTRACT_V1}, which never sees the claim's photo; this keeper needs {CONTRACT} (keeper/MODEL.md; rebuild with keeper/model/make_default_model.py)"
        ));
    }
    let width = match contract.as_str() {
        CONTRACT => FEATURE_COUNT,
        CONTRACT_V2 => FEATURE_COUNT_V2,
        _ => return Err(format!("metadata covenant.contract is {contract:?}")),
    };
    let inputs = session.inputs();
    let [input] = inputs else {
        return Err(format!("expected one input `{INPUT}`, found {}", inputs.len()));
    };
    expect_float_matrix(input.name(), input.dtype(), INPUT, Some(width))?;
    for expected in [OUTPUT_APPROVE, OUTPUT_AMOUNT_SCALE] {
        let output = session
            .outputs()
            .iter()
            .find(|output| output.name() == expected)
            .ok_or_else(|| format!("no output named `{expected}`"))?;
        expect_float_matrix(output.name(), output.dtype(), expected, Some(1))?;
    }
    let features = metadata.custom("covenant.features").unwrap_or_default();
    let expected = FEATURES[..width].join(",");
    if features != expected {
        return Err(format!("metadata covenant.features is {features:?}, expected {expected:?}"));
    }
    let version = metadata.custom("covenant.model_version").ok_or("metadata covenant.model_version is missing")?;
    Ok((version, width))
}

fn expect_float_matrix(name: &str, dtype: &ValueType, expected: &str, columns: Option<usize>) -> Result<(), String> {
    if name != expected {
        return Err(format!("expected `{expected}`, found `{name}`"));
    }
    let ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } = dtype else {
        return Err(format!("`{name}` must be a float32 tensor, is {dtype:?}"));
    };
    let expected_columns = columns.and_then(|columns| i64::try_from(columns).ok());
    if shape.len() != 2 || (expected_columns.is_some() && shape.get(1).copied() != expected_columns) {
        return Err(format!("`{name}` must have shape [batch, {}], has {shape:?}", columns.unwrap_or(0)));
    }
    Ok(())
}

impl Model for OnnxModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn score(&self, rows: &[FeatureRow]) -> Result<Vec<Score>, ModelError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let inference = |error: ort::Error| ModelError::Inference(error.to_string());
        let flat: Vec<f32> = rows.iter().flat_map(|row| row[..self.width].iter().copied()).collect();
        let batch = Array2::from_shape_vec((rows.len(), self.width), flat)
            .map_err(|error| ModelError::Inference(error.to_string()))?;
        let mut session = self.session.lock().map_err(|_| ModelError::Inference("session lock poisoned".into()))?;
        let input = TensorRef::from_array_view(batch.view()).map_err(inference)?;
        let outputs = session.run(ort::inputs![INPUT => input]).map_err(inference)?;
        let column = |name: &str| -> Result<Vec<f32>, ModelError> {
            let value = outputs.get(name).ok_or_else(|| ModelError::Inference(format!("no output `{name}`")))?;
            let array = value.try_extract_array::<f32>().map_err(inference)?;
            let values: Vec<f32> = array.iter().copied().collect();
            if values.len() == rows.len() {
                Ok(values)
            } else {
                Err(ModelError::Inference(format!("`{name}` has {} values for {} rows", values.len(), rows.len())))
            }
        };
        let approve = column(OUTPUT_APPROVE)?;
        let scale = column(OUTPUT_AMOUNT_SCALE)?;
        Ok(approve.into_iter().zip(scale).map(|(approve, amount_scale)| Score { approve, amount_scale }).collect())
    }

    fn width(&self) -> usize {
        self.width
    }
}
