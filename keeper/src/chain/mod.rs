//! How the keeper sees and talks to a cluster. Two implementations: JSON-RPC (`rpc`, any cluster URL)
//! and an in-process bank (`bank`, used by tests, the demo and simulation). `faults` wraps either to
//! inject the failures a real network produces.

mod bank;
pub mod faults;
mod rpc;

pub use bank::BankChain;
pub use rpc::{RpcChain, RpcSettings};

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

/// An account filter: `bytes` at `offset` of the account data (RPC `memcmp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memcmp {
    pub offset: usize,
    pub bytes: Vec<u8>,
}

/// What a simulation says about a transaction.
#[derive(Clone, Debug, Default)]
pub struct Simulation {
    pub error: Option<TransactionError>,
    pub units_consumed: Option<u64>,
    pub logs: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("cannot reach the cluster at {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },
    #[error("the cluster did not answer in time: {0}")]
    Timeout(String),
    #[error("the blockhash expired before the transaction landed")]
    BlockhashExpired,
    #[error("the transaction was already processed")]
    AlreadyProcessed,
    #[error("the transaction failed: {error}{}", program_error_suffix(error))]
    Rejected { error: TransactionError, logs: Vec<String> },
    #[error("unexpected answer from the cluster: {0}")]
    Other(String),
}

/// ` (ExceedsPeriodCap)` after a refusal by the program, so that one line names the rule.
fn program_error_suffix(error: &TransactionError) -> String {
    crate::errors::transaction_error_name(error).map_or_else(String::new, |name| format!(" ({name})"))
}

impl ChainError {
    /// Worth trying again: the network, not the transaction, was the problem.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Timeout(_))
    }

    /// A short stable label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "unreachable",
            Self::Timeout(_) => "timeout",
            Self::BlockhashExpired => "blockhash_expired",
            Self::AlreadyProcessed => "already_processed",
            Self::Rejected { .. } => "rejected",
            Self::Other(_) => "other",
        }
    }

    /// Maps the runtime's own errors to the cases the keeper treats specially.
    pub fn from_transaction_error(error: TransactionError, logs: Vec<String>) -> Self {
        match error {
            TransactionError::AlreadyProcessed => Self::AlreadyProcessed,
            TransactionError::BlockhashNotFound => Self::BlockhashExpired,
            error => Self::Rejected { error, logs },
        }
    }
}

pub type ChainResult<T> = Result<T, ChainError>;

#[async_trait]
pub trait Chain: Send + Sync {
    /// Where this chain is, for logs and errors.
    fn endpoint(&self) -> String;

    /// Accounts in the order asked; `None` where none exists.
    async fn accounts(&self, keys: &[Pubkey]) -> ChainResult<Vec<Option<Account>>>;

    /// Accounts owned by `program` whose data matches every filter.
    async fn program_accounts(&self, program: &Pubkey, filters: &[Memcmp]) -> ChainResult<Vec<(Pubkey, Account)>>;

    async fn latest_blockhash(&self) -> ChainResult<Hash>;

    async fn simulate(&self, tx: &Transaction) -> ChainResult<Simulation>;

    /// Submits and waits until the transaction is confirmed (or known to have failed).
    async fn send_and_confirm(&self, tx: &Transaction) -> ChainResult<Signature>;

    /// Submits every transaction and waits for all of them, in order. By default each on its
    /// own, at once; `RpcChain` polls their statuses together.
    async fn send_and_confirm_all(&self, txs: &[Transaction]) -> Vec<ChainResult<Signature>> {
        futures::future::join_all(txs.iter().map(|tx| self.send_and_confirm(tx))).await
    }

    /// `send_and_confirm_all` for transactions the caller has just simulated itself: a node need
    /// not simulate them again before forwarding them (`RpcChain` skips its preflight).
    async fn send_simulated_and_confirm_all(&self, txs: &[Transaction]) -> Vec<ChainResult<Signature>> {
        self.send_and_confirm_all(txs).await
    }

    /// `None`: the cluster has not seen it; `Some(result)`: it landed with that result.
    async fn signature_status(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>>;

    /// Recent prioritization fees (micro-lamports per CU) paid by transactions writing `accounts`.
    async fn recent_priority_fees(&self, accounts: &[Pubkey]) -> ChainResult<Vec<u64>>;

    async fn minimum_balance(&self, data_len: usize) -> ChainResult<u64>;

    async fn clock(&self) -> ChainResult<Clock> {
        let accounts = self.accounts(&[solana_sdk_ids::sysvar::clock::ID]).await?;
        let account =
            accounts.into_iter().next().flatten().ok_or_else(|| ChainError::Other("no clock sysvar".into()))?;
        bincode::deserialize(&account.data).map_err(|error| ChainError::Other(format!("clock sysvar: {error}")))
    }
}
