//! Token treasuries on classic SPL Token and Token-2022, and rule 8 for token accounts: wrong
//! mint, wrong token program, wrong vault account, wrong recipient, refused mint extensions.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::events::Spent;
use covenant::instructions::AddPayeeArgs;
use covenant::policy::{PayeeBudget, PolicyLimits};
use covenant::sdk::{self, TokenMint};
use covenant_tests::tokens::{self, MintExtension, TOKEN, TOKEN_2022};
use covenant_tests::{assert_anchor_error, assert_program_error, decision, limits, swap_account, Harness};
use solana_keypair::Keypair;
use solana_signer::Signer;

struct TokenTreasury {
    h: Harness,
    mint: Pubkey,
    program: Pubkey,
    vault_tokens: Pubkey,
    recipient: Pubkey,
}

impl TokenTreasury {
    async fn new(program: Pubkey, limits: PolicyLimits, vault_amount: u64) -> Self {
        let mut h = Harness::new().await;
        let mint = tokens::create_mint(&mut h.bank, program, 6, &[]).await;
        h.as_operator(sdk::create_token_policy(&h.treasury, mint, program, limits)).await.expect("token policy");
        let vault_tokens = h.treasury.vault_token_account(&mint, &program);
        tokens::mint_to(&mut h.bank, mint, program, vault_tokens, vault_amount).await;
        let recipient = Keypair::new().pubkey();
        tokens::create_ata(&mut h.bank, recipient, mint, program).await;
        Self { h, mint, program, vault_tokens, recipient }
    }

    fn spend_ix(&self, amount: u64, n: u64) -> anchor_lang::solana_program::instruction::Instruction {
        sdk::spend_token(
            &self.h.treasury,
            self.h.roles.keeper.pubkey(),
            TokenMint { mint: self.mint, program: self.program },
            self.recipient,
            amount,
            decision(n),
        )
    }

    async fn recipient_balance(&mut self) -> u64 {
        let ata = anchor_spl::associated_token::get_associated_token_address_with_program_id(
            &self.recipient,
            &self.mint,
            &self.program,
        );
        tokens::token_balance(&mut self.h.bank, ata).await
    }
}

#[tokio::test]
async fn spends_within_policy_on_classic_spl_token_and_token_2022() {
    for program in [TOKEN, TOKEN_2022] {
        let mut t = TokenTreasury::new(program, limits(400, 1_000), 5_000).await;
        let events = t.h.as_keeper(t.spend_ix(400, 1)).await.unwrap();
        let spent = events.one::<Spent>();
        assert_eq!((spent.asset, spent.amount, spent.vault_balance), (t.mint, 400, 4_600));
        assert_eq!(t.recipient_balance().await, 400);
        assert_eq!(tokens::token_balance(&mut t.h.bank, t.vault_tokens).await, 4_600);
        assert_program_error(t.h.as_keeper(t.spend_ix(401, 2)).await, CovenantError::ExceedsPerTxMax);
        t.h.as_keeper(t.spend_ix(400, 3)).await.unwrap();
        assert_program_error(t.h.as_keeper(t.spend_ix(201, 4)).await, CovenantError::ExceedsPeriodCap);
        let policy = t.h.policy(t.mint).await;
        assert_eq!((policy.total_spent, policy.token_program, policy.decimals), (800, program, 6));
    }
}

#[tokio::test]
async fn token_spend_beyond_vault_balance_is_refused() {
    let mut t = TokenTreasury::new(TOKEN_2022, limits(1_000, 10_000), 999).await;
    assert_program_error(t.h.as_keeper(t.spend_ix(1_000, 1)).await, CovenantError::InsufficientFunds);
}

#[tokio::test]
async fn mints_with_dangerous_extensions_are_refused() {
    let mut h = Harness::new().await;
    let cases = [
        (MintExtension::TransferFee, CovenantError::MintHasTransferFee),
        (MintExtension::PermanentDelegate, CovenantError::MintHasPermanentDelegate),
        (MintExtension::TransferHook, CovenantError::MintHasTransferHook),
        (MintExtension::NonTransferable, CovenantError::UnsupportedMintExtension),
        (MintExtension::Pausable, CovenantError::UnsupportedMintExtension),
    ];
    for (extension, expected) in cases {
        let mint = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[extension]).await;
        let ix = sdk::create_token_policy(&h.treasury, mint, TOKEN_2022, limits(1, 10));
        assert_program_error(h.as_operator(ix).await, expected);
    }
    // Extensions outside the refused list are fine.
    let mint = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[MintExtension::MintCloseAuthority]).await;
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN_2022, limits(1, 10))).await.unwrap();
}

#[tokio::test]
async fn wrong_token_program_is_refused_at_creation_and_spend() {
    let mut h = Harness::new().await;
    let mint = tokens::create_mint(&mut h.bank, TOKEN_2022, 6, &[]).await;
    let ix = sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(1, 10));
    assert_program_error(h.as_operator(ix).await, CovenantError::TokenProgramMismatch);

    let mut t = TokenTreasury::new(TOKEN_2022, limits(100, 1_000), 1_000).await;
    let mut ix = t.spend_ix(10, 1);
    swap_account(&mut ix, TOKEN_2022, TOKEN);
    assert_program_error(t.h.as_keeper(ix).await, CovenantError::TokenProgramMismatch);
    // Not a token program at all.
    let mut ix = t.spend_ix(10, 2);
    swap_account(&mut ix, TOKEN_2022, anchor_lang::system_program::ID);
    assert_anchor_error(t.h.as_keeper(ix).await, ErrorCode::InvalidProgramId);
}

#[tokio::test]
async fn wrong_mint_vault_account_recipient_or_policy_is_refused() {
    let mut t = TokenTreasury::new(TOKEN_2022, limits(100, 1_000), 1_000).await;
    let other_mint = tokens::create_mint(&mut t.h.bank, TOKEN_2022, 6, &[]).await;
    let recipient_tokens =
        anchor_spl::associated_token::get_associated_token_address_with_program_id(&t.recipient, &t.mint, &TOKEN_2022);

    // Destination holding another mint.
    let other_mint_ata = tokens::create_ata(&mut t.h.bank, t.recipient, other_mint, TOKEN_2022).await;
    let mut ix = t.spend_ix(10, 1);
    swap_account(&mut ix, recipient_tokens, other_mint_ata);
    assert_program_error(t.h.as_keeper(ix).await, CovenantError::MintMismatch);

    // Destination owned by someone other than the recipient (whose payee rules were checked).
    let stranger_ata = tokens::create_ata(&mut t.h.bank, t.h.roles.stranger.pubkey(), t.mint, TOKEN_2022).await;
    let mut ix = t.spend_ix(10, 2);
    swap_account(&mut ix, recipient_tokens, stranger_ata);
    assert_program_error(t.h.as_keeper(ix).await, CovenantError::RecipientMismatch);

    // A "vault" token account the vault does not own.
    let mut ix = t.spend_ix(10, 3);
    swap_account(&mut ix, t.vault_tokens, stranger_ata);
    assert_program_error(t.h.as_keeper(ix).await, CovenantError::VaultTokenAccountMismatch);

    // The SOL policy presented as this mint's policy.
    t.h.as_operator(sdk::create_sol_policy(&t.h.treasury, limits(u64::MAX, u64::MAX))).await.unwrap();
    let mut ix = t.spend_ix(10, 4);
    swap_account(&mut ix, t.h.treasury.policy(&t.mint), t.h.treasury.policy(&SOL_ASSET));
    assert_program_error(t.h.as_keeper(ix).await, CovenantError::PolicyAssetMismatch);

    // The vault paying its own token account: the same account twice is refused by Anchor,
    // another account the vault owns by Covenant.
    let vault = t.h.treasury.vault;
    let ix = sdk::spend_token(
        &t.h.treasury,
        t.h.roles.keeper.pubkey(),
        TokenMint { mint: t.mint, program: TOKEN_2022 },
        vault,
        10,
        decision(5),
    );
    assert_anchor_error(t.h.as_keeper(ix.clone()).await, ErrorCode::ConstraintDuplicateMutableAccount);
    let second_vault_account = tokens::create_token_account(&mut t.h.bank, vault, t.mint, TOKEN_2022).await;
    let mut ix = ix;
    ix.accounts[7].pubkey = second_vault_account; // the destination slot
    assert_program_error(t.h.as_keeper(ix).await, CovenantError::InvalidRecipient);
    assert_eq!(t.recipient_balance().await, 0);
}

#[tokio::test]
async fn payee_budget_in_a_mint_binds_token_spends() {
    let limits = PolicyLimits { allowlist_required: true, ..limits(1_000, 10_000) };
    let mut t = TokenTreasury::new(TOKEN, limits, 10_000).await;
    let args = AddPayeeArgs {
        recipient: t.recipient,
        label: "fan airdrop".into(),
        category: "bounty".into(),
        budget: Some(PayeeBudget { asset: t.mint, amount: 500 }),
        expires_at: None,
    };
    t.h.as_operator(sdk::add_payee(&t.h.treasury, args)).await.unwrap();
    let events = t.h.as_keeper(t.spend_ix(500, 1)).await.unwrap();
    assert_eq!(events.one::<Spent>().category.as_deref(), Some("bounty"));
    assert_program_error(t.h.as_keeper(t.spend_ix(1, 2)).await, CovenantError::PayeeBudgetExceeded);
}
