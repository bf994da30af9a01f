//! A chain held in memory for the scaling benchmark: accounts served through the `Chain` trait
//! with an index on the parent key (offset 8, where every Covenant account names its treasury or
//! bounty), and sends accepted without executing them. The bank has no such index, so observing
//! 10,000 treasuries through it would measure its scans, not the keeper.

use std::collections::HashMap;
use std::sync::Mutex;

use anchor_lang::prelude::{Pubkey, Rent};
use anchor_lang::{AccountSerialize, Space};
use async_trait::async_trait;
use covenant::constants::SOL_ASSET;
use covenant::policy::{PolicyLimits, SpendWindow};
use covenant::sdk::TreasuryAddresses;
use covenant::state::{SpendPolicy, Treasury};
use covenant_keeper::chain::{Chain, ChainResult, Memcmp, Simulation};
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

const SOL: u64 = 1_000_000_000;

#[derive(Default)]
pub struct MemoryChain {
    accounts: HashMap<Pubkey, Account>,
    by_parent: HashMap<[u8; 32], Vec<Pubkey>>,
    pub sent: Mutex<Vec<Transaction>>,
}

impl MemoryChain {
    /// The clock sysvar at `now`.
    pub fn insert_clock(&mut self, now: i64) {
        let clock = solana_clock::Clock { unix_timestamp: now, ..Default::default() };
        let data = bincode::serialize(&clock).expect("clock");
        self.insert(
            solana_sdk_ids::sysvar::clock::ID,
            Account { data, owner: solana_sdk_ids::sysvar::ID, ..Account::default() },
        );
    }

    pub fn insert(&mut self, key: Pubkey, account: Account) {
        if account.owner == covenant::ID && account.data.len() >= 40 {
            let parent: [u8; 32] = account.data[8..40].try_into().unwrap_or_default();
            self.by_parent.entry(parent).or_default().push(key);
        }
        self.accounts.insert(key, account);
    }
}

#[async_trait]
impl Chain for MemoryChain {
    fn endpoint(&self) -> String {
        "memory".into()
    }

    async fn accounts(&self, keys: &[Pubkey]) -> ChainResult<Vec<Option<Account>>> {
        Ok(keys.iter().map(|key| self.accounts.get(key).cloned()).collect())
    }

    async fn program_accounts(&self, _program: &Pubkey, filters: &[Memcmp]) -> ChainResult<Vec<(Pubkey, Account)>> {
        let matches = |account: &Account| {
            filters.iter().all(|filter| {
                account.data.get(filter.offset..filter.offset + filter.bytes.len()) == Some(&filter.bytes[..])
            })
        };
        let parent = filters.iter().find(|filter| filter.offset == 8 && filter.bytes.len() == 32);
        let keys: Vec<Pubkey> = match parent {
            Some(filter) => {
                let parent: [u8; 32] = filter.bytes[..].try_into().unwrap_or_default();
                self.by_parent.get(&parent).cloned().unwrap_or_default()
            }
            None => self.accounts.keys().copied().collect(),
        };
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                self.accounts.get(&key).filter(|account| matches(account)).map(|account| (key, account.clone()))
            })
            .collect())
    }

    async fn latest_blockhash(&self) -> ChainResult<Hash> {
        Ok(Hash::new_from_array([7; 32]))
    }

    async fn simulate(&self, _tx: &Transaction) -> ChainResult<Simulation> {
        Ok(Simulation { error: None, units_consumed: Some(20_000), logs: Vec::new() })
    }

    async fn send_and_confirm(&self, tx: &Transaction) -> ChainResult<Signature> {
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(tx.clone());
        }
        Ok(tx.signatures[0])
    }

    async fn signature_status(&self, _signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        Ok(Some(Ok(())))
    }

    async fn recent_priority_fees(&self, _accounts: &[Pubkey]) -> ChainResult<Vec<u64>> {
        Ok(Vec::new())
    }

    async fn minimum_balance(&self, data_len: usize) -> ChainResult<u64> {
        Ok(anchor_lang::prelude::Rent::default().minimum_balance(data_len))
    }
}

/// Treasury, vault and SOL policy for treasury `id` of a fresh operator, as the program writes them.
pub fn synthetic_treasury(chain: &mut MemoryChain, keeper: Pubkey, id: u64, now: i64) -> Pubkey {
    let operator = Pubkey::new_unique();
    let t = TreasuryAddresses::new(operator, id);
    let rent = Rent::default();
    let mut put = |key: Pubkey, value: &dyn Fn(&mut Vec<u8>), space: usize| {
        let mut data = Vec::with_capacity(8 + space);
        value(&mut data);
        chain.insert(
            key,
            Account { lamports: rent.minimum_balance(data.len()), data, owner: covenant::ID, ..Account::default() },
        );
    };
    let treasury = Treasury {
        operator,
        keeper,
        guardian: None,
        treasury_id: id,
        paused: false,
        next_pending_id: 0,
        next_bounty_id: 0,
        donation_count: 0,
        created_at: now,
        bump: 255,
        vault_bump: 255,
        config_timelock_seconds: 0,
        next_config_change_id: 0,
        pause_count: 0,
        keeper_tenure: 0,
        policy_generation: 1,
        usd_capped: false,
    };
    put(t.treasury, &|data| treasury.try_serialize(data).expect("treasury"), Treasury::INIT_SPACE);
    let policy = SpendPolicy {
        treasury: t.treasury,
        asset: SOL_ASSET,
        token_program: SOL_ASSET,
        decimals: 9,
        limits: PolicyLimits {
            per_tx_max: 2 * SOL,
            period_seconds: 86_400,
            period_cap: 1_000 * SOL,
            cosign_threshold: None,
            timelock_seconds: 0,
            allowlist_required: false,
        },
        window: SpendWindow::anchored_at(now),
        total_received: 0,
        total_spent: 0,
        bump: 255,
        generation: 1,
    };
    put(t.policy(&SOL_ASSET), &|data| policy.try_serialize(data).expect("policy"), SpendPolicy::INIT_SPACE);
    chain.insert(t.vault, Account { lamports: 50 * SOL, ..Account::default() });
    operator
}
