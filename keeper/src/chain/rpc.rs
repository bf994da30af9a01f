//! Any cluster through `solana-client`'s JSON-RPC client.
//!
//! Sending confirms by polling `getSignatureStatuses` and tracks expiry the way the cluster
//! decides it: a transaction whose blockhash has a last-valid block height below the current
//! block height can never land, so once the cluster passes that height (and one last status check
//! finds nothing) the answer is `BlockhashExpired`, and the caller may sign again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use solana_account::Account;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_client::rpc_config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig, RpcSimulateTransactionConfig,
};
use solana_client::rpc_filter::{self, RpcFilterType};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::request::RpcError;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use super::{Chain, ChainError, ChainResult, Memcmp, Simulation};

/// `getMultipleAccounts` answers at most this many keys per call.
const MULTIPLE_ACCOUNTS_LIMIT: usize = 100;

/// How many blockhashes' last-valid heights are remembered (a keeper uses a few per tick).
const REMEMBERED_BLOCKHASHES: usize = 256;
/// How often an unconfirmed transaction is sent again while it waits.
const RESEND_EVERY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct RpcSettings {
    pub url: String,
    pub timeout: Duration,
    pub commitment: CommitmentConfig,
    /// Between two status polls while a transaction confirms (about a slot on a real cluster).
    pub confirm_poll: Duration,
}

impl RpcSettings {
    pub fn new(url: &str, timeout: Duration, commitment: CommitmentConfig) -> Self {
        Self { url: url.to_string(), timeout, commitment, confirm_poll: Duration::from_millis(400) }
    }
}

pub struct RpcChain {
    client: RpcClient,
    url: String,
    confirm_poll: Duration,
    /// blockhash → last block height at which a transaction using it can land.
    last_valid: Mutex<HashMap<Hash, u64>>,
}

impl RpcChain {
    pub fn new(settings: &RpcSettings) -> Self {
        let client =
            RpcClient::new_with_timeout_and_commitment(settings.url.clone(), settings.timeout, settings.commitment);
        Self {
            client,
            url: settings.url.clone(),
            confirm_poll: settings.confirm_poll,
            last_valid: Mutex::new(HashMap::new()),
        }
    }

    fn remember(&self, blockhash: Hash, last_valid_block_height: u64) {
        if let Ok(mut known) = self.last_valid.lock() {
            if known.len() >= REMEMBERED_BLOCKHASHES {
                // The oldest blockhashes are the lowest heights, and long expired.
                if let Some(oldest) = known.iter().min_by_key(|(_, height)| **height).map(|(hash, _)| *hash) {
                    known.remove(&oldest);
                }
            }
            known.insert(blockhash, last_valid_block_height);
        }
    }

    /// Past its last valid block height, or (for a blockhash this client never fetched, such as
    /// one an offline signer used) no longer valid by the cluster's word.
    async fn expired(&self, blockhash: &Hash) -> ChainResult<bool> {
        let last_valid = self.last_valid.lock().ok().and_then(|known| known.get(blockhash).copied());
        match last_valid {
            Some(height) => Ok(self.client.get_block_height().await.map_err(|error| self.error(error))? > height),
            None => Ok(!self
                .client
                .is_blockhash_valid(blockhash, self.client.commitment())
                .await
                .map_err(|error| self.error(error))?),
        }
    }

    /// The status at our commitment: `Some(Ok)` confirmed, `Some(Err)` failed, `None` not yet.
    async fn confirmation(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        let statuses =
            self.client.get_signature_statuses(&[*signature]).await.map_err(|error| self.error(error))?.value;
        Ok(match statuses.into_iter().next().flatten() {
            Some(status) if status.err.is_some() => status.err.map(Err),
            Some(status) if status.satisfies_commitment(self.client.commitment()) => Some(Ok(())),
            _ => None,
        })
    }

    fn error(&self, error: ClientError) -> ChainError {
        classify(&self.url, error)
    }
}

/// Sorts client errors into what the keeper does about them: retry (network), rebuild (blockhash),
/// done (already processed), or report (the transaction itself failed).
pub(crate) fn classify(url: &str, error: ClientError) -> ChainError {
    if let Some(transaction_error) = error.get_transaction_error() {
        let logs = match &*error.kind {
            ErrorKind::RpcError(RpcError::RpcResponseError {
                data: solana_rpc_client_api::request::RpcResponseErrorData::SendTransactionPreflightFailure(result),
                ..
            }) => result.logs.clone().unwrap_or_default(),
            _ => Vec::new(),
        };
        return ChainError::from_transaction_error(transaction_error, logs);
    }
    match &*error.kind {
        ErrorKind::Reqwest(inner) if inner.is_timeout() => ChainError::Timeout(inner.to_string()),
        ErrorKind::Reqwest(inner) => ChainError::Unreachable { endpoint: url.to_string(), detail: inner.to_string() },
        ErrorKind::Io(inner) => ChainError::Unreachable { endpoint: url.to_string(), detail: inner.to_string() },
        other => ChainError::Other(other.to_string()),
    }
}

#[async_trait]
impl Chain for RpcChain {
    fn endpoint(&self) -> String {
        self.url.clone()
    }

    async fn accounts(&self, keys: &[Pubkey]) -> ChainResult<Vec<Option<Account>>> {
        let mut accounts = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MULTIPLE_ACCOUNTS_LIMIT) {
            accounts.extend(self.client.get_multiple_accounts(chunk).await.map_err(|error| self.error(error))?);
        }
        Ok(accounts)
    }

    async fn program_accounts(&self, program: &Pubkey, filters: &[Memcmp]) -> ChainResult<Vec<(Pubkey, Account)>> {
        let config = RpcProgramAccountsConfig {
            filters: Some(
                filters
                    .iter()
                    .map(|filter| {
                        RpcFilterType::Memcmp(rpc_filter::Memcmp::new_raw_bytes(filter.offset, filter.bytes.clone()))
                    })
                    .collect(),
            ),
            account_config: RpcAccountInfoConfig {
                encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                commitment: Some(self.client.commitment()),
                ..RpcAccountInfoConfig::default()
            },
            with_context: None,
            sort_results: Some(true),
        };
        let found = self
            .client
            .get_program_ui_accounts_with_config(program, config)
            .await
            .map_err(|error| self.error(error))?;
        found
            .into_iter()
            .map(|(key, account)| {
                account
                    .decode()
                    .map(|account| (key, account))
                    .ok_or_else(|| ChainError::Other(format!("account {key}: undecodable data")))
            })
            .collect()
    }

    async fn latest_blockhash(&self) -> ChainResult<Hash> {
        let (blockhash, last_valid_block_height) = self
            .client
            .get_latest_blockhash_with_commitment(self.client.commitment())
            .await
            .map_err(|error| self.error(error))?;
        self.remember(blockhash, last_valid_block_height);
        Ok(blockhash)
    }

    async fn simulate(&self, tx: &Transaction) -> ChainResult<Simulation> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            commitment: Some(self.client.commitment()),
            ..RpcSimulateTransactionConfig::default()
        };
        let result =
            self.client.simulate_transaction_with_config(tx, config).await.map_err(|error| self.error(error))?.value;
        Ok(Simulation {
            error: result.err.map(TransactionError::from),
            units_consumed: result.units_consumed,
            logs: result.logs.unwrap_or_default(),
        })
    }

    async fn send_and_confirm(&self, tx: &Transaction) -> ChainResult<Signature> {
        let config = RpcSendTransactionConfig {
            preflight_commitment: Some(self.client.commitment().commitment),
            ..RpcSendTransactionConfig::default()
        };
        let signature =
            self.client.send_transaction_with_config(tx, config).await.map_err(|error| self.error(error))?;
        let blockhash = tx.message.recent_blockhash;
        let mut sent_at = Instant::now();
        loop {
            tokio::time::sleep(self.confirm_poll).await;
            match self.confirmation(&signature).await? {
                Some(Ok(())) => return Ok(signature),
                Some(Err(error)) => return Err(ChainError::from_transaction_error(error, Vec::new())),
                None => {}
            }
            if self.expired(&blockhash).await? {
                // It may have landed in the very last valid block.
                return match self.confirmation(&signature).await? {
                    Some(Ok(())) => Ok(signature),
                    Some(Err(error)) => Err(ChainError::from_transaction_error(error, Vec::new())),
                    None => Err(ChainError::BlockhashExpired),
                };
            }
            if sent_at.elapsed() >= RESEND_EVERY {
                // The same bytes (same signature): they can land at most once. A refusal here
                // (already processed, or expired) is settled by the next status poll.
                let _ = self.client.send_transaction_with_config(tx, config).await;
                sent_at = Instant::now();
            }
        }
    }

    async fn signature_status(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        let statuses = self
            .client
            .get_signature_statuses_with_history(&[*signature])
            .await
            .map_err(|error| self.error(error))?
            .value;
        Ok(statuses.into_iter().next().flatten().map(|status| status.err.map_or(Ok(()), Err)))
    }

    async fn recent_priority_fees(&self, accounts: &[Pubkey]) -> ChainResult<Vec<u64>> {
        let fees = self.client.get_recent_prioritization_fees(accounts).await.map_err(|error| self.error(error))?;
        Ok(fees.into_iter().map(|fee| fee.prioritization_fee).collect())
    }

    async fn minimum_balance(&self, data_len: usize) -> ChainResult<u64> {
        self.client.get_minimum_balance_for_rent_exemption(data_len).await.map_err(|error| self.error(error))
    }
}
