//! Test harness for Covenant's integration suites: the real Solana runtime (program-test) with the
//! program run natively, or its SBF build when `SBF_OUT_DIR`/`BPF_OUT_DIR` points at one.

pub mod amm;
pub mod bank;
pub mod dollars;
pub mod errors;
pub mod events;
pub mod fixture;
pub mod idl;
pub mod pyth;
pub mod token_swap;
pub mod tokens;

pub use bank::{TestBank, TxFailure};
pub use errors::{assert_anchor_error, assert_program_error, assert_runtime_error};
pub use events::Events;
pub use fixture::{decision, limits, Harness, Roles, DAY};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;

/// Replaces one account of an instruction, as an attacker (or a buggy client) would.
#[track_caller]
pub fn swap_account(ix: &mut Instruction, old: Pubkey, new: Pubkey) {
    let meta = ix
        .accounts
        .iter_mut()
        .find(|meta| meta.pubkey == old)
        .unwrap_or_else(|| panic!("{old} is not an account of this instruction"));
    meta.pubkey = new;
}

/// xorshift64*: a deterministic, dependency-free source for the seeded sequence tests.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}
