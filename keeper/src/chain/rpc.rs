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
/// `getSignatureStatuses` answers at most this many signatures per call.
const SIGNATURE_STATUSES_LIMIT: usize = 256;
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

    /// The statuses at our commitment of `signatures` (256 per call, the RPC's limit).
    async fn statuses(&self, signatures: &[Signature]) -> ChainResult<Vec<Option<Result<(), TransactionError>>>> {
        let mut all = Vec::with_capacity(signatures.len());
        for chunk in signatures.chunks(SIGNATURE_STATUSES_LIMIT) {
            let statuses = self.client.get_signature_statuses(chunk).await.map_err(|error| self.error(error))?.value;
            all.extend(statuses.into_iter().map(|status| match status {
                Some(status) if status.err.is_some() => status.err.map(Err),
                Some(status) if status.satisfies_commitment(self.client.commitment()) => Some(Ok(())),
                _ => None,
            }));
        }
        Ok(all)
    }

    /// The status at our commitment: `Some(Ok)` confirmed, `Some(Err)` failed, `None` not yet.
    async fn confirmation(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        Ok(self.statuses(&[*signature]).await?.pop().flatten())
    }

    /// Sends all, then one `getSignatureStatuses` per poll for every transaction still waiting
    /// (and one block height), instead of one poller per transaction. `simulated`: the caller
    /// simulated them already, so the node's preflight would only do that work again.
    async fn send_and_confirm_batch(&self, txs: &[Transaction], simulated: bool) -> Vec<ChainResult<Signature>> {
        let config = RpcSendTransactionConfig {
            skip_preflight: simulated,
            preflight_commitment: Some(self.client.commitment().commitment),
            ..RpcSendTransactionConfig::default()
        };
        let sent =
            futures::future::join_all(txs.iter().map(|tx| self.client.send_transaction_with_config(tx, config))).await;
        let mut results: Vec<Option<ChainResult<Signature>>> = Vec::with_capacity(txs.len());
        let mut waiting: Vec<usize> = Vec::new();
        for (index, sent) in sent.into_iter().enumerate() {
            match sent {
                Ok(_) => {
                    results.push(None);
                    waiting.push(index);
                }
                Err(error) => results.push(Some(Err(self.error(error)))),
            }
        }
        let mut sent_at = Instant::now();
        while !waiting.is_empty() {
            tokio::time::sleep(self.confirm_poll).await;
            let signatures: Vec<Signature> = waiting.iter().map(|&index| txs[index].signatures[0]).collect();
            let statuses = match self.statuses(&signatures).await {
                Ok(statuses) => statuses,
                Err(error) => {
                    // Unknown, not failed: the caller asks again one by one before resending.
                    for &index in &waiting {
                        results[index] = Some(Err(ChainError::Timeout(format!("status poll: {error}"))));
                    }
                    break;
                }
            };
            let height = self.client.get_block_height().await.ok();
            let (mut still, mut expired_now) = (Vec::new(), Vec::new());
            for (index, status) in waiting.into_iter().zip(statuses) {
                match status {
                    Some(Ok(())) => results[index] = Some(Ok(txs[index].signatures[0])),
                    Some(Err(error)) => {
                        results[index] = Some(Err(ChainError::from_transaction_error(error, Vec::new())))
                    }
                    None => {
                        let blockhash = txs[index].message.recent_blockhash;
                        let last_valid = self.last_valid.lock().ok().and_then(|known| known.get(&blockhash).copied());
                        let expired = match (last_valid, height) {
                            (Some(last_valid), Some(height)) => height > last_valid,
                            _ => self.expired(&blockhash).await.unwrap_or(false),
                        };
                        if expired {
                            expired_now.push(index);
                        } else {
                            still.push(index);
                        }
                    }
                }
            }
            if !expired_now.is_empty() {
                // Past their last valid height; one last look, as they may have landed in its block.
                let signatures: Vec<Signature> = expired_now.iter().map(|&index| txs[index].signatures[0]).collect();
                let last_look = self.statuses(&signatures).await.unwrap_or_else(|_| vec![None; signatures.len()]);
                for (index, status) in expired_now.into_iter().zip(last_look) {
                    results[index] = Some(match status {
                        Some(Ok(())) => Ok(txs[index].signatures[0]),
                        Some(Err(error)) => Err(ChainError::from_transaction_error(error, Vec::new())),
                        None => Err(ChainError::BlockhashExpired),
                    });
                }
            }
            waiting = still;
            if sent_at.elapsed() >= RESEND_EVERY {
                for &index in &waiting {
                    let _ = self.client.send_transaction_with_config(&txs[index], config).await;
                }
                sent_at = Instant::now();
            }
        }
        results
            .into_iter()
            .map(|result| result.unwrap_or_else(|| Err(ChainError::Other("not settled".into()))))
            .collect()
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

    async fn send_and_confirm_all(&self, txs: &[Transaction]) -> Vec<ChainResult<Signature>> {
        self.send_and_confirm_batch(txs, false).await
    }

    async fn send_simulated_and_confirm_all(&self, txs: &[Transaction]) -> Vec<ChainResult<Signature>> {
        self.send_and_confirm_batch(txs, true).await
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
