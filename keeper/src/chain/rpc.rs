//! Any cluster through `solana-client`'s JSON-RPC client.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use solana_account::Account;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_client::rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSimulateTransactionConfig};
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

#[derive(Clone, Debug)]
pub struct RpcSettings {
    pub url: String,
    pub timeout: Duration,
    pub commitment: CommitmentConfig,
}

pub struct RpcChain {
    client: RpcClient,
    url: String,
}

impl RpcChain {
    pub fn new(settings: &RpcSettings) -> Self {
        let client =
            RpcClient::new_with_timeout_and_commitment(settings.url.clone(), settings.timeout, settings.commitment);
        Self { client, url: settings.url.clone() }
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
        ErrorKind::RpcError(RpcError::ForUser(message)) if message.contains("blockhash") => {
            ChainError::BlockhashExpired
        }
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
        self.client.get_latest_blockhash().await.map_err(|error| self.error(error))
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
        self.client.send_and_confirm_transaction(tx).await.map_err(|error| self.error(error))
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
