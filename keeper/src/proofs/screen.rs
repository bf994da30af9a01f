//! Screening read photos before the model decides: the claimant's code where the bounty asks for
//! one, and the nearest earlier claim's photo in the index. Claims are screened oldest first, so
//! of two copies the first claim keeps its payment; a later claim already paid counts as earlier.

use std::collections::{HashMap, HashSet};

use anchor_lang::prelude::Pubkey;
use covenant::policy::ClaimStatus;
use covenant::state::{Bounty, Claim};
use serde::Serialize;

use super::claim_code::{self, CodeCheck};
use super::copies::{IndexError, Nearest, PhotoEntry, PhotoIndex};
use super::ProofOutcome;
use crate::config::CopiesConfig;
use crate::observe::Snapshot;

const DAY: i64 = 86_400;

/// How a claim's photo compares with the photos of earlier claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum CopyCheck {
    /// Nothing within `new_distance`.
    New,
    /// Within `copy_distance` of `of`: rejected as `duplicate_photo`.
    Copy { of: Nearest },
    /// Between the two: held until the operator lets it through (`proofs.copies.allow`).
    Unsure { of: Nearest },
    /// Would be held or rejected, but the operator let it through (`proofs.copies.allow`).
    Allowed { of: Nearest },
}

/// Screens every read photo of `snapshots`' pending claims, writes the outcome into its
/// `Reading`, and adds each photo to `index`.
pub fn screen(
    index: &mut PhotoIndex,
    snapshots: &[Snapshot],
    proofs: &mut HashMap<Pubkey, ProofOutcome>,
    config: &CopiesConfig,
) -> Result<(), IndexError> {
    let bounties: HashMap<Pubkey, &Bounty> =
        snapshots.iter().flat_map(|snapshot| snapshot.bounties.iter().map(|(key, bounty)| (*key, bounty))).collect();
    let approved: HashSet<Pubkey> = snapshots
        .iter()
        .flat_map(|snapshot| &snapshot.claims)
        .filter(|(_, claim)| claim.status == ClaimStatus::Approved)
        .map(|(key, _)| *key)
        .collect();
    let mut claims: Vec<(&Pubkey, &Claim)> = snapshots
        .iter()
        .flat_map(|snapshot| &snapshot.claims)
        .filter(|(key, claim)| claim.status == ClaimStatus::Pending && proofs.contains_key(key))
        .map(|(key, claim)| (key, claim))
        .collect();
    claims.sort_by_key(|(key, claim)| (claim.submitted_at, **key));
    let horizon = i64::from(config.horizon_days).saturating_mul(DAY);
    for (address, claim) in claims {
        let Some(ProofOutcome::Read(reading)) = proofs.get_mut(address) else { continue };
        let Some(bounty) = bounties.get(&claim.bounty) else { continue };
        if bounty.claim_code {
            let code = claim_code::claim_code(&claim.bounty, &claim.claimant);
            let check = claim_code::check(reading.regions.iter().map(|region| region.text.as_str()), &code);
            reading.claim_code = Some((code, check));
        }
        let owned = reading.claim_code.as_ref().is_none_or(|(_, check)| matches!(check, CodeCheck::Matched { .. }));
        let order = (claim.submitted_at, *address);
        let earlier = |entry: &PhotoEntry| {
            entry.claim != *address
                && entry.owned
                && (entry.bounty == claim.bounty || claim.submitted_at.abs_diff(entry.submitted_at) <= horizon as u64)
                && ((entry.submitted_at, entry.claim) < order || approved.contains(&entry.claim))
        };
        let nearest = index.nearest(&reading.orientations, config.new_distance.saturating_sub(1), earlier);
        reading.copy = Some(match nearest {
            None => CopyCheck::New,
            Some(of) if config.allow.contains(address) => CopyCheck::Allowed { of },
            Some(of) if of.distance <= config.copy_distance => CopyCheck::Copy { of },
            Some(of) => CopyCheck::Unsure { of },
        });
        if index.get(address).is_none() {
            let mut fingerprints = vec![reading.fingerprint];
            fingerprints.extend(&reading.windows);
            index.insert(PhotoEntry {
                claim: *address,
                bounty: claim.bounty,
                claimant: claim.claimant,
                submitted_at: claim.submitted_at,
                fingerprints,
                owned,
            })?;
        }
    }
    Ok(())
}
