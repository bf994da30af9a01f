//! A chain that fails on purpose: wraps another chain and injects, in order, the faults a real
//! network produces. Tests and `simulate` use it to prove retries, reconciliation and restarts.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use super::{Chain, ChainError, ChainResult, Memcmp, Simulation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The request never reaches the cluster; the caller sees a timeout.
    Timeout,
    /// The transaction lands, but the answer is lost: the caller sees a timeout.
    LandThenTimeout,
    /// The cluster answers that the blockhash is too old; nothing lands.
    BlockhashExpired,
    /// The cluster cannot be reached at all.
    Unreachable,
    /// The transaction lands and then the call never returns (the process is killed mid-act).
    HangAfterLanding,
    /// The call never returns and nothing is sent (killed just before the send).
    HangBeforeSending,
}

pub struct FaultyChain<C> {
    inner: Arc<C>,
    send_faults: Mutex<VecDeque<Option<Fault>>>,
    read_faults: Mutex<VecDeque<Option<Fault>>>,
    injected: AtomicU64,
    /// Every transaction handed to `send_and_confirm`, in order (what tests inspect).
    sent: Mutex<Vec<Transaction>>,
}

impl<C: Chain> FaultyChain<C> {
    pub fn new(inner: Arc<C>) -> Self {
        Self {
            inner,
            send_faults: Mutex::new(VecDeque::new()),
            read_faults: Mutex::new(VecDeque::new()),
            injected: AtomicU64::new(0),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// The transactions sent so far, faulted or not.
    pub fn sent(&self) -> Vec<Transaction> {
        self.sent.lock().map(|sent| sent.clone()).unwrap_or_default()
    }

    /// Faults for the next sends, in order; `None` entries let a send through untouched.
    pub fn fail_sends(&self, faults: impl IntoIterator<Item = Option<Fault>>) {
        push(&self.send_faults, faults);
    }

    /// Faults for the next account reads.
    pub fn fail_reads(&self, faults: impl IntoIterator<Item = Option<Fault>>) {
        push(&self.read_faults, faults);
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    pub fn inner(&self) -> &Arc<C> {
        &self.inner
    }

    fn next(&self, queue: &Mutex<VecDeque<Option<Fault>>>) -> Option<Fault> {
        let fault = queue.lock().ok().and_then(|mut queue| queue.pop_front()).flatten();
        if fault.is_some() {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        fault
    }

    fn error(&self, fault: Fault) -> ChainError {
        match fault {
            Fault::BlockhashExpired => ChainError::BlockhashExpired,
            Fault::Unreachable => {
                ChainError::Unreachable { endpoint: self.endpoint(), detail: "injected fault".into() }
            }
            _ => ChainError::Timeout("injected fault".into()),
        }
    }
}

fn push(queue: &Mutex<VecDeque<Option<Fault>>>, faults: impl IntoIterator<Item = Option<Fault>>) {
    if let Ok(mut queue) = queue.lock() {
        queue.extend(faults);
    }
}

#[async_trait]
impl<C: Chain> Chain for FaultyChain<C> {
    fn endpoint(&self) -> String {
        format!("{} (with injected faults)", self.inner.endpoint())
    }

    async fn accounts(&self, keys: &[Pubkey]) -> ChainResult<Vec<Option<Account>>> {
        match self.next(&self.read_faults) {
            Some(fault) => Err(self.error(fault)),
            None => self.inner.accounts(keys).await,
        }
    }

    async fn program_accounts(&self, program: &Pubkey, filters: &[Memcmp]) -> ChainResult<Vec<(Pubkey, Account)>> {
        self.inner.program_accounts(program, filters).await
    }

    async fn latest_blockhash(&self) -> ChainResult<Hash> {
        self.inner.latest_blockhash().await
    }

    async fn simulate(&self, tx: &Transaction) -> ChainResult<Simulation> {
        self.inner.simulate(tx).await
    }

    async fn send_and_confirm(&self, tx: &Transaction) -> ChainResult<Signature> {
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(tx.clone());
        }
        match self.next(&self.send_faults) {
            None => self.inner.send_and_confirm(tx).await,
            Some(Fault::LandThenTimeout) => {
                self.inner.send_and_confirm(tx).await?;
                Err(ChainError::Timeout("injected fault: the confirmation was lost".into()))
            }
            Some(Fault::HangAfterLanding) => {
                self.inner.send_and_confirm(tx).await?;
                std::future::pending().await
            }
            Some(Fault::HangBeforeSending) => std::future::pending().await,
            Some(fault) => Err(self.error(fault)),
        }
    }

    async fn signature_status(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        self.inner.signature_status(signature).await
    }

    async fn recent_priority_fees(&self, accounts: &[Pubkey]) -> ChainResult<Vec<u64>> {
        self.inner.recent_priority_fees(accounts).await
    }

    async fn minimum_balance(&self, data_len: usize) -> ChainResult<u64> {
        self.inner.minimum_balance(data_len).await
    }
}
