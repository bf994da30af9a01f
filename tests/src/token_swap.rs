//! SPL Token Swap (the ported program in `third_party/spl-token-swap`) on the test bank: a
//! constant-product pool between two SPL Token mints, made the way its own tests make one.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_program_test::{processor, ProgramTest};
use solana_signer::Signer;
use solana_system_interface::instruction as system_instruction;
use spl_token_swap::curve::base::{CurveType, SwapCurve};
use spl_token_swap::curve::constant_product::ConstantProductCurve;
use spl_token_swap::curve::fees::Fees;
use spl_token_swap::instruction::{self as swap_instruction, Swap};
use spl_token_swap::state::SwapVersion;

use crate::bank::TestBank;
use crate::tokens::{self, TOKEN};

pub const PROGRAM: Pubkey = spl_token_swap::ID;

pub fn add_to(program_test: &mut ProgramTest) {
    program_test.add_program("spl_token_swap", PROGRAM, processor!(spl_token_swap::processor::Processor::process));
}

/// 0.25% to the pool, 0.05% to its owner: SPL Token Swap's usual fees.
pub fn fees() -> Fees {
    Fees {
        trade_fee_numerator: 25,
        trade_fee_denominator: 10_000,
        owner_trade_fee_numerator: 5,
        owner_trade_fee_denominator: 10_000,
        owner_withdraw_fee_numerator: 0,
        owner_withdraw_fee_denominator: 0,
        host_fee_numerator: 0,
        host_fee_denominator: 0,
    }
}

/// A pool and the accounts a swap through it names.
pub struct TokenSwapPool {
    pub swap: Pubkey,
    pub authority: Pubkey,
    pub token_a: Pubkey,
    pub token_b: Pubkey,
    pub mint_a: Pubkey,
    pub mint_b: Pubkey,
    pub pool_mint: Pubkey,
    pub fee_account: Pubkey,
}

impl TokenSwapPool {
    /// A constant-product pool holding `amount_a` of `mint_a` and `amount_b` of `mint_b` (both SPL
    /// Token mints whose authority is the bank's payer).
    pub async fn open(
        bank: &mut TestBank,
        (mint_a, amount_a): (Pubkey, u64),
        (mint_b, amount_b): (Pubkey, u64),
    ) -> Self {
        let swap = Keypair::new();
        let authority = Pubkey::find_program_address(&[&swap.pubkey().to_bytes()], &PROGRAM).0;
        let token_a = tokens::create_token_account(bank, authority, mint_a, TOKEN).await;
        let token_b = tokens::create_token_account(bank, authority, mint_b, TOKEN).await;
        tokens::mint_to(bank, mint_a, TOKEN, token_a, amount_a).await;
        tokens::mint_to(bank, mint_b, TOKEN, token_b, amount_b).await;
        let pool_mint = tokens::create_mint_with_authority(bank, TOKEN, 2, authority).await;
        let owner = bank.payer().pubkey();
        let fee_account = tokens::create_token_account(bank, owner, pool_mint, TOKEN).await;
        let destination = tokens::create_token_account(bank, owner, pool_mint, TOKEN).await;
        let space = SwapVersion::LATEST_LEN;
        let lamports = bank.rent_exempt_minimum(space).await;
        let create = system_instruction::create_account(&owner, &swap.pubkey(), lamports, space as u64, &PROGRAM);
        let curve =
            SwapCurve { curve_type: CurveType::ConstantProduct, calculator: std::sync::Arc::new(ConstantProductCurve) };
        let initialize = swap_instruction::initialize(
            &PROGRAM,
            &TOKEN,
            &swap.pubkey(),
            &authority,
            &token_a,
            &token_b,
            &pool_mint,
            &fee_account,
            &destination,
            fees(),
            curve,
        )
        .expect("initialize builds");
        bank.send(&[create, initialize], &[&swap]).await.expect("pool initialized");
        Self { swap: swap.pubkey(), authority, token_a, token_b, mint_a, mint_b, pool_mint, fee_account }
    }

    /// The pool's `Swap` instruction for `user` selling `mint_in` from `source` into `destination`,
    /// asking at least `minimum_out` (the pool's own slippage check, which Covenant does not rely on).
    pub fn swap(
        &self,
        user: Pubkey,
        mint_in: Pubkey,
        source: Pubkey,
        destination: Pubkey,
        amount_in: u64,
        minimum_out: u64,
    ) -> (Vec<AccountMeta>, Vec<u8>) {
        let (swap_source, swap_destination) =
            if mint_in == self.mint_a { (self.token_a, self.token_b) } else { (self.token_b, self.token_a) };
        let ix = swap_instruction::swap(
            &PROGRAM,
            &TOKEN,
            &self.swap,
            &self.authority,
            &user,
            &source,
            &swap_source,
            &swap_destination,
            &destination,
            &self.pool_mint,
            &self.fee_account,
            None,
            Swap { amount_in, minimum_amount_out: minimum_out },
        )
        .expect("swap builds");
        (ix.accounts, ix.data)
    }
}

/// What the constant-product pool takes of `amount_in` (it rounds the source down to what the
/// curve can price exactly) and what it pays after its 0.30% fees, as the tests expect them.
pub fn quote(reserve_in: u64, reserve_out: u64, amount_in: u64) -> (u64, u64) {
    let curve =
        SwapCurve { curve_type: CurveType::ConstantProduct, calculator: std::sync::Arc::new(ConstantProductCurve) };
    let result = curve
        .swap(
            u128::from(amount_in),
            u128::from(reserve_in),
            u128::from(reserve_out),
            spl_token_swap::curve::calculator::TradeDirection::AtoB,
            &fees(),
        )
        .expect("the pool can quote");
    (result.source_amount_swapped as u64, result.destination_amount_swapped as u64)
}
