//! Published decision records: every decision-log line the keeper acts on, as
//! `<decision hash>.json` in a directory an operator can sync to IPFS or object storage, and served
//! at `GET /decisions/<hash>` beside the metrics. A record is its own proof: its `input` hashes to
//! its name and to the decision hash the chain recorded (`check`), and `verify` re-runs the model
//! on its features. Claim photos, where a bounty's operator allows it, are kept as
//! `photos/<sha256>` (served at `GET /photos/<sha256>`), and `verify` reads them again (`photo`).

pub mod chain;
pub mod photo;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[error("decision records {path}: {detail}")]
pub struct RecordsError {
    path: String,
    detail: String,
}

pub struct Records {
    dir: PathBuf,
}

impl Records {
    /// The directory (laid out as it is served: `decisions/<hash>.json`, `models/<hash>.onnx`,
    /// `photos/<sha256>`), created when missing.
    pub fn open(dir: &Path) -> Result<Self, RecordsError> {
        for sub in ["decisions", "models", "photos"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path)
                .map_err(|error| RecordsError { path: path.display().to_string(), detail: error.to_string() })?;
        }
        Ok(Self { dir: dir.to_path_buf() })
    }

    /// Publishes the decision model's file under its SHA-256 (the `model_hash` every record names),
    /// so that anyone, a browser included, can run it again on a record's features.
    pub fn publish_model(&self, bytes: &[u8]) -> Result<(), RecordsError> {
        use sha2::Digest;
        let path = self.dir.join("models").join(format!("{}.onnx", hex::encode(sha2::Sha256::digest(bytes))));
        write(&path, bytes)
    }

    /// Where the published model of `hash` lives; `None` unless `hash` is 64 lowercase hex digits.
    pub fn model_path(&self, hash: &str) -> Option<PathBuf> {
        is_hash(hash).then(|| self.dir.join("models").join(format!("{hash}.onnx")))
    }

    /// Where the published claim photo with SHA-256 `hash` lives; `None` unless `hash` is 64
    /// lowercase hex digits.
    pub fn photo_path(&self, hash: &str) -> Option<PathBuf> {
        is_hash(hash).then(|| self.dir.join("photos").join(hash))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `line` under its decision hash (once; a record never changes; `files::write_once`).
    pub fn publish(&self, line: &Value) -> Result<(), RecordsError> {
        let Some(path) = line["decision_hash"].as_str().and_then(|hash| self.path_of(hash)) else {
            return Ok(());
        };
        write(&path, &serde_json::to_vec(line).unwrap_or_default())
    }

    /// Where the record of `hash` lives; `None` unless `hash` is 64 lowercase hex digits (so no
    /// request can name any other file).
    pub fn path_of(&self, hash: &str) -> Option<PathBuf> {
        is_hash(hash).then(|| self.dir.join("decisions").join(format!("{hash}.json")))
    }

    pub fn read(&self, hash: &str) -> Option<Value> {
        let bytes = std::fs::read(self.path_of(hash)?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), RecordsError> {
    crate::files::write_once(path, bytes)
        .map_err(|error| RecordsError { path: path.display().to_string(), detail: error.to_string() })
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// SHA-256 of a decision's `input` as compact JSON with sorted keys (serde_json's `Value` order):
/// what goes on chain in the decision record, and what anyone holding the line can recompute.
pub fn decision_hash(input: &Value) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(serde_json::to_vec(input).unwrap_or_default()).into()
}

/// What a record says about itself: its decision hash, recomputed from its `input`, and whether
/// that is the hash it names.
pub fn check(record: &Value) -> Result<[u8; 32], String> {
    let input = record.get("input").ok_or("the record has no input")?;
    let computed = decision_hash(input);
    let named = record["decision_hash"].as_str().ok_or("the record names no decision hash")?;
    if hex::encode(computed) != named {
        return Err(format!("its input hashes to {}, not to the {named} it names", hex::encode(computed)));
    }
    Ok(computed)
}

/// `GET /decisions/<hash>` (or `<hash>.json`, the name a synced directory serves): the record as JSON, 404 when there is none, 400 for a malformed hash.
pub fn router(records: Arc<Records>) -> axum::Router {
    use axum::extract::Path as UrlPath;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    // Any page may read them (the donor app fetches them from wherever it is served).
    let serve = |path: Option<PathBuf>, content_type: &'static str, what: &'static str| async move {
        let Some(path) = path else {
            return (StatusCode::BAD_REQUEST, "a hash is 64 lowercase hex digits\n").into_response();
        };
        let headers = [(header::CONTENT_TYPE, content_type), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")];
        match tokio::fs::read(path).await {
            Ok(bytes) => (headers, bytes).into_response(),
            Err(_) => (StatusCode::NOT_FOUND, what).into_response(),
        }
    };
    let (models, photos) = (records.clone(), records.clone());
    axum::Router::new()
        .route(
            "/decisions/{hash}",
            axum::routing::get(move |UrlPath(hash): UrlPath<String>| {
                let path = records.path_of(hash.trim_end_matches(".json"));
                serve(path, "application/json", "no such decision record\n")
            }),
        )
        .route(
            "/models/{hash}",
            axum::routing::get(move |UrlPath(hash): UrlPath<String>| {
                let path = models.model_path(hash.trim_end_matches(".onnx"));
                serve(path, "application/octet-stream", "no such model\n")
            }),
        )
        .route(
            "/photos/{hash}",
            axum::routing::get(move |UrlPath(hash): UrlPath<String>| async move {
                let path = photos.photo_path(&hash);
                let kind = match &path {
                    Some(path) => image_type(path).await,
                    None => "application/octet-stream",
                };
                serve(path, kind, "no such photo\n").await
            }),
        )
}

/// The media type of a published photo, from its first bytes (photos are named by hash alone).
async fn image_type(path: &Path) -> &'static str {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 16];
    let read = match tokio::fs::File::open(path).await {
        Ok(mut file) => file.read(&mut head).await.unwrap_or(0),
        Err(_) => 0,
    };
    covenant_vision::image::guess_format(&head[..read])
        .map_or("application/octet-stream", |format| format.to_mime_type())
}

/// The record of `hash` from a directory or a keeper's URL (`from`), else the config's records.
pub async fn fetch(hash: &str, from: Option<&str>, config: &crate::config::KeeperConfig) -> anyhow::Result<Value> {
    let hash = hash.trim().to_ascii_lowercase();
    match from {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            let url = format!("{}/decisions/{hash}.json", url.trim_end_matches('/'));
            let response = reqwest::get(&url).await.map_err(|error| anyhow::anyhow!("cannot reach {url}: {error}"))?;
            if !response.status().is_success() {
                anyhow::bail!("{url} answered {}", response.status());
            }
            response.json().await.map_err(|error| anyhow::anyhow!("{url}: not a decision record: {error}"))
        }
        _ => {
            let dir = from.map_or_else(|| config.run.records_dir(), PathBuf::from);
            let records = Records { dir: dir.clone() };
            let path = records
                .path_of(&hash)
                .ok_or_else(|| anyhow::anyhow!("{hash:?} is not a decision hash (64 hex digits)"))?;
            let bytes =
                std::fs::read(&path).map_err(|error| anyhow::anyhow!("decision record {}: {error}", path.display()))?;
            serde_json::from_slice(&bytes)
                .map_err(|error| anyhow::anyhow!("decision record {}: {error}", path.display()))
        }
    }
}

/// `verify`: the record's hash, then its score again with `model` when the record names that
/// model. Err (one line) when the record does not hold up.
pub fn verify(record: &Value, model: &dyn crate::model::Model) -> anyhow::Result<(String, Value)> {
    let hash = hex::encode(check(record).map_err(|error| anyhow::anyhow!("the record does not hold up: {error}"))?);
    let input = &record["input"];
    let mut lines = vec![format!("decision {hash}: its input hashes to it")];
    let named_model = input["model_hash"].as_str().unwrap_or_default();
    let ours = hex::encode(model.info().hash);
    let logged = input["approve"].as_f64().map(|approve| approve as f32);
    let rescored = if named_model != ours {
        lines.push(format!("made by model {named_model}; this keeper has {ours}: pass --model to re-run it"));
        None
    } else if let Some(logged) = logged {
        let features: Vec<f32> = input["features"]
            .as_array()
            .map(|values| values.iter().filter_map(Value::as_f64).map(|v| v as f32).collect())
            .unwrap_or_default();
        let mut row: crate::model::FeatureRow = [0.0; crate::model::FEATURE_COUNT];
        if features.len() != row.len() {
            anyhow::bail!("the record has {} features; model {ours} reads {}", features.len(), row.len());
        }
        row.copy_from_slice(&features);
        let score = model.score(&[row])?.into_iter().next().map(|score| score.approve);
        if score.map(f32::to_bits) != Some(logged.to_bits()) {
            anyhow::bail!("model {ours} scores the record's features {score:?}, not the {logged} it logged");
        }
        lines.push(format!("model {ours}, run again on its features, scores {logged} as logged"));
        Some(logged)
    } else {
        lines.push("decided by rule, not scored: nothing to re-run".into());
        None
    };
    let json = serde_json::json!({
        "decision_hash": hash,
        "hash_holds": true,
        "model_hash": named_model,
        "model_matches": named_model == ours,
        "approve": rescored,
        "reproduced": rescored.is_some(),
        "outcome": record["outcome"],
    });
    Ok((lines.join("\n"), json))
}

/// `verify`, and for a claim's decision its photo read again (`photo::reread`). `source` is where
/// the record came from (a records URL or directory); `base` resolves the config's paths.
pub async fn verify_with_photo(
    record: &Value,
    source: &str,
    config: &crate::config::KeeperConfig,
    base: &Path,
    model: &dyn crate::model::Model,
    load_reader: photo::LoadReader<'_>,
) -> anyhow::Result<(String, Value)> {
    let (text, mut json) = verify(record, model)?;
    let mut lines = vec![text];
    if let Some((photo_lines, photo)) = photo::reread(record, source, config, base, load_reader).await? {
        lines.extend(photo_lines);
        json["photo"] = photo;
    }
    Ok((lines.join("\n"), json))
}
