//! `verify` on a claim's decision: the photo its record names, fetched again (from the records'
//! `photos/<sha256>`, else from the claim's proof URI), checked against the SHA-256 the record (and
//! the chain) hold, and read again with the OCR models, whose text must be the text logged.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, bail};
use serde_json::{json, Value};

use crate::config::KeeperConfig;
use crate::proofs::fetch::Fetcher;
use crate::proofs::{ProofOutcome, ProofReader};

/// Loads the proof reader only when a record has a photo to read (the OCR models take a while).
pub type LoadReader<'a> = &'a (dyn Fn() -> anyhow::Result<Arc<ProofReader>> + Sync);

/// The photo's check, as lines and JSON; `None` when the record read no photo. `source` is where
/// the record came from (a records URL or directory). Err (one line) when the photo is gone, is
/// not the one the record names, or reads differently now.
pub async fn reread(
    record: &Value,
    source: &str,
    config: &KeeperConfig,
    base: &Path,
    load_reader: LoadReader<'_>,
) -> anyhow::Result<Option<(Vec<String>, Value)>> {
    let proof = &record["input"]["proof"];
    if proof["proof"].as_str() != Some("read") {
        return Ok(None);
    }
    let sha_hex = proof["sha256"].as_str().unwrap_or_default();
    let sha256: [u8; 32] = hex::decode(sha_hex)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| anyhow!("the record's photo hash {sha_hex:?} is not 32 bytes of hex"))?;
    let logged: Vec<&str> = texts(&proof["regions"]);
    let (bytes, found_at) =
        photo_bytes(sha_hex, proof["uri"].as_str().unwrap_or_default(), source, config, base).await?;
    let reader = load_reader()?;
    let info = reader.info();
    let ours = [info.det_hash, info.rec_hash, info.cls_hash].map(hex::encode);
    let named = &record["input"]["proof_models"];
    if named
        .as_array()
        .is_some_and(|named| named.iter().map(Value::as_str).ne(ours.iter().map(|hash| Some(hash.as_str()))))
    {
        let line = format!(
            "photo {sha_hex} (from {found_at}): read with OCR models {named}; this keeper has {ours:?}: not read again"
        );
        return Ok(Some((vec![line], json!({ "sha256": sha_hex, "from": found_at, "read_again": false }))));
    }
    let rule =
        covenant_vision::ProofRule { text: proof["rule"].as_str().unwrap_or_default().to_string(), max_edits: None };
    let reading = match reader.reread(bytes, sha256, rule)? {
        ProofOutcome::Read(reading) => reading,
        ProofOutcome::Refused { detail, .. } | ProofOutcome::Unreachable { detail } => {
            bail!("the photo at {found_at} does not hold up: {detail}")
        }
    };
    let read: Vec<&str> = reading.regions.iter().map(|region| region.text.as_str()).collect();
    if read != logged {
        bail!(
            "the photo at {found_at}, read again, shows {:?}, not the {:?} its record logged",
            read.join(" | "),
            logged.join(" | ")
        );
    }
    let distance = reading.rule_match.distance;
    if proof["match"]["distance"].as_u64() != Some(u64::from(distance)) {
        bail!(
            "the photo's text is {distance} edits from the rule, not the {} its record logged",
            proof["match"]["distance"]
        );
    }
    let lines = vec![
        format!("photo {sha_hex} (from {found_at}): its SHA-256 holds"),
        format!(
            "read again with the same OCR models: {:?} as logged ({distance} edits from the rule)",
            read.join(" | ")
        ),
    ];
    Ok(Some((lines, json!({ "sha256": sha_hex, "from": found_at, "read_again": true, "text": read }))))
}

fn texts(regions: &Value) -> Vec<&str> {
    regions
        .as_array()
        .map(|regions| regions.iter().filter_map(|region| region["text"].as_str()).collect())
        .unwrap_or_default()
}

/// The photo from the records (`source`'s `photos/`), else from the claim's own URI.
async fn photo_bytes(
    sha_hex: &str,
    uri: &str,
    source: &str,
    config: &KeeperConfig,
    base: &Path,
) -> anyhow::Result<(Vec<u8>, String)> {
    let fetcher = Fetcher::for_proofs(&config.proofs, base);
    let published = if source.starts_with("http://") || source.starts_with("https://") {
        let url = format!("{}/photos/{sha_hex}", source.trim_end_matches('/'));
        fetcher.fetch(&url).await.ok().map(|bytes| (bytes, url))
    } else {
        let path = Path::new(source).join("photos").join(sha_hex);
        std::fs::read(&path).ok().map(|bytes| (bytes, path.display().to_string()))
    };
    if let Some(found) = published {
        return Ok(found);
    }
    if uri.is_empty() {
        bail!("photo {sha_hex} is not in the records at {source}, and the record names no URI for it");
    }
    let bytes = fetcher
        .fetch(uri)
        .await
        .map_err(|error| anyhow!("photo {sha_hex} is not in the records at {source}, and {uri}: {error}"))?;
    Ok((bytes, uri.to_string()))
}
