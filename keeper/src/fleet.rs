//! Which treasuries one keeper process keeps: those the config lists, or every treasury whose
//! keeper is this key (one filtered scan), split into shards by a stable hash of the treasury's
//! address so that n processes on n machines divide a fleet between them. Shards may overlap while
//! a fleet is re-sharded: exactly-once (`exactly_once`) makes that safe.

use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use covenant::sdk::TreasuryAddresses;
use covenant::state::Treasury;
use sha2::{Digest, Sha256};

use crate::chain::{Chain, ChainError, ChainResult, Memcmp};

/// The treasury's keeper, after the discriminator and the operator.
const KEEPER_OFFSET: usize = 8 + 32;

/// `i/n`: this process keeps the treasuries whose hash falls in shard `i` of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Default for Shard {
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || format!("{text:?} is not a shard: i/n with 0 <= i < n, e.g. 0/4");
        let (index, count) = text.trim().split_once('/').ok_or_else(invalid)?;
        let (index, count): (u32, u32) =
            (index.trim().parse().map_err(|_| invalid())?, count.trim().parse().map_err(|_| invalid())?);
        if count == 0 || index >= count {
            return Err(invalid());
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Stable across processes, machines and releases: the first 8 bytes of SHA-256 of the
    /// treasury's address, modulo the shard count.
    pub fn owns(&self, treasury: &Pubkey) -> bool {
        let digest = Sha256::digest(treasury.as_ref());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(head) % u64::from(self.count) == u64::from(self.index)
    }
}

fn addresses_of(key: &Pubkey, treasury: &Treasury) -> ChainResult<TreasuryAddresses> {
    let addresses = TreasuryAddresses::new(treasury.operator, treasury.treasury_id);
    if addresses.treasury != *key {
        return Err(ChainError::Other(format!("account {key} is not at its treasury address")));
    }
    Ok(addresses)
}

/// Every treasury whose keeper is `keeper`, in address order.
pub async fn discover(chain: &dyn Chain, keeper: &Pubkey) -> ChainResult<Vec<TreasuryAddresses>> {
    let filters = [
        Memcmp { offset: 0, bytes: Treasury::DISCRIMINATOR.to_vec() },
        Memcmp { offset: KEEPER_OFFSET, bytes: keeper.to_bytes().to_vec() },
    ];
    let mut found = chain.program_accounts(&covenant::ID, &filters).await?;
    found.sort_by_key(|(key, _)| *key);
    found
        .iter()
        .map(|(key, account)| {
            let treasury = Treasury::try_deserialize(&mut account.data.as_slice())
                .map_err(|error| ChainError::Other(format!("treasury {key}: {error}")))?;
            addresses_of(key, &treasury)
        })
        .collect()
}

/// The listed treasury addresses, read (in one batch) for their operator and id.
pub async fn resolve(chain: &dyn Chain, listed: &[Pubkey]) -> ChainResult<Vec<TreasuryAddresses>> {
    let accounts = chain.accounts(listed).await?;
    listed
        .iter()
        .zip(accounts)
        .map(|(key, account)| {
            let account = account.ok_or_else(|| ChainError::Other(format!("treasury {key} does not exist")))?;
            if account.owner != covenant::ID {
                return Err(ChainError::Other(format!("account {key} is not a Covenant treasury")));
            }
            let treasury = Treasury::try_deserialize(&mut account.data.as_slice())
                .map_err(|error| ChainError::Other(format!("account {key} is not a Covenant treasury: {error}")))?;
            addresses_of(key, &treasury)
        })
        .collect()
}

/// `treasuries` without duplicates, keeping those of `shard`.
pub fn shard_of(mut treasuries: Vec<TreasuryAddresses>, shard: Shard) -> Vec<TreasuryAddresses> {
    treasuries.sort_by_key(|t| t.treasury);
    treasuries.dedup_by_key(|t| t.treasury);
    treasuries.retain(|t| shard.owns(&t.treasury));
    treasuries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_fleet_evenly_and_every_treasury_has_exactly_one() {
        let keys: Vec<Pubkey> =
            (0..4_000u32).map(|n| Pubkey::find_program_address(&[b"t", &n.to_le_bytes()], &covenant::ID).0).collect();
        for count in [1u32, 2, 3, 8] {
            let shards: Vec<Shard> = (0..count).map(|index| Shard { index, count }).collect();
            for key in &keys {
                assert_eq!(shards.iter().filter(|shard| shard.owns(key)).count(), 1);
            }
            for shard in &shards {
                let owned = keys.iter().filter(|key| shard.owns(key)).count() as f64;
                let even = keys.len() as f64 / f64::from(count);
                assert!((owned - even).abs() < even * 0.1, "shard {shard}: {owned} of {}", keys.len());
            }
        }
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        for bad in ["8/8", "1/0", "x/2", "2", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
