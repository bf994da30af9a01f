//! A treasury with its cast (operator, keeper, guardian, donor and a stranger) on a fresh bank.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::constants::SOL_ASSET;
use covenant::instructions::CreateTreasuryArgs;
use covenant::policy::PolicyLimits;
use covenant::sdk::{self, TreasuryAddresses};
use covenant::state::{DecisionRecord, Payee, SpendPolicy, Treasury};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bank::{TestBank, TxFailure};
use crate::events::Events;

pub const DAY: u32 = 86_400;

pub struct Roles {
    pub operator: Keypair,
    pub keeper: Keypair,
    pub guardian: Keypair,
    pub donor: Keypair,
    pub stranger: Keypair,
}

impl Roles {
    fn new() -> Self {
        Self {
            operator: Keypair::new(),
            keeper: Keypair::new(),
            guardian: Keypair::new(),
            donor: Keypair::new(),
            stranger: Keypair::new(),
        }
    }

    fn all(&self) -> [Pubkey; 5] {
        [
            self.operator.pubkey(),
            self.keeper.pubkey(),
            self.guardian.pubkey(),
            self.donor.pubkey(),
            self.stranger.pubkey(),
        ]
    }
}

pub struct Harness {
    pub bank: TestBank,
    pub roles: Roles,
    pub treasury: TreasuryAddresses,
}

/// Daily window, no co-sign threshold, no timelock, no allowlist.
pub fn limits(per_tx_max: u64, period_cap: u64) -> PolicyLimits {
    PolicyLimits {
        per_tx_max,
        period_seconds: DAY,
        period_cap,
        cosign_threshold: None,
        timelock_seconds: 0,
        allowlist_required: false,
    }
}

/// A distinct decision record per `n` (distinct records also keep otherwise equal transactions apart).
pub fn decision(n: u64) -> DecisionRecord {
    let mut decision_hash = [0u8; 32];
    decision_hash[..8].copy_from_slice(&n.to_le_bytes());
    DecisionRecord { model_hash: [7; 32], decision_hash }
}

impl Harness {
    /// A fresh bank with one treasury (id 0, keeper and guardian set), no policies, no funds.
    pub async fn new() -> Self {
        Self::new_with(|_| {}).await
    }

    /// As `new`, with `extra` adding programs to the bank first.
    pub async fn new_with(extra: impl FnOnce(&mut solana_program_test::ProgramTest)) -> Self {
        let roles = Roles::new();
        let mut bank = TestBank::start_with(&roles.all(), extra).await;
        let ix = sdk::create_treasury(
            roles.operator.pubkey(),
            CreateTreasuryArgs {
                treasury_id: 0,
                keeper: roles.keeper.pubkey(),
                guardian: Some(roles.guardian.pubkey()),
                config_timelock_seconds: 0,
            },
        );
        bank.send(&[ix], &[&roles.operator]).await.expect("treasury created");
        let treasury = TreasuryAddresses::new(roles.operator.pubkey(), 0);
        Self { bank, roles, treasury }
    }

    /// A treasury whose vault holds `vault_sol` lamports above rent under a SOL policy of `limits`.
    pub async fn with_sol_policy(limits: PolicyLimits, vault_sol: u64) -> Self {
        let mut harness = Self::new().await;
        let ix = sdk::create_sol_policy(&harness.treasury, limits);
        harness.as_operator(ix).await.expect("sol policy created");
        harness.fund_vault(vault_sol).await;
        harness
    }

    pub async fn as_operator(&mut self, ix: Instruction) -> Result<Events, TxFailure> {
        self.bank.send(&[ix], &[&self.roles.operator]).await
    }

    pub async fn as_keeper(&mut self, ix: Instruction) -> Result<Events, TxFailure> {
        self.bank.send(&[ix], &[&self.roles.keeper]).await
    }

    pub async fn as_guardian(&mut self, ix: Instruction) -> Result<Events, TxFailure> {
        self.bank.send(&[ix], &[&self.roles.guardian]).await
    }

    pub async fn as_donor(&mut self, ix: Instruction) -> Result<Events, TxFailure> {
        self.bank.send(&[ix], &[&self.roles.donor]).await
    }

    pub async fn as_stranger(&mut self, ix: Instruction) -> Result<Events, TxFailure> {
        self.bank.send(&[ix], &[&self.roles.stranger]).await
    }

    /// A plain transfer to the vault, as any wallet can make.
    pub async fn fund_vault(&mut self, lamports: u64) {
        self.bank.transfer(self.treasury.vault, lamports).await;
    }

    /// Keeper SOL spend to `recipient` with a distinct decision record.
    pub fn spend_sol_ix(&self, recipient: Pubkey, amount: u64, n: u64) -> Instruction {
        sdk::spend_sol(&self.treasury, self.roles.keeper.pubkey(), recipient, amount, decision(n))
    }

    pub async fn treasury_state(&mut self) -> Treasury {
        self.bank.account(self.treasury.treasury).await
    }

    pub async fn policy(&mut self, asset: Pubkey) -> SpendPolicy {
        let address = self.treasury.policy(&asset);
        self.bank.account(address).await
    }

    pub async fn sol_policy(&mut self) -> SpendPolicy {
        self.policy(SOL_ASSET).await
    }

    pub async fn payee(&mut self, recipient: Pubkey) -> Payee {
        let address = self.treasury.payee(&recipient);
        self.bank.account(address).await
    }

    /// Vault lamports above the rent-exempt floor it must keep.
    pub async fn vault_spendable(&mut self) -> u64 {
        let floor = self.bank.rent_exempt_minimum(0).await;
        self.bank.lamports(self.treasury.vault).await - floor
    }
}
