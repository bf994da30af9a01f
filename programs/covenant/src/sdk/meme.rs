//! Builders for the meme-token instructions.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::system_program;
use anchor_spl::associated_token;

use super::{build, event_authority, TokenMint, TreasuryAddresses};
use crate::instructions::LaunchMemeArgs;
use crate::state::{DecisionRecord, MemeToken};
use crate::{accounts, instruction};

const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;

/// The meme-token account that goes with `mint`.
pub fn meme_address(mint: &Pubkey) -> Pubkey {
    MemeToken::find_address(mint).0
}

/// Where `wallet` holds the meme token (every meme token is a Token-2022 mint).
pub fn meme_token_account(wallet: &Pubkey, mint: &Pubkey) -> Pubkey {
    TokenMint { mint: *mint, program: TOKEN_2022 }.account_of(wallet)
}

/// Launch with `mint` a fresh keypair's address (it signs). `recipients` are the wallets that get
/// `args.recipient_allocations`, in the same order.
pub fn launch_meme(t: &TreasuryAddresses, mint: Pubkey, args: LaunchMemeArgs, recipients: &[Pubkey]) -> Instruction {
    let mut ix = build(
        accounts::LaunchMeme {
            operator: t.operator,
            treasury: t.treasury,
            vault: t.vault,
            mint,
            meme: meme_address(&mint),
            vault_token_account: meme_token_account(&t.vault, &mint),
            token_program: TOKEN_2022,
            associated_token_program: associated_token::ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::LaunchMeme { args },
    );
    for wallet in recipients {
        ix.accounts.push(AccountMeta::new_readonly(*wallet, false));
        ix.accounts.push(AccountMeta::new(meme_token_account(wallet, &mint), false));
    }
    ix
}

/// The keeper mints to `recipient`'s associated token account (which must exist).
pub fn mint_meme(
    t: &TreasuryAddresses,
    keeper: Pubkey,
    mint: Pubkey,
    recipient: Pubkey,
    amount: u64,
    decision: DecisionRecord,
) -> Instruction {
    build(
        accounts::MintMeme {
            keeper,
            treasury: t.treasury,
            meme: meme_address(&mint),
            mint,
            recipient,
            recipient_token_account: meme_token_account(&recipient, &mint),
            payee: t.payee(&recipient),
            token_program: TOKEN_2022,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::MintMeme { amount, decision },
    )
}

pub fn update_meme_uri(t: &TreasuryAddresses, mint: Pubkey, uri: String) -> Instruction {
    build(
        accounts::UpdateMemeUri {
            operator: t.operator,
            treasury: t.treasury,
            meme: meme_address(&mint),
            mint,
            token_program: TOKEN_2022,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::UpdateMemeUri { uri },
    )
}

pub fn renounce_meme(t: &TreasuryAddresses, mint: Pubkey) -> Instruction {
    build(
        accounts::RenounceMeme {
            operator: t.operator,
            treasury: t.treasury,
            meme: meme_address(&mint),
            mint,
            token_program: TOKEN_2022,
            event_authority: event_authority(),
            program: crate::ID,
        },
        instruction::RenounceMeme {},
    )
}
