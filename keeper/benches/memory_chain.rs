//! A chain held in memory for the scaling benchmark: accounts served through the `Chain` trait
//! with an index on the parent key (offset 8, where every Covenant account names its treasury or
//! bounty), and sends accepted without executing them. The bank has no such index, so observing
//! 10,000 treasuries through it would measure its scans, not the keeper.

use std::collections::HashMap;
use std::sync::Mutex;

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use covenant_keeper::chain::{Chain, ChainResult, Memcmp, Simulation};
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

#[derive(Default)]
pub struct MemoryChain {
    accounts: HashMap<Pubkey, Account>,
    by_parent: HashMap<[u8; 32], Vec<Pubkey>>,
    pub sent: Mutex<Vec<Transaction>>,
}

impl MemoryChain {
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
