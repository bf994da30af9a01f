//! The treasury's meme token (rule 5): launched through Token-2022 with in-mint metadata, minted by
//! the keeper within the hard cap and the period cap, renounced for good.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use covenant::errors::CovenantError;
use covenant::events::{MemeLaunched, MemeMetadataUpdated, MemeMinted, MemeRenounced, Spent};
use covenant::instructions::{AddPayeeArgs, LaunchMemeArgs};
use covenant::policy::{MintLimits, PayeeBudget};
use covenant::sdk::{self, TokenMint};
use covenant::state::MemeToken;
use covenant_tests::bank::TxFailure;
use covenant_tests::events::Events;
use covenant_tests::tokens::{self, TOKEN_2022};
use covenant_tests::{assert_program_error, assert_runtime_error, decision, limits, Harness, DAY};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use spl_token_2022_interface::instruction as token_instruction;

const CAP: u64 = 1_000_000;
const PERIOD_CAP: u64 = 100_000;

pub(crate) fn launch_args(supply_cap: u64, period_cap: u64) -> LaunchMemeArgs {
    LaunchMemeArgs {
        name: "Poster Coin".into(),
        symbol: "POSTER".into(),
        uri: "https://example.org/poster.json".into(),
        decimals: 6,
        supply_cap,
        limits: MintLimits { period_seconds: DAY, period_cap, allowlist_required: false },
        vault_allocation: 0,
        recipient_allocations: Vec::new(),
    }
}

async fn launch(h: &mut Harness, args: LaunchMemeArgs, recipients: &[Pubkey]) -> Result<(Pubkey, Events), TxFailure> {
    let mint = Keypair::new();
    let ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, recipients);
    let events = h.bank.send(&[ix], &[&h.roles.operator, &mint]).await?;
    Ok((mint.pubkey(), events))
}

/// A treasury with a launched meme token and a fan who has an account for it.
struct Meme {
    h: Harness,
    mint: Pubkey,
    fan: Pubkey,
}

impl Meme {
    async fn launch(args: LaunchMemeArgs) -> Self {
        let mut h = Harness::new().await;
        let (mint, _) = launch(&mut h, args, &[]).await.expect("launched");
        let fan = Keypair::new().pubkey();
        tokens::create_ata(&mut h.bank, fan, mint, TOKEN_2022).await;
        Self { h, mint, fan }
    }

    fn mint_ix(&self, amount: u64, n: u64) -> Instruction {
        sdk::mint_meme(&self.h.treasury, self.h.roles.keeper.pubkey(), self.mint, self.fan, amount, decision(n))
    }

    async fn fan_balance(&mut self) -> u64 {
        tokens::token_balance(&mut self.h.bank, sdk::meme_token_account(&self.fan, &self.mint)).await
    }

    async fn state(&mut self) -> MemeToken {
        self.h.bank.account(sdk::meme_address(&self.mint)).await
    }
}

#[tokio::test]
async fn launch_reads_back_through_token_2022_with_metadata_caps_and_allocation() {
    let mut h = Harness::new().await;
    let (alice, bob) = (Keypair::new().pubkey(), Keypair::new().pubkey());
    let args = LaunchMemeArgs {
        vault_allocation: 50_000,
        recipient_allocations: vec![7_000, 3_000],
        ..launch_args(CAP, PERIOD_CAP)
    };
    let (mint, events) = launch(&mut h, args, &[alice, bob]).await.expect("launched");

    let view = tokens::read_mint_2022(&mut h.bank, mint).await;
    assert_eq!(view.owner, TOKEN_2022);
    assert_eq!(view.decimals, 6);
    assert_eq!(view.supply, 60_000);
    assert_eq!(view.mint_authority, Some(h.treasury.treasury), "the treasury PDA mints");
    assert_eq!(view.freeze_authority, None, "nobody can freeze holders");
    assert_eq!(view.metadata_pointer_address, Some(mint), "metadata lives in the mint");
    assert_eq!(view.metadata_pointer_authority, Some(h.treasury.treasury));
    assert_eq!(view.metadata.name, "Poster Coin");
    assert_eq!(view.metadata.symbol, "POSTER");
    assert_eq!(view.metadata.uri, "https://example.org/poster.json");
    assert_eq!(Option::<Pubkey>::from(view.metadata.update_authority), Some(h.treasury.treasury));
    assert_eq!(view.metadata.mint, mint);
    assert!(view.lamports >= h.bank.rent_exempt_minimum(view.data_len).await, "mint stays rent-exempt");

    let vault_tokens = sdk::meme_token_account(&h.treasury.vault, &mint);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 50_000);
    assert_eq!(tokens::token_balance(&mut h.bank, sdk::meme_token_account(&alice, &mint)).await, 7_000);
    assert_eq!(tokens::token_balance(&mut h.bank, sdk::meme_token_account(&bob, &mint)).await, 3_000);

    let state: MemeToken = h.bank.account(sdk::meme_address(&mint)).await;
    assert_eq!((state.treasury, state.mint, state.supply_cap), (h.treasury.treasury, mint, CAP));
    assert_eq!((state.total_minted, state.initial_allocation, state.renounced), (60_000, 60_000, false));
    let launched = events.one::<MemeLaunched>();
    assert_eq!((launched.mint, launched.initial_allocation, launched.vault_allocation), (mint, 60_000, 50_000));
    assert_eq!(launched.symbol, "POSTER");
}

#[tokio::test]
async fn launch_refuses_bad_metadata_limits_and_allocations() {
    let mut h = Harness::new().await;
    let base = || launch_args(CAP, PERIOD_CAP);
    let bad_metadata = [
        LaunchMemeArgs { name: String::new(), ..base() },
        LaunchMemeArgs { name: "n".repeat(33), ..base() },
        LaunchMemeArgs { symbol: String::new(), ..base() },
        LaunchMemeArgs { symbol: "S".repeat(11), ..base() },
        LaunchMemeArgs { uri: "u".repeat(201), ..base() },
        LaunchMemeArgs { decimals: 10, ..base() },
    ];
    for args in bad_metadata {
        assert_program_error(launch(&mut h, args, &[]).await, CovenantError::InvalidTokenMetadata);
    }
    let limits = |period_seconds, period_cap| MintLimits { period_seconds, period_cap, allowlist_required: false };
    let bad_limits = [
        LaunchMemeArgs { supply_cap: 0, limits: limits(DAY, 0), ..base() },
        LaunchMemeArgs { limits: limits(DAY, 0), ..base() },
        LaunchMemeArgs { limits: limits(DAY, CAP + 1), ..base() },
        LaunchMemeArgs { limits: limits(0, PERIOD_CAP), ..base() },
    ];
    for args in bad_limits {
        assert_program_error(launch(&mut h, args, &[]).await, CovenantError::InvalidMintLimits);
    }

    let fan = Keypair::new().pubkey();
    let over_cap = LaunchMemeArgs { vault_allocation: CAP, recipient_allocations: vec![1], ..base() };
    assert_program_error(launch(&mut h, over_cap, &[fan]).await, CovenantError::SupplyCapExceeded);
    let near_max = LaunchMemeArgs { vault_allocation: u64::MAX, recipient_allocations: vec![1], ..base() };
    assert_program_error(launch(&mut h, near_max, &[fan]).await, CovenantError::MathOverflow);
    let zero = LaunchMemeArgs { recipient_allocations: vec![0], ..base() };
    assert_program_error(launch(&mut h, zero, &[fan]).await, CovenantError::InvalidAllocation);
    let missing_wallet = LaunchMemeArgs { recipient_allocations: vec![5, 5], ..base() };
    assert_program_error(launch(&mut h, missing_wallet, &[fan]).await, CovenantError::InvalidAllocation);
    let too_many = LaunchMemeArgs { recipient_allocations: vec![1; 7], ..base() };
    assert_program_error(launch(&mut h, too_many, &[fan; 7]).await, CovenantError::InvalidAllocation);

    // A token account that is not the wallet's associated one (here: someone else's) is refused.
    let mint = Keypair::new();
    let args = LaunchMemeArgs { recipient_allocations: vec![5], ..base() };
    let mut ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, &[fan]);
    let last = ix.accounts.len() - 1;
    ix.accounts[last].pubkey = sdk::meme_token_account(&Keypair::new().pubkey(), &mint.pubkey());
    let operator = h.roles.operator.insecure_clone();
    assert_program_error(h.bank.send(&[ix], &[&operator, &mint]).await, CovenantError::InvalidAllocation);

    // Only the operator launches.
    let mint = Keypair::new();
    let mut ix = sdk::launch_meme(&h.treasury, mint.pubkey(), base(), &[]);
    covenant_tests::swap_account(&mut ix, h.roles.operator.pubkey(), h.roles.stranger.pubkey());
    let stranger = h.roles.stranger.insecure_clone();
    assert_program_error(h.bank.send(&[ix], &[&stranger, &mint]).await, CovenantError::NotOperator);
}

#[tokio::test]
async fn keeper_mints_to_a_payee_within_the_caps_with_a_decision_record() {
    let mut m = Meme::launch(launch_args(CAP, PERIOD_CAP)).await;
    let payee = AddPayeeArgs {
        recipient: m.fan,
        label: "Poster fans".into(),
        category: "airdrop".into(),
        budget: Some(PayeeBudget { asset: m.mint, amount: 60_000 }),
        expires_at: None,
    };
    m.h.as_operator(sdk::add_payee(&m.h.treasury, payee)).await.expect("payee added");

    let events = m.h.as_keeper(m.mint_ix(40_000, 1)).await.expect("minted");
    let minted = events.one::<MemeMinted>();
    assert_eq!((minted.amount, minted.window_minted, minted.total_minted), (40_000, 40_000, 40_000));
    assert_eq!(minted.category.as_deref(), Some("airdrop"));
    assert_eq!(minted.decision, decision(1));
    assert_eq!(m.fan_balance().await, 40_000);
    assert_eq!(tokens::read_mint_2022(&mut m.h.bank, m.mint).await.supply, 40_000);
    assert_eq!(m.h.payee(m.fan).await.terms.spent, 40_000, "the payee's budget counts minted tokens");
    assert_program_error(m.h.as_keeper(m.mint_ix(30_000, 2)).await, CovenantError::PayeeBudgetExceeded);
    assert_program_error(m.h.as_keeper(m.mint_ix(0, 3)).await, CovenantError::ZeroAmount);
}

#[tokio::test]
async fn minting_past_the_period_cap_fails_until_the_next_period() {
    let mut m = Meme::launch(launch_args(CAP, PERIOD_CAP)).await;
    m.h.as_keeper(m.mint_ix(60_000, 1)).await.expect("first mint");
    m.h.as_keeper(m.mint_ix(40_000, 2)).await.expect("up to the period cap");
    assert_program_error(m.h.as_keeper(m.mint_ix(1, 3)).await, CovenantError::MintPeriodCapExceeded);

    m.h.bank.warp_seconds(i64::from(DAY) - 2).await;
    assert_program_error(m.h.as_keeper(m.mint_ix(1, 4)).await, CovenantError::MintPeriodCapExceeded);
    m.h.bank.warp_seconds(2).await;
    let minted = m.h.as_keeper(m.mint_ix(PERIOD_CAP, 5)).await.expect("a new period").one::<MemeMinted>();
    assert_eq!((minted.window_minted, minted.total_minted), (PERIOD_CAP, 200_000));
    assert_eq!(m.fan_balance().await, 200_000);
}

#[tokio::test]
async fn minting_past_the_hard_cap_fails_whatever_the_period() {
    let args = LaunchMemeArgs { vault_allocation: 200_000, ..launch_args(300_000, PERIOD_CAP) };
    let mut m = Meme::launch(args).await;
    m.h.as_keeper(m.mint_ix(PERIOD_CAP, 1)).await.expect("within both caps");
    m.h.bank.warp_seconds(i64::from(DAY)).await;
    assert_program_error(m.h.as_keeper(m.mint_ix(1, 2)).await, CovenantError::SupplyCapExceeded);
    assert_program_error(m.h.as_keeper(m.mint_ix(u64::MAX, 3)).await, CovenantError::MathOverflow);
    let view = tokens::read_mint_2022(&mut m.h.bank, m.mint).await;
    assert_eq!(view.supply, 300_000, "supply sits exactly at the cap");
}

#[tokio::test]
async fn nobody_but_the_keeper_mints() {
    let mut m = Meme::launch(launch_args(CAP, PERIOD_CAP)).await;
    for signer in
        [m.h.roles.operator.insecure_clone(), m.h.roles.guardian.insecure_clone(), m.h.roles.stranger.insecure_clone()]
    {
        let ix = sdk::mint_meme(&m.h.treasury, signer.pubkey(), m.mint, m.fan, 1, decision(1));
        assert_program_error(m.h.bank.send(&[ix], &[&signer]).await, CovenantError::NotKeeper);
    }
    // Straight to Token-2022: the mint authority is the treasury PDA, which no key can sign for.
    let fan_tokens = sdk::meme_token_account(&m.fan, &m.mint);
    let operator = m.h.roles.operator.insecure_clone();
    let direct =
        token_instruction::mint_to(&TOKEN_2022, &m.mint, &fan_tokens, &operator.pubkey(), &[], 1).expect("builds");
    assert_runtime_error(
        m.h.bank.send(&[direct], &[&operator]).await,
        TransactionError::InstructionError(
            0,
            InstructionError::Custom(spl_token_2022_interface::error::TokenError::OwnerMismatch as u32),
        ),
    );
    assert_eq!(m.fan_balance().await, 0);
}

#[tokio::test]
async fn a_paused_treasury_mints_nothing_and_the_allowlist_applies_to_mints() {
    let args = LaunchMemeArgs {
        limits: MintLimits { period_seconds: DAY, period_cap: PERIOD_CAP, allowlist_required: true },
        ..launch_args(CAP, PERIOD_CAP)
    };
    let mut m = Meme::launch(args).await;
    assert_program_error(m.h.as_keeper(m.mint_ix(1, 1)).await, CovenantError::PayeeNotAllowlisted);
    let guardian = m.h.roles.guardian.pubkey();
    m.h.as_guardian(sdk::pause(&m.h.treasury, guardian)).await.expect("paused");
    assert_program_error(m.h.as_keeper(m.mint_ix(1, 2)).await, CovenantError::TreasuryPaused);
}

#[tokio::test]
async fn renounce_stops_minting_here_and_in_token_2022_for_good() {
    let mut m = Meme::launch(LaunchMemeArgs { vault_allocation: 10, ..launch_args(CAP, PERIOD_CAP) }).await;
    m.h.as_keeper(m.mint_ix(5, 1)).await.expect("minted");
    assert_program_error(m.h.as_stranger(stranger_renounce(&m)).await, CovenantError::NotOperator);

    let events = m.h.as_operator(sdk::renounce_meme(&m.h.treasury, m.mint)).await.expect("renounced");
    let renounced = events.one::<MemeRenounced>();
    assert_eq!((renounced.mint, renounced.total_minted, renounced.supply), (m.mint, 15, 15));
    let state = m.state().await;
    assert!(state.renounced && state.renounced_at.is_some(), "the record says so");
    let view = tokens::read_mint_2022(&mut m.h.bank, m.mint).await;
    assert_eq!(view.mint_authority, None, "Token-2022 has no mint authority left");

    assert_program_error(m.h.as_keeper(m.mint_ix(1, 2)).await, CovenantError::MintRenounced);
    assert_program_error(
        m.h.as_operator(sdk::renounce_meme(&m.h.treasury, m.mint)).await,
        CovenantError::MintRenounced,
    );
    let fan_tokens = sdk::meme_token_account(&m.fan, &m.mint);
    let payer = m.h.bank.payer().pubkey();
    let direct = token_instruction::mint_to(&TOKEN_2022, &m.mint, &fan_tokens, &payer, &[], 1).expect("builds");
    assert_runtime_error(
        m.h.bank.send(&[direct], &[]).await,
        TransactionError::InstructionError(
            0,
            InstructionError::Custom(spl_token_2022_interface::error::TokenError::FixedSupply as u32),
        ),
    );
    assert_eq!(tokens::read_mint_2022(&mut m.h.bank, m.mint).await.supply, 15);
}

fn stranger_renounce(m: &Meme) -> Instruction {
    let mut ix = sdk::renounce_meme(&m.h.treasury, m.mint);
    covenant_tests::swap_account(&mut ix, m.h.roles.operator.pubkey(), m.h.roles.stranger.pubkey());
    ix
}

#[tokio::test]
async fn operator_updates_the_uri_longer_or_shorter_and_the_mint_stays_rent_exempt() {
    let mut m = Meme::launch(launch_args(CAP, PERIOD_CAP)).await;
    let long_uri = format!("https://example.org/{}", "a".repeat(150));
    let events = m.h.as_operator(sdk::update_meme_uri(&m.h.treasury, m.mint, long_uri.clone())).await.expect("grown");
    let updated = events.one::<MemeMetadataUpdated>();
    assert_eq!(
        (updated.old_uri.as_str(), updated.new_uri.as_str()),
        ("https://example.org/poster.json", long_uri.as_str())
    );
    let view = tokens::read_mint_2022(&mut m.h.bank, m.mint).await;
    assert_eq!(view.metadata.uri, long_uri);
    assert!(view.lamports >= m.h.bank.rent_exempt_minimum(view.data_len).await);

    m.h.as_operator(sdk::update_meme_uri(&m.h.treasury, m.mint, "ipfs://x".into())).await.expect("shrunk");
    assert_eq!(tokens::read_mint_2022(&mut m.h.bank, m.mint).await.metadata.uri, "ipfs://x");
    let too_long = "u".repeat(201);
    assert_program_error(
        m.h.as_operator(sdk::update_meme_uri(&m.h.treasury, m.mint, too_long)).await,
        CovenantError::InvalidTokenMetadata,
    );
    let mut ix = sdk::update_meme_uri(&m.h.treasury, m.mint, "ipfs://evil".into());
    covenant_tests::swap_account(&mut ix, m.h.roles.operator.pubkey(), m.h.roles.stranger.pubkey());
    assert_program_error(m.h.as_stranger(ix).await, CovenantError::NotOperator);
}

#[tokio::test]
async fn another_treasurys_meme_account_is_refused() {
    let mut m = Meme::launch(launch_args(CAP, PERIOD_CAP)).await;
    // A second treasury (same operator, id 1) launches its own token.
    let other = sdk::TreasuryAddresses::new(m.h.roles.operator.pubkey(), 1);
    let create = sdk::create_treasury(
        m.h.roles.operator.pubkey(),
        covenant::instructions::CreateTreasuryArgs {
            treasury_id: 1,
            keeper: m.h.roles.keeper.pubkey(),
            guardian: None,
            config_timelock_seconds: 0,
        },
    );
    m.h.as_operator(create).await.expect("second treasury");
    let other_mint = Keypair::new();
    let ix = sdk::launch_meme(&other, other_mint.pubkey(), launch_args(CAP, PERIOD_CAP), &[]);
    let operator = m.h.roles.operator.insecure_clone();
    m.h.bank.send(&[ix], &[&operator, &other_mint]).await.expect("other launched");

    let mut ix = m.mint_ix(1, 1);
    covenant_tests::swap_account(&mut ix, sdk::meme_address(&m.mint), sdk::meme_address(&other_mint.pubkey()));
    assert_program_error(m.h.as_keeper(ix).await, CovenantError::TreasuryMismatch);
    let mut ix = sdk::mint_meme(&other, m.h.roles.keeper.pubkey(), m.mint, m.fan, 1, decision(2));
    covenant_tests::swap_account(&mut ix, sdk::meme_address(&m.mint), sdk::meme_address(&other_mint.pubkey()));
    assert_program_error(m.h.as_keeper(ix).await, CovenantError::MintMismatch);
}

#[tokio::test]
async fn the_meme_token_is_spendable_under_an_ordinary_spend_policy() {
    let mut m = Meme::launch(LaunchMemeArgs { vault_allocation: 500, ..launch_args(CAP, PERIOD_CAP) }).await;
    let token = TokenMint { mint: m.mint, program: TOKEN_2022 };
    m.h.as_operator(sdk::create_token_policy(&m.h.treasury, m.mint, TOKEN_2022, limits(100, 150)))
        .await
        .expect("policy");
    let keeper = m.h.roles.keeper.pubkey();
    let events =
        m.h.as_keeper(sdk::spend_token(&m.h.treasury, keeper, token, m.fan, 100, decision(1))).await.expect("spent");
    assert_eq!(events.one::<Spent>().vault_balance, 400);
    assert_eq!(m.fan_balance().await, 100);
    let over = sdk::spend_token(&m.h.treasury, keeper, token, m.fan, 60, decision(2));
    assert_program_error(m.h.as_keeper(over).await, CovenantError::ExceedsPeriodCap);
}

#[tokio::test]
async fn the_largest_initial_allocation_fits_in_one_transaction() {
    let mut h = Harness::new().await;
    let wallets: Vec<Pubkey> =
        (0..covenant::constants::MAX_INITIAL_RECIPIENTS).map(|_| Keypair::new().pubkey()).collect();
    let args = LaunchMemeArgs { recipient_allocations: vec![1_000; wallets.len()], ..launch_args(CAP, PERIOD_CAP) };
    let mint = Keypair::new();
    let ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, &wallets);
    let payer = h.bank.payer().pubkey();
    let message = solana_message::Message::new(std::slice::from_ref(&ix), Some(&payer));
    // Wire size: the message, a one-byte signature count and three signatures (payer, operator, mint).
    let size = message.serialize().len() + 1 + 3 * 64;
    assert!(size <= 1_232, "launch with {} wallets is {size} bytes", wallets.len());
    let operator = h.roles.operator.insecure_clone();
    h.bank.send(&[ix], &[&operator, &mint]).await.expect("launched with every wallet");
    for wallet in &wallets {
        assert_eq!(tokens::token_balance(&mut h.bank, sdk::meme_token_account(wallet, &mint.pubkey())).await, 1_000);
    }
}
