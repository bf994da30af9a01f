//! One in-process bank per test: sending as any signer, simulated-then-processed transactions with
//! their CPI events, clock warps and account reads.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountDeserialize;
use solana_account::Account;
use std::collections::HashSet;

use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::events::Events;

pub const SOL: u64 = 1_000_000_000;

/// A failed transaction with the program logs that explain it.
pub struct TxFailure {
    pub error: TransactionError,
    pub logs: Vec<String>,
}

impl std::fmt::Debug for TxFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:?}", self.error)?;
        for line in &self.logs {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}

pub struct TestBank {
    pub ctx: ProgramTestContext,
    /// Signatures already sent: an identical transaction moves to a new slot first, so a test
    /// that repeats itself sees the program's answer, not the runtime's duplicate filter.
    sent: HashSet<Signature>,
}

impl TestBank {
    /// Starts a bank with Covenant, SPL Token, Token-2022 and the ATA program, and `funded`
    /// accounts holding 1,000 SOL each.
    pub async fn start(funded: &[Pubkey]) -> Self {
        Self::start_with(funded, |_| {}).await
    }

    /// As `start`, with `extra` adding programs or accounts (a test AMM, price updates) first.
    pub async fn start_with(funded: &[Pubkey], extra: impl FnOnce(&mut ProgramTest)) -> Self {
        let mut program_test = ProgramTest::new("covenant", covenant::ID, processor!(covenant::native_entry));
        extra(&mut program_test);
        for key in funded {
            program_test.add_account(*key, Account { lamports: 1_000 * SOL, ..Account::default() });
        }
        Self { ctx: program_test.start_with_context().await, sent: HashSet::new() }
    }

    pub fn payer(&self) -> &Keypair {
        &self.ctx.payer
    }

    /// Simulates (to capture CPI events, which only simulation returns), then processes the same
    /// transaction. The bank's payer pays fees; `signers` add their signatures.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Events, TxFailure> {
        let mut tx = self.sign(ixs, signers);
        if self.sent.contains(&tx.signatures[0]) {
            self.next_slot().await;
            tx = self.sign(ixs, signers);
        }
        self.sent.insert(tx.signatures[0]);
        let simulation = self.ctx.banks_client.simulate_transaction(tx.clone()).await.expect("banks client reachable");
        let details = simulation.simulation_details.unwrap_or_else(|| panic!("no simulation details"));
        if let Some(Err(error)) = simulation.result {
            return Err(TxFailure { error, logs: details.logs });
        }
        let events = Events::from_inner_instructions(&tx, details.inner_instructions.unwrap_or_default());
        match self.ctx.banks_client.process_transaction(tx).await {
            Ok(()) => Ok(events),
            Err(error) => Err(TxFailure { error: error.unwrap(), logs: details.logs }),
        }
    }

    fn sign(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let payer = &self.ctx.payer;
        let mut all_signers: Vec<&Keypair> = vec![payer];
        all_signers.extend(signers.iter().copied().filter(|s| s.pubkey() != payer.pubkey()));
        Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all_signers, self.ctx.last_blockhash)
    }

    /// Moves to a new slot (and blockhash) without moving the clock's unix time.
    pub async fn next_slot(&mut self) {
        let clock = self.clock().await;
        self.ctx.warp_to_slot(clock.slot + 1).expect("warp forward");
        let mut next = self.clock().await;
        next.unix_timestamp = clock.unix_timestamp;
        self.ctx.set_sysvar(&next);
        self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
    }

    /// Moves unix time forward by `seconds` (and to a new slot, so repeated transactions differ).
    pub async fn warp_seconds(&mut self, seconds: i64) {
        let target = self.now().await + seconds;
        self.next_slot().await;
        let mut clock = self.clock().await;
        clock.unix_timestamp = target;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock")
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    pub async fn raw_account(&mut self, key: Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(key).await.expect("banks client reachable")
    }

    pub async fn lamports(&mut self, key: Pubkey) -> u64 {
        self.raw_account(key).await.map_or(0, |account| account.lamports)
    }

    pub async fn account<T: AccountDeserialize>(&mut self, key: Pubkey) -> T {
        let account = self.raw_account(key).await.unwrap_or_else(|| panic!("account {key} missing"));
        T::try_deserialize(&mut account.data.as_slice()).expect("account decodes")
    }

    pub async fn exists(&mut self, key: Pubkey) -> bool {
        self.raw_account(key).await.is_some()
    }

    /// A plain transfer from the bank's payer, as any stranger can send to any address.
    pub async fn transfer(&mut self, to: Pubkey, lamports: u64) {
        let payer = self.payer().pubkey();
        let ix = solana_system_interface::instruction::transfer(&payer, &to, lamports);
        self.send(&[ix], &[]).await.expect("transfer lands");
    }

    /// The rent-exempt minimum for the account at `key` as it is now.
    pub async fn rent_of(&mut self, key: Pubkey) -> u64 {
        let len = self.raw_account(key).await.map_or(0, |account| account.data.len());
        self.rent_exempt_minimum(len).await
    }

    /// Writes an account as it is, as genesis or another program would have left it.
    pub fn set_account(&mut self, key: Pubkey, account: Account) {
        self.ctx.set_account(&key, &account.into());
    }

    pub async fn rent_exempt_minimum(&mut self, data_len: usize) -> u64 {
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        rent.minimum_balance(data_len)
    }
}
