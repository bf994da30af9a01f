//! Observe: one consistent read of everything a treasury's keeper needs, through the chain trait
//! (batched account reads plus one program scan per account type), for one treasury or a fleet.

use std::collections::{BTreeMap, HashMap, HashSet};

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use covenant::constants::SOL_ASSET;
use covenant::policy::{roll_window, window_resets_at, ConfigChange, PriceReading};
use covenant::sdk::{TokenMint, TreasuryAddresses};
use covenant::state::{
    ActionMarker, Bounty, Claim, ConfigChangeRequest, Grant, MemeToken, Payee, PendingSpend, SpendPolicy, Treasury,
    UsdPolicy,
};
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use solana_account::Account;
use spl_token_2022_interface::extension::StateWithExtensions;

use crate::chain::{Chain, ChainError, ChainResult, Memcmp};

/// Every Covenant account but `Claim` starts with its treasury right after the discriminator.
const TREASURY_OFFSET: usize = 8;
/// A claim starts with its bounty.
const BOUNTY_OFFSET: usize = 8;

/// A queued config change as the program would judge it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Its timelock (as the treasury's timelock is now) has not passed.
    Waiting,
    Executable,
    /// Its 7-day grace period after maturing passed: only cancelling it remains.
    Expired,
    /// What it would replace has changed since it was queued (or, for an unpause, the treasury
    /// was paused again): it can never execute.
    Stale,
}

impl RequestState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Executable => "executable",
            Self::Expired => "expired",
            Self::Stale => "stale",
        }
    }
}

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
    /// Exactly-once markers (`exactly_once`): marker key → what was marked, by which tenure, when.
    pub markers: BTreeMap<[u8; 32], crate::exactly_once::MarkerView>,
    /// The treasury's dollar rules (USD caps, price feeds, swap venues), once any was set.
    pub usd_policy: Option<UsdPolicy>,
    /// By asset: the price of each pinned feed, read at its price feed account.
    pub prices: BTreeMap<Pubkey, PriceSource>,
}

impl Snapshot {
    /// `policy`'s window as of this snapshot: (spent in the current period, seconds until it resets).
    /// Whether a pending spend may still run as things stand: proposed by the current keeper
    /// tenure (or approved by the operator) under the asset's current policy.
    pub fn pending_is_current(&self, pending: &PendingSpend) -> bool {
        self.policies.get(&pending.asset).is_some_and(|policy| {
            covenant::policy::check_pending_current(
                pending.status,
                pending.keeper_tenure,
                pending.policy_generation,
                self.treasury.keeper_tenure,
                policy.generation,
            )
            .is_ok()
        })
    }

    /// What `change` would replace as things stand (the shape a queued request records as its
    /// basis), so a request can be told stale before it is tried.
    pub fn request_basis(&self, change: &ConfigChange) -> Option<ConfigChange> {
        let t = &self.treasury;
        match change {
            ConfigChange::SetKeeper { .. } => Some(ConfigChange::SetKeeper { keeper: t.keeper }),
            ConfigChange::SetGuardian { .. } => Some(ConfigChange::SetGuardian { guardian: t.guardian }),
            ConfigChange::SetConfigTimelock { .. } => {
                Some(ConfigChange::SetConfigTimelock { seconds: t.config_timelock_seconds })
            }
            ConfigChange::UpdatePolicy { asset, .. } => self
                .policies
                .get(asset)
                .map(|policy| ConfigChange::UpdatePolicy { asset: *asset, limits: policy.limits }),
            ConfigChange::UpdatePayee { recipient, .. } => self.payees.get(recipient).map(Payee::as_change),
            ConfigChange::Unpause | ConfigChange::CreatePolicy { .. } | ConfigChange::AddPayee { .. } => None,
            ConfigChange::SetUsdLimits { .. } => {
                Some(ConfigChange::SetUsdLimits { limits: self.usd_policy.as_ref().and_then(|usd| usd.limits) })
            }
            ConfigChange::SetPriceFeed { asset, .. } => Some(ConfigChange::SetPriceFeed {
                asset: *asset,
                feed: self.usd_policy.as_ref().and_then(|usd| usd.feed_of(asset).copied()),
            }),
            ConfigChange::SetSwapVenue { program, .. } => Some(ConfigChange::SetSwapVenue {
                program: *program,
                max_slippage_bps: self.usd_policy.as_ref().and_then(|usd| usd.venue_slippage(program)),
            }),
        }
    }

    /// Where a queued request stands now, by the program's own rules, and when it matures.
    pub fn request_state(&self, request: &ConfigChangeRequest) -> (RequestState, i64) {
        let t = &self.treasury;
        let window = covenant::policy::request_window(
            request.queued_at,
            request.executable_at,
            t.config_timelock_seconds,
            request.overrides_guardian,
        );
        let Ok((matures_at, expires_at)) = window else { return (RequestState::Expired, request.executable_at) };
        let answered = request.change != ConfigChange::Unpause || request.pause_count == t.pause_count;
        let state = if request.basis != self.request_basis(&request.change) || !answered {
            RequestState::Stale
        } else if self.now >= expires_at {
            RequestState::Expired
        } else if self.now < matures_at {
            RequestState::Waiting
        } else {
            RequestState::Executable
        };
        (state, matures_at)
    }

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

/// Every account of type `T` under one of `parents` (its parent key at `offset`), decoded and
/// grouped by parent. One parent: one program scan filtered by it. More: one scan of the type for
/// the whole program, split here, so that the cost per tick does not grow with the fleet's size
/// in round trips.
async fn scan<T: AccountDeserialize + Discriminator>(
    chain: &dyn Chain,
    offset: usize,
    parents: &[Pubkey],
) -> ChainResult<HashMap<Pubkey, Vec<(Pubkey, T)>>> {
    let mut filters = vec![Memcmp { offset: 0, bytes: T::DISCRIMINATOR.to_vec() }];
    if let [parent] = parents {
        filters.push(Memcmp { offset, bytes: parent.to_bytes().to_vec() });
    }
    let wanted: HashSet<&Pubkey> = parents.iter().collect();
    let mut grouped: HashMap<Pubkey, Vec<(Pubkey, T)>> = HashMap::new();
    for (key, account) in chain.program_accounts(&covenant::ID, &filters).await? {
        let Some(parent) = account.data.get(offset..offset + 32).and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        else {
            continue;
        };
        let parent = Pubkey::new_from_array(parent);
        if wanted.contains(&parent) {
            grouped.entry(parent).or_default().push((key, decode::<T>(&key, &account)?));
        }
    }
    Ok(grouped)
}

/// Where an asset's price is read, and what was there (`None`: missing, not the receiver's, or
/// not a price update: the program would refuse it as `PriceAccountInvalid`).
#[derive(Clone, Debug, PartialEq)]
pub struct PriceSource {
    pub address: Pubkey,
    pub reading: Option<PriceReading>,
}

impl PriceSource {
    pub fn read(address: Pubkey, account: Option<&Account>) -> Self {
        let reading = account
            .filter(|account| account.owner == pyth_solana_receiver_sdk::ID)
            .and_then(|account| PriceUpdateV2::try_deserialize(&mut account.data.as_slice()).ok())
            .map(|update| PriceReading::from(&update));
        Self { address, reading }
    }
}

/// What one treasury's snapshot still needs read after the scans: its vault token accounts, the
/// SOL wallets it may pay, and (asset, account) of each pinned price feed.
struct Reads {
    tokens: Vec<Pubkey>,
    wallets: Vec<Pubkey>,
    prices: Vec<(Pubkey, Pubkey)>,
}

/// Reads the treasury at `addresses`; `wallets` are the SOL recipients whose balance matters.
pub async fn observe(chain: &dyn Chain, addresses: &TreasuryAddresses, wallets: &[Pubkey]) -> ChainResult<Snapshot> {
    let mut snapshots = observe_many(chain, std::slice::from_ref(addresses), wallets).await?;
    snapshots.pop().ok_or_else(|| ChainError::Other("no snapshot".into()))
}

/// Reads every treasury in `treasuries` in one pass: one batched read of the treasuries and their
/// vaults, one program scan per account type (whatever the number of treasuries), one batched
/// read of the vaults' token accounts and the wallets. Snapshots come back in the same order.
pub async fn observe_many(
    chain: &dyn Chain,
    treasuries: &[TreasuryAddresses],
    wallets: &[Pubkey],
) -> ChainResult<Vec<Snapshot>> {
    let clock = chain.clock().await?;
    let rent_floor = chain.minimum_balance(0).await?;
    let head_keys: Vec<Pubkey> = treasuries.iter().flat_map(|t| [t.treasury, t.vault]).collect();
    let head = chain.accounts(&head_keys).await?;
    if head.len() != head_keys.len() {
        return Err(ChainError::Other("short answer to an account read".into()));
    }
    let parents: Vec<Pubkey> = treasuries.iter().map(|t| t.treasury).collect();
    let mut policies = scan::<SpendPolicy>(chain, TREASURY_OFFSET, &parents).await?;
    let mut payees = scan::<Payee>(chain, TREASURY_OFFSET, &parents).await?;
    let mut pendings = scan::<PendingSpend>(chain, TREASURY_OFFSET, &parents).await?;
    let mut grants = scan::<Grant>(chain, TREASURY_OFFSET, &parents).await?;
    let mut bounties = scan::<Bounty>(chain, TREASURY_OFFSET, &parents).await?;
    let mut memes = scan::<MemeToken>(chain, TREASURY_OFFSET, &parents).await?;
    let mut changes = scan::<ConfigChangeRequest>(chain, TREASURY_OFFSET, &parents).await?;
    let mut markers = scan::<ActionMarker>(chain, TREASURY_OFFSET, &parents).await?;
    let mut usd_policies = scan::<UsdPolicy>(chain, TREASURY_OFFSET, &parents).await?;
    let bounty_keys: Vec<Pubkey> = bounties.values().flatten().map(|(key, _)| *key).collect();
    // One treasury: a scan filtered by each of its (few) bounties, as one treasury should cost
    // nothing more on a cluster with many; a fleet: one scan of every claim.
    let mut claims = HashMap::new();
    if treasuries.len() == 1 {
        for bounty in &bounty_keys {
            claims.extend(scan::<Claim>(chain, BOUNTY_OFFSET, std::slice::from_ref(bounty)).await?);
        }
    } else if !bounty_keys.is_empty() {
        claims = scan::<Claim>(chain, BOUNTY_OFFSET, &bounty_keys).await?;
    }

    let mut snapshots = Vec::with_capacity(treasuries.len());
    // Each treasury's token accounts and SOL wallets, read for all treasuries in one batch below.
    let mut reads: Vec<Reads> = Vec::with_capacity(treasuries.len());
    for (index, addresses) in treasuries.iter().enumerate() {
        let (treasury_account, vault_account) = (&head[2 * index], &head[2 * index + 1]);
        let treasury_account = treasury_account
            .as_ref()
            .ok_or_else(|| ChainError::Other(format!("treasury {} does not exist", addresses.treasury)))?;
        if treasury_account.owner != covenant::ID {
            return Err(ChainError::Other(format!("account {} is not a Covenant treasury", addresses.treasury)));
        }
        let treasury: Treasury = decode(&addresses.treasury, treasury_account)?;
        let vault_spendable = vault_account.as_ref().map_or(0, |vault| vault.lamports.saturating_sub(rent_floor));
        let key = addresses.treasury;
        let policies: BTreeMap<Pubkey, SpendPolicy> =
            policies.remove(&key).unwrap_or_default().into_iter().map(|(_, p)| (p.asset, p)).collect();
        let payees: BTreeMap<Pubkey, Payee> =
            payees.remove(&key).unwrap_or_default().into_iter().map(|(_, p)| (p.recipient, p)).collect();
        let pendings = pendings.remove(&key).unwrap_or_default();
        let bounties = bounties.remove(&key).unwrap_or_default();
        let mut config_changes = changes.remove(&key).unwrap_or_default();
        config_changes.sort_by_key(|(_, request)| request.id);
        let mut treasury_claims = Vec::new();
        for (bounty, _) in &bounties {
            treasury_claims.extend(claims.remove(bounty).unwrap_or_default());
        }
        // SOL recipients whose balance decides the rent rule: configured ones, payees, pending
        // spends. (A wallet not read counts as empty: the guard errs on the side of refusing.)
        let mut wallet_keys: Vec<Pubkey> = wallets.to_vec();
        wallet_keys.extend(payees.keys().copied());
        wallet_keys.extend(pendings.iter().map(|(_, pending)| pending.recipient));
        wallet_keys.sort();
        wallet_keys.dedup();
        let token_keys: Vec<Pubkey> = policies
            .values()
            .filter(|policy| !policy.is_sol())
            .map(|policy| addresses.vault_token_account(&policy.asset, &policy.token_program))
            .collect();
        let usd_policy = usd_policies.remove(&key).and_then(|mut found| found.pop()).map(|(_, usd)| usd);
        let price_keys: Vec<(Pubkey, Pubkey)> = usd_policy
            .iter()
            .flat_map(|usd| usd.feeds.iter())
            .map(|entry| (entry.asset, covenant::sdk::price_feed_account(&entry.feed.feed_id)))
            .collect();
        reads.push(Reads { tokens: token_keys, wallets: wallet_keys, prices: price_keys });
        snapshots.push(Snapshot {
            now: clock.unix_timestamp,
            slot: clock.slot,
            addresses: *addresses,
            treasury,
            vault_spendable,
            rent_floor,
            policies,
            token_balances: BTreeMap::new(),
            payees,
            pendings,
            grants: grants.remove(&key).unwrap_or_default(),
            bounties,
            claims: treasury_claims,
            memes: memes.remove(&key).unwrap_or_default().into_iter().map(|(_, m)| (m.mint, m)).collect(),
            wallet_lamports: BTreeMap::new(),
            config_changes,
            markers: markers
                .remove(&key)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, m)| (m.key, crate::exactly_once::MarkerView::of(&m)))
                .collect(),
            usd_policy,
            prices: BTreeMap::new(),
        });
    }
    let all: Vec<Pubkey> = reads
        .iter()
        .flat_map(|read| read.tokens.iter().chain(&read.wallets).chain(read.prices.iter().map(|(_, address)| address)))
        .copied()
        .collect();
    let read = chain.accounts(&all).await?;
    if read.len() != all.len() {
        return Err(ChainError::Other("short answer to an account read".into()));
    }
    let mut accounts = read.into_iter();
    for (snapshot, Reads { tokens: token_keys, wallets: wallet_keys, prices }) in snapshots.iter_mut().zip(&reads) {
        let token_assets: Vec<Pubkey> =
            snapshot.policies.values().filter(|policy| !policy.is_sol()).map(|policy| policy.asset).collect();
        for (asset, account) in token_assets.into_iter().zip(accounts.by_ref().take(token_keys.len())) {
            snapshot.token_balances.insert(asset, account.as_ref().map_or(0, token_amount));
        }
        for (wallet, account) in wallet_keys.iter().zip(accounts.by_ref().take(wallet_keys.len())) {
            if let Some(account) = account {
                snapshot.wallet_lamports.insert(*wallet, account.lamports);
            }
        }
        for ((asset, address), account) in prices.iter().zip(accounts.by_ref().take(prices.len())) {
            snapshot.prices.insert(*asset, PriceSource::read(*address, account.as_ref()));
        }
    }
    Ok(snapshots)
}

/// The amount in an SPL Token or Token-2022 account (0 if it is not one).
fn token_amount(account: &Account) -> u64 {
    StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(&account.data)
        .map_or(0, |state| state.base.amount)
}
