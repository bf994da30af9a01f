//! Instruction builders for off-chain callers (the keeper, tests, scripts), built from the
//! program's own `accounts` and `instruction` types so account order and discriminators can never
//! drift from the program. Compiled only off-chain.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use anchor_spl::associated_token::{self, get_associated_token_address_with_program_id};

use crate::constants::SOL_ASSET;
use crate::instructions::{AddPayeeArgs, CreateTreasuryArgs, ProposeSpendArgs, UpdatePayeeArgs};
use crate::policy::PolicyLimits;
use crate::state::{ActionMarker, DecisionRecord, Payee, PendingSpend, RecordsLocation, SpendPolicy, Treasury};
use crate::{accounts, instruction};

mod bounty;
mod config;
mod grant;
mod market;
mod meme;
pub mod reputation;

pub use bounty::*;
pub use config::*;
pub use grant::*;
pub use market::*;
pub use meme::*;

pub fn event_authority() -> Pubkey {
    Pubkey::find_program_address(&[b"__event_authority"], &crate::ID).0
}

/// The addresses of one treasury, derived once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreasuryAddresses {
    pub operator: Pubkey,
    pub treasury: Pubkey,
    pub vault: Pubkey,
}

impl TreasuryAddresses {
    pub fn new(operator: Pubkey, treasury_id: u64) -> Self {
        let treasury = Treasury::find_address(&operator, treasury_id).0;
        Self { operator, treasury, vault: Treasury::find_vault(&treasury).0 }
    }

    pub fn policy(&self, asset: &Pubkey) -> Pubkey {
        SpendPolicy::find_address(&self.treasury, asset).0
    }

    pub fn payee(&self, recipient: &Pubkey) -> Pubkey {
        Payee::find_address(&self.treasury, recipient).0
    }

    pub fn pending(&self, id: u64) -> Pubkey {
        PendingSpend::find_address(&self.treasury, id).0
    }

    /// The marker of keeper actions under `key` (see `mark_action`).
    pub fn marker(&self, key: &[u8; 32]) -> Pubkey {
        ActionMarker::find_address(&self.treasury, key).0
    }

    /// Where the vault holds `mint` (the address donors send tokens to).
    pub fn vault_token_account(&self, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
        TokenMint { mint: *mint, program: *token_program }.account_of(&self.vault)
    }
}

/// A mint and the token program that owns it (SPL Token or Token-2022).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenMint {
    pub mint: Pubkey,
    pub program: Pubkey,
}

impl TokenMint {
    /// Where `wallet` (a keypair's address or a PDA) holds this mint: its associated token account.
    pub fn account_of(&self, wallet: &Pubkey) -> Pubkey {
        get_associated_token_address_with_program_id(wallet, &self.mint, &self.program)
    }
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: crate::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

pub fn create_treasury(operator: Pubkey, args: CreateTreasuryArgs) -> Instruction {
    let addresses = TreasuryAddresses::new(operator, args.treasury_id);
    build(
        accounts::CreateTreasury {
            operator,
            treasury: addresses.treasury,
            vault: addresses.vault,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CreateTreasury { args },
    )
}

pub fn set_keeper(t: &TreasuryAddresses, new_keeper: Pubkey) -> Instruction {
    build(
        accounts::SetKeeper {
            operator: t.operator,
            treasury: t.treasury,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SetKeeper { new_keeper },
    )
}

/// Where the treasury says its decision records live.
pub fn records_address(treasury: &Pubkey) -> Pubkey {
    RecordsLocation::find_address(treasury).0
}

pub fn set_records_uri(t: &TreasuryAddresses, uri: String) -> Instruction {
    build(
        accounts::SetRecordsUri {
            operator: t.operator,
            treasury: t.treasury,
            records: records_address(&t.treasury),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SetRecordsUri { uri },
    )
}

pub fn set_guardian(t: &TreasuryAddresses, new_guardian: Option<Pubkey>) -> Instruction {
    build(
        accounts::SetGuardian {
            operator: t.operator,
            treasury: t.treasury,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SetGuardian { new_guardian },
    )
}

pub fn pause(t: &TreasuryAddresses, authority: Pubkey) -> Instruction {
    build(
        accounts::Pause { authority, treasury: t.treasury, event_authority: event_authority(), program: crate::ID },
        instruction::Pause {},
    )
}

pub fn unpause(t: &TreasuryAddresses) -> Instruction {
    build(
        accounts::Unpause {
            operator: t.operator,
            treasury: t.treasury,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::Unpause {},
    )
}

pub fn create_sol_policy(t: &TreasuryAddresses, limits: PolicyLimits) -> Instruction {
    build(
        accounts::CreateSolPolicy {
            operator: t.operator,
            treasury: t.treasury,
            policy: t.policy(&SOL_ASSET),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CreateSolPolicy { limits },
    )
}

pub fn create_token_policy(
    t: &TreasuryAddresses,
    mint: Pubkey,
    token_program: Pubkey,
    limits: PolicyLimits,
) -> Instruction {
    build(
        accounts::CreateTokenPolicy {
            operator: t.operator,
            treasury: t.treasury,
            vault: t.vault,
            mint,
            vault_token_account: t.vault_token_account(&mint, &token_program),
            policy: t.policy(&mint),
            token_program,
            associated_token_program: associated_token::ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CreateTokenPolicy { limits },
    )
}

pub fn update_policy(t: &TreasuryAddresses, asset: Pubkey, limits: PolicyLimits) -> Instruction {
    build(
        accounts::UpdatePolicy {
            operator: t.operator,
            treasury: t.treasury,
            policy: t.policy(&asset),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::UpdatePolicy { limits },
    )
}

pub fn close_policy(t: &TreasuryAddresses, asset: Pubkey) -> Instruction {
    build(
        accounts::ClosePolicy {
            operator: t.operator,
            treasury: t.treasury,
            policy: t.policy(&asset),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ClosePolicy {},
    )
}

pub fn add_payee(t: &TreasuryAddresses, args: AddPayeeArgs) -> Instruction {
    build(
        accounts::AddPayee {
            operator: t.operator,
            treasury: t.treasury,
            payee: t.payee(&args.recipient),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::AddPayee { args },
    )
}

pub fn update_payee(t: &TreasuryAddresses, recipient: Pubkey, args: UpdatePayeeArgs) -> Instruction {
    build(
        accounts::UpdatePayee {
            operator: t.operator,
            treasury: t.treasury,
            payee: t.payee(&recipient),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::UpdatePayee { args },
    )
}

pub fn remove_payee(t: &TreasuryAddresses, recipient: Pubkey) -> Instruction {
    build(
        accounts::RemovePayee {
            operator: t.operator,
            treasury: t.treasury,
            payee: t.payee(&recipient),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::RemovePayee {},
    )
}

pub fn spend_sol(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    recipient: Pubkey,
    amount: u64,
    decision: DecisionRecord,
) -> Instruction {
    build(
        accounts::SpendSol {
            keeper,
            treasury: t.treasury,
            vault: t.vault,
            policy: t.policy(&SOL_ASSET),
            recipient,
            payee: t.payee(&recipient),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SpendSol { amount, decision },
    )
}

/// Pays `recipient`'s associated token account (which must exist).
pub fn spend_token(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    token: TokenMint,
    recipient: Pubkey,
    amount: u64,
    decision: DecisionRecord,
) -> Instruction {
    let TokenMint { mint, program } = token;
    build(
        accounts::SpendToken {
            keeper,
            treasury: t.treasury,
            vault: t.vault,
            policy: t.policy(&mint),
            mint,
            vault_token_account: t.vault_token_account(&mint, &program),
            recipient,
            recipient_token_account: token.account_of(&recipient),
            payee: t.payee(&recipient),
            token_program: program,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SpendToken { amount, decision },
    )
}

/// `record_on_policy`: pass the SOL policy so the donation counts in its `total_received`
/// (only when the treasury has one).
pub fn donate_sol(
    t: &TreasuryAddresses,
    donor: Pubkey,
    amount: u64,
    memo: String,
    record_on_policy: bool,
) -> Instruction {
    build(
        accounts::DonateSol {
            donor,
            treasury: t.treasury,
            vault: t.vault,
            policy: record_on_policy.then(|| t.policy(&SOL_ASSET)),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::DonateSol { amount, memo },
    )
}

/// Gives `amount` of `token` from `donor_token_account`; `record_on_policy` as for `donate_sol`.
pub fn donate_token(
    t: &TreasuryAddresses,
    donor: Pubkey,
    donor_token_account: Pubkey,
    token: TokenMint,
    amount: u64,
    memo: String,
    record_on_policy: bool,
) -> Instruction {
    let TokenMint { mint, program } = token;
    build(
        accounts::DonateToken {
            donor,
            treasury: t.treasury,
            vault: t.vault,
            mint,
            donor_token_account,
            vault_token_account: t.vault_token_account(&mint, &program),
            policy: record_on_policy.then(|| t.policy(&mint)),
            token_program: program,
            associated_token_program: associated_token::ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::DonateToken { amount, memo },
    )
}

/// `pending_id` must be the treasury's current `next_pending_id`.
pub fn propose_spend(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    asset: Pubkey,
    pending_id: u64,
    args: ProposeSpendArgs,
) -> Instruction {
    build(
        accounts::ProposeSpend {
            keeper,
            treasury: t.treasury,
            policy: t.policy(&asset),
            pending: t.pending(pending_id),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ProposeSpend { args },
    )
}

/// Marks action `sequence` under `key` done; put it in the same transaction as the action.
pub fn mark_action(t: &TreasuryAddresses, keeper: Pubkey, key: [u8; 32], sequence: u64) -> Instruction {
    build(
        accounts::MarkAction {
            keeper,
            treasury: t.treasury,
            marker: t.marker(&key),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::MarkAction { key, sequence },
    )
}

pub fn approve_pending(t: &TreasuryAddresses, pending_id: u64) -> Instruction {
    build(
        accounts::ApprovePending {
            operator: t.operator,
            treasury: t.treasury,
            pending: t.pending(pending_id),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ApprovePending {},
    )
}

pub fn cancel_pending(t: &TreasuryAddresses, authority: Pubkey, pending_id: u64) -> Instruction {
    build(
        accounts::CancelPending {
            authority,
            treasury: t.treasury,
            pending: t.pending(pending_id),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CancelPending {},
    )
}

pub fn execute_pending_sol(t: &TreasuryAddresses, keeper: Pubkey, pending_id: u64, recipient: Pubkey) -> Instruction {
    build(
        accounts::ExecutePendingSol {
            keeper,
            treasury: t.treasury,
            vault: t.vault,
            policy: t.policy(&SOL_ASSET),
            pending: t.pending(pending_id),
            recipient,
            payee: t.payee(&recipient),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ExecutePendingSol {},
    )
}

pub fn execute_pending_token(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    pending_id: u64,
    token: TokenMint,
    recipient: Pubkey,
) -> Instruction {
    let TokenMint { mint, program } = token;
    build(
        accounts::ExecutePendingToken {
            keeper,
            treasury: t.treasury,
            vault: t.vault,
            policy: t.policy(&mint),
            pending: t.pending(pending_id),
            mint,
            vault_token_account: t.vault_token_account(&mint, &program),
            recipient,
            recipient_token_account: token.account_of(&recipient),
            payee: t.payee(&recipient),
            token_program: program,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ExecutePendingToken {},
    )
}

/// Permissionless: returns the rent of a settled or expired pending spend to `proposer`.
pub fn close_pending(t: &TreasuryAddresses, cranker: Pubkey, pending_id: u64, proposer: Pubkey) -> Instruction {
    build(
        accounts::ClosePending {
            cranker,
            treasury: t.treasury,
            vault: t.vault,
            pending: t.pending(pending_id),
            proposer,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ClosePending {},
    )
}
