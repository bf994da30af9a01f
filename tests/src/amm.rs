//! Swap programs for the tests, run natively beside Covenant: a constant-product pool (x·y = k,
//! 0.3% fee) and hostile variants of it. Each is registered under its own program id and behaves
//! by that id, so a treasury can allowlist one and not another.
//!
//! Instruction data: `amount_in` (u64 LE). Accounts: 0 user authority (signer), 1 user source,
//! 2 user destination, 3 pool reserve in, 4 pool reserve out, 5 mint in, 6 mint out, 7 pool
//! authority (PDA `["authority"]`), 8 token program.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::{invoke, invoke_signed};
use anchor_lang::solana_program::program_error::ProgramError;
use solana_program_test::{processor, ProgramTest};
use spl_token_2022_interface::instruction as token_instruction;

use crate::bank::TestBank;
use crate::tokens;

/// Swaps at the pool's own price.
pub const HONEST: Pubkey = Pubkey::new_from_array([0xa1; 32]);
/// Takes one base unit more than `amount_in`.
pub const GREEDY: Pubkey = Pubkey::new_from_array([0xa2; 32]);
/// Pays half of what the pool owes.
pub const STINGY: Pubkey = Pubkey::new_from_array([0xa3; 32]);
/// Swaps honestly, then approves a delegate of its own over the user's source account.
pub const APPROVER: Pubkey = Pubkey::new_from_array([0xa4; 32]);
/// Swaps honestly, then moves lamports out of the user authority (the vault).
pub const LAMPORT_THIEF: Pubkey = Pubkey::new_from_array([0xa5; 32]);

/// Swaps honestly, then calls back into Covenant with the keeper's signature (a `spend_sol` to
/// itself), which the runtime must refuse as re-entry.
pub const REENTRANT: Pubkey = Pubkey::new_from_array([0xa6; 32]);

pub const ALL: [Pubkey; 6] = [HONEST, GREEDY, STINGY, APPROVER, LAMPORT_THIEF, REENTRANT];

pub fn add_to(program_test: &mut ProgramTest) {
    let names = ["honest_amm", "greedy_amm", "stingy_amm", "approver_amm", "thief_amm", "reentrant_amm"];
    for (id, name) in ALL.iter().zip(names) {
        program_test.add_program(name, *id, processor!(process));
    }
}

pub fn authority(program: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"authority"], program)
}

fn amount_of(account: &AccountInfo) -> Result<u64, ProgramError> {
    let data = account.try_borrow_data()?;
    let bytes = data.get(64..72).ok_or(ProgramError::InvalidAccountData)?;
    Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| ProgramError::InvalidAccountData)?))
}

fn decimals_of(mint: &AccountInfo) -> Result<u8, ProgramError> {
    mint.try_borrow_data()?.get(44).copied().ok_or(ProgramError::InvalidAccountData)
}

/// What a constant-product pool with a 0.3% fee pays for `amount_in`.
pub fn quote(reserve_in: u64, reserve_out: u64, amount_in: u64) -> u64 {
    let in_after_fee = u128::from(amount_in) * 997;
    let out = u128::from(reserve_out) * in_after_fee / (u128::from(reserve_in) * 1_000 + in_after_fee);
    out as u64
}

pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let accounts: Vec<AccountInfo> = accounts.to_vec();
    let [user, source, destination, reserve_in, reserve_out, mint_in, mint_out, pool_authority, token_program, ..] =
        accounts.as_slice()
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let amount_in = u64::from_le_bytes(data.get(..8).ok_or(ProgramError::InvalidInstructionData)?.try_into().unwrap());
    let (expected_authority, bump) = authority(program_id);
    if *pool_authority.key != expected_authority {
        return Err(ProgramError::InvalidSeeds);
    }
    let mut out = quote(amount_of(reserve_in)?, amount_of(reserve_out)?, amount_in);
    let mut take = amount_in;
    if *program_id == GREEDY {
        take += 1;
    }
    if *program_id == STINGY {
        out /= 2;
    }
    let program = token_program.key;
    let pay_in = token_instruction::transfer_checked(
        program,
        source.key,
        mint_in.key,
        reserve_in.key,
        user.key,
        &[],
        take,
        decimals_of(mint_in)?,
    )?;
    invoke(&pay_in, &accounts)?;
    let pay_out = token_instruction::transfer_checked(
        program,
        reserve_out.key,
        mint_out.key,
        destination.key,
        pool_authority.key,
        &[],
        out,
        decimals_of(mint_out)?,
    )?;
    invoke_signed(&pay_out, &accounts, &[&[b"authority", &[bump]]])?;
    if *program_id == APPROVER {
        let approve = token_instruction::approve(program, source.key, pool_authority.key, user.key, &[], u64::MAX)?;
        invoke(&approve, &accounts)?;
    }
    if *program_id == LAMPORT_THIEF {
        let system = accounts.iter().find(|info| *info.key == anchor_lang::system_program::ID);
        let system = system.ok_or(ProgramError::NotEnoughAccountKeys)?;
        let steal = Instruction {
            program_id: *system.key,
            accounts: vec![AccountMeta::new(*user.key, true), AccountMeta::new(*pool_authority.key, false)],
            data: solana_system_interface::instruction::transfer(user.key, pool_authority.key, 1_000_000).data,
        };
        invoke(&steal, &accounts)?;
    }
    if *program_id == REENTRANT {
        // Data after `amount_in` is a Covenant instruction to make with the accounts passed.
        let inner = data.get(8..).unwrap_or_default();
        let metas = accounts.iter().map(|info| AccountMeta {
            pubkey: *info.key,
            is_signer: info.is_signer,
            is_writable: info.is_writable,
        });
        let call = Instruction { program_id: covenant::ID, accounts: metas.skip(10).collect(), data: inner.to_vec() };
        invoke(&call, &accounts)?;
    }
    Ok(())
}

/// A pool of `program` between two mints (SPL Token), holding the given reserves.
pub struct Pool {
    pub program: Pubkey,
    pub mint_in: Pubkey,
    pub mint_out: Pubkey,
    pub reserve_in: Pubkey,
    pub reserve_out: Pubkey,
}

impl Pool {
    pub async fn open(
        bank: &mut TestBank,
        program: Pubkey,
        (mint_in, amount_in): (Pubkey, u64),
        (mint_out, amount_out): (Pubkey, u64),
    ) -> Self {
        let owner = authority(&program).0;
        let reserve_in = tokens::create_ata(bank, owner, mint_in, tokens::TOKEN).await;
        let reserve_out = tokens::create_ata(bank, owner, mint_out, tokens::TOKEN).await;
        tokens::mint_to(bank, mint_in, tokens::TOKEN, reserve_in, amount_in).await;
        tokens::mint_to(bank, mint_out, tokens::TOKEN, reserve_out, amount_out).await;
        Self { program, mint_in, mint_out, reserve_in, reserve_out }
    }

    /// The pool's swap accounts for `user` (the vault) selling from `source` into `destination`.
    pub fn accounts(&self, user: Pubkey, source: Pubkey, destination: Pubkey) -> Vec<AccountMeta> {
        vec![
            AccountMeta::new(user, false),
            AccountMeta::new(source, false),
            AccountMeta::new(destination, false),
            AccountMeta::new(self.reserve_in, false),
            AccountMeta::new(self.reserve_out, false),
            AccountMeta::new_readonly(self.mint_in, false),
            AccountMeta::new_readonly(self.mint_out, false),
            AccountMeta::new(authority(&self.program).0, false),
            AccountMeta::new_readonly(tokens::TOKEN, false),
            AccountMeta::new_readonly(anchor_lang::system_program::ID, false),
        ]
    }

    pub fn data(amount_in: u64) -> Vec<u8> {
        amount_in.to_le_bytes().to_vec()
    }
}
