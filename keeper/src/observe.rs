//! Observe: one consistent read of everything a treasury's keeper needs, through the chain trait
//! (batched account reads plus one filtered program scan per account type).

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use covenant::constants::SOL_ASSET;
use covenant::policy::{roll_window, window_resets_at};
use covenant::sdk::{TokenMint, TreasuryAddresses};
use covenant::state::{
    ActionMarker, Bounty, Claim, ConfigChangeRequest, Grant, MemeToken, Payee, PendingSpend, SpendPolicy, Treasury,
};
use solana_account::Account;
use spl_token_2022_interface::extension::StateWithExtensions;

use crate::chain::{Chain, ChainError, ChainResult, Memcmp};

/// Every Covenant account but `Claim` starts with its treasury right after the discriminator.
const TREASURY_OFFSET: usize = 8;
/// A claim starts with its bounty.
const BOUNTY_OFFSET: usize = 8;

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub now: i64,
    pub slot: u64,
    pub addresses: TreasuryAddresses,
    pub treasury: Treasury,
    /// Lamports in the vault above its rent-exempt floor.
    pub vault_spendable: u64,
    /// Lamports an empty system account needs to exist (a SOL recipient must end at or above it).
    pub rent_floor: u64,
    /// By asset (`SOL_ASSET` for SOL).
    pub policies: BTreeMap<Pubkey, SpendPolicy>,
    /// Vault token balances by mint.
    pub token_balances: BTreeMap<Pubkey, u64>,
    /// By recipient.
    pub payees: BTreeMap<Pubkey, Payee>,
    pub pendings: Vec<(Pubkey, PendingSpend)>,
    pub grants: Vec<(Pubkey, Grant)>,
    pub bounties: Vec<(Pubkey, Bounty)>,
    pub claims: Vec<(Pubkey, Claim)>,
    /// By mint.
    pub memes: BTreeMap<Pubkey, MemeToken>,
    /// Lamports of the wallets the keeper may pay SOL to (absent: no account yet).
    pub wallet_lamports: BTreeMap<Pubkey, u64>,
    /// Loosening operator changes waiting out the config timelock, by id. They bind nothing
    /// until executed, so the guard checks against the rules in force; status shows them.
    pub config_changes: Vec<(Pubkey, ConfigChangeRequest)>,
    /// Exactly-once markers (`exactly_once`): marker key → highest sequence done.
    pub markers: BTreeMap<[u8; 32], u64>,
}

impl Snapshot {
    /// `policy`'s window as of this snapshot: (spent in the current period, seconds until it resets).
    pub fn window_now(&self, policy: &SpendPolicy) -> Option<(u64, i64)> {
        let period = policy.limits.period_seconds;
        let spent = roll_window(policy.window, period, self.now).ok()?.spent;
        let resets_at = window_resets_at(policy.window, period, self.now).ok()?;
        Some((spent, resets_at - self.now))
    }

    /// Decimals of `asset`: 9 for SOL, a policy's or a meme token's recorded decimals, else unknown.
    pub fn decimals(&self, asset: &Pubkey) -> Option<u8> {
        if *asset == SOL_ASSET {
            return Some(9);
        }
        self.policies
            .get(asset)
            .map(|policy| policy.decimals)
            .or_else(|| self.memes.get(asset).map(|meme| meme.decimals))
    }

    pub fn token_of(&self, asset: &Pubkey) -> Option<TokenMint> {
        if *asset == SOL_ASSET {
            return None;
        }
        let program = self
            .policies
            .get(asset)
            .map(|policy| policy.token_program)
            .or_else(|| self.memes.contains_key(asset).then_some(anchor_spl::token_2022::ID))?;
        Some(TokenMint { mint: *asset, program })
    }
}

fn decode<T: AccountDeserialize>(key: &Pubkey, account: &Account) -> ChainResult<T> {
    T::try_deserialize(&mut account.data.as_slice())
        .map_err(|error| ChainError::Other(format!("account {key} does not decode: {error}")))
}

async fn scan<T: AccountDeserialize + Discriminator>(
    chain: &dyn Chain,
    offset: usize,
    parent: &Pubkey,
) -> ChainResult<Vec<(Pubkey, T)>> {
    let filters =
        [Memcmp { offset: 0, bytes: T::DISCRIMINATOR.to_vec() }, Memcmp { offset, bytes: parent.to_bytes().to_vec() }];
    let found = chain.program_accounts(&covenant::ID, &filters).await?;
    found.iter().map(|(key, account)| Ok((*key, decode::<T>(key, account)?))).collect()
}

/// Reads the treasury at `addresses`; `wallets` are the SOL recipients whose balance matters.
pub async fn observe(chain: &dyn Chain, addresses: &TreasuryAddresses, wallets: &[Pubkey]) -> ChainResult<Snapshot> {
    let clock = chain.clock().await?;
    let head = chain.accounts(&[addresses.treasury, addresses.vault]).await?;
    let [treasury_account, vault_account] = &head[..] else {
        return Err(ChainError::Other("short answer to an account read".into()));
    };
    let treasury_account = treasury_account
        .as_ref()
        .ok_or_else(|| ChainError::Other(format!("treasury {} does not exist", addresses.treasury)))?;
    if treasury_account.owner != covenant::ID {
        return Err(ChainError::Other(format!("account {} is not a Covenant treasury", addresses.treasury)));
    }
    let treasury: Treasury = decode(&addresses.treasury, treasury_account)?;
    let rent_floor = chain.minimum_balance(0).await?;
    let vault_spendable = vault_account.as_ref().map_or(0, |vault| vault.lamports.saturating_sub(rent_floor));

    let policies: BTreeMap<Pubkey, SpendPolicy> = scan::<SpendPolicy>(chain, TREASURY_OFFSET, &addresses.treasury)
        .await?
        .into_iter()
        .map(|(_, policy)| (policy.asset, policy))
        .collect();
    let payees: BTreeMap<Pubkey, Payee> = scan::<Payee>(chain, TREASURY_OFFSET, &addresses.treasury)
        .await?
        .into_iter()
        .map(|(_, payee)| (payee.recipient, payee))
        .collect();
    let pendings = scan::<PendingSpend>(chain, TREASURY_OFFSET, &addresses.treasury).await?;
    let grants = scan::<Grant>(chain, TREASURY_OFFSET, &addresses.treasury).await?;
    let bounties = scan::<Bounty>(chain, TREASURY_OFFSET, &addresses.treasury).await?;
    let memes: BTreeMap<Pubkey, MemeToken> = scan::<MemeToken>(chain, TREASURY_OFFSET, &addresses.treasury)
        .await?
        .into_iter()
        .map(|(_, meme)| (meme.mint, meme))
        .collect();
    let markers = scan::<ActionMarker>(chain, TREASURY_OFFSET, &addresses.treasury)
        .await?
        .into_iter()
        .map(|(_, marker)| (marker.key, marker.last))
        .collect();
    let mut config_changes = scan::<ConfigChangeRequest>(chain, TREASURY_OFFSET, &addresses.treasury).await?;
    config_changes.sort_by_key(|(_, request)| request.id);
    let mut claims = Vec::new();
    for (bounty, _) in &bounties {
        claims.extend(scan::<Claim>(chain, BOUNTY_OFFSET, bounty).await?);
    }

    // SOL recipients whose balance decides the rent rule: configured ones, payees, pending spends.
    // (A wallet not read here counts as empty: the guard errs on the side of refusing.)
    let mut wallets: Vec<Pubkey> = wallets.to_vec();
    wallets.extend(payees.keys().copied());
    wallets.extend(pendings.iter().map(|(_, pending)| pending.recipient));
    wallets.sort();
    wallets.dedup();
    let wallets = &wallets[..];
    let token_policies: Vec<&SpendPolicy> = policies.values().filter(|policy| !policy.is_sol()).collect();
    let mut keys: Vec<Pubkey> = token_policies
        .iter()
        .map(|policy| addresses.vault_token_account(&policy.asset, &policy.token_program))
        .collect();
    keys.extend_from_slice(wallets);
    let read = chain.accounts(&keys).await?;
    let (token_accounts, wallet_accounts) = read.split_at(token_policies.len().min(read.len()));
    let token_balances = token_policies
        .iter()
        .zip(token_accounts)
        .map(|(policy, account)| (policy.asset, account.as_ref().map_or(0, token_amount)))
        .collect();
    let wallet_lamports = wallets
        .iter()
        .zip(wallet_accounts)
        .filter_map(|(wallet, account)| account.as_ref().map(|account| (*wallet, account.lamports)))
        .collect();

    Ok(Snapshot {
        now: clock.unix_timestamp,
        slot: clock.slot,
        addresses: *addresses,
        treasury,
        vault_spendable,
        rent_floor,
        policies,
        token_balances,
        payees,
        pendings,
        grants,
        bounties,
        claims,
        memes,
        wallet_lamports,
        config_changes,
        markers,
    })
}

/// The amount in an SPL Token or Token-2022 account (0 if it is not one).
fn token_amount(account: &Account) -> u64 {
    StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(&account.data)
        .map_or(0, |state| state.base.amount)
}
