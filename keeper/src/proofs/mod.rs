//! The claims' proofs, read before the model decides: each pending claim's photo is fetched
//! (concurrently, within limits), checked against the claim's on-chain SHA-256, decoded in
//! parallel, read with PP-OCRv4 in batches and matched against its bounty's proof rule. What was
//! read becomes the model's features and part of the decision's hashed input; a proof that cannot
//! be judged is rejected on chain with its own reason code (see keeper/MODEL.md).

pub mod backfill;
pub mod claim_code;
pub mod copies;
pub mod fetch;
mod screen;

pub use screen::{screen, CopyCheck};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anchor_lang::prelude::Pubkey;
use covenant_vision::image::RgbImage;
use covenant_vision::{
    decode, DecodeError, DecodeLimits, Fingerprint, MatchResult, Ocr, OcrInfo, Orientation, ProofRule, TextRegion,
};
use futures::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::ProofConfig;
use crate::model::{file_hash, session, Device, ModelError};
use fetch::{FetchError, Fetcher};

/// Why a claim was rejected, as written on chain (`Claim.reason_code`, `ClaimRejected`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The model read the photo and judged it not to show what the bounty asks.
    ModelRejected = 1,
    /// The bytes' SHA-256 is not the claim's proof hash: the file changed after the claim.
    ProofHashMismatch = 2,
    /// The proof could not be fetched until the claim was `reject_unreachable_after_seconds` old.
    ProofUnreachable = 3,
    /// Not a PNG or JPEG image.
    ProofUndecodable = 4,
    /// More bytes than `proofs.max_bytes`.
    ProofTooLarge = 5,
    /// More pixels than `proofs.max_pixels` (a decompression bomb, or just too big).
    ProofTooManyPixels = 6,
    /// A URI the keeper will not fetch: a path outside the proofs directory, plain http to another
    /// host, an unknown scheme, ipfs:// with no gateway configured.
    ProofUriRefused = 7,
    /// The photo is a copy of an earlier claim's (re-encoded, resized, cropped, turned, or the
    /// same); the decision record names that claim and the distance.
    DuplicatePhoto = 8,
    /// The bounty asks for claim codes and the photo shows none.
    ClaimCodeMissing = 9,
    /// The photo shows a code that is not the claimant's: another wallet's photo.
    ClaimCodeMismatch = 10,
}

impl RejectReason {
    pub const ALL: [Self; 10] = [
        Self::ModelRejected,
        Self::ProofHashMismatch,
        Self::ProofUnreachable,
        Self::ProofUndecodable,
        Self::ProofTooLarge,
        Self::ProofTooManyPixels,
        Self::ProofUriRefused,
        Self::DuplicatePhoto,
        Self::ClaimCodeMissing,
        Self::ClaimCodeMismatch,
    ];

    pub fn code(self) -> u16 {
        self as u16
    }

    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::ModelRejected => "model_rejected",
            Self::ProofHashMismatch => "proof_hash_mismatch",
            Self::ProofUnreachable => "proof_unreachable",
            Self::ProofUndecodable => "proof_undecodable",
            Self::ProofTooLarge => "proof_too_large",
            Self::ProofTooManyPixels => "proof_too_many_pixels",
            Self::ProofUriRefused => "proof_uri_refused",
            Self::DuplicatePhoto => "duplicate_photo",
            Self::ClaimCodeMissing => "claim_code_missing",
            Self::ClaimCodeMismatch => "claim_code_mismatch",
        }
    }
}

/// What was read in one proof.
#[derive(Clone, Debug, Serialize)]
pub struct Reading {
    /// Where the photo was fetched from (the claim's proof URI): where `verify` finds it again.
    pub uri: String,
    #[serde(serialize_with = "hex_bytes")]
    pub sha256: [u8; 32],
    pub width: u32,
    pub height: u32,
    pub regions: Vec<TextRegion>,
    /// The rule it was matched against.
    pub rule: String,
    #[serde(rename = "match")]
    pub rule_match: MatchResult,
    /// The photo's fingerprint (whole photo) and its windows': what anyone needs to re-run the
    /// duplicate check.
    pub fingerprint: Fingerprint,
    pub windows: Vec<Fingerprint>,
    /// The fingerprint in all eight orientations (the index's query); recomputable, not logged.
    #[serde(skip)]
    pub orientations: Vec<(Orientation, Fingerprint)>,
    /// The claimant's code, when the bounty asks for one (set by `screen`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<(String, claim_code::CodeCheck)>,
    /// How it compares with earlier claims' photos (set by `screen`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyCheck>,
}

impl Reading {
    pub fn text(&self) -> String {
        self.regions.iter().map(|region| region.text.as_str()).collect::<Vec<_>>().join(" | ")
    }

    /// What the screening found, in words: the claim code, and the earlier photo it is near.
    pub fn screening(&self) -> String {
        use claim_code::CodeCheck;
        let mut found = Vec::new();
        if let Some((code, check)) = &self.claim_code {
            found.push(match check {
                CodeCheck::Matched { read } => format!("claim code {code} read as {read}"),
                CodeCheck::Mismatched { read } => format!("the photo shows code {read}, the claimant's is {code}"),
                CodeCheck::Missing => format!("no claim code in the photo (the claimant's is {code})"),
            });
        }
        let near = |what: &str, of: &copies::Nearest| {
            format!("{what} claim {} (distance {}, {:?})", of.claim, of.distance, of.orientation)
        };
        match &self.copy {
            Some(CopyCheck::Copy { of }) => found.push(near("a copy of the photo of", of)),
            Some(CopyCheck::Unsure { of }) => found.push(near("near the photo of", of)),
            Some(CopyCheck::Allowed { of }) => found.push(near("let through by the operator, near", of)),
            Some(CopyCheck::New) | None => {}
        }
        found.join("; ")
    }

    /// Mean detection score of the regions (0 with none).
    pub fn detection_confidence(&self) -> f32 {
        if self.regions.is_empty() {
            return 0.0;
        }
        self.regions.iter().map(|region| region.box_score).sum::<f32>() / self.regions.len() as f32
    }
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(bytes))
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "proof", rename_all = "snake_case")]
pub enum ProofOutcome {
    Read(Box<Reading>),
    /// Judged without the model: rejected with `reason`.
    Refused {
        reason: RejectReason,
        detail: String,
    },
    /// Not fetched this time; tried again next tick.
    Unreachable {
        detail: String,
    },
}

/// One claim's proof to read.
#[derive(Clone, Debug)]
pub struct ProofJob {
    pub claim: Pubkey,
    pub uri: String,
    pub expected_hash: [u8; 32],
    pub rule: ProofRule,
    /// Where to publish the photo, under its SHA-256, once it passes its hash check (the
    /// records' `photos/`, for bounties whose operator allows it).
    pub publish: Option<PathBuf>,
}

pub struct ProofReader {
    ocr: Arc<Ocr>,
    fetcher: Fetcher,
    limits: DecodeLimits,
    concurrency: usize,
    det_batch: usize,
    max_per_tick: usize,
    max_regions_per_tick: usize,
    /// Claims whose proof was unreachable, with how many times: read after the others.
    unreachable: Mutex<HashMap<Pubkey, u32>>,
    /// Final outcomes by (claim, URI, hash): a claim the model held is not fetched and read again.
    cache: Mutex<HashMap<ProofKey, ProofOutcome>>,
}

/// A proof's identity: the claim, its URI and its on-chain hash.
type ProofKey = (Pubkey, String, [u8; 32]);
/// A photo that passed its checks: pixels (shrunk), SHA-256, original size, fingerprints.
type Checked = (RgbImage, [u8; 32], (u32, u32), Prints);
/// Orientations (the first is the photo as it is) and windows.
type Prints = (Vec<(Orientation, Fingerprint)>, Vec<Fingerprint>);

const CACHE_LIMIT: usize = 10_000;
/// Photos fetched and decoded together (each at most `max_pixels`, then shrunk to twice the
/// detector's side: at most 1,920 × 1,920 × 3 bytes, 11 MiB, by default).
const JOBS_IN_MEMORY: usize = 16;

/// Where `scripts/setup-ocr-models` puts the models.
pub fn default_models_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("COVENANT_OCR_DIR").map(std::path::PathBuf::from);
    dir.unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_default();
        home.join(".cache/covenant/ppocr-v4-rapidocr-1.4.4")
    })
}

impl ProofReader {
    /// `base` resolves relative paths in `config` (the config file's directory).
    pub fn load(config: &ProofConfig, base: &Path, library: &Path, device: Device) -> Result<Self, ModelError> {
        Ok(Self::new(Arc::new(load_ocr(config, base, library, device)?), config, base))
    }

    /// A reader around OCR sessions already loaded (many treasuries, or many tests, share them).
    pub fn new(ocr: Arc<Ocr>, config: &ProofConfig, base: &Path) -> Self {
        let det_batch = config.det_batch.unwrap_or(if ocr.info().provider == "CUDA" { 8 } else { 1 });
        Self {
            ocr,
            fetcher: Fetcher::for_proofs(config, base),
            limits: DecodeLimits { max_pixels: config.max_pixels },
            concurrency: config.concurrency,
            det_batch,
            max_per_tick: config.max_per_tick,
            max_regions_per_tick: config.max_regions_per_tick,
            unreachable: Mutex::default(),
            cache: Mutex::default(),
        }
    }

    pub fn info(&self) -> &OcrInfo {
        self.ocr.info()
    }

    pub fn ocr(&self) -> &Ocr {
        &self.ocr
    }

    /// Reads every job's proof: fetches concurrently, decodes in parallel, reads the decoded
    /// photos `JOBS_IN_MEMORY` at a time within the tick's budget of text regions. Jobs without an
    /// outcome wait for a later tick.
    pub async fn read_all(self: &Arc<Self>, jobs: Vec<ProofJob>) -> Result<HashMap<Pubkey, ProofOutcome>, ModelError> {
        let mut outcomes = HashMap::new();
        let mut pending: Vec<ProofJob> = Vec::new();
        if let Ok(cache) = self.cache.lock() {
            for job in jobs {
                match cache.get(&(job.claim, job.uri.clone(), job.expected_hash)) {
                    Some(outcome) => {
                        outcomes.insert(job.claim, outcome.clone());
                    }
                    None => pending.push(job),
                }
            }
        }
        // At most `max_per_tick` new reads, those never unreachable first (stable: jobs come oldest
        // first); the rest have no outcome this tick and wait.
        if let Ok(unreachable) = self.unreachable.lock() {
            pending.sort_by_key(|job| unreachable.get(&job.claim).copied().unwrap_or(0));
        }
        pending.truncate(self.max_per_tick);
        // A bounded number of photos in memory at once, however many claims are pending.
        let mut read = Vec::with_capacity(pending.len());
        let mut regions_left = self.max_regions_per_tick;
        for chunk in pending.chunks(JOBS_IN_MEMORY) {
            if regions_left == 0 {
                break;
            }
            let fetched: Vec<(ProofJob, Result<Vec<u8>, FetchError>)> = futures::stream::iter(chunk.to_vec())
                .map(|job| async move {
                    let bytes = self.fetcher.fetch(&job.uri).await;
                    (job, bytes)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            let reader = self.clone();
            let (first, jobs) = (read.is_empty(), chunk.len());
            let (judged, used) = tokio::task::spawn_blocking(move || reader.judge(fetched, regions_left, first))
                .await
                .map_err(|error| ModelError::Inference(format!("proof reading task: {error}")))??;
            regions_left = regions_left.saturating_sub(used);
            // Fewer outcomes than jobs: photos past the budget wait, and so do the chunks after.
            let budget_spent = judged.len() < jobs;
            read.extend(judged);
            if budget_spent {
                break;
            }
        }
        if let Ok(mut unreachable) = self.unreachable.lock() {
            if unreachable.len() > CACHE_LIMIT {
                unreachable.clear();
            }
            for ((claim, _, _), outcome) in &read {
                match outcome {
                    ProofOutcome::Unreachable { .. } => *unreachable.entry(*claim).or_default() += 1,
                    _ => {
                        unreachable.remove(claim);
                    }
                }
            }
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > CACHE_LIMIT {
                cache.clear();
            }
            for (key, outcome) in &read {
                if !matches!(outcome, ProofOutcome::Unreachable { .. }) {
                    cache.insert(key.clone(), outcome.clone());
                }
            }
        }
        outcomes.extend(read.into_iter().map(|((claim, _, _), outcome)| (claim, outcome)));
        Ok(outcomes)
    }

    /// Fetched bytes as the reader keeps them: the claim's hash checked, decoded within limits,
    /// shrunk, fingerprinted; or the outcome that rejects the claim.
    fn check(&self, bytes: &[u8], expected_hash: [u8; 32]) -> Result<Checked, ProofOutcome> {
        let sha256: [u8; 32] = Sha256::digest(bytes).into();
        if sha256 != expected_hash {
            let detail =
                format!("the file's SHA-256 is {}, the claim's {}", hex::encode(sha256), hex::encode(expected_hash));
            return Err(refused(RejectReason::ProofHashMismatch, detail));
        }
        match decode(bytes, self.limits) {
            Ok(image) => {
                let size = image.dimensions();
                let image = shrink(image, self.ocr.det_side().saturating_mul(2));
                let prints = (Fingerprint::orientations(&image).to_vec(), Fingerprint::windows(&image));
                Ok((image, sha256, size, prints))
            }
            Err(error @ DecodeError::TooManyPixels { .. }) => {
                Err(refused(RejectReason::ProofTooManyPixels, error.to_string()))
            }
            Err(error) => Err(refused(RejectReason::ProofUndecodable, error.to_string())),
        }
    }

    /// Hash check, parallel decode, detection, then recognition of the photos whose regions fit in
    /// `regions_left` (in order; the first photo of the tick always, so a tick makes progress).
    /// Photos past the budget get no outcome. Returns the outcomes and the regions used.
    pub fn judge(
        &self,
        fetched: Vec<(ProofJob, Result<Vec<u8>, FetchError>)>,
        regions_left: usize,
        first_of_tick: bool,
    ) -> Result<(Vec<(ProofKey, ProofOutcome)>, usize), ModelError> {
        let checked: Vec<(ProofJob, Result<Checked, ProofOutcome>)> =
            covenant_vision::parallel::map(fetched, |(job, bytes)| {
                let outcome = match bytes {
                    Err(FetchError::Unreachable(detail)) => Err(ProofOutcome::Unreachable { detail }),
                    Err(FetchError::Refused(detail)) => Err(refused(RejectReason::ProofUriRefused, detail)),
                    Err(error @ FetchError::TooLarge { .. }) => {
                        Err(refused(RejectReason::ProofTooLarge, error.to_string()))
                    }
                    Ok(bytes) => {
                        let checked = self.check(&bytes, job.expected_hash);
                        if let (Ok((_, sha256, _, _)), Some(dir)) = (&checked, &job.publish) {
                            // A claim is judged whether or not its copy could be kept.
                            if let Err(error) = crate::files::write_once(&dir.join(hex::encode(sha256)), &bytes) {
                                tracing::warn!(claim = %job.claim, %error, "claim photo not published");
                            }
                        }
                        checked
                    }
                };
                (job, outcome)
            });
        let mut results = Vec::with_capacity(checked.len());
        let (mut decoded, mut images) = (Vec::new(), Vec::new());
        for (job, outcome) in checked {
            match outcome {
                Ok((image, sha256, size, prints)) => {
                    images.push(image);
                    decoded.push((job, sha256, size, prints));
                }
                Err(outcome) => results.push(((job.claim, job.uri, job.expected_hash), outcome)),
            }
        }
        let inference = |error: covenant_vision::VisionError| ModelError::Inference(error.to_string());
        let mut boxes = self.ocr.detect_all(&images, self.det_batch).map_err(inference)?;
        let mut used = 0usize;
        let fits = boxes
            .iter()
            .take_while(|layout| {
                let found = layout.regions.len();
                let within = used.saturating_add(found) <= regions_left || (first_of_tick && used == 0);
                used = if within { used.saturating_add(found) } else { used };
                within
            })
            .count();
        if fits < boxes.len() {
            tracing::info!(
                read = fits,
                waiting = boxes.len() - fits,
                regions = used,
                "proof photos past the tick's region budget wait"
            );
        }
        boxes.truncate(fits);
        images.truncate(fits);
        decoded.truncate(fits);
        let pages = self.ocr.read_detected(&images, &boxes).map_err(inference)?;
        for ((job, sha256, (width, height), (orientations, windows)), regions) in decoded.into_iter().zip(pages) {
            let rule_match = job.rule.check(regions.iter().map(|region| region.text.as_str()));
            let fingerprint = orientations.first().map_or(Fingerprint { phash: 0, dhash: 0 }, |(_, print)| *print);
            let reading = Reading {
                uri: job.uri.clone(),
                sha256,
                width,
                height,
                regions,
                rule: job.rule.text.clone(),
                rule_match,
                fingerprint,
                windows,
                orientations,
                claim_code: None,
                copy: None,
            };
            results.push(((job.claim, job.uri, job.expected_hash), ProofOutcome::Read(Box::new(reading))));
        }
        Ok((results, used))
    }

    /// `bytes` checked against `expected_hash` and read again as a claim's photo would be: what
    /// `verify` compares with a record's reading.
    pub fn reread(&self, bytes: Vec<u8>, expected_hash: [u8; 32], rule: ProofRule) -> Result<ProofOutcome, ModelError> {
        let job = ProofJob { claim: Pubkey::default(), uri: String::new(), expected_hash, rule, publish: None };
        let (results, _) = self.judge(vec![(job, Ok(bytes))], usize::MAX, true)?;
        let outcome = results.into_iter().next().map(|(_, outcome)| outcome);
        Ok(outcome.unwrap_or(ProofOutcome::Unreachable { detail: "not read".into() }))
    }
}

/// Loads the PP-OCRv4 detection and recognition sessions named by `config` on `device`.
pub fn load_ocr(config: &ProofConfig, base: &Path, library: &Path, device: Device) -> Result<Ocr, ModelError> {
    let models = match config.models_dir.as_deref() {
        Some(path) if path.is_absolute() => path.to_path_buf(),
        Some(path) => base.join(path),
        None => default_models_dir(),
    };
    let read = |name: &str| {
        let path = models.join(name);
        let bytes = std::fs::read(&path).map_err(|error| ModelError::File {
            path: path.display().to_string(),
            detail: format!("{error} (run scripts/setup-ocr-models, or set proofs.models_dir)"),
        })?;
        Ok::<_, ModelError>((bytes, path.display().to_string()))
    };
    let ((det_bytes, det_label), (rec_bytes, rec_label), (cls_bytes, cls_label)) =
        (read(covenant_vision::DET_MODEL)?, read(covenant_vision::REC_MODEL)?, read(covenant_vision::CLS_MODEL)?);
    let (det, provider) = session(&det_bytes, &det_label, library, device, config.threads)?;
    let (rec, _) = session(&rec_bytes, &rec_label, library, device, config.threads)?;
    let (cls, _) = session(&cls_bytes, &cls_label, library, device, config.threads)?;
    let info = OcrInfo {
        det_hash: file_hash(&det_bytes),
        rec_hash: file_hash(&rec_bytes),
        cls_hash: file_hash(&cls_bytes),
        provider,
    };
    let ocr = Ocr::new(det, rec, cls, config.det_side, info)
        .map_err(|error| ModelError::Contract { path: models.display().to_string(), detail: error.to_string() })?;
    tracing::info!(models = %models.display(), provider = %ocr.info().provider, requested = ?device, "proof reader provider");
    Ok(ocr)
}

/// Scales a photo down so neither side exceeds `max_side` (the detector sees `det_side`; the
/// recognizer's crops keep twice that), keeping memory per photo bounded.
fn shrink(image: RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = image.dimensions();
    let longest = width.max(height);
    if longest <= max_side || max_side == 0 {
        return image;
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let (w, h) =
        ((f64::from(width) * scale).round().max(1.0) as u32, (f64::from(height) * scale).round().max(1.0) as u32);
    covenant_vision::image::imageops::resize(&image, w, h, covenant_vision::image::imageops::FilterType::Triangle)
}

fn refused(reason: RejectReason, detail: String) -> ProofOutcome {
    ProofOutcome::Refused { reason, detail }
}
