//! Photos of paid claims that this keeper's index does not know (a new machine, a lost index,
//! a rotated keeper): fetched, hash-checked and fingerprinted, never read with OCR, so that a copy
//! of a photo paid before still counts as one. A few per tick, before the tick's screening.

use std::collections::HashMap;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use covenant::policy::ClaimStatus;
use futures::StreamExt;

use super::copies::{IndexError, PhotoEntry, PhotoIndex};
use super::ProofReader;
use crate::observe::Snapshot;

/// Paid claims fingerprinted per tick at most.
pub const PER_TICK: usize = 16;

/// Fingerprints up to `PER_TICK` paid claims' photos that `index` lacks, and adds them.
pub async fn backfill(
    reader: &Arc<ProofReader>,
    index: &mut PhotoIndex,
    snapshots: &[Snapshot],
) -> Result<(), IndexError> {
    let missing = missing(snapshots, index, PER_TICK);
    if missing.is_empty() {
        return Ok(());
    }
    let claims: HashMap<Pubkey, (String, [u8; 32])> = snapshots
        .iter()
        .flat_map(|snapshot| &snapshot.claims)
        .map(|(key, claim)| (*key, (claim.proof_uri.clone(), claim.proof_hash)))
        .collect();
    for entry in reader.fingerprint_paid(missing, |claim| claims.get(claim).cloned()).await {
        index.insert(entry)?;
    }
    Ok(())
}

/// Paid claims of `snapshots` whose photo `index` lacks, oldest first, at most `limit`.
pub fn missing(snapshots: &[Snapshot], index: &PhotoIndex, limit: usize) -> Vec<PhotoEntry> {
    let mut claims: Vec<_> = snapshots
        .iter()
        .flat_map(|snapshot| &snapshot.claims)
        .filter(|(key, claim)| claim.status == ClaimStatus::Approved && index.get(key).is_none())
        .collect();
    claims.sort_by_key(|(key, claim)| (claim.submitted_at, *key));
    claims
        .into_iter()
        .take(limit)
        .map(|(key, claim)| PhotoEntry {
            claim: *key,
            bounty: claim.bounty,
            claimant: claim.claimant,
            submitted_at: claim.submitted_at,
            fingerprints: Vec::new(),
            owned: true,
        })
        .collect()
}

impl ProofReader {
    /// Fingerprints `entries`' photos (`uris` and on-chain hashes by claim); those that cannot be
    /// fetched, do not match their hash or do not decode are left out (tried again next tick).
    pub async fn fingerprint_paid(
        self: &Arc<Self>,
        entries: Vec<PhotoEntry>,
        proofs: impl Fn(&Pubkey) -> Option<(String, [u8; 32])>,
    ) -> Vec<PhotoEntry> {
        let jobs: Vec<(PhotoEntry, String, [u8; 32])> = entries
            .into_iter()
            .filter_map(|entry| proofs(&entry.claim).map(|(uri, hash)| (entry, uri, hash)))
            .collect();
        let fetched: Vec<_> = futures::stream::iter(jobs)
            .map(|(entry, uri, hash)| async move {
                let bytes = self.fetcher.fetch(&uri).await.ok();
                (entry, hash, bytes)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let reader = self.clone();
        let printed = tokio::task::spawn_blocking(move || {
            covenant_vision::parallel::map(fetched, |(mut entry, hash, bytes)| {
                // Checked as every proof is: the same hash check, decoding limits and fingerprints.
                let (_, _, _, (orientations, windows)) = reader.check(&bytes?, hash).ok()?;
                entry.fingerprints = orientations.first().map(|(_, whole)| *whole).into_iter().chain(windows).collect();
                Some(entry)
            })
        })
        .await;
        printed.map(|entries| entries.into_iter().flatten().collect()).unwrap_or_default()
    }
}
