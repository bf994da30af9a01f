//! Every claim photo the keeper has read, by fingerprint, so that a photo claimed again (by the
//! same wallet on another bounty, or by another wallet, re-encoded, resized, cropped, turned) is
//! caught and the first claim keeps its payment.
//!
//! The index is multi-index hashing over the 128-bit fingerprint (pHash ‖ dHash) split into eight
//! 16-bit chunks: two fingerprints within distance `8 × 3 - 1 = 23` (or any `r` with
//! `r / 8 ≤ 2`, so up to 23) share at least one chunk within 2 bits, so probing each chunk's 137
//! neighbours finds every stored fingerprint within `copy_distance` exactly. Photos further off,
//! in the band held for the operator, are found when they share such a chunk (most do; the
//! measured share is in BENCHMARKS.md). Lookups touch a few buckets, never every photo.
//!
//! Entries persist as JSON lines beside the decision log, so a restarted keeper still knows them.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use covenant::constants::{BOUNTY_REVIEW_SECONDS, MAX_BOUNTY_DURATION_SECONDS};
use covenant_vision::{Fingerprint, Orientation};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

const CHUNKS: usize = 8;
/// Bits flipped per chunk when probing: every fingerprint within `CHUNKS * (PROBE_BITS + 1) - 1`
/// of the query shares a chunk within this many bits.
const PROBE_BITS: u32 = 2;
pub const EXACT_RADIUS: u32 = CHUNKS as u32 * (PROBE_BITS + 1) - 1;
/// Fingerprints indexed per photo: the whole photo and its 6 windows (one spare).
const SLOTS: usize = 8;

/// One claim's photo as the index keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PhotoEntry {
    #[serde(with = "crate::config::address::base58")]
    pub claim: Pubkey,
    #[serde(with = "crate::config::address::base58")]
    pub bounty: Pubkey,
    #[serde(with = "crate::config::address::base58")]
    pub claimant: Pubkey,
    pub submitted_at: i64,
    /// The whole photo, then its windows (`Fingerprint::windows`).
    pub fingerprints: Vec<Fingerprint>,
    /// False when the photo failed its bounty's claim code: it is not the claimant's photo, so it
    /// does not make a later claim of the same photo a copy.
    pub owned: bool,
}

/// The nearest earlier photo found for a query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Nearest {
    #[serde(serialize_with = "crate::config::address::base58::serialize")]
    pub claim: Pubkey,
    pub distance: u32,
    /// How the query was turned or mirrored to match it.
    pub orientation: Orientation,
}

#[derive(Debug, thiserror::Error)]
#[error("photo index {path}: {detail}")]
pub struct IndexError {
    path: String,
    detail: String,
}

#[derive(Default)]
pub struct PhotoIndex {
    entries: Vec<PhotoEntry>,
    by_claim: HashMap<Pubkey, usize>,
    /// Per chunk: chunk value → the fingerprints with that chunk, each with its slot
    /// (`entry << 3 | fingerprint`; a photo has at most 8). Stored inline, so a bucket's
    /// distances are computed from one run of memory (24 bytes per fingerprint per chunk; the
    /// memory this costs is in BENCHMARKS.md). Fx hashing: the keys are hash bits already.
    tables: Vec<FxHashMap<u16, Vec<(u32, Fingerprint)>>>,
    file: Option<(PathBuf, File)>,
}

fn chunk(fingerprint: &Fingerprint, index: usize) -> u16 {
    let word = if index < 4 { fingerprint.phash } else { fingerprint.dhash };
    (word >> ((index % 4) * 16)) as u16
}

/// The masks of 16 bits with at most `PROBE_BITS` set (137 of them).
static PROBES: std::sync::LazyLock<Vec<u16>> =
    std::sync::LazyLock::new(|| (0..=u16::MAX).filter(|mask| mask.count_ones() <= PROBE_BITS).collect());

impl PhotoIndex {
    /// `proofs.copies.index`, else `<decision log>.photos.jsonl` beside the decision log (one per
    /// journal, like the journal itself).
    pub fn path_for(config: &crate::config::KeeperConfig) -> PathBuf {
        config.proofs.copies.index.clone().unwrap_or_else(|| config.run.decision_log.with_extension("photos.jsonl"))
    }

    /// An index that lives only in memory (tests, the demo, benches).
    pub fn in_memory() -> Self {
        Self { tables: vec![FxHashMap::default(); CHUNKS], ..Self::default() }
    }

    /// Loads the entries at `path` (created when missing) and appends new ones there. Entries that
    /// can no longer match anything are dropped and the file rewritten without them: older than
    /// the newest by more than a bounty's longest life (its claims' own bounty is gone) and
    /// `horizon_seconds` (the other bounties' window).
    pub fn open(path: &Path, horizon_seconds: i64) -> Result<Self, IndexError> {
        let shown = path.display().to_string();
        let fail = |detail: String| IndexError { path: shown.clone(), detail };
        let mut loaded = Vec::new();
        if path.exists() {
            let reader = BufReader::new(File::open(path).map_err(|error| fail(error.to_string()))?);
            for (number, line) in reader.lines().enumerate() {
                let line = line.map_err(|error| fail(error.to_string()))?;
                if line.trim().is_empty() {
                    continue;
                }
                // A torn last line (a crash mid-write) is skipped: that photo is read again.
                match serde_json::from_str::<PhotoEntry>(&line) {
                    Ok(entry) => loaded.push(entry),
                    Err(error) => tracing::warn!(line = number + 1, %error, "photo index line skipped"),
                }
            }
        }
        let newest = loaded.iter().map(|entry| entry.submitted_at).max().unwrap_or(0);
        let lifetime = MAX_BOUNTY_DURATION_SECONDS.saturating_add(BOUNTY_REVIEW_SECONDS).max(horizon_seconds);
        let cutoff = newest.saturating_sub(lifetime);
        let count = loaded.len();
        loaded.retain(|entry| entry.submitted_at >= cutoff);
        if loaded.len() < count {
            let lines: Vec<String> = loaded.iter().filter_map(|entry| serde_json::to_string(entry).ok()).collect();
            let staged = path.with_extension("jsonl.tmp");
            std::fs::write(&staged, lines.join("\n") + "\n")
                .and_then(|()| std::fs::rename(&staged, path))
                .map_err(|error| fail(error.to_string()))?;
            tracing::info!(dropped = count - loaded.len(), kept = loaded.len(), "photo index compacted");
        }
        let mut index = Self::in_memory();
        for entry in loaded {
            index.add(entry);
        }
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(|error| fail(error.to_string()))?;
        index.file = Some((path.to_path_buf(), file));
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, claim: &Pubkey) -> Option<&PhotoEntry> {
        self.by_claim.get(claim).map(|&at| &self.entries[at])
    }

    /// Adds a claim's photo (once per claim) and appends it to the file.
    pub fn insert(&mut self, entry: PhotoEntry) -> Result<(), IndexError> {
        if self.by_claim.contains_key(&entry.claim) {
            return Ok(());
        }
        if let Some((path, file)) = &mut self.file {
            let line = serde_json::to_string(&entry).unwrap_or_default();
            writeln!(file, "{line}")
                .and_then(|()| file.flush())
                .map_err(|error| IndexError { path: path.display().to_string(), detail: error.to_string() })?;
        }
        self.add(entry);
        Ok(())
    }

    fn add(&mut self, entry: PhotoEntry) {
        let at = self.entries.len() as u32;
        for (slot, fingerprint) in entry.fingerprints.iter().enumerate().take(SLOTS) {
            for (chunk_index, table) in self.tables.iter_mut().enumerate() {
                table.entry(chunk(fingerprint, chunk_index)).or_default().push((at << 3 | slot as u32, *fingerprint));
            }
        }
        self.by_claim.insert(entry.claim, at as usize);
        self.entries.push(entry);
    }

    /// The nearest stored photo within `radius` of any of the query's orientations, among the
    /// entries `accept` lets through. Exact up to `EXACT_RADIUS`; beyond it, best effort.
    pub fn nearest(
        &self,
        query: &[(Orientation, Fingerprint)],
        radius: u32,
        accept: impl Fn(&PhotoEntry) -> bool,
    ) -> Option<Nearest> {
        let masks = &*PROBES;
        // Per entry: not asked yet (0), accepted (1), refused (2); `accept` runs once per entry.
        let mut verdict = vec![0u8; self.entries.len()];
        let mut best: Option<Nearest> = None;
        for (orientation, fingerprint) in query {
            for (chunk_index, table) in self.tables.iter().enumerate() {
                let value = chunk(fingerprint, chunk_index);
                for mask in masks {
                    let Some(slots) = table.get(&(value ^ mask)) else { continue };
                    for (packed, stored) in slots {
                        let distance = stored.distance(fingerprint);
                        let closer = best.as_ref().is_none_or(|found| distance < found.distance);
                        if distance > radius || !closer {
                            continue;
                        }
                        let at = packed >> 3;
                        let entry = &self.entries[at as usize];
                        let known = &mut verdict[at as usize];
                        if *known == 0 {
                            *known = if accept(entry) { 1 } else { 2 };
                        }
                        if *known == 1 {
                            best = Some(Nearest { claim: entry.claim, distance, orientation: *orientation });
                        }
                    }
                }
            }
        }
        best
    }

    /// The same answer by comparing with every stored photo: the benchmark's baseline and the
    /// tests' reference.
    pub fn nearest_by_scan(
        &self,
        query: &[(Orientation, Fingerprint)],
        radius: u32,
        accept: impl Fn(&PhotoEntry) -> bool,
    ) -> Option<Nearest> {
        let mut best: Option<Nearest> = None;
        for entry in self.entries.iter().filter(|entry| accept(entry)) {
            for (orientation, fingerprint) in query {
                for stored in &entry.fingerprints {
                    let distance = stored.distance(fingerprint);
                    if distance <= radius && best.as_ref().is_none_or(|found| distance < found.distance) {
                        best = Some(Nearest { claim: entry.claim, distance, orientation: *orientation });
                    }
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64, so the test's fingerprints are the same on every run.
    fn random(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `fingerprint` with `bits` distinct bits flipped: exactly `bits` away.
    fn flip(fingerprint: Fingerprint, bits: u32, state: &mut u64) -> Fingerprint {
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < bits as usize {
            chosen.insert(random(state) % 128);
        }
        let mut out = fingerprint;
        for bit in chosen {
            if bit < 64 {
                out.phash ^= 1 << bit;
            } else {
                out.dhash ^= 1 << (bit - 64);
            }
        }
        out
    }

    #[test]
    fn the_index_finds_what_a_scan_finds_up_to_its_exact_radius_and_persists() {
        let mut state = 7;
        let dir = std::env::temp_dir().join(format!("covenant-photos-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("photos.jsonl");
        let mut index = PhotoIndex::open(&path, 0).unwrap();
        let mut stored = Vec::new();
        for n in 0..2_000u32 {
            let print = Fingerprint { phash: random(&mut state), dhash: random(&mut state) };
            let claim = Pubkey::new_from_array([
                (n % 251) as u8,
                (n / 251) as u8,
                1,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
            ]);
            let entry = PhotoEntry {
                claim,
                bounty: Pubkey::default(),
                claimant: claim,
                submitted_at: i64::from(n),
                fingerprints: vec![print],
                owned: true,
            };
            index.insert(entry).unwrap();
            stored.push(print);
        }
        for (n, print) in stored.iter().enumerate().step_by(37) {
            for bits in [0, 5, EXACT_RADIUS] {
                let query = [(Orientation::Upright, flip(*print, bits, &mut state))];
                let found = index.nearest(&query, EXACT_RADIUS, |_| true);
                assert_eq!(found, index.nearest_by_scan(&query, EXACT_RADIUS, |_| true), "photo {n}, {bits} bits off");
                assert!(found.is_some_and(|found| found.distance <= bits));
            }
        }
        let refused = index.nearest(&[(Orientation::Upright, stored[0])], 0, |entry| entry.submitted_at != 0);
        assert_eq!(refused, None, "entries `accept` refuses are never answers");

        let mut reopened = PhotoIndex::open(&path, 0).unwrap();
        assert_eq!(reopened.len(), 2_000);
        let query = [(Orientation::Upright, stored[1_999])];
        assert_eq!(reopened.nearest(&query, 0, |_| true).map(|found| found.distance), Some(0));

        // A photo claimed long after the others: those can match nothing any more and go.
        let late = MAX_BOUNTY_DURATION_SECONDS + BOUNTY_REVIEW_SECONDS + 1_000;
        let claim = Pubkey::new_unique();
        let print = Fingerprint { phash: 1, dhash: 2 };
        let entry = PhotoEntry {
            claim,
            bounty: claim,
            claimant: claim,
            submitted_at: late,
            fingerprints: vec![print],
            owned: true,
        };
        reopened.insert(entry).unwrap();
        drop(reopened);
        let compacted = PhotoIndex::open(&path, 0).unwrap();
        // Submitted at 0..2,000: those at or after `late - lifetime` (1,000..) stay.
        assert_eq!(compacted.len(), 1_001);
        assert!(compacted.get(&claim).is_some());
        assert_eq!(PhotoIndex::open(&path, 0).unwrap().len(), 1_001, "the file was rewritten");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
