//! The in-process bank: the real Solana runtime (program-test) with the Covenant program built
//! natively, SPL Token, Token-2022, the ATA program and SPL Token Swap. No validator, no network.

use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use solana_account::Account;
use solana_clock::Clock;
use solana_hash::Hash;
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use tokio::sync::Mutex;

use super::{Chain, ChainError, ChainResult, Memcmp, Simulation};

pub struct BankChain {
    ctx: Mutex<ProgramTestContext>,
    /// The bank has no account index, so `program_accounts` scans every key this chain has sent a
    /// transaction for (on a bank only this chain writes to, that is every account there is).
    known: StdMutex<BTreeSet<Pubkey>>,
    /// Transactions sent in the current slot. A validator moves to a new block every 400 ms; the
    /// bank only when told, and a block holds at most 12M compute units of writes to one account
    /// (the vault, say). A transaction over that budget is never recorded, and program-test then
    /// waits for it forever, so the bank moves to a new slot every `SLOT_BUDGET` transactions.
    /// (Sends are also one at a time: program-test processes what arrives together as one entry,
    /// and drops, unrecorded, a transaction whose accounts another in that entry locks.)
    sent_in_slot: std::sync::atomic::AtomicU32,
}

/// Transactions per slot: far below the per-account write budget at the keeper's CU limits.
const SLOT_BUDGET: u32 = 64;
/// How long a transaction may take to process on the bank (milliseconds when all is well).
const PROCESS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

impl BankChain {
    /// A fresh bank; each `(key, lamports)` starts funded.
    pub async fn start(funded: &[(Pubkey, u64)]) -> Self {
        let mut program_test = ProgramTest::new("covenant", covenant::ID, processor!(covenant::native_entry));
        // SPL Token Swap (ported, `third_party/`): the swap venue a treasury can allowlist here.
        program_test.add_program(
            "spl_token_swap",
            spl_token_swap::ID,
            processor!(spl_token_swap::processor::Processor::process),
        );
        for (key, lamports) in funded {
            program_test.add_account(*key, Account { lamports: *lamports, ..Account::default() });
        }
        Self {
            ctx: Mutex::new(program_test.start_with_context().await),
            known: StdMutex::new(BTreeSet::new()),
            sent_in_slot: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Writes an account as another program would have left it (a Pyth price feed account that
    /// the demo or a test publishes; nothing on this bank posts price updates by itself).
    pub async fn set_account(&self, key: Pubkey, account: Account) {
        self.ctx.lock().await.set_account(&key, &account.into());
        if let Ok(mut known) = self.known.lock() {
            known.insert(key);
        }
    }

    /// Moves unix time forward by `seconds`, on a new slot.
    pub async fn warp_seconds(&self, seconds: i64) -> ChainResult<()> {
        let mut ctx = self.ctx.lock().await;
        let clock: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
        ctx.warp_to_slot(clock.slot + 1).map_err(|error| ChainError::Other(format!("warp: {error:?}")))?;
        let mut next: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
        next.unix_timestamp = clock.unix_timestamp.saturating_add(seconds);
        ctx.set_sysvar(&next);
        Ok(())
    }

    /// Moves `slots` slots ahead one at a time without moving unix time: each slot registers a
    /// blockhash, so a blockhash from before expires after 150 of them.
    pub async fn advance_slots(&self, slots: u64) -> ChainResult<()> {
        let mut ctx = self.ctx.lock().await;
        let start: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
        for step in 1..=slots {
            ctx.warp_to_slot(start.slot + step).map_err(|error| ChainError::Other(format!("warp: {error:?}")))?;
        }
        let mut next: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
        next.unix_timestamp = start.unix_timestamp;
        ctx.set_sysvar(&next);
        Ok(())
    }

    fn remember(&self, tx: &Transaction) {
        if let Ok(mut known) = self.known.lock() {
            known.extend(tx.message.account_keys.iter().copied());
        }
    }
}

fn banks_error(error: BanksClientError) -> ChainError {
    match error {
        BanksClientError::TransactionError(error) => ChainError::from_transaction_error(error, Vec::new()),
        BanksClientError::SimulationError { err, logs, .. } => ChainError::from_transaction_error(err, logs),
        other => ChainError::Other(other.to_string()),
    }
}

#[async_trait]
impl Chain for BankChain {
    fn endpoint(&self) -> String {
        "in-process bank".into()
    }

    async fn accounts(&self, keys: &[Pubkey]) -> ChainResult<Vec<Option<Account>>> {
        let client = self.ctx.lock().await.banks_client.clone();
        let mut accounts = Vec::with_capacity(keys.len());
        for key in keys {
            accounts.push(client.get_account(*key).await.map_err(banks_error)?);
        }
        Ok(accounts)
    }

    async fn program_accounts(&self, program: &Pubkey, filters: &[Memcmp]) -> ChainResult<Vec<(Pubkey, Account)>> {
        let keys: Vec<Pubkey> = self.known.lock().map(|known| known.iter().copied().collect()).unwrap_or_default();
        let accounts = self.accounts(&keys).await?;
        Ok(keys
            .into_iter()
            .zip(accounts)
            .filter_map(|(key, account)| account.map(|account| (key, account)))
            .filter(|(_, account)| account.owner == *program && matches_all(&account.data, filters))
            .collect())
    }

    async fn latest_blockhash(&self) -> ChainResult<Hash> {
        let client = self.ctx.lock().await.banks_client.clone();
        client.get_latest_blockhash().await.map_err(banks_error)
    }

    async fn simulate(&self, tx: &Transaction) -> ChainResult<Simulation> {
        let client = self.ctx.lock().await.banks_client.clone();
        let result = client.simulate_transaction(tx.clone()).await.map_err(banks_error)?;
        let details = result.simulation_details;
        Ok(Simulation {
            error: result.result.and_then(Result::err),
            units_consumed: details.as_ref().map(|details| details.units_consumed),
            logs: details.map(|details| details.logs).unwrap_or_default(),
        })
    }

    async fn send_and_confirm(&self, tx: &Transaction) -> ChainResult<Signature> {
        self.remember(tx);
        let mut ctx = self.ctx.lock().await;
        let sent = self.sent_in_slot.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if sent >= SLOT_BUDGET {
            let clock: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
            ctx.warp_to_slot(clock.slot + 1).map_err(|error| ChainError::Other(format!("warp: {error:?}")))?;
            let mut next: Clock = ctx.banks_client.get_sysvar().await.map_err(banks_error)?;
            next.unix_timestamp = clock.unix_timestamp;
            ctx.set_sysvar(&next);
            self.sent_in_slot.store(1, std::sync::atomic::Ordering::SeqCst);
        }
        let client = ctx.banks_client.clone();
        // program-test's send path overflows (debug panic) on a blockhash older than 150 blocks that
        // is still in the queue; simulation answers `BlockhashNotFound` for it, as a validator would.
        let probe = client.simulate_transaction(tx.clone()).await.map_err(banks_error)?;
        if let Some(Err(TransactionError::BlockhashNotFound)) = probe.result {
            return Err(ChainError::BlockhashExpired);
        }
        // The bank registers a new blockhash every few milliseconds of wall time but never ends a
        // block on its own, so a transaction whose blockhash aged out between the check above and
        // processing is dropped unrecorded and program-test waits for it until its deadline. It
        // can never land: say so, as a validator would once the block height passes it.
        match tokio::time::timeout(PROCESS_TIMEOUT, client.process_transaction(tx.clone())).await {
            Ok(result) => result.map_err(banks_error)?,
            Err(_) => match client.get_transaction_status(tx.signatures[0]).await.map_err(banks_error)? {
                Some(status) => {
                    status.err.map_or(Ok(()), |error| Err(ChainError::from_transaction_error(error, Vec::new())))?
                }
                None => return Err(ChainError::BlockhashExpired),
            },
        }
        drop(ctx);
        Ok(tx.signatures[0])
    }

    async fn signature_status(&self, signature: &Signature) -> ChainResult<Option<Result<(), TransactionError>>> {
        let client = self.ctx.lock().await.banks_client.clone();
        let status = client.get_transaction_status(*signature).await.map_err(banks_error)?;
        Ok(status.map(|status| status.err.map_or(Ok(()), Err)))
    }

    async fn recent_priority_fees(&self, _accounts: &[Pubkey]) -> ChainResult<Vec<u64>> {
        Ok(Vec::new())
    }

    async fn minimum_balance(&self, data_len: usize) -> ChainResult<u64> {
        let client = self.ctx.lock().await.banks_client.clone();
        Ok(client.get_rent().await.map_err(banks_error)?.minimum_balance(data_len))
    }
}

pub(crate) fn matches_all(data: &[u8], filters: &[Memcmp]) -> bool {
    filters.iter().all(|filter| {
        filter.offset.checked_add(filter.bytes.len()).and_then(|end| data.get(filter.offset..end))
            == Some(&filter.bytes[..])
    })
}
