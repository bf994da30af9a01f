//! Builders for grant escrows. `token` is `None` for a SOL grant.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::system_program;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;

use super::{build, event_authority, TokenMint, TreasuryAddresses};
use crate::instructions::CreateGrantArgs;
use crate::state::{DecisionRecord, Grant};
use crate::{accounts, instruction};

impl TreasuryAddresses {
    pub fn grant(&self, donor: &Pubkey, grant_id: u64) -> Pubkey {
        Grant::find_address(&self.treasury, donor, grant_id).0
    }
}

/// Where a token grant holds its escrow.
pub fn grant_escrow(grant: &Pubkey, token: &TokenMint) -> Pubkey {
    token.account_of(grant)
}

/// The instructions that create a grant: for a token grant, first its escrow token account (the
/// donor pays it), then the grant itself.
pub fn create_grant(
    t: &TreasuryAddresses,
    donor: Pubkey,
    token: Option<TokenMint>,
    args: CreateGrantArgs,
) -> Vec<Instruction> {
    let grant = t.grant(&donor, args.grant_id);
    let mut instructions = Vec::with_capacity(2);
    if let Some(token) = token {
        instructions.push(create_associated_token_account_idempotent(&donor, &grant, &token.mint, &token.program));
    }
    instructions.push(build(
        accounts::CreateGrant {
            donor,
            treasury: t.treasury,
            grant,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| grant_escrow(&grant, &token)),
            donor_token_account: token.map(|token| token.account_of(&donor)),
            token_program: token.map(|token| token.program),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CreateGrant { args },
    ));
    instructions
}

pub fn top_up_grant(grant: Pubkey, donor: Pubkey, token: Option<TokenMint>, amount: u64) -> Instruction {
    build(
        accounts::TopUpGrant {
            donor,
            grant,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| grant_escrow(&grant, &token)),
            donor_token_account: token.map(|token| token.account_of(&donor)),
            token_program: token.map(|token| token.program),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::TopUpGrant { amount },
    )
}

pub fn release_grant(t: &TreasuryAddresses, cranker: Pubkey, grant: Pubkey, token: Option<TokenMint>) -> Instruction {
    build(
        accounts::ReleaseGrant {
            cranker,
            treasury: t.treasury,
            vault: t.vault,
            grant,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| grant_escrow(&grant, &token)),
            vault_token_account: token.map(|token| token.account_of(&t.vault)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ReleaseGrant {},
    )
}

#[allow(clippy::too_many_arguments)] // mirrors the instruction: who, which grant, to whom, what, how much, why
pub fn spend_grant(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    grant: Pubkey,
    asset: Pubkey,
    recipient: Pubkey,
    token: Option<TokenMint>,
    amount: u64,
    decision: DecisionRecord,
) -> Instruction {
    build(
        accounts::SpendGrant {
            keeper,
            treasury: t.treasury,
            grant,
            policy: t.policy(&asset),
            recipient,
            payee: t.payee(&recipient),
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| grant_escrow(&grant, &token)),
            recipient_token_account: token.map(|token| token.account_of(&recipient)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::SpendGrant { amount, decision },
    )
}

pub fn claw_back_grant(grant: Pubkey, donor: Pubkey, token: Option<TokenMint>) -> Instruction {
    build(
        accounts::ClawBackGrant {
            donor,
            grant,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| grant_escrow(&grant, &token)),
            donor_token_account: token.map(|token| token.account_of(&donor)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::ClawBackGrant {},
    )
}

/// Anything the escrow holds beyond the grant's ledger goes to the vault (its token account must
/// exist, as for `release_grant`).
pub fn close_grant(t: &TreasuryAddresses, grant: Pubkey, donor: Pubkey, token: Option<TokenMint>) -> Instruction {
    build(
        accounts::CloseGrant {
            donor,
            grant,
            treasury: t.treasury,
            vault: t.vault,
            mint: token.map(|token| token.mint),
            escrow_token_account: token.map(|token| grant_escrow(&grant, &token)),
            vault_token_account: token.map(|token| token.account_of(&t.vault)),
            token_program: token.map(|token| token.program),
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::CloseGrant {},
    )
}
