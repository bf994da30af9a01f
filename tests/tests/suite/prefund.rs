//! Pre-funding attacks (issue: an address anyone can compute, sent lamports before its account
//! exists): for every account kind the program creates, a stranger sends the address lamports
//! first, and creation must still succeed with every balance exact.

use anchor_lang::prelude::Pubkey;
use covenant::constants::SOL_ASSET;
use covenant::errors::CovenantError;
use covenant::instructions::{AddPayeeArgs, CreateTreasuryArgs, LaunchMemeArgs, ProposeSpendArgs};
use covenant::policy::{ConfigChange, MintLimits, PolicyLimits, ReleaseSchedule};
use covenant::sdk::{self, TreasuryAddresses};
use covenant_tests::bank::{TestBank, SOL};
use covenant_tests::tokens::{self, TOKEN, TOKEN_2022};
use covenant_tests::{assert_program_error, decision, limits, Harness, DAY};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::bounties::{bounty_args, funded_fan};
use crate::grants::grant_args;

/// Less than any account's rent: creation must top it up.
const DUST: u64 = 1_000_000;
/// More than any account's rent: the surplus must go back to the payer.
const PLENTY: u64 = 50_000_000;

/// `key` holds exactly its rent-exempt minimum plus `held` (an escrow's funds); returns the rent.
async fn assert_rent_plus(bank: &mut TestBank, key: Pubkey, held: u64) -> u64 {
    let rent = bank.rent_of(key).await;
    assert!(bank.exists(key).await, "{key} was created");
    assert_eq!(bank.lamports(key).await, rent + held, "{key} holds its rent and nothing a stranger sent");
    rent
}

fn payee_args(recipient: Pubkey) -> AddPayeeArgs {
    AddPayeeArgs { recipient, label: "image API".into(), category: "dev".into(), budget: None, expires_at: None }
}

#[tokio::test]
async fn a_prefunded_treasury_address_is_still_created() {
    let mut h = Harness::new().await;
    let operator = h.roles.operator.pubkey();
    let second = TreasuryAddresses::new(operator, 5);
    h.bank.transfer(second.treasury, DUST).await;
    let before = h.bank.lamports(operator).await;
    let args = CreateTreasuryArgs {
        treasury_id: 5,
        keeper: h.roles.keeper.pubkey(),
        guardian: None,
        config_timelock_seconds: 0,
    };
    h.as_operator(sdk::create_treasury(operator, args)).await.expect("created despite the pre-funding");
    let rent = assert_rent_plus(&mut h.bank, second.treasury, 0).await;
    let vault_rent = h.bank.rent_exempt_minimum(0).await;
    assert_eq!(before - h.bank.lamports(operator).await, rent - DUST + vault_rent);
}

#[tokio::test]
async fn prefunded_policy_addresses_are_still_created() {
    let mut h = Harness::new().await;
    let operator = h.roles.operator.pubkey();
    h.bank.transfer(h.treasury.policy(&SOL_ASSET), DUST).await;
    let before = h.bank.lamports(operator).await;
    h.as_operator(sdk::create_sol_policy(&h.treasury, limits(SOL, 2 * SOL))).await.expect("SOL policy");
    let rent = assert_rent_plus(&mut h.bank, h.treasury.policy(&SOL_ASSET), 0).await;
    assert_eq!(before - h.bank.lamports(operator).await, rent - DUST);

    // More than the rent: the surplus returns to the payer at once.
    let mint = tokens::create_mint(&mut h.bank, TOKEN, 6, &[]).await;
    h.bank.transfer(h.treasury.policy(&mint), PLENTY).await;
    let vault_tokens = h.treasury.vault_token_account(&mint, &TOKEN);
    let before = h.bank.lamports(operator).await;
    h.as_operator(sdk::create_token_policy(&h.treasury, mint, TOKEN, limits(100, 200))).await.expect("token policy");
    let rent = assert_rent_plus(&mut h.bank, h.treasury.policy(&mint), 0).await;
    let ata_rent = h.bank.rent_of(vault_tokens).await;
    assert_eq!(h.bank.lamports(operator).await, before + (PLENTY - rent) - ata_rent);
}

#[tokio::test]
async fn a_prefunded_payee_address_is_still_created_and_a_second_entry_is_refused() {
    let mut h = Harness::new().await;
    let operator = h.roles.operator.pubkey();
    let dev = Keypair::new().pubkey();
    h.bank.transfer(h.treasury.payee(&dev), DUST).await;
    let before = h.bank.lamports(operator).await;
    h.as_operator(sdk::add_payee(&h.treasury, payee_args(dev))).await.expect("payee added");
    let rent = assert_rent_plus(&mut h.bank, h.treasury.payee(&dev), 0).await;
    assert_eq!(before - h.bank.lamports(operator).await, rent - DUST);
    assert_eq!(h.payee(dev).await.recipient, dev);
    assert_program_error(
        h.as_operator(sdk::add_payee(&h.treasury, payee_args(dev))).await,
        CovenantError::AccountAlreadyExists,
    );

    // Its rent (the stranger's part included) goes to the operator when it is removed.
    let before = h.bank.lamports(operator).await;
    h.as_operator(sdk::remove_payee(&h.treasury, dev)).await.expect("removed");
    assert_eq!(h.bank.lamports(operator).await - before, rent);
}

#[tokio::test]
async fn a_prefunded_next_pending_spend_does_not_block_co_signed_spends() {
    let cosigned = PolicyLimits { cosign_threshold: Some(SOL / 10), timelock_seconds: 60, ..limits(SOL, 2 * SOL) };
    let mut h = Harness::with_sol_policy(cosigned, 5 * SOL).await;
    let keeper = h.roles.keeper.pubkey();
    h.bank.transfer(h.treasury.pending(0), DUST).await;
    let before = h.bank.lamports(keeper).await;
    let args = ProposeSpendArgs {
        recipient: Keypair::new().pubkey(),
        amount: SOL / 2,
        purpose: "GPU rental".into(),
        decision: decision(1),
    };
    h.as_keeper(sdk::propose_spend(&h.treasury, keeper, SOL_ASSET, 0, args)).await.expect("proposed");
    let rent = assert_rent_plus(&mut h.bank, h.treasury.pending(0), 0).await;
    assert_eq!(before - h.bank.lamports(keeper).await, rent - DUST);
    assert_eq!(h.treasury_state().await.next_pending_id, 1);
}

#[tokio::test]
async fn prefunded_bounty_and_claim_addresses_keep_the_escrow_exact() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), 5 * SOL).await;
    let keeper = h.roles.keeper.pubkey();
    let bounty = h.treasury.bounty(0);
    h.bank.transfer(bounty, PLENTY).await;
    let (keeper_before, vault_before) = (h.bank.lamports(keeper).await, h.vault_spendable().await);
    let deadline = h.bank.now().await + i64::from(DAY);
    let create = sdk::create_bounty(&h.treasury, keeper, None, 0, bounty_args(SOL / 10, 3, deadline));
    h.as_keeper(create).await.expect("bounty created");
    let rent = assert_rent_plus(&mut h.bank, bounty, 3 * SOL / 10).await;
    assert_eq!(h.bank.lamports(keeper).await, keeper_before + (PLENTY - rent));
    assert_eq!(vault_before - h.vault_spendable().await, 3 * SOL / 10);

    let fan = funded_fan(&mut h).await;
    let claim = sdk::claim_address(&bounty, &fan.pubkey());
    h.bank.transfer(claim, DUST).await;
    let fan_before = h.bank.lamports(fan.pubkey()).await;
    let submit = sdk::submit_claim(bounty, fan.pubkey(), "ipfs://photo".into(), [9; 32]);
    h.bank.send(std::slice::from_ref(&submit), &[&fan]).await.expect("claim submitted");
    let claim_rent = assert_rent_plus(&mut h.bank, claim, 0).await;
    let record_rent = assert_rent_plus(&mut h.bank, sdk::proof_record_address(&bounty, &[9; 32]), 0).await;
    assert_eq!(fan_before - h.bank.lamports(fan.pubkey()).await, claim_rent - DUST + record_rent);
    assert_program_error(h.bank.send(&[submit], &[&fan]).await, CovenantError::ClaimAlreadySubmitted);

    let approve = sdk::approve_claim(&h.treasury, keeper, bounty, fan.pubkey(), None, decision(2));
    h.as_keeper(approve).await.expect("paid");
    assert_eq!(h.bank.lamports(fan.pubkey()).await, fan_before - (claim_rent - DUST + record_rent) + SOL / 10);
    assert_rent_plus(&mut h.bank, bounty, 2 * SOL / 10).await;
}

#[tokio::test]
async fn a_prefunded_grant_address_is_still_created() {
    let mut h = Harness::with_sol_policy(limits(SOL, 2 * SOL), 0).await;
    let donor = h.roles.donor.pubkey();
    let grant = h.treasury.grant(&donor, 4);
    h.bank.transfer(grant, DUST).await;
    let before = h.bank.lamports(donor).await;
    let expires = h.bank.now().await + i64::from(DAY);
    let ixs = sdk::create_grant(&h.treasury, donor, None, grant_args(4, SOL, ReleaseSchedule::Immediate, expires));
    h.bank.send(&ixs, &[&h.roles.donor.insecure_clone()]).await.expect("grant created");
    let rent = assert_rent_plus(&mut h.bank, grant, SOL).await;
    assert_eq!(before - h.bank.lamports(donor).await, rent - DUST + SOL);
    h.as_stranger(sdk::release_grant(&h.treasury, h.roles.stranger.pubkey(), grant, None)).await.expect("released");
    assert_eq!(h.vault_spendable().await, SOL, "exactly the grant reached the vault");
}

#[tokio::test]
async fn prefunded_meme_mint_and_record_addresses_are_still_created() {
    let mut h = Harness::new().await;
    let mint = Keypair::new();
    let meme = sdk::meme_address(&mint.pubkey());
    h.bank.transfer(meme, DUST).await;
    h.bank.transfer(mint.pubkey(), DUST).await;
    let args = LaunchMemeArgs {
        name: "Poster Coin".into(),
        symbol: "POSTER".into(),
        uri: "https://example.org/poster.json".into(),
        decimals: 6,
        supply_cap: 1_000_000,
        limits: MintLimits { period_seconds: DAY, period_cap: 1_000, allowlist_required: false },
        vault_allocation: 10,
        recipient_allocations: Vec::new(),
    };
    let ix = sdk::launch_meme(&h.treasury, mint.pubkey(), args, &[]);
    let operator = h.roles.operator.insecure_clone();
    h.bank.send(&[ix], &[&operator, &mint]).await.expect("launched despite the pre-funding");
    assert_rent_plus(&mut h.bank, meme, 0).await;
    assert_rent_plus(&mut h.bank, mint.pubkey(), 0).await;
    let view = tokens::read_mint_2022(&mut h.bank, mint.pubkey()).await;
    assert_eq!(view.supply, 10);
    let vault_tokens = h.treasury.vault_token_account(&mint.pubkey(), &TOKEN_2022);
    assert_eq!(tokens::token_balance(&mut h.bank, vault_tokens).await, 10);
}

#[tokio::test]
async fn a_prefunded_config_change_address_does_not_block_the_queue() {
    let mut h = Harness::new().await;
    let operator = h.roles.operator.pubkey();
    h.bank.transfer(h.treasury.config_change(0), DUST).await;
    let before = h.bank.lamports(operator).await;
    let queue = sdk::queue_config_change(&h.treasury, 0, ConfigChange::SetKeeper { keeper: Keypair::new().pubkey() });
    h.as_operator(queue).await.expect("queued despite the pre-funding");
    let rent = assert_rent_plus(&mut h.bank, h.treasury.config_change(0), 0).await;
    assert_eq!(before - h.bank.lamports(operator).await, rent - DUST);
}
