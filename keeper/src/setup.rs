//! Turning operator inputs (paths, keys, model, cluster) into working parts, each with one clear
//! error that names the input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;

use crate::chain::{RpcChain, RpcSettings};
use crate::config::KeeperConfig;
use crate::model::{Device, OnnxModel};

pub const ORT_VERSION: &str = "1.31.1";

#[derive(Debug, thiserror::Error)]
#[error("keypair file {path}: {detail}")]
pub struct KeypairError {
    path: String,
    detail: String,
}

/// Reads a keypair in the Solana CLI format: a JSON array of the 64 secret-key bytes.
pub fn read_keypair(path: &Path) -> Result<Keypair, KeypairError> {
    let error = |detail: String| KeypairError { path: path.display().to_string(), detail };
    let text = std::fs::read_to_string(path).map_err(|io| error(io.to_string()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|_| error("not a Solana CLI keypair (expected a JSON array of 64 numbers 0-255)".into()))?;
    if bytes.len() != 64 {
        return Err(error(format!("not a Solana CLI keypair (has {} bytes, expected 64)", bytes.len())));
    }
    Keypair::try_from(bytes.as_slice()).map_err(|_| error("the 64 bytes are not a valid ed25519 keypair".into()))
}

/// Writes a keypair in the Solana CLI format (owner-only permissions).
pub fn write_keypair(keypair: &Keypair, path: &Path) -> std::io::Result<()> {
    let text = serde_json::to_string(&keypair.to_bytes().to_vec()).map_err(std::io::Error::other)?;
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Where `scripts/setup-onnxruntime` puts the library.
pub fn default_ort_library() -> PathBuf {
    let dir = std::env::var_os("COVENANT_ORT_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/covenant").join(format!("onnxruntime-{ORT_VERSION}"))
    });
    dir.join("libonnxruntime.so")
}

/// The model shipped with the keeper, built into the binary (no path to go stale or missing).
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../model/default.onnx");
pub const DEFAULT_MODEL_LABEL: &str = "the built-in default model (keeper/model/default.onnx)";
/// Its weights, for recomputing it without ONNX Runtime.
pub const DEFAULT_WEIGHTS: &[u8] = include_bytes!("../model/default.weights.json");

/// Resolves a path from the config file relative to the file's directory.
pub fn relative_to(config_path: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    config_path.parent().map_or_else(|| path.to_path_buf(), |dir| dir.join(path))
}

/// `model`: a file, or `None` for the built-in default.
pub fn load_model(
    model: Option<&Path>,
    library: &Path,
    device: Device,
) -> Result<Arc<OnnxModel>, crate::model::ModelError> {
    match model {
        Some(path) => OnnxModel::load(path, library, device),
        None => OnnxModel::from_bytes(DEFAULT_MODEL, DEFAULT_MODEL_LABEL, library, device),
    }
    .map(Arc::new)
}

pub fn rpc_chain(url: &str, commitment: CommitmentConfig, config: &KeeperConfig) -> RpcChain {
    RpcChain::new(&RpcSettings::new(url, Duration::from_secs(config.cluster.timeout_seconds.max(1)), commitment))
}

/// Where the sandbox's story goes: the real stdout. Natively built, the program's `msg!` lines
/// print to stdout too (on chain they go to the transaction log), so fd 1 is pointed at /dev/null
/// and the story keeps a duplicate of the original.
pub fn stdout_without_program_logs() -> Box<dyn std::io::Write> {
    match detach_stdout() {
        Some(file) => Box::new(std::io::LineWriter::new(file)),
        None => Box::new(std::io::stdout()),
    }
}

/// The original stdout as a file of its own, with fd 1 pointed at /dev/null: a protocol on stdout
/// (MCP over stdio) then carries only its own messages, whatever else in the process prints.
pub fn detach_stdout() -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::fd::FromRawFd;
        let _ = std::io::stdout().flush();
        // SAFETY: plain descriptor duplication on descriptors this process owns.
        unsafe {
            let saved = libc::dup(1);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if saved >= 0 && null >= 0 && libc::dup2(null, 1) >= 0 {
                libc::close(null);
                return Some(std::fs::File::from_raw_fd(saved));
            }
        }
    }
    None
}
